import { toMojaloopAmountString } from '@payment-layer/mifos-mojaloop-client';
import { BackendContractError, FakePayerFsp, type PayResult } from '@payment-layer/sandbox';
import { AUTH, startHarness, type Harness, type SeededInvoice } from './harness';

// Contributions paid by mobile money: a fake payer FSP drives our SDK backend API as the payee's SDK scheme adapter
// would (payments.md §4), and the payment must reach openIMIS exactly once, only on COMMITTED.

const ACCOUNT = { idType: 'BUSINESS', idValue: 'NHIF' };

// Simulators, a migrated staging file and the schema compilation on first use: more than the default 5 s.
jest.setTimeout(60_000);

describe('payment mediator: Mojaloop SDK backend API (payee side)', () => {
  let h: Harness;
  let payer: FakePayerFsp;
  let inv: SeededInvoice;

  beforeEach(async () => {
    h = await startHarness({
      env: { MOJALOOP_PAYEE_ID_VALUE: ACCOUNT.idValue, MOJALOOP_DFSP_ID: 'nhiffsp' },
    });
    const url = await h.listen();
    payer = new FakePayerFsp({
      backendUrl: `${url}/mojaloop`,
      headers: { authorization: AUTH },
      payeeFspId: 'nhiffsp',
    });
    inv = await h.seedInvoice(0);
  });
  afterEach(async () => {
    await h.close();
  });

  const payInvoice = (
    overrides: { amount?: string; currency?: string; outcome?: 'COMMITTED' | 'ABORTED'; code?: string } = {},
  ): Promise<PayResult> =>
    payer.pay({
      payee: { ...ACCOUNT, idSubValue: overrides.code ?? inv.code },
      amount: overrides.amount ?? toMojaloopAmountString(inv.amount, inv.currency),
      currency: overrides.currency ?? inv.currency,
      ...(overrides.outcome ? { outcome: overrides.outcome } : {}),
    });

  const mojaloopPayments = () => h.repos.ledger.listPayments({ source: 'mojaloop' });

  it('COMMITTED: one payment, the invoice paid and one PaymentNotice', async () => {
    const r = await payInvoice();
    if (!r.ok) {
      throw new Error(`payment refused at ${r.stage}: ${JSON.stringify(r.body)}`);
    }
    const [lookup, quote, prepare] = r.exchanges;
    expect(lookup?.body).toMatchObject({
      ...ACCOUNT,
      idSubValue: inv.code,
      fspId: 'nhiffsp',
      supportedCurrencies: [inv.currency],
    });
    expect(quote?.body).toMatchObject({
      transferAmount: toMojaloopAmountString(inv.amount, inv.currency),
      transferAmountCurrency: inv.currency,
      payeeFspFeeAmount: '0',
    });
    expect(prepare?.body).toEqual({
      homeTransactionId: `${inv.code}:${r.transferId}`,
      transferState: 'RESERVED',
    });

    const payments = mojaloopPayments();
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      sourceTxnId: r.transferId,
      state: 'matched',
      amount: inv.amount,
      currency: inv.currency,
      reference: inv.code,
    });
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'paid',
      paidAmount: inv.amount,
    });

    await h.drain();
    const notices = h.openimis.store.paymentNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ subjectId: inv.uuid, outcome: { action: 'paid' } });
  });

  it('POST /transfers records nothing: only the final notification is money', async () => {
    const quote = await payer.pay({
      payee: { ...ACCOUNT, idSubValue: inv.code },
      amount: toMojaloopAmountString(inv.amount, inv.currency),
      currency: inv.currency,
      outcome: 'ABORTED',
    });
    expect(quote.ok).toBe(true);
    expect(quote.exchanges.map((x) => x.status)).toEqual([200, 200, 200, 200]);
    expect(mojaloopPayments()).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'awaiting_payment',
      paidAmount: '0',
    });
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(0);
  });

  it('a duplicate PUT COMMITTED changes nothing: still one payment and one PaymentNotice', async () => {
    const r = await payInvoice();
    if (!r.ok) {
      throw new Error(`payment refused at ${r.stage}`);
    }
    await h.drain();
    // The SDK's notification again, with new timestamps (a re-delivery or an OpenHIM rerun).
    const again = await payer.notify(r.transferId, {
      ...r.notification,
      finalNotification: {
        transferState: 'COMMITTED',
        completedTimestamp: new Date(Date.now() + 5_000).toISOString(),
      },
    });
    expect(again.status).toBe(200);
    expect((await payer.notify(r.transferId, r.notification)).status).toBe(200);
    expect(mojaloopPayments()).toHaveLength(1);
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
  });

  it('the same transfer id with another amount is a conflict and records nothing more', async () => {
    const r = await payInvoice();
    if (!r.ok) {
      throw new Error(`payment refused at ${r.stage}`);
    }
    const prepare = r.notification['prepare'] as { body: Record<string, unknown> };
    const tampered = await payer.notify(r.transferId, {
      ...r.notification,
      prepare: { ...prepare, body: { ...prepare.body, amount: { amount: '1', currency: inv.currency } } },
    });
    expect(tampered.status).toBe(409);
    expect(mojaloopPayments()).toHaveLength(1);
  });

  it('a quote for another amount than the open balance is refused (5103) and nothing is recorded', async () => {
    const r = await payInvoice({ amount: '1' });
    expect(r).toMatchObject({ ok: false, stage: 'quote', status: 400, body: { statusCode: '5103' } });
    expect(r.exchanges).toHaveLength(2);
    expect(mojaloopPayments()).toHaveLength(0);
  });

  it('a quote in another currency is refused (5106)', async () => {
    const other = inv.currency === 'TZS' ? 'KES' : 'TZS';
    const r = await payInvoice({ currency: other });
    expect(r).toMatchObject({ ok: false, stage: 'quote', body: { statusCode: '5106' } });
  });

  it('an unknown invoice code is "Party not found" (404, 3204) in the SDK error shape', async () => {
    const r = await payInvoice({ code: 'IV-NOT-AN-INVOICE' });
    expect(r).toMatchObject({
      ok: false,
      stage: 'party',
      status: 404,
      body: { statusCode: '3204', message: 'Party not found' },
    });
    const other = await payer.call('GET', `/parties/MSISDN/255700000001/${encodeURIComponent(inv.code)}`);
    expect(other).toMatchObject({ status: 404, body: { statusCode: '3204' } });
  });

  it('a paid invoice is no longer a party, and an ABORTED notification for it records nothing', async () => {
    const r = await payInvoice();
    expect(r.ok).toBe(true);
    const again = await payInvoice();
    expect(again).toMatchObject({ ok: false, stage: 'party', status: 404 });
    const aborted = await payer.notify('0b6c9d4e-6f1e-4c2a-9a57-3f2f1d1c0b0a', {
      transferId: '0b6c9d4e-6f1e-4c2a-9a57-3f2f1d1c0b0a',
      currentState: 'ABORTED',
      finalNotification: { transferState: 'ABORTED', completedTimestamp: new Date().toISOString() },
    });
    expect(aborted.status).toBe(200);
    expect(mojaloopPayments()).toHaveLength(1);
  });

  it('a COMMITTED notification the SDK could not enrich is kept for an operator, never dropped', async () => {
    const id = '5f0c2a1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
    const bare = await payer.notify(id, {
      currentState: 'COMPLETED',
      finalNotification: { transferState: 'COMMITTED', completedTimestamp: new Date().toISOString() },
    });
    expect(bare.status).toBe(200);
    expect(mojaloopPayments()).toEqual([
      expect.objectContaining({ sourceTxnId: id, state: 'needs_attention', invoiceId: null }),
    ]);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('awaiting_payment');
  });

  it('refuses callers without the route credentials (401) and changes nothing', async () => {
    const anonymous = new FakePayerFsp({ backendUrl: `${h.url!}/mojaloop` });
    await expect(
      anonymous.pay({ payee: { ...ACCOUNT, idSubValue: inv.code }, amount: '1', currency: inv.currency }),
    ).rejects.toThrow(BackendContractError);
    const raw = await anonymous.call('GET', `/parties/BUSINESS/NHIF/${encodeURIComponent(inv.code)}`);
    expect(raw.status).toBe(401);
    expect(mojaloopPayments()).toHaveLength(0);
  });
});
