import type { Bundle, PaymentNotice } from 'fhir/r4';
import { Decimal } from 'decimal.js';
import { assertValidResource } from '@payment-layer/fhir-util';
import { clientChargePaidHook, savingsDepositHook } from '@payment-layer/mifos-fineract-client/testing';
import { AUTH, HOOK_PATH, HOOK_SECRET, startHarness, type Harness, type SeededInvoice } from './harness';

/** A JSON number from a decimal amount (FHIR Money.value). */
const num = (amount: string | Decimal): number => new Decimal(amount).toNumber();

function notice(inv: { uuid: string }, id: string, value: number, currency = 'USD'): PaymentNotice {
  return {
    resourceType: 'PaymentNotice',
    identifier: [{ system: 'urn:bank:acme', value: id }],
    status: 'active',
    request: { reference: `Invoice/${inv.uuid}` },
    created: '2024-05-17T10:58:46Z',
    payment: { reference: `urn:bank:acme:${id}` },
    recipient: { reference: 'Organization/openIMIS-Implementation' },
    amount: { value, currency },
  };
}

describe('payment inputs: bad, partial and odd payments are answered clearly and never lost', () => {
  let h: Harness;
  let inv: SeededInvoice;

  beforeEach(async () => {
    h = await startHarness();
    inv = await h.seedInvoice(0);
  });

  afterEach(async () => {
    await h.close();
  });

  const hook = async (
    d: { headers: Record<string, string>; body: unknown },
    url = HOOK_PATH,
  ): Promise<{ statusCode: number; json: () => Record<string, unknown> }> =>
    h.app.inject({
      method: 'POST',
      url,
      headers: d.headers,
      payload: typeof d.body === 'string' ? d.body : JSON.stringify(d.body),
    });

  const postNotice = async (
    body: unknown,
  ): Promise<{ statusCode: number; json: () => Record<string, unknown> }> =>
    h.app.inject({
      method: 'POST',
      url: '/fhir/PaymentNotice',
      headers: { authorization: AUTH, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify(body),
    });

  it('refuses a hook without the secret (401) and accepts the secret as Basic password', async () => {
    const d = clientChargePaidHook();
    expect((await hook(d, '/payments/fineract/hook')).statusCode).toBe(401);
    expect((await hook(d, '/payments/fineract/hook?secret=wrong-secret-value-xx')).statusCode).toBe(401);
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
    const basic = `Basic ${Buffer.from(`fineract:${HOOK_SECRET}`).toString('base64')}`;
    const res = await hook(
      { headers: { ...d.headers, authorization: basic }, body: d.body },
      '/payments/fineract/hook',
    );
    expect(res.statusCode).toBe(200);
  });

  it('unknown entity/action → 400, nothing recorded', async () => {
    const res = await hook({
      headers: {
        'content-type': 'application/json',
        'fineract-platform-tenantid': 'default',
        'x-fineract-entity': 'CLIENT',
        'x-fineract-action': 'CREATE',
      },
      body: { entityName: 'CLIENT', actionName: 'CREATE', request: {}, response: { resourceId: 5 } },
    });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('CLIENT/CREATE');
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
  });

  it('a malformed delivery → 400 naming the field, nothing recorded', async () => {
    const d = clientChargePaidHook({ response: { clientId: 12 } });
    const res = await hook(d);
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain('response');
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
  });

  it('a deposit with an unknown invoice code → 200, kept as needs_attention with the reason', async () => {
    const res = await hook(savingsDepositHook());
    expect(res.statusCode).toBe(200);
    const [p] = h.repos.ledger.listPayments();
    expect(p).toMatchObject({
      source: 'fineract-savings',
      sourceTxnId: '47',
      state: 'needs_attention',
      amount: '15000.00',
      invoiceId: null,
    });
    expect(p?.reason).toContain('no invoice code');
  });

  it('a deposit whose note carries the invoice code pays that invoice', async () => {
    const d = savingsDepositHook();
    const body = d.body as { request: Record<string, unknown> };
    const res = await hook({
      headers: d.headers,
      body: {
        ...d.body,
        request: {
          ...body.request,
          receiptNumber: 'M-PESA 8812',
          transactionAmount: inv.amount,
          note: `contribution ${inv.code}`,
        },
      },
    });
    expect(res.statusCode).toBe(200);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'paid',
      paidAmount: inv.amount,
    });
    expect(h.repos.outbox.list({ state: 'pending' }).map((e) => e.kind)).toEqual([
      'openimis.paymentNotice',
      'openimis.verifyPaid',
      'openimis.premium',
    ]);
  });

  it('a charge payment of an unknown charge → 200, needs_attention', async () => {
    const res = await hook(clientChargePaidHook());
    expect(res.statusCode).toBe(200);
    expect(h.repos.ledger.listPayments()[0]).toMatchObject({ state: 'needs_attention', currency: 'XXX' });
  });

  it('a failure delivery is recorded as ignored, never as money; a replay is a no-op', async () => {
    const failure = {
      headers: clientChargePaidHook().headers,
      body: {
        entityName: 'CLIENTCHARGE',
        actionName: 'PAY',
        status: 'Exception',
        request: { amount: inv.amount },
        response: { statusCode: 400, errorCode: 'validation.msg.CLIENTCHARGE.transaction.invalid' },
      },
    };
    expect((await hook(failure)).statusCode).toBe(200);
    expect((await hook(failure)).statusCode).toBe(200);
    const payments = h.repos.ledger.listPayments();
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ state: 'ignored', amount: '0' });
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'awaiting_payment',
      paidAmount: '0',
    });
  });

  it('the same Fineract transaction id with a different body → 409, nothing changes', async () => {
    const d = clientChargePaidHook();
    expect((await hook(d)).statusCode).toBe(200);
    const changed = clientChargePaidHook({ request: { amount: '1.00', transactionDate: '2024-03-04' } });
    expect((await hook(changed)).statusCode).toBe(409);
    expect(h.repos.ledger.listPayments()).toHaveLength(1);
  });

  it('partial payments accumulate; the one that completes the total enqueues the notice; an over-payment needs attention', async () => {
    const half = new Decimal(inv.amount).dividedBy(2).toDecimalPlaces(2);
    const rest = new Decimal(inv.amount).minus(half);
    let res = await postNotice(notice(inv, 'p-1', num(half)));
    expect(res.statusCode).toBe(200);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({ state: 'partially_paid' });
    expect(h.repos.outbox.list()).toHaveLength(0);
    res = await postNotice(notice(inv, 'p-2', num(rest)));
    expect(res.statusCode).toBe(200);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'paid',
      paidAmount: inv.amount,
    });
    res = await postNotice(notice(inv, 'p-3', 10));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ issue: [{ severity: 'warning' }] });
    expect(h.repos.ledger.listPayments({ state: 'needs_attention' })[0]?.reason).toContain('is paid');
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
    expect(h.openimis.store.paymentNotices()[0]?.amountReceived).toBe(inv.amount);
    expect(h.openimis.store.invoice(inv.uuid)?.status).toBe(2);
  });

  it('an over-payment of an unpaid invoice is not applied', async () => {
    const res = await postNotice(notice(inv, 'big', num(new Decimal(inv.amount).plus(1))));
    expect(res.statusCode).toBe(200);
    expect(h.repos.ledger.listPayments()[0]?.reason).toContain('over-payment');
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.paidAmount).toBe('0');
  });

  it('wrong currency and negative amounts → 200, needs_attention, invoice untouched', async () => {
    expect((await postNotice(notice(inv, 'c-1', num(inv.amount), 'TZS'))).statusCode).toBe(200);
    expect((await postNotice(notice(inv, 'n-1', -5))).statusCode).toBe(200);
    expect((await postNotice(notice(inv, 'z-1', 0))).statusCode).toBe(200);
    const reasons = h.repos.ledger.listPayments({ state: 'needs_attention' }).map((p) => p.reason);
    expect(reasons).toEqual([
      expect.stringContaining('currency TZS'),
      expect.stringContaining('amount -5 is not positive'),
      expect.stringContaining('amount 0 is not positive'),
    ]);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'awaiting_payment',
      paidAmount: '0',
    });
  });

  it('a PaymentNotice for an invoice or bill that does not exist → 404 OperationOutcome, nothing recorded', async () => {
    const res = await postNotice(notice({ uuid: '0b0b0b0b-1111-4222-8333-444444444444' }, 'x-1', 10));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome' });
    const bill = {
      ...notice(inv, 'x-2', 10),
      request: { reference: 'Bill/0b0b0b0b-1111-4222-8333-444444444445' },
    };
    expect((await postNotice(bill)).statusCode).toBe(404);
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
  });

  it('a PaymentNotice for an invoice that has no Fineract charge (never charged) → 409, nothing recorded', async () => {
    const uuid = '0b0b0b0b-1111-4222-8333-555555555555';
    h.repos.ledger.upsertInvoice({
      openimisInvoiceId: uuid,
      code: 'IV-UNCHARGED-1',
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '0b0b0b0b-1111-4222-8333-666666666666',
      amount: '10.00',
      currency: 'USD',
    });
    const res = await postNotice(notice({ uuid }, 'z-1', 10));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', expression: ['PaymentNotice.request'] }],
    });
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
    expect(h.repos.outbox.list({})).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceByOpenimisId(uuid)).toMatchObject({
      state: 'awaiting_payment',
      paidAmount: '0',
    });
  });

  it('an invalid PaymentNotice or one without identifier → 400', async () => {
    expect((await postNotice({ resourceType: 'PaymentNotice', status: 'nope' })).statusCode).toBe(400);
    const { identifier: _drop, ...noId } = notice(inv, 'y', 1);
    expect((await postNotice(noId)).statusCode).toBe(400);
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
  });

  it('GET /fhir/PaymentReconciliation returns schema-valid R4 resources built from the ledger', async () => {
    await postNotice(notice(inv, 'r-1', num(inv.amount)));
    await hook(savingsDepositHook());
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const res = await h.app.inject({
      method: 'GET',
      url: `/fhir/PaymentReconciliation?from=${today}&to=${tomorrow}`,
      headers: { authorization: AUTH },
    });
    expect(res.statusCode).toBe(200);
    const bundle: Bundle = assertValidResource(res.json(), 'Bundle');
    expect(bundle.total).toBe(2);
    const resources = (bundle.entry ?? []).map((e) =>
      assertValidResource(e.resource, 'PaymentReconciliation'),
    );
    const mine = resources.find((r) => r.id === String(inv.ledger.id));
    expect(mine).toMatchObject({
      outcome: 'complete',
      paymentAmount: { value: num(inv.amount), currency: 'USD' },
      detail: [
        {
          identifier: { value: 'urn:bank:acme|r-1' },
          request: { reference: `Invoice/${inv.uuid}` },
          amount: { value: num(inv.amount), currency: 'USD' },
        },
      ],
    });
    expect(resources.find((r) => r.id?.startsWith('unmatched-'))).toMatchObject({ outcome: 'error' });
    const bad = await h.app.inject({
      method: 'GET',
      url: '/fhir/PaymentReconciliation?from=yesterday',
      headers: { authorization: AUTH },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('the reconcile run re-enqueues a missing PaymentNotice and records a payment Fineract saw but the ledger did not', async () => {
    // A paid ledger invoice whose steps were never enqueued (e.g. an operator fixed it by hand).
    h.repos.ledger.updateInvoice(inv.ledger.id, { state: 'paid', paidAmount: inv.amount });
    // A second invoice paid in Fineract while no hook was registered: the ledger never heard of it.
    const lost = await h.seedInvoice(1);
    await h.pay(lost, lost.amount, 'pay-lost-1');
    const run = async (): Promise<Record<string, unknown>> => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/sync/reconcile',
        headers: { authorization: AUTH },
      });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const first = JSON.stringify(await run());
    expect(first).toContain('payment-notice-missing');
    // The catch-up recorded the lost payment as its hook would have: that invoice no longer differs (the one paid
    // by hand in the ledger only still does).
    expect(first).toContain('hook-missing');
    expect(first).not.toContain(`fineract-paid-differs ${lost.code}`);
    expect(first).toContain(`fineract-paid-differs ${inv.code}`);
    expect(h.repos.ledger.getInvoiceById(lost.ledger.id)?.state).toBe('paid');
    expect(h.repos.outbox.getByKey(`payment-notice:${inv.uuid}`)?.state).toBe('pending');
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(2);
    const second = JSON.stringify(await run());
    expect(second).not.toContain('payment-notice-missing');
    expect(second).not.toContain('hook-missing');
    expect(second).not.toContain(`fineract-paid-differs ${lost.code}`);
    expect(h.openimis.store.paymentNotices()).toHaveLength(2);
  });
});
