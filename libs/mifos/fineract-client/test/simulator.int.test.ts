// Contract tests: the client's requests against the strict Fineract simulator of tools/sandbox (unknown-key
// rejection, required fields, date formats, idempotency replay, 403 duplicates, fault injection).
import { startFineractSimulator, type FineractSimulator } from '@payment-layer/sandbox';
import { FineractClient, isDuplicateError, type FineractClientOptions } from '../src';
import { UpstreamTimeoutError } from '@payment-layer/shared-errors';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');
const DEPOSIT_PATH = /^\/savingsaccounts\/\d+\/transactions\?command=deposit$/;

describe('FineractClient against the Fineract simulator', () => {
  let sim: FineractSimulator;
  let client: FineractClient;

  const makeClient = (overrides: Partial<FineractClientOptions> = {}): FineractClient =>
    new FineractClient({
      baseUrl: sim.baseUrl,
      tenantId: sim.tenantId,
      username: sim.username,
      password: sim.password,
      timeoutMs: 10_000,
      retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
      ...overrides,
    });

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock });
    client = makeClient();
  });

  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it('every verb sends a body the simulator accepts', async () => {
    expect(await client.healthCheck()).toMatchObject({ username: sim.username, authenticated: true });
    const paymentTypes = await client.listPaymentTypes();
    const paymentTypeId = paymentTypes.find((p) => p.name === 'Mobile Money')!.id;

    const person = await client.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        firstname: 'Petra',
        lastname: 'Yton',
        externalId: 'ins-1',
        active: true,
        activationDate: '2024-01-15',
        submittedOnDate: '2024-01-15',
        dateOfBirth: '1990-05-01',
        genderId: 22,
        mobileNo: '+255700000001',
        savingsProductId: 1,
      },
      { operationKey: 'client:ins-1' },
    );
    expect(person.clientId).toBeGreaterThan(0);
    expect(person.savingsId).toBeGreaterThan(0);
    const clientId = person.clientId!;
    const walletId = person.savingsId!;

    // savingsProductId + active on client create opens an active wallet in the same call.
    expect((await client.getSavingsAccount(walletId)).status).toMatchObject({ id: 300 });
    const read = await client.getClientByExternalId('ins-1');
    expect(read).toMatchObject({ id: clientId, externalId: 'ins-1', activationDate: '2024-01-15' });
    expect(await client.getClientByExternalId('nobody')).toBeUndefined();
    const upd = await client.updateClient(
      clientId,
      { firstname: 'Petra', lastname: 'Ytonne', mobileNo: '+255700000001', dateOfBirth: '1990-05-02' },
      { operationKey: 'client-update:ins-1:1' },
    );
    expect(upd?.changes).toMatchObject({ lastname: 'Ytonne' });
    expect((await client.getClient(clientId)).lastname).toBe('Ytonne');

    const pending = await client.createClient(
      {
        officeId: 1,
        legalFormId: 2,
        fullname: 'Dispensary A',
        externalId: 'hf-1',
        active: false,
        submittedOnDate: '2024-01-10',
      },
      { operationKey: 'client:hf-1' },
    );
    await client.activateClient(
      pending.clientId!,
      { activationDate: '2024-01-20' },
      { operationKey: 'client-activate:hf-1' },
    );
    expect((await client.getClient(pending.clientId!)).active).toBe(true);

    const group = await client.createGroup(
      {
        name: 'Family F1',
        officeId: 1,
        active: true,
        activationDate: '2024-01-15',
        externalId: 'fam-1',
        clientMembers: [clientId],
      },
      { operationKey: 'group:fam-1' },
    );
    expect(await client.getGroupByExternalId('fam-1')).toMatchObject({ id: group.groupId });
    await client.associateClients(group.groupId!, [pending.clientId!], {
      operationKey: 'group-add:fam-1:hf-1',
    });
    await client.disassociateClients(group.groupId!, [pending.clientId!], {
      operationKey: 'group-remove:fam-1:hf-1',
    });
    expect(
      (await client.getGroup(group.groupId!, { withMembers: true })).clientMembers?.map((c) => c.id),
    ).toEqual([clientId]);

    const acc = await client.createSavingsAccount(
      { clientId: pending.clientId!, productId: 1, submittedOnDate: '2024-01-20', externalId: 'hf-1-wallet' },
      { operationKey: 'savings:hf-1' },
    );
    await client.approveSavingsAccount(
      acc.savingsId!,
      { approvedOnDate: '2024-01-20' },
      { operationKey: 'savings-approve:hf-1' },
    );
    await client.activateSavingsAccount(
      acc.savingsId!,
      { activatedOnDate: '2024-01-20' },
      { operationKey: 'savings-activate:hf-1' },
    );
    expect(await client.getSavingsAccountByExternalId('hf-1-wallet')).toMatchObject({ id: acc.savingsId });

    const dep = await client.depositToSavingsAccount(
      acc.savingsId!,
      {
        transactionDate: '2024-02-01',
        transactionAmount: '15000.00',
        paymentTypeId,
        receiptNumber: 'CL-1',
        note: 'claim CL-1',
      },
      { operationKey: 'deposit:claim-CL-1', uniqueReceipt: true },
    );
    await client.withdrawFromSavingsAccount(
      acc.savingsId!,
      { transactionDate: '2024-02-02', transactionAmount: '500.50', paymentTypeId },
      { operationKey: 'withdraw:hf-1:1' },
    );
    const tx = await client.getSavingsTransaction(acc.savingsId!, dep.resourceId!);
    expect(tx).toMatchObject({ amount: expect.stringMatching(/^15000(\.0+)?$/), date: '2024-02-01' });
    expect(tx.paymentDetailData?.receiptNumber).toBe('CL-1');
    const account = await client.getSavingsAccount(acc.savingsId!, { withTransactions: true });
    expect(account.summary?.accountBalance).toMatch(/^14499\.50*$/);
    expect(account.transactions).toHaveLength(2);

    const charge = await client.applyClientCharge(
      clientId,
      { chargeId: 1, amount: '10.00', dueDate: '2024-03-01' },
      { operationKey: 'charge:IV-1' },
    );
    const paid = await client.payClientCharge(
      clientId,
      charge.resourceId!,
      {
        amount: '4.00',
        transactionDate: '2024-03-04',
        paymentTypeId,
        receiptNumber: 'IV-1',
        externalId: 'pay-1',
      },
      { operationKey: 'charge-pay:pay-1' },
    );
    expect(paid.subResourceId ?? paid.transactionId).toBeDefined();
    expect(await client.getClientCharge(clientId, charge.resourceId!)).toMatchObject({
      amountPaid: expect.stringMatching(/^4(\.0+)?$/),
      amountOutstanding: expect.stringMatching(/^6(\.0+)?$/),
    });
    expect((await client.findClientTransactionByExternalId(clientId, 'pay-1'))?.externalId).toBe('pay-1');
    const other = await client.applyClientCharge(
      clientId,
      { chargeId: 1, amount: '10.00', dueDate: '2024-03-01' },
      { operationKey: 'charge:IV-2' },
    );
    await client.waiveClientCharge(clientId, other.resourceId!, { operationKey: 'charge-waive:IV-2' });
    expect((await client.listClientCharges(clientId, { chargeStatus: 'all' })).pageItems).toHaveLength(2);

    const hook = await client.createHook(
      {
        name: 'Web',
        isActive: true,
        displayName: 'openhim-payments',
        events: [
          { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
          { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
        ],
        config: { 'Payload URL': 'http://127.0.0.1:9/hook', 'Content Type': 'json' },
      },
      { operationKey: 'hook:openhim-payments' },
    );
    expect((await client.listHooks()).map((h) => h.id)).toContain(hook.resourceId);

    const batch = await client
      .batch({ enclosingTransaction: true })
      .add({
        method: 'POST',
        relativeUrl: 'clients',
        operationKey: 'client:ins-2',
        body: {
          officeId: 1,
          legalFormId: 1,
          firstname: 'Ana',
          lastname: 'B',
          externalId: 'ins-2',
          active: true,
          activationDate: '2024-01-15',
          savingsProductId: 1,
        },
      })
      .add({
        method: 'POST',
        relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
        reference: 1,
        operationKey: 'deposit:ins-2:1',
        body: { transactionDate: '2024-01-16', transactionAmount: '25.00', paymentTypeId },
      })
      .send();
    expect(batch.items.map((i) => i.statusCode)).toEqual([200, 200]);
    expect(batch.ok).toBe(true);
  });

  it('a deposit whose answer is lost after commit is retried with the same key and applied exactly once', async () => {
    const created = await client.createClient(
      {
        officeId: 1,
        legalFormId: 2,
        fullname: 'Dispensary B',
        externalId: 'hf-2',
        active: true,
        activationDate: '2024-01-15',
        savingsProductId: 1,
      },
      { operationKey: 'client:hf-2' },
    );
    const savingsId = created.savingsId!;
    sim.faults.timeoutAfterCommit({ method: 'POST', path: DEPOSIT_PATH });
    const impatient = makeClient({
      timeoutMs: 400,
      retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 },
    });
    try {
      const res = await impatient.depositToSavingsAccount(
        savingsId,
        {
          transactionDate: '2024-02-01',
          transactionAmount: '700.00',
          paymentTypeId: 1,
          receiptNumber: 'CL-9',
        },
        { operationKey: 'deposit:claim-CL-9' },
      );
      expect(res.write).toMatchObject({
        idempotencyKey: 'pl:deposit:claim-CL-9:1',
        attempt: 1,
        servedFromCache: true,
      });
    } finally {
      await impatient.close();
    }
    const deposits = [...sim.state.savingsTransactions.values()].filter((t) => t.savingsId === savingsId);
    expect(deposits).toHaveLength(1);
    expect(sim.state.savingsAccounts.get(savingsId)?.accountBalance).toBe('700.00');
  });

  it('a lost answer on every attempt surfaces as a timeout, still applied once; resuming later returns it', async () => {
    const created = await client.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        fullname: 'C D',
        externalId: 'ins-3',
        active: true,
        activationDate: '2024-01-15',
        savingsProductId: 1,
      },
      { operationKey: 'client:ins-3' },
    );
    const savingsId = created.savingsId!;
    sim.faults.timeoutAfterCommit({ method: 'POST', path: DEPOSIT_PATH }, { count: 2 });
    const impatient = makeClient({
      timeoutMs: 300,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const body = { transactionDate: '2024-02-01', transactionAmount: '5.00', paymentTypeId: 1 };
    try {
      await expect(
        impatient.depositToSavingsAccount(savingsId, body, { operationKey: 'deposit:x-1' }),
      ).rejects.toBeInstanceOf(UpstreamTimeoutError);
    } finally {
      await impatient.close();
    }
    const again = await client.depositToSavingsAccount(savingsId, body, { operationKey: 'deposit:x-1' });
    expect(again.write.servedFromCache).toBe(true);
    expect(sim.state.savingsAccounts.get(savingsId)?.accountBalance).toBe('5.00');
  });

  it('a Fineract 500 before processing leads to read-back and one write under a new key', async () => {
    const created = await client.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        fullname: 'E F',
        externalId: 'ins-4',
        active: true,
        activationDate: '2024-01-15',
        savingsProductId: 1,
      },
      { operationKey: 'client:ins-4' },
    );
    sim.faults.failNext({ method: 'POST', path: DEPOSIT_PATH }, 500);
    const res = await client.depositToSavingsAccount(
      created.savingsId!,
      { transactionDate: '2024-02-01', transactionAmount: '9.99', paymentTypeId: 1, receiptNumber: 'CL-4' },
      { operationKey: 'deposit:claim-CL-4', uniqueReceipt: true },
    );
    expect(res.write).toMatchObject({
      idempotencyKey: 'pl:deposit:claim-CL-4:2',
      attempt: 2,
      fromReadBack: false,
    });
    expect(sim.state.savingsAccounts.get(created.savingsId!)?.accountBalance).toBe('9.99');
  });

  it('a duplicate externalId is a 403 recognised as "exists"; bad credentials 401; a bad tenant is a plain-text 400', async () => {
    const body = {
      officeId: 1,
      legalFormId: 1 as const,
      fullname: 'G H',
      externalId: 'ins-5',
      active: false,
    };
    await client.createClient(body, { operationKey: 'client:ins-5' });
    const err = await client
      .createClient(body, { operationKey: 'client:ins-5:again' })
      .catch((e: unknown) => e);
    expect(isDuplicateError(err)).toBe(true);
    const wrongPassword = makeClient({ password: 'wrong' });
    try {
      await expect(wrongPassword.healthCheck()).rejects.toMatchObject({ upstreamStatus: 401 });
    } finally {
      await wrongPassword.close();
    }
    const wrongTenant = makeClient({ tenantId: 'nope' });
    try {
      await expect(wrongTenant.listPaymentTypes()).rejects.toMatchObject({ upstreamStatus: 400, errors: [] });
    } finally {
      await wrongTenant.close();
    }
  });
});
