import { type FineractSimulator, startFineractSimulator } from './index';
import { call, codes, fixture, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');

interface Step {
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

describe('Fineract simulator: savings', () => {
  let sim: FineractSimulator;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock });
    await call(
      sim,
      'POST',
      '/clients',
      personClient({ activationDate: '2011-01-01', submittedOnDate: '2011-01-01' }),
    );
  });

  afterEach(async () => {
    await sim.close();
  });

  async function submittedApprovedActive(): Promise<void> {
    const { request } = fixture('03-post-savingsaccounts.json') as { request: Record<string, unknown> };
    expect((await call(sim, 'POST', '/savingsaccounts', request)).status).toBe(200);
    const steps = fixture('04-savingsaccount-approve-activate.json') as Record<'approve' | 'activate', Step>;
    expect(
      (await call(sim, 'POST', '/savingsaccounts/1?command=approve', steps.approve.request)).status,
    ).toBe(200);
    expect(
      (await call(sim, 'POST', '/savingsaccounts/1?command=activate', steps.activate.request)).status,
    ).toBe(200);
  }

  it('runs the legacy submit → approve → activate examples with their status changes', async () => {
    const { request } = fixture('03-post-savingsaccounts.json') as { request: Record<string, unknown> };
    const submit = await call(sim, 'POST', '/savingsaccounts', request);
    expect(submit.json).toEqual({
      officeId: 1,
      clientId: 1,
      savingsId: 1,
      resourceId: 1,
      resourceExternalId: 'SYS-23',
    });
    expect(sim.state.savingsAccounts.get(1)).toMatchObject({
      status: 100,
      accountNo: 'SA000023',
      submittedOnDate: '2011-03-01',
    });

    const steps = fixture('04-savingsaccount-approve-activate.json') as Record<'approve' | 'activate', Step>;
    const activateTooEarly = await call(
      sim,
      'POST',
      '/savingsaccounts/1?command=activate',
      steps.activate.request,
    );
    expect(activateTooEarly.status).toBe(400);
    expect(codes(activateTooEarly)).toEqual(['validation.msg.savingsaccount.activate.not.in.approved.state']);

    const approve = await call(sim, 'POST', '/savingsaccounts/1?command=approve', steps.approve.request);
    expect(approve.status).toBe(200);
    const approvedChanges = steps.approve.response['changes'] as Record<string, unknown>;
    expect(approve.json).toMatchObject({
      savingsId: 1,
      resourceId: 1,
      changes: { status: approvedChanges['status'], approvedOnDate: '01 March 2013' },
    });

    const activate = await call(sim, 'POST', '/savingsaccounts/1?command=activate', steps.activate.request);
    expect(activate.status).toBe(200);
    expect(activate.json).toMatchObject({
      changes: steps.activate.response['changes'] as Record<string, unknown>,
    });

    const account = await call(sim, 'GET', '/savingsaccounts/1');
    expect(account.json).toMatchObject({
      status: { id: 300, code: 'savingsAccountStatusType.active', active: true },
      timeline: {
        submittedOnDate: [2011, 3, 1],
        approvedOnDate: [2013, 3, 1],
        activatedOnDate: [2013, 3, 1],
      },
      summary: { accountBalance: 0, availableBalance: 0 },
    });
  });

  it('rejects an application with a duplicate accountNo (403) and one for an inactive client (403)', async () => {
    const { request } = fixture('03-post-savingsaccounts.json') as { request: Record<string, unknown> };
    await call(sim, 'POST', '/savingsaccounts', request);
    const dup = await call(sim, 'POST', '/savingsaccounts', { ...request, externalId: 'other' });
    expect(dup.status).toBe(403);
    expect(codes(dup)).toEqual(['error.msg.savingsaccount.duplicate.accountNo']);
    await call(sim, 'POST', '/clients', personClient({ active: false, activationDate: undefined }));
    const pending = await call(sim, 'POST', '/savingsaccounts', {
      ...request,
      clientId: 2,
      accountNo: undefined,
      externalId: undefined,
    });
    expect(pending.status).toBe(403);
    expect(codes(pending)).toEqual(['error.msg.client.not.active.exception']);
  });

  it('rejects the legacy deposit without paymentTypeId and a transaction with an externalId', async () => {
    await submittedApprovedActive();
    const { deposit } = fixture('05-savings-deposit-withdrawal.json') as Record<'deposit', Step>;
    const { paymentTypeId: _omitted, ...withoutPaymentType } = deposit.request;
    const res = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      withoutPaymentType,
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({
      errors: [
        {
          userMessageGlobalisationCode:
            'validation.msg.savingsaccount.transaction.paymentTypeId.cannot.be.blank',
          parameterName: 'paymentTypeId',
        },
      ],
    });
    const ext = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
      ...deposit.request,
      paymentTypeId: 1,
      externalId: 'x',
    });
    expect(ext.status).toBe(400);
    expect(ext.json).toMatchObject({
      errors: [
        { userMessageGlobalisationCode: 'error.msg.parameter.unsupported', parameterName: 'externalId' },
      ],
    });
    const unknownType = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit.request,
    );
    expect(unknownType.status).toBe(404);
    expect(codes(unknownType)).toEqual(['error.msg.paymenttype.id.invalid']);
    expect(sim.state.savingsTransactions.size).toBe(0);
  });

  it('deposits and withdraws with exact decimals, refuses overdrafts with 403 and stores the receipt', async () => {
    await submittedApprovedActive();
    const { deposit } = fixture('05-savings-deposit-withdrawal.json') as Record<'deposit', Step>;
    const dep = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
      ...deposit.request,
      paymentTypeId: '1',
      transactionAmount: '1000.10',
    });
    expect(dep.status).toBe(200);
    expect(dep.json).toEqual({
      ...deposit.response,
      clientId: 1,
      resourceId: 1,
      changes: { ...(deposit.response['changes'] as object), paymentTypeId: 1 },
    });
    const dep2 = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
      transactionDate: '2024-02-01',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
      transactionAmount: 0.2,
      paymentTypeId: 2,
      receiptNumber: 'IV-1',
      note: 'openIMIS invoice',
    });
    expect(dep2.status).toBe(200);
    const withdraw = {
      transactionDate: '2024-02-02',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
      paymentTypeId: 1,
    };
    const tooMuch = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=withdrawal', {
      ...withdraw,
      transactionAmount: '1000.31',
    });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.json).toMatchObject({
      httpStatusCode: '403',
      userMessageGlobalisationCode: 'validation.msg.domain.rule.violation',
      errors: [
        { userMessageGlobalisationCode: 'error.msg.savingsaccount.transaction.insufficient.account.balance' },
      ],
    });
    const all = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=withdrawal', {
      ...withdraw,
      transactionAmount: '1,000.30',
    });
    expect(all.status).toBe(200);
    expect(sim.state.savingsAccounts.get(1)).toMatchObject({
      accountBalance: '0.00',
      totalDeposits: '1000.30',
      totalWithdrawals: '1000.30',
    });
    const tx = await call(sim, 'GET', '/savingsaccounts/1/transactions/2');
    expect(tx.json).toMatchObject({
      id: 2,
      transactionType: { id: 1, code: 'savingsAccountTransactionType.deposit', deposit: true },
      date: [2024, 2, 1],
      amount: 0.2,
      runningBalance: 1000.3,
      paymentDetailData: { paymentType: { id: 2, name: 'Mobile Money' }, receiptNumber: 'IV-1' },
    });
    expect(tx.text).toContain('"runningBalance":1000.3,');
    const account = await call(sim, 'GET', '/savingsaccounts/1?associations=all');
    expect((account.json as { transactions: unknown[] }).transactions).toHaveLength(3);
  });

  it('rejects zero, negative and malformed amounts and dates outside the account life', async () => {
    await submittedApprovedActive();
    const base = { transactionDate: '2024-02-01', dateFormat: 'yyyy-MM-dd', locale: 'en', paymentTypeId: 1 };
    for (const amount of ['0', '-5', 'ten', '1.2.3']) {
      const res = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
        ...base,
        transactionAmount: amount,
      });
      expect(res.status).toBe(400);
    }
    const early = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
      ...base,
      transactionAmount: '1',
      transactionDate: '2013-02-01',
    });
    expect(codes(early)).toEqual(['error.msg.savingsaccount.transaction.before.activation.date']);
    const future = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
      ...base,
      transactionAmount: '1',
      transactionDate: '2024-06-02',
    });
    expect(codes(future)).toEqual(['error.msg.savingsaccount.transaction.in.the.future']);
    expect(sim.state.savingsTransactions.size).toBe(0);
  });

  it('refuses deposits on an account that is not active (400, as SavingsAccount.deposit does)', async () => {
    const { request } = fixture('03-post-savingsaccounts.json') as { request: Record<string, unknown> };
    await call(sim, 'POST', '/savingsaccounts', request);
    const res = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', {
      transactionDate: '2024-02-01',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
      transactionAmount: '1',
      paymentTypeId: 1,
    });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['error.msg.savingsaccount.transaction.account.is.not.active']);
  });

  it('creates a savings product; amounts and rates need a locale', async () => {
    const product = {
      name: 'Payout wallet',
      shortName: 'PW',
      currencyCode: 'TZS',
      digitsAfterDecimal: 2,
      nominalAnnualInterestRate: 0,
    };
    const noLocale = await call(sim, 'POST', '/savingsproducts', product);
    expect(codes(noLocale)).toEqual(['validation.msg.missing.locale.parameter']);
    const ok = await call(sim, 'POST', '/savingsproducts', { ...product, locale: 'en' });
    expect(ok.json).toEqual({ resourceId: 2 });
    const unknownCurrency = await call(sim, 'POST', '/savingsproducts', {
      ...product,
      name: 'x',
      currencyCode: 'XYZ',
      locale: 'en',
    });
    expect(unknownCurrency.status).toBe(403);
  });
});
