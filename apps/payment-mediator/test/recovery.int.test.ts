import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { drainPaymentOutbox, retryOutboxEntry } from '@payment-layer/flows-payment';
import { simulatorUpstreamEnv } from '@payment-layer/sandbox';
import { HOOK_SECRET, ROUTE_CREDENTIALS, startHarness, type Harness, type SeededInvoice } from './harness';

const ROOT = join(__dirname, '../../..');

async function waitFor(what: string, condition: () => boolean, deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function paidInvoices(h: Harness, n: number, key: string): Promise<SeededInvoice[]> {
  const out: SeededInvoice[] = [];
  for (let i = 0; i < n; i++) {
    const inv = await h.seedInvoice(i);
    await h.pay(inv, inv.amount, `${key}-${i}`);
    out.push(inv);
  }
  await h.fineract.hooksIdle();
  return out;
}

describe('recovery after an outage and after a crash', () => {
  let h: Harness;
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGKILL');
      }
    }
    await h.close();
  });

  it('runs every waiting step as soon as openIMIS answers again, whatever back-off the outage built up', async () => {
    h = await startHarness({ families: 5 });
    await h.listen();
    const invoices = await paidInvoices(h, 5, 'pay-outage-reset');
    await h.openimis.setDown(true);
    // A long outage: every retry fails and the back-off grows.
    for (let i = 0; i < 8; i++) {
      h.advance(60_000);
      await drainPaymentOutbox(h.app.payment, { concurrency: 4 });
    }
    expect(h.repos.outbox.list({ kind: 'openimis.paymentNotice', state: 'pending' })).toHaveLength(5);
    expect(
      h.repos.outbox
        .list({ state: 'pending' })
        .some((e) => e.nextAttemptAt > h.app.payment.now!().toISOString()),
    ).toBe(true);

    await h.openimis.setDown(false);
    // No clock moves: one tick of the worker probes openIMIS, finds it back and runs everything waiting.
    await drainPaymentOutbox(h.app.payment, { concurrency: 4 });

    expect(h.openimis.store.paymentNotices()).toHaveLength(5);
    for (const inv of invoices) {
      expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');
    }
    expect(h.repos.outbox.list({ state: ['pending', 'in_progress', 'dead'] })).toHaveLength(0);
  }, 120_000);

  it('a mediator killed -9 during a PaymentNotice: restarted, it settles within 15 s and posts nothing twice', async () => {
    h = await startHarness({ families: 1 });
    await h.listen();
    const [inv] = await paidInvoices(h, 1, 'pay-crash');
    // The in-process app only recorded the payment; the worker runs in child processes from here on.
    await h.app.close();
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...simulatorUpstreamEnv(h.openimis, h.fineract),
      MEDIATOR_CLIENT_USERNAME: ROUTE_CREDENTIALS.username,
      MEDIATOR_CLIENT_PASSWORD: ROUTE_CREDENTIALS.password,
      FINERACT_HOOK_SECRET: HOOK_SECRET,
      OPENHIM_REGISTER: 'false',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
      STAGING_DB_PATH: h.dbPath,
      OUTBOX_INTERVAL_MS: '200',
      OPENIMIS_TIMEOUT_MS: '20000',
      FINERACT_CATCH_UP_INTERVAL_MS: '0',
    };
    const start = (): ChildProcess => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(ROOT, 'apps/payment-mediator/src/main.ts')],
        {
          cwd: ROOT,
          env,
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      children.push(child);
      return child;
    };
    // openIMIS is slow: the first mediator is killed while its PaymentNotice POST is being processed.
    h.openimis.setProcessingDelay(3_000, { method: 'POST', path: /PaymentNotice/ });
    const first = start();
    const notice = (): string | undefined => h.repos.outbox.getByKey(`payment-notice:${inv!.uuid}`)?.state;
    await waitFor('the first mediator to start the PaymentNotice', () => {
      const e = h.repos.outbox.getByKey(`payment-notice:${inv!.uuid}`);
      return e?.state === 'in_progress' && e.result !== null;
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(notice()).toBe('in_progress');

    const back = Date.now();
    start();
    await waitFor('the invoice to settle', () => {
      const steps = h.repos.outbox.list({ aggregateRef: `invoice:${inv!.uuid}` });
      return steps.length === 3 && steps.every((s) => s.state === 'done');
    });
    const settleMs = Date.now() - back;
    process.stdout.write(`recovery after kill -9: settled ${settleMs} ms after the restart\n`);

    expect(settleMs).toBeLessThanOrEqual(15_000);
    expect(h.openimis.store.paymentNotices().filter((n) => n.subjectId === inv!.uuid)).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceById(inv!.ledger.id)?.state).toBe('verified');
    expect(h.repos.outbox.getByKey(`payment-notice:${inv!.uuid}`)?.result).toMatchObject({ readBack: true });
  }, 120_000);
  it('a step stopped by an invoice flagged elsewhere keeps the first reason; a retry does not hand it back', async () => {
    h = await startHarness({ families: 1 });
    await h.listen();
    const [inv] = await paidInvoices(h, 1, 'pay-flagged');
    const reason =
      'Fineract charge 1 shows 10.00 USD paid that neither the ledger nor an unrecorded charge payment explains';
    h.repos.ledger.updateInvoice(inv!.ledger.id, { state: 'needs_attention', attentionReason: reason });

    await h.drain();

    const notice = h.repos.outbox.getByKey(`payment-notice:${inv!.uuid}`);
    expect(notice?.state).toBe('dead');
    const flagged = h.repos.ledger.getInvoiceById(inv!.ledger.id);
    expect(flagged?.state).toBe('needs_attention');
    expect(flagged?.attentionReason?.startsWith(reason)).toBe(true);
    // The operator retries the step before resolving the first problem: the invoice stays with the operator.
    retryOutboxEntry(h.repos, notice!.id);
    expect(h.repos.ledger.getInvoiceById(inv!.ledger.id)?.state).toBe('needs_attention');
    await h.drain();
    expect(h.openimis.store.paymentNotices().filter((n) => n.subjectId === inv!.uuid)).toHaveLength(0);
  }, 120_000);
});
