import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@payment-layer/shared-errors';
import {
  createRepositories,
  openStagingDb,
  type StagingDb,
  type StagingRepositories,
} from '@payment-layer/staging-db';
import { attentionCommand, outboxCommand, reportCommand, retryCommand, runCommand } from './commands';

const INVOICE = '6b0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f60';
const TODAY = new Date().toISOString().slice(0, 10);
const TOMORROW = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

describe('ops CLI commands on a staging file', () => {
  let dir: string;
  let db: StagingDb;
  let repos: StagingRepositories;
  let invoiceId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ops-'));
    db = openStagingDb({ path: join(dir, 'staging.sqlite') });
    db.migrate();
    repos = createRepositories(db);
    const { invoice } = repos.ledger.upsertInvoice({
      openimisInvoiceId: INVOICE,
      code: 'IV-TEST-000000001-2024-05',
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '7c0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f61',
      amount: '100.00',
      currency: 'USD',
    });
    invoiceId = invoice.id;
    repos.ledger.recordPayment({
      payment: {
        source: 'fineract-savings',
        sourceTxnId: '47',
        amount: '15.00',
        currency: 'USD',
        receivedAt: new Date(),
        state: 'needs_attention',
        reason: 'no invoice code in receipt',
      },
    });
    repos.ledger.updateInvoice(invoiceId, { state: 'paid', paidAmount: '100.00' });
    const { entry } = repos.outbox.enqueue({
      kind: 'openimis.paymentNotice',
      idempotencyKey: `payment-notice:${INVOICE}`,
      payload: {
        ledgerInvoiceId: invoiceId,
        invoiceUuid: INVOICE,
        code: 'IV-TEST-000000001-2024-05',
        kind: 'invoice',
        amount: '100.00',
        currency: 'USD',
      },
      aggregateRef: `invoice:${INVOICE}`,
    });
    repos.outbox.claim(entry.id, { now: new Date(), leaseMs: 1000 });
    repos.outbox.markDead(entry.id, 'openIMIS answered 500');
    repos.ledger.updateInvoice(invoiceId, {
      state: 'needs_attention',
      attentionReason: 'openimis.paymentNotice failed: openIMIS answered 500',
    });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('attention lists the invoice and the payment with their reasons', () => {
    const out = attentionCommand(repos);
    expect(out.data.invoices.map((i) => i.id)).toEqual([invoiceId]);
    expect(out.data.payments).toHaveLength(1);
    expect(out.text).toContain('openimis.paymentNotice failed: openIMIS answered 500');
    expect(out.text).toContain('fineract-savings 47 15.00 USD');
    expect(out.data.dead.map((e) => e.kind)).toEqual(['openimis.paymentNotice']);
    expect(out.text).toContain('outbox entries handed to an operator (dead): 1');
    expect(out.data.unknown).toHaveLength(0);
  });

  it('attention lists a PaymentNotice whose outcome is unknown while it is read back', () => {
    const { entry } = repos.outbox.enqueue({
      kind: 'openimis.paymentNotice',
      idempotencyKey: 'payment-notice:other',
      payload: {},
    });
    const claimed = repos.outbox.claim(entry.id, { now: new Date(), leaseMs: 1000 });
    repos.outbox.fail(entry.id, 'openIMIS did not answer POST within 20000 ms', new Date(Date.now() + 5000), {
      claim: { attempt: claimed?.attempts ?? 0 },
      progress: { noticePostedAt: '2026-05-17T10:58:46.000Z' },
    });
    const out = attentionCommand(repos);
    expect(out.data.unknown.map((e) => e.id)).toEqual([entry.id]);
    expect(out.text).toContain('outcome unknown): 1');
    expect(out.text).toContain('posted 2026-05-17T10:58:46.000Z');
  });

  /** A second invoice, paid, whose PaymentNotice step is queued (as the hook leaves it). */
  function paidInvoiceWithNoticeStep(uuid: string, code: string): { id: number; entryId: number } {
    const { invoice } = repos.ledger.upsertInvoice({
      openimisInvoiceId: uuid,
      code,
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '7c0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f62',
      amount: '42.50',
      currency: 'USD',
    });
    repos.ledger.updateInvoice(invoice.id, { state: 'paid', paidAmount: '42.50' });
    const { entry } = repos.outbox.enqueue({
      kind: 'openimis.paymentNotice',
      idempotencyKey: `payment-notice:${uuid}`,
      payload: {
        ledgerInvoiceId: invoice.id,
        invoiceUuid: uuid,
        code,
        kind: 'invoice',
        amount: '42.50',
        currency: 'USD',
      },
      aggregateRef: `invoice:${uuid}`,
    });
    return { id: invoice.id, entryId: entry.id };
  }

  it('attention names the invoice of a PaymentNotice cut off by a crash after "posted at" was noted', () => {
    const code = 'IV-TEST-000000002-2024-05';
    const { id, entryId } = paidInvoiceWithNoticeStep('6b0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f70', code);
    // The worker notes the POST, then is killed before openIMIS answered: the entry stays leased, no error noted.
    const claimed = repos.outbox.claim(entryId, { now: new Date(), leaseMs: 10_000 });
    repos.outbox.saveProgress(
      entryId,
      { attempt: claimed?.attempts ?? 0 },
      {
        noticePostedAt: new Date().toISOString(),
      },
    );
    const out = attentionCommand(repos);
    expect(out.data.unknown.map((e) => e.id)).toEqual([entryId]);
    // An operator (and the fault campaign) reads invoices by their line: the invoice id and code come first.
    expect(out.text).toMatch(new RegExp(`^ {2}invoice ${id} ${code} 42\\.50 USD .*outcome unknown`, 'm'));
  });

  it('attention lists an invoice with money recorded whose steps are unfinished past the threshold', () => {
    const code = 'IV-TEST-000000003-2024-05';
    const { id } = paidInvoiceWithNoticeStep('6b0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f80', code);
    const line = new RegExp(`^ {2}invoice ${id} ${code} .*openimis\\.paymentNotice pending`, 'm');
    // Just paid: its steps run within seconds, nothing to say yet.
    const fresh = attentionCommand(repos, { staleAfterMs: 5 * 60_000 });
    expect(fresh.data.stale).toHaveLength(0);
    expect(fresh.text).not.toMatch(line);
    // Ten minutes on and still not told to openIMIS: listed, with what its step waits for.
    const later = attentionCommand(repos, {
      now: new Date(Date.now() + 10 * 60_000),
      staleAfterMs: 5 * 60_000,
    });
    expect(later.data.stale.map((i) => i.id)).toEqual([id]);
    expect(later.text).toContain('not settled for over 5 min: 1');
    expect(later.text).toMatch(line);
    // Settled invoices are not listed, however old.
    for (const state of ['notified', 'verified', 'premium_recorded'] as const) {
      repos.ledger.updateInvoice(id, { state });
    }
    expect(
      attentionCommand(repos, { now: new Date(Date.now() + 10 * 60_000) }).data.stale.map((i) => i.id),
    ).toEqual([]);
    expect(() => runCommand(repos, ['attention', '--stale-after-min', 'soon'])).toThrow(ValidationError);
  });

  it('attention lists a sync whose last run failed, with its reason, and drops it once a run succeeds', () => {
    expect(attentionCommand(repos).data.syncs).toEqual([]);
    const startedAt = new Date();
    repos.cursors.recordRun('Invoice:invoice', {
      startedAt,
      finishedAt: new Date(),
      outcome: 'failed',
      processed: 100,
      error: 'openIMIS answered 502',
    });
    const out = attentionCommand(repos);
    expect(out.data.syncs.map((c) => c.resourceType)).toEqual(['Invoice:invoice']);
    expect(out.text).toContain('syncs whose last run failed: 1');
    expect(out.text).toMatch(/sync Invoice:invoice failed at .*, 100 processed: openIMIS answered 502/);
    repos.cursors.recordRun('Invoice:invoice', { startedAt, finishedAt: new Date(), outcome: 'succeeded' });
    expect(attentionCommand(repos).data.syncs).toEqual([]);
  });

  it('outbox --state dead lists the dead entry; a bad state is refused', () => {
    const out = outboxCommand(repos, { state: 'dead' });
    expect(out.data).toHaveLength(1);
    expect(out.text).toMatch(/1 dead/);
    expect(out.text).toContain('openIMIS answered 500');
    expect(() => outboxCommand(repos, { state: 'zombie' })).toThrow(ValidationError);
  });

  it('retry makes the dead entry due now and hands the invoice back to the step', () => {
    const [dead] = outboxCommand(repos, { state: 'dead' }).data;
    const out = retryCommand(repos, String(dead?.id));
    expect(out.data).toMatchObject({ state: 'pending', attempts: 0 });
    expect(repos.ledger.getInvoiceById(invoiceId)).toMatchObject({ state: 'paid', attentionReason: null });
    expect(outboxCommand(repos, { state: 'dead' }).data).toHaveLength(0);
    expect(() => retryCommand(repos, 'x')).toThrow('usage: retry <outboxId>');
    expect(() => retryCommand(repos, '999')).toThrow('no outbox entry 999');
  });

  it('report prints the ledger reconciliation for a period', () => {
    const out = reportCommand(repos, { from: TODAY, to: TOMORROW });
    expect(out.data).toMatchObject({ invoices: 1, payments: { needs_attention: 1, matched: 0 } });
    expect(out.data.discrepancies.map((d) => d.kind)).toEqual([
      'invoice-needs-attention',
      'payment-needs-attention',
    ]);
    expect(out.text).toContain('discrepancies: 2');
    expect(() => reportCommand(repos, { from: 'last week', to: TOMORROW })).toThrow(ValidationError);
  });

  it('runCommand dispatches the argv and refuses unknown commands', () => {
    expect(runCommand(repos, ['report', '--from', TODAY, `--to=${TOMORROW}`])).toContain('invoices: 1');
    expect(runCommand(repos, ['outbox'])).toContain('1 dead');
    expect(() => runCommand(repos, ['frobnicate'])).toThrow('usage:');
  });

  it('lists unpaid payouts with their reason, and an operator retry makes a failed one due again', () => {
    const { payout } = repos.payouts.recordPayout({
      kind: 'claim',
      sourceId: '8d0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f62',
      code: 'CLM0000001',
      facilityId: '9e0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f63',
      facilityCode: 'HF001',
      amount: '250.00',
      currency: 'USD',
      rail: 'fineract',
    });
    const [leased] = repos.payouts.claimDue({
      now: new Date(),
      limit: 1,
      leaseMs: 1000,
      rails: ['fineract'],
    });
    repos.payouts.finish(
      { id: payout.id, attempt: leased!.attempts },
      { state: 'failed', reason: 'Fineract refused the deposit' },
    );
    const text = runCommand(repos, ['payouts']);
    expect(text).toContain('payouts (pending, in_flight, failed, needs_attention): 1');
    expect(text).toMatch(
      /claim:8d0d7a3e.* CLM0000001 250\.00 USD → facility HF001 over fineract: failed, 1 attempt\(s\) — Fineract refused the deposit/,
    );
    expect(runCommand(repos, ['payouts', '--state', 'paid'])).toContain(': 0');
    expect(() => runCommand(repos, ['payouts', '--state', 'lost'])).toThrow(ValidationError);
    expect(runCommand(repos, ['retry-payout', String(payout.id)])).toContain('is due again');
    expect(repos.payouts.getById(payout.id)?.state).toBe('pending');
    expect(() => runCommand(repos, ['retry-payout', String(payout.id)])).toThrow(/only failed or flagged/);
  });
});
