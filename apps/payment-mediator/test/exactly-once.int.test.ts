import type { PaymentNotice } from 'fhir/r4';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import {
  paymentReference,
  retryOutboxEntry,
  runDuePaymentSteps,
  type PaymentFlowContext,
} from '@payment-layer/flows-payment';
import { startOpenHimCore, type OpenHimCoreSimulator } from '@payment-layer/sandbox';
import { startHarness, type Harness, type SeededInvoice } from './harness';

/** The real openIMIS client, counting calls per method and optionally running something after one. */
function spyOpenImis(
  client: OpenImisClient,
  after: Partial<Record<keyof OpenImisClient, () => Promise<void>>> = {},
): { client: OpenImisClient; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const spied = new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') {
        return value;
      }
      return async (...args: unknown[]): Promise<unknown> => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        const out = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        await after[prop as keyof OpenImisClient]?.();
        return out;
      };
    },
  });
  return { client: spied, calls };
}

async function waitFor(what: string, condition: () => boolean, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function paidInvoice(h: Harness, key: string): Promise<SeededInvoice> {
  const inv = await h.seedInvoice(0);
  await h.pay(inv, inv.amount, key);
  await h.fineract.hooksIdle();
  expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('paid');
  return inv;
}

const noticesFor = (h: Harness, inv: SeededInvoice): number =>
  h.openimis.store.paymentNotices().filter((n) => n.subjectId === inv.uuid).length;

describe('PaymentNotice exactly once when openIMIS is slow', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('reads back, never posts again, while openIMIS still processes a notice that timed out', async () => {
    h = await startHarness({ families: 1 });
    await h.listen();
    const inv = await paidInvoice(h, 'pay-slow-1');
    const spy = spyOpenImis(h.app.payment.openimis);
    const ctx: PaymentFlowContext = { ...h.app.payment, openimis: spy.client };
    // openIMIS takes 3.5 s to store the notice; the client gives up after 2 s (OPENIMIS_TIMEOUT_MS of the harness).
    h.openimis.setProcessingDelay(3_500, { method: 'POST', path: /PaymentNotice/ });

    const first = await runDuePaymentSteps(ctx);
    expect(first).toEqual([expect.objectContaining({ kind: 'openimis.paymentNotice', state: 'retry' })]);
    // The retry comes due while openIMIS is still busy with the first POST: it finds nothing yet.
    h.advance(60_000);
    const second = await runDuePaymentSteps(ctx);
    expect(second).toEqual([expect.objectContaining({ kind: 'openimis.paymentNotice', state: 'retry' })]);
    expect(spy.calls.createPaymentNotice).toBe(1);

    await waitFor('openIMIS to store the slow notice', () => noticesFor(h, inv) === 1);
    h.openimis.setProcessingDelay(0);
    h.advance(60_000);
    await runDuePaymentSteps(ctx);

    expect(spy.calls.createPaymentNotice).toBe(1);
    expect(noticesFor(h, inv)).toBe(1);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');
    const step = h.repos.outbox.getByKey(`payment-notice:${inv.uuid}`);
    expect(step).toMatchObject({ state: 'done', result: expect.objectContaining({ readBack: true }) });
  }, 60_000);

  it('hands a notice whose outcome stays unknown to an operator instead of posting it again', async () => {
    h = await startHarness({ families: 1 });
    await h.listen();
    const inv = await paidInvoice(h, 'pay-slow-2');
    const spy = spyOpenImis(h.app.payment.openimis);
    const ctx: PaymentFlowContext = { ...h.app.payment, openimis: spy.client };
    h.openimis.setProcessingDelay(4_000, { method: 'POST', path: /PaymentNotice/ });

    await runDuePaymentSteps(ctx);
    // Long after any openIMIS request could still be running, the notice is still not there: an operator decides.
    h.advance(24 * 60 * 60 * 1000);
    const late = await runDuePaymentSteps(ctx);
    expect(late).toEqual([expect.objectContaining({ kind: 'openimis.paymentNotice', state: 'dead' })]);
    expect(spy.calls.createPaymentNotice).toBe(1);
    const flagged = h.repos.ledger.getInvoiceById(inv.ledger.id);
    expect(flagged?.state).toBe('needs_attention');
    expect(flagged?.attentionReason).toMatch(/outcome unknown/);
    // openIMIS stored it after all: the operator's retry finds it and posts nothing.
    await waitFor('openIMIS to store the slow notice', () => noticesFor(h, inv) === 1);
    h.openimis.setProcessingDelay(0);
    retryOutboxEntry(h.repos, late[0]!.entryId);
    await runDuePaymentSteps(ctx);
    expect(spy.calls.createPaymentNotice).toBe(1);
    expect(noticesFor(h, inv)).toBe(1);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');
  }, 60_000);

  it('flags a duplicate PaymentNotice that still happened (e.g. a second poster) for an operator', async () => {
    h = await startHarness({ families: 1 });
    await h.listen();
    const inv = await paidInvoice(h, 'pay-dup-1');
    const openimis = h.app.payment.openimis;
    // Someone else posts our notice a second time right after ours (a worker that lost its lease, a manual post).
    const spy = spyOpenImis(openimis, {
      createPaymentNotice: async () => {
        const again: PaymentNotice = {
          resourceType: 'PaymentNotice',
          status: 'active',
          request: { reference: `Invoice/${inv.uuid}`, type: 'Invoice' },
          created: new Date().toISOString(),
          payment: { reference: paymentReference(inv.ledger.id) },
          recipient: { reference: 'Organization/openIMIS-Implementation' },
          amount: { value: Number(inv.amount), currency: inv.currency },
          paymentStatus: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/paymentstatus', code: 'paid' }],
          },
        };
        await openimis.createPaymentNotice(again);
      },
    });
    const ctx: PaymentFlowContext = { ...h.app.payment, openimis: spy.client };

    await runDuePaymentSteps(ctx);

    expect(noticesFor(h, inv)).toBe(2);
    const flagged = h.repos.ledger.getInvoiceById(inv.ledger.id);
    expect(flagged?.state).toBe('needs_attention');
    expect(flagged?.attentionReason).toMatch(/duplicate PaymentNotice/);
  }, 60_000);
});

