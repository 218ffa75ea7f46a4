import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAmount, toMojaloopAmount } from '@payment-layer/shared-money';
import { createRepositories, openStagingDb } from '@payment-layer/staging-db';
import {
  runClaimDemo,
  runClaimMojaloopDemo,
  runInsureeDemo,
  runMojaloopDemo,
  runPaymentDemo,
  SANDBOX_PAYOUT_FLOAT,
  startStack,
  type Stack,
} from '../src/cli/stack';

jest.setTimeout(180_000);

// The whole layer as `npm start` runs it (four mediator processes, OpenHIM core, openIMIS and Fineract simulators),
// on free ports: insurees through the router, then the contribution payment loop end to end.
describe('the payment layer end to end in the sandbox', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stack-'));
    const configured = new Set(['OPENIMIS_URL', 'FINERACT_URL', 'OPENHIM_API_URL', 'STAGING_DB_PATH']);
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !configured.has(k))),
      LOG_LEVEL: 'warn',
    };
    stack = await startStack({ ports: 'random', families: 8, dataDir: dir, env });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the four mediators and their channels with OpenHIM', () => {
    const core = stack.up.sims!.core;
    for (const m of stack.mediators) {
      expect(core.getMediator(m.urn)).toBeDefined();
    }
    expect(core.listChannels().length).toBeGreaterThanOrEqual(12);
  });

  it('exposes the Mojaloop SDK simulator for paying out: outbound URL and payee wallets', async () => {
    const m = stack.mojaloop!;
    const wallet = m.addWallet({ idType: 'MSISDN', idValue: '255700000099', currencies: ['USD'] });
    expect(m.sim.wallet('MSISDN', '255700000099')).toBe(wallet);
    // The outbound API answers: a transfer the switch never saw is the SDK's 500 with Mojaloop error 3208.
    const res = await fetch(`${m.outboundUrl}/transfers/00000000-0000-4000-8000-000000000000`);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ statusCode: '3208' });
  });

  it('pushes an insuree and syncs the population through the router', async () => {
    const r = await runInsureeDemo(stack);
    expect(r.patientStatus).toBe(201);
    expect(r.syncStatus).toBe(200);
    const sims = stack.up.sims!;
    const patients = sims.openimis.store.list('Patient').length;
    // Every insuree is a client; the only other one is the scheme's payout float (created at start).
    const insurees = [...sims.fineract.state.clients.values()].filter(
      (c) => c.externalId !== SANDBOX_PAYOUT_FLOAT.externalId,
    );
    expect(insurees).toHaveLength(patients);
    expect(sims.fineract.state.clients.size).toBe(patients + 1);
    expect(sims.core.getTransaction(r.syncTransaction)?.storageError).toBeUndefined();
  });

  it('invoice → charge → paid in Fineract → hook → one PaymentNotice → invoice PAID → premium recorded', async () => {
    const r = await runPaymentDemo(stack);
    const sims = stack.up.sims!;
    expect(r.fineractChargeId).toBeGreaterThan(0);
    expect(r.hookTransaction).toBeDefined();
    expect(r.paymentNotices).toBe(1);
    expect(r.invoicePaid).toBe(true);
    expect(r.premiums).toBe(1);
    // The notice carries the whole invoice total (compared as decimals: openIMIS writes `10000`, the invoice `10000.00`).
    const invoice = sims.openimis.store.invoice(r.invoiceId)!;
    const notice = sims.openimis.store.paymentNotices().find((p) => p.subjectId === r.invoiceId);
    const canonical = (v: unknown): string => toMojaloopAmount(parseAmount(v, invoice.currency));
    expect(canonical(notice?.amountReceived)).toBe(canonical(invoice.amountTotal));
    expect(r.amount).toBe(`${canonical(invoice.amountTotal)} ${invoice.currency}`);
    expect(notice?.amountReceived).toBe(r.amount.split(' ')[0]);
    // The hook's transaction was stored by core with the payment mediator's envelope.
    const hookTx = sims.core.getTransaction(r.hookTransaction!);
    expect(hookTx?.storageError).toBeUndefined();
    expect(hookTx?.response?.status).toBe(200);
  });

  it('valuated claim → one deposit into the savings account of its health facility', async () => {
    const r = await runClaimDemo(stack);
    expect(r.status).toBe(201);
    expect(r.deposits).toBe(1);
    const sims = stack.up.sims!;
    const account = sims.fineract.state.savingsAccounts.get(r.savingsAccountId ?? -1);
    expect(sims.fineract.state.clients.get(account?.clientId ?? -1)?.legalFormId).toBe(2);
    expect(sims.core.getTransaction(r.transaction)?.storageError).toBeUndefined();
  });

  it('valuated claim of the Mojaloop-routed facility → one COMMITTED transfer to its wallet, one float withdrawal, payout paid', async () => {
    const r = await runClaimMojaloopDemo(stack);
    const sims = stack.up.sims!;
    expect(r.status).toBe(201);
    expect(r.payoutState).toBe('paid');
    expect(r.transfers).toBe(1);
    expect(r.transferState).toBe('COMMITTED');
    expect(r.withdrawals).toBe(1);
    // The wallet got the amount and the float gave exactly that (no fee in the sandbox).
    const [amount, currency] = r.amount.split(' ');
    expect(r.walletCredited).toBe(parseAmount(amount, currency!).amount);
    expect(r.floatDebited).toBe(r.walletCredited);
    // Not the Fineract demo's claim, and nothing deposited into a facility savings account for it.
    const deposits = [...sims.fineract.state.savingsTransactions.values()].filter(
      (t) => t.savingsId !== r.floatSavingsAccountId && t.paymentDetail?.receiptNumber === r.claimCode,
    );
    expect(deposits).toHaveLength(0);
    expect(sims.core.getTransaction(r.transaction)?.storageError).toBeUndefined();
    const db = openStagingDb({ path: stack.layout.stagingDb });
    try {
      const payout = createRepositories(db).payouts.getByKey(`claim:${r.claimId}`);
      expect(payout).toMatchObject({ state: 'paid', rail: 'mojaloop', reference: r.transferId });
    } finally {
      db.close();
    }
  });

  it('a contribution paid over Mojaloop: lookup, quote, RESERVED, COMMITTED → one mojaloop payment, one PaymentNotice, PAID', async () => {
    const r = await runMojaloopDemo(stack);
    const sims = stack.up.sims!;
    expect(r.calls.map((c) => `${c.step} ${c.method} ${c.status}`)).toEqual([
      'party GET 200',
      'quote POST 200',
      'transfer POST 200',
      'notification PUT 200',
    ]);
    expect(r.calls[0]?.path).toBe(`/parties/BUSINESS/OPENIMIS/${encodeURIComponent(r.invoiceCode)}`);
    expect(r.prepareState).toBe('RESERVED');
    expect(r.paymentOutcome).toBe('paid');
    expect(r.invoicePaid).toBe(true);
    expect(r.paymentNotices).toBe(1);
    // Every SDK backend call went through the OpenHIM router and was stored with the mediator's envelope.
    for (const c of r.calls) {
      const tx = sims.core.getTransaction(c.transaction);
      expect(tx?.storageError).toBeUndefined();
      expect(tx?.response?.status).toBe(c.status);
    }
    // The notice carries the whole invoice total (compared as decimals: openIMIS writes `10000`, the invoice `10000.00`).
    const invoice = sims.openimis.store.invoice(r.invoiceId)!;
    const notice = sims.openimis.store.paymentNotices().find((p) => p.subjectId === r.invoiceId);
    const canonical = (v: unknown): string => toMojaloopAmount(parseAmount(v, invoice.currency));
    expect(canonical(notice?.amountReceived)).toBe(canonical(invoice.amountTotal));
    expect(r.amount).toBe(`${canonical(invoice.amountTotal)} ${invoice.currency}`);

    // The ledger the mediators share: exactly one payment from Mojaloop, keyed by the transferId.
    const db = openStagingDb({ path: stack.layout.stagingDb });
    try {
      const payments = createRepositories(db).ledger.listPayments({ source: 'mojaloop' });
      expect(payments).toHaveLength(1);
      expect(payments[0]).toMatchObject({ sourceTxnId: r.transferId, state: 'matched' });
      expect(String(payments[0]?.id)).toBe(r.paymentId);
    } finally {
      db.close();
    }
  });
});
