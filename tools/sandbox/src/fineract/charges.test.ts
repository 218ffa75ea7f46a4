import { type FineractSimulator, startFineractSimulator } from './index';
import { call, codes, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');
const apply = {
  chargeId: 1,
  amount: '100.00',
  dueDate: '2024-03-01',
  dateFormat: 'yyyy-MM-dd',
  locale: 'en',
};
const pay = (amount: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  amount,
  transactionDate: '2024-03-05',
  dateFormat: 'yyyy-MM-dd',
  locale: 'en',
  paymentTypeId: 2,
  ...extra,
});

describe('Fineract simulator: client charges', () => {
  let sim: FineractSimulator;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock });
    await call(sim, 'POST', '/clients', personClient());
  });

  afterEach(async () => {
    await sim.close();
  });

  it('applies a charge to an active client only, with a client charge definition', async () => {
    const ok = await call(sim, 'POST', '/clients/1/charges', apply);
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ officeId: 1, clientId: 1, resourceId: 1 });
    const loanCharge = await call(sim, 'POST', '/clients/1/charges', { ...apply, chargeId: 2 });
    expect(loanCharge.status).toBe(403);
    expect(codes(loanCharge)).toEqual(['error.msg.charge.cannot.be.applied.to.client']);
    await call(sim, 'POST', '/clients', personClient({ active: false, activationDate: undefined }));
    const pending = await call(sim, 'POST', '/clients/2/charges', apply);
    expect(pending.status).toBe(403);
    expect(codes(pending)).toEqual(['error.msg.client.not.active.exception']);
    const missing = await call(sim, 'POST', '/clients/1/charges', {
      chargeId: 1,
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expect(codes(missing)).toEqual([
      'validation.msg.CLIENTCHARGE.amount.cannot.be.blank',
      'validation.msg.CLIENTCHARGE.dueDate.cannot.be.blank',
    ]);
  });

  it('takes partial payments, refuses an overpayment with 400 and a payment of a paid charge', async () => {
    await call(sim, 'POST', '/clients/1/charges', apply);
    const first = await call(
      sim,
      'POST',
      '/clients/1/charges/1?command=paycharge',
      pay('40.25', { externalId: 'pay-1', receiptNumber: 'IV-1' }),
    );
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      officeId: 1,
      clientId: 1,
      resourceId: 1,
      subResourceId: 1,
      transactionId: '1',
      subResourceExternalId: 'pay-1',
    });
    const read = await call(sim, 'GET', '/clients/1/charges/1');
    expect(read.json).toMatchObject({
      amount: 100,
      amountPaid: 40.25,
      amountOutstanding: 59.75,
      isPaid: false,
      dueDate: [2024, 3, 1],
    });

    const over = await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', pay('59.76'));
    expect(over.status).toBe(400);
    expect(codes(over)).toEqual([
      'validation.msg.CLIENTCHARGE.transaction.invalid.charge.amount.paid.in.access',
    ]);

    const dupExt = await call(
      sim,
      'POST',
      '/clients/1/charges/1?command=paycharge',
      pay('1', { externalId: 'pay-1' }),
    );
    expect(dupExt.status).toBe(403);

    const rest = await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', pay('59.75'));
    expect(rest.status).toBe(200);
    expect(sim.state.clientCharges.get(1)).toMatchObject({ amountPaid: '100.00', isPaid: true });
    const paid = await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', pay('1'));
    expect(codes(paid)).toEqual(['validation.msg.CLIENTCHARGE.transaction.invalid.account.charge.is.paid']);

    const list = await call(sim, 'GET', '/clients/1/charges?chargeStatus=all&pendingPayment=false');
    expect(list.json).toMatchObject({
      totalFilteredRecords: 1,
      pageItems: [{ id: 1, amountOutstanding: 0 }],
    });
    const tx = await call(sim, 'GET', '/clients/1/transactions/1');
    expect(tx.json).toMatchObject({
      id: 1,
      amount: 40.25,
      externalId: 'pay-1',
      paymentDetailData: { receiptNumber: 'IV-1', paymentType: { id: 2 } },
    });
  });

  it('refuses payment dates before activation or in the future, and unknown keys', async () => {
    await call(sim, 'POST', '/clients/1/charges', apply);
    const early = await call(
      sim,
      'POST',
      '/clients/1/charges/1?command=paycharge',
      pay('1', { transactionDate: '2024-01-01' }),
    );
    expect(codes(early)).toEqual(['validation.msg.CLIENTCHARGE.transaction.before.activationDate']);
    const future = await call(
      sim,
      'POST',
      '/clients/1/charges/1?command=paycharge',
      pay('1', { transactionDate: '2024-07-01' }),
    );
    expect(codes(future)).toEqual(['validation.msg.CLIENTCHARGE.transaction.is.futureDate']);
    const extra = await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', pay('1', { note: 'x' }));
    expect(extra.json).toMatchObject({
      errors: [{ userMessageGlobalisationCode: 'error.msg.parameter.unsupported', parameterName: 'note' }],
    });
  });

  it('waives the outstanding amount and then refuses payments', async () => {
    await call(sim, 'POST', '/clients/1/charges', apply);
    await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', pay('30'));
    const waive = await call(sim, 'POST', '/clients/1/charges/1?command=waive', '');
    expect(waive.status).toBe(200);
    expect(sim.state.clientCharges.get(1)).toMatchObject({ amountWaived: '70.00', isWaived: true });
    const payAfter = await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', pay('1'));
    expect(codes(payAfter)).toEqual([
      'validation.msg.CLIENTCHARGE.transaction.invalid.account.charge.is.already.waived',
    ]);
    const del = await call(sim, 'DELETE', '/clients/1/charges/1');
    expect(del.status).toBe(403);
    expect(codes(del)).toEqual(['error.msg.client.charge.cannot.be.deleted']);
  });

  it('answers 404 for a charge of another client', async () => {
    await call(sim, 'POST', '/clients/1/charges', apply);
    await call(sim, 'POST', '/clients', personClient({ firstname: 'B' }));
    const res = await call(sim, 'GET', '/clients/2/charges/1');
    expect(res.status).toBe(404);
    expect(codes(res)).toEqual(['error.msg.client.charge.id.invalid']);
  });
});
