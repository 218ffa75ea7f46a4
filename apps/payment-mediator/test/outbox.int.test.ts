import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import {
  drainPaymentOutbox,
  runDuePaymentSteps,
  type PaymentFlowContext,
} from '@payment-layer/flows-payment';
import { startHarness, type Harness } from './harness';

const INVOICES = 6;

/** The real openIMIS client, counting the calls in flight at once. */
function countingOpenImis(client: OpenImisClient): { client: OpenImisClient; maxInFlight: () => number } {
  let inFlight = 0;
  let max = 0;
  const counted = new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return async (...args: unknown[]): Promise<unknown> => {
        inFlight++;
        max = Math.max(max, inFlight);
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          inFlight--;
        }
      };
    },
  });
  return { client: counted, maxInFlight: () => max };
}

describe('payment outbox worker', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness({ families: INVOICES });
    await h.listen();
    for (let i = 0; i < INVOICES; i++) {
      const inv = await h.seedInvoice(i);
      await h.pay(inv, inv.amount, `pay-outbox-${i}`);
    }
    await h.fineract.hooksIdle();
    expect(h.repos.outbox.countByState().pending).toBe(3 * INVOICES);
  });

  afterEach(async () => {
    await h.close();
  });

  it('runs the steps of different invoices side by side, the steps of one invoice in order', async () => {
    const openimis = countingOpenImis(h.app.payment.openimis);
    const ctx: PaymentFlowContext = { ...h.app.payment, openimis: openimis.client };

    const results = await runDuePaymentSteps(ctx, { concurrency: 4 });

    expect(openimis.maxInFlight()).toBe(4);
    expect(results).toHaveLength(3 * INVOICES);
    expect(results.every((r) => r.state === 'done')).toBe(true);
    // Each invoice's verification finished after its PaymentNotice, its premium step (off: skipped) after that.
    const order = results.map((r) => {
      const entry = h.repos.outbox.get(r.entryId);
      return { kind: r.kind, invoice: (entry?.payload as { invoiceUuid: string }).invoiceUuid };
    });
    for (const { invoice } of order) {
      const kinds = order.filter((o) => o.invoice === invoice).map((o) => o.kind);
      expect(kinds).toEqual(['openimis.paymentNotice', 'openimis.verifyPaid', 'openimis.premium']);
    }
    const notices = h.openimis.store.paymentNotices();
    expect(notices).toHaveLength(INVOICES);
    expect(new Set(notices.map((n) => n.subjectId)).size).toBe(INVOICES);
  });

  it('one step at a time unless asked for more', async () => {
    const openimis = countingOpenImis(h.app.payment.openimis);
    await runDuePaymentSteps({ ...h.app.payment, openimis: openimis.client });
    expect(openimis.maxInFlight()).toBe(1);
  });

  it('one run is bounded: with one entry per claim it stops after 10 steps', async () => {
    const ran = await runDuePaymentSteps(h.app.payment, { limit: 1 });
    expect(ran).toHaveLength(10);
    expect(h.repos.outbox.countByState().pending).toBe(3 * INVOICES - 10);
  });

  it('a drain runs everything due, beyond what one run claims', async () => {
    const ran = await drainPaymentOutbox(h.app.payment, { limit: 1, concurrency: 2 });
    expect(ran).toBe(3 * INVOICES);
    expect(h.repos.outbox.countByState()).toMatchObject({ pending: 0, in_progress: 0, done: 3 * INVOICES });
    expect(h.openimis.store.paymentNotices()).toHaveLength(INVOICES);
  });

  it('a drain stops when nothing it ran succeeded (openIMIS down: the steps wait for their retry time)', async () => {
    await h.openimis.setDown(true);
    const ran = await drainPaymentOutbox(h.app.payment, { concurrency: 4 });
    // Every notice once, then one of them again as the probe of whether openIMIS answers again.
    expect(ran).toBe(INVOICES + 1);
    expect(h.repos.outbox.countByState()).toMatchObject({ pending: 3 * INVOICES, done: 0 });
    await h.openimis.setDown(false);
  });

  it('a drain does not start once aborted (shutdown)', async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await drainPaymentOutbox(h.app.payment, { signal: abort.signal })).toBe(0);
    expect(h.repos.outbox.countByState().pending).toBe(3 * INVOICES);
  });
});