describe('premium decided when the step runs, from the config in force', () => {
  let h: Harness;
  let core: OpenHimCoreSimulator;

  afterEach(async () => {
    await h.close();
    await core.close();
  });

  it('records the premium after a restart that served hooks before the OpenHIM config arrived', async () => {
    core = await startOpenHimCore({});
    h = await startHarness({
      families: 1,
      env: { OPENHIM_REGISTER: 'true', OPENHIM_API_URL: core.apiUrl, OPENHIM_PASSWORD: 'openhim-password' },
    });
    const url = await h.listen();
    const port = Number(new URL(url).port);
    await h.app.mediator.registration?.waitUntilRegistered(20_000);
    const urn = h.app.mediator.urn;
    core.setMediatorConfig(urn, { ...h.app.mediator.config.value, recordPremium: true });

    // Restart while OpenHIM core's API is down: the mediator serves with its default config (no premiums).
    await core.setApiAvailable(false);
    await h.restart();
    await h.listen(port);
    expect(h.app.mediator.config.value.recordPremium).toBe(false);
    const inv = await paidInvoice(h, 'pay-premium-1');
    await runDuePaymentSteps(h.app.payment);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');
    expect(h.openimis.store.premiums()).toHaveLength(0);

    // Core is back: the config arrives, and the premium step (waiting for it) records the premium.
    await core.setApiAvailable(true);
    await h.app.mediator.registration?.waitUntilRegistered(30_000);
    expect(h.app.mediator.config.value.recordPremium).toBe(true);
    h.advance(60_000);
    await runDuePaymentSteps(h.app.payment);
    expect(h.openimis.store.premiums()).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('premium_recorded');
  }, 90_000);
});
