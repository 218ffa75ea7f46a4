import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, ValidationError } from '@payment-layer/shared-errors';
import { MASK, runWithOrchestrations, type OrchestrationScope } from '@payment-layer/shared-http';
import { FineractError, isDuplicateError } from './errors';
import { FineractClient } from './fineract-client';
import type { HookCreateRequest } from './types';
import {
  FINERACT_TEST_BASE_URL,
  FINERACT_TEST_PASSWORD,
  createTestFineractClient,
  fineractErrorBody,
  interceptJson,
  type CapturedRequest,
  type TestFineractClient,
} from './testing';

const FIXTURES = join(__dirname, '../../../../fixtures/fineract');
type Fixture = Record<
  string,
  Record<string, unknown> & { request: Record<string, unknown>; response: Record<string, unknown> }
>;
const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Fixture;

const BASIC = `Basic ${Buffer.from(`mifos:${FINERACT_TEST_PASSWORD}`).toString('base64')}`;

function expectFineractHeaders(req: CapturedRequest, write: boolean): void {
  expect(req.headers['authorization']).toBe(BASIC);
  expect(req.headers['fineract-platform-tenantid']).toBe('default');
  if (write) {
    expect(req.headers['idempotency-key']).toMatch(/^pl:.+:\d+$/);
    expect(req.headers['idempotency-key']!.length).toBeLessThanOrEqual(50);
    expect(req.headers['content-type']).toBe('application/json');
  } else {
    expect(req.headers['idempotency-key']).toBeUndefined();
  }
}

describe('FineractClient verbs', () => {
  let t: TestFineractClient;
  beforeEach(() => {
    t = createTestFineractClient();
  });
  afterEach(async () => {
    t.agent.assertNoPendingInterceptors();
    await t.client.close();
    await t.agent.close();
  });

  it('rejects bad configuration at construction', () => {
    expect(() => createTestFineractClient({ baseUrl: 'fineract.local/api' })).toThrow(ConfigError);
    expect(() => createTestFineractClient({ tenantId: ' ' })).toThrow(ConfigError);
    expect(() => createTestFineractClient({ idempotencyKeyPrefix: 'bad prefix' })).toThrow(ConfigError);
    expect(() => createTestFineractClient({ retry: { maxAttempts: 0 } })).toThrow(ConfigError);
    expect(() => createTestFineractClient({ retry: { baseDelayMs: 10, maxDelayMs: 1 } })).toThrow(
      ConfigError,
    );
    expect(
      () =>
        new FineractClient({
          baseUrl: FINERACT_TEST_BASE_URL,
          tenantId: 'default',
          username: 'u',
          password: 'p',
          tls: { caFile: '/nonexistent/ca.pem' },
        }),
    ).toThrow(ConfigError);
  });

  it('healthCheck posts credentials to /authentication and hides the key', async () => {
    const seen = interceptJson(t.pool, {
      method: 'POST',
      path: '/authentication',
      reply: {
        username: 'mifos',
        userId: 1,
        base64EncodedAuthenticationKey: 'bWlmb3M6cGFzc3dvcmQ=',
        authenticated: true,
        officeId: 1,
        permissions: ['ALL_FUNCTIONS'],
      },
    });
    const auth = await t.client.healthCheck();
    expect(auth).toEqual({
      username: 'mifos',
      userId: 1,
      authenticated: true,
      officeId: 1,
      permissions: ['ALL_FUNCTIONS'],
    });
    expect(seen[0]!.body).toEqual({ username: 'mifos', password: FINERACT_TEST_PASSWORD });
    expectFineractHeaders(seen[0]!, false);
  });

  it('createClient sends the whitelist with dates formatted once, and returns savingsId', async () => {
    const seen = interceptJson(t.pool, {
      method: 'POST',
      path: '/clients',
      reply: { officeId: 1, clientId: 2, resourceId: 2, savingsId: 10, resourceExternalId: 'ext-1' },
    });
    const res = await t.client.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        firstname: 'Petra',
        lastname: 'Yton',
        externalId: 'ext-1',
        active: true,
        activationDate: new Date(Date.UTC(2024, 0, 15)),
        submittedOnDate: '2024-01-15',
        dateOfBirth: '1990-05-01',
        mobileNo: '+255700000001',
        savingsProductId: 4,
      },
      { operationKey: 'client:ext-1' },
    );
    expect(res.clientId).toBe(2);
    expect(res.savingsId).toBe(10);
    expect(res.write).toEqual({
      idempotencyKey: 'pl:client:ext-1:1',
      attempt: 1,
      servedFromCache: false,
      fromReadBack: false,
    });
    expect(seen[0]!.body).toEqual({
      officeId: 1,
      legalFormId: 1,
      firstname: 'Petra',
      lastname: 'Yton',
      externalId: 'ext-1',
      active: true,
      activationDate: '2024-01-15',
      submittedOnDate: '2024-01-15',
      dateOfBirth: '1990-05-01',
      mobileNo: '+255700000001',
      savingsProductId: 4,
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expectFineractHeaders(seen[0]!, true);
    expect(seen[0]!.headers['idempotency-key']).toBe('pl:client:ext-1:1');
  });

  it('createClient checks Fineract rules before sending', async () => {
    const base = { officeId: 1, legalFormId: 1 as const, active: false };
    await expect(t.client.createClient({ ...base }, { operationKey: 'c' })).rejects.toThrow(/fullname/);
    await expect(
      t.client.createClient({ ...base, firstname: 'a', lastname: 'b', fullname: 'c' }, { operationKey: 'c' }),
    ).rejects.toThrow(ValidationError);
    await expect(
      t.client.createClient({ ...base, fullname: 'X', active: true }, { operationKey: 'c' }),
    ).rejects.toThrow(/activationDate/);
    await expect(
      t.client.createClient({ ...base, fullname: 'X', legalFormId: 3 as never }, { operationKey: 'c' }),
    ).rejects.toThrow(/legalFormId/);
    const foreign = { ...base, fullname: 'X', resourceType: 'Patient' } as never;
    await expect(t.client.createClient(foreign, { operationKey: 'c' })).rejects.toMatchObject({
      issues: [{ location: 'resourceType' }],
    });
  });

  it('creates an entity client with nested non-person details', async () => {
    const seen = interceptJson(t.pool, {
      method: 'POST',
      path: '/clients',
      reply: { clientId: 5, resourceId: 5 },
    });
    await t.client.createClient(
      {
        officeId: 1,
        legalFormId: 2,
        fullname: 'Dispensary A',
        active: false,
        clientNonPersonDetails: { incorpNumber: 'HF-1', incorpValidityTillDate: '2030-12-31' },
      },
      { operationKey: 'hf:HF-1' },
    );
    expect(seen[0]!.body).toEqual({
      officeId: 1,
      legalFormId: 2,
      fullname: 'Dispensary A',
      active: false,
      clientNonPersonDetails: { incorpNumber: 'HF-1', incorpValidityTillDate: '2030-12-31' },
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
  });

  it('getClientByExternalId reads /clients/external-id/{id}, parses dates, and maps 404 to undefined', async () => {
    const seen = interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/external-id/ext%2F1',
      reply: {
        id: 2,
        externalId: 'ext/1',
        activationDate: [2024, 1, 15],
        status: { id: 300, code: 'clientStatusType.active' },
      },
    });
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/external-id/missing',
      status: 404,
      reply: fineractErrorBody(404, 'error.msg.resource.not.found', [
        { code: 'error.msg.client.id.invalid' },
      ]),
    });
    const c = await t.client.getClientByExternalId('ext/1');
    expect(c).toMatchObject({ id: 2, activationDate: '2024-01-15' });
    expectFineractHeaders(seen[0]!, false);
    await expect(t.client.getClientByExternalId('missing')).resolves.toBeUndefined();
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/external-id/proxy',
      status: 404,
      reply: '<html>Not Found</html>',
    });
    await expect(t.client.getClientByExternalId('proxy')).rejects.toMatchObject({ upstreamStatus: 404 });
  });

  it('updateClient sends only changed fields, diffed against a read', async () => {
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/2',
      reply: {
        id: 2,
        firstname: 'Petra',
        lastname: 'Yton',
        dateOfBirth: [1990, 5, 1],
        mobileNo: '+255700000001',
        gender: { id: 22, name: 'Female' },
        legalForm: { id: 1, code: 'legalFormType.person' },
      },
    });
    const seen = interceptJson(t.pool, {
      method: 'PUT',
      path: '/clients/2',
      reply: {
        officeId: 1,
        clientId: 2,
        resourceId: 2,
        changes: { lastname: 'Ytonne', dateOfBirth: '1990-05-02' },
      },
    });
    const res = await t.client.updateClient(
      2,
      {
        firstname: 'Petra',
        lastname: 'Ytonne',
        dateOfBirth: '1990-05-02',
        mobileNo: '+255700000001',
        genderId: 22,
      },
      { operationKey: 'client-update:ext-1:v2' },
    );
    expect(res?.changes).toEqual({ lastname: 'Ytonne', dateOfBirth: '1990-05-02' });
    // Fineract validates name parts together: a changed lastname is sent with the firstname.
    expect(seen[0]!.body).toEqual({
      lastname: 'Ytonne',
      firstname: 'Petra',
      dateOfBirth: '1990-05-02',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expectFineractHeaders(seen[0]!, true);
  });

  it('updateClient with a previous payload sends nothing when nothing changed', async () => {
    const previous = { firstname: 'Petra', lastname: 'Yton', dateOfBirth: new Date(Date.UTC(1990, 4, 1)) };
    await expect(
      t.client.updateClient(
        2,
        { firstname: 'Petra', dateOfBirth: '1990-05-01' },
        { operationKey: 'u', previous },
      ),
    ).resolves.toBeUndefined();
    const seen = interceptJson(t.pool, { method: 'PUT', path: '/clients/2', reply: { clientId: 2 } });
    await t.client.updateClient(2, { mobileNo: '+2557' }, { operationKey: 'u2', previous });
    expect(seen[0]!.body).toEqual({ mobileNo: '+2557' });
    await expect(
      t.client.updateClient(2, { officeId: 3 } as never, { operationKey: 'u3', previous }),
    ).rejects.toThrow(/officeId/);
    const activation = interceptJson(t.pool, { method: 'PUT', path: '/clients/2', reply: { clientId: 2 } });
    await t.client.updateClient(
      2,
      { active: true },
      {
        operationKey: 'u4',
        previous: { id: 2, active: false, activationDate: '2024-01-15' },
      },
    );
    expect(activation[0]!.body).toEqual({
      active: true,
      activationDate: '2024-01-15',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
  });

  it('activateClient posts ?command=activate', async () => {
    const seen = interceptJson(t.pool, {
      method: 'POST',
      path: '/clients/2?command=activate',
      reply: { clientId: 2, resourceId: 2 },
    });
    await t.client.activateClient(2, { activationDate: '2024-01-15' }, { operationKey: 'client-activate:2' });
    expect(seen[0]!.body).toEqual({ activationDate: '2024-01-15', dateFormat: 'yyyy-MM-dd', locale: 'en' });
    expectFineractHeaders(seen[0]!, true);
  });

  it('groups: look-up by externalId, create, associate and disassociate', async () => {
    interceptJson(t.pool, {
      method: 'GET',
      path: '/groups?externalId=fam-1',
      reply: {
        totalFilteredRecords: 1,
        pageItems: [{ id: 7, externalId: 'fam-1', activationDate: [2024, 1, 2] }],
      },
    });
    expect(await t.client.getGroupByExternalId('fam-1')).toMatchObject({
      id: 7,
      activationDate: '2024-01-02',
    });
    interceptJson(t.pool, {
      method: 'GET',
      path: '/groups?externalId=none',
      reply: { totalFilteredRecords: 0, pageItems: [] },
    });
    expect(await t.client.getGroupByExternalId('none')).toBeUndefined();

    const created = interceptJson(t.pool, {
      method: 'POST',
      path: '/groups',
      reply: { officeId: 1, groupId: 7, resourceId: 7 },
    });
    const g = await t.client.createGroup(
      {
        name: 'Family fam-1',
        officeId: 1,
        active: true,
        activationDate: '2024-01-02',
        externalId: 'fam-1',
        clientMembers: [12],
      },
      { operationKey: 'group:fam-1' },
    );
    expect(g.groupId).toBe(7);
    expect(created[0]!.body).toEqual({
      name: 'Family fam-1',
      officeId: 1,
      active: true,
      activationDate: '2024-01-02',
      externalId: 'fam-1',
      clientMembers: [12],
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    const assoc = interceptJson(t.pool, {
      method: 'POST',
      path: '/groups/7?command=associateClients',
      reply: { groupId: 7, resourceId: 7 },
    });
    await t.client.associateClients(7, [12, 13], { operationKey: 'group-add:fam-1:12,13' });
    expect(assoc[0]!.body).toEqual({ clientMembers: [12, 13] });
    expectFineractHeaders(assoc[0]!, true);
    const dis = interceptJson(t.pool, {
      method: 'POST',
      path: '/groups/7?command=disassociateClients',
      reply: { groupId: 7, resourceId: 7 },
    });
    await t.client.disassociateClients(7, [13], { operationKey: 'group-remove:fam-1:13' });
    expect(dis[0]!.body).toEqual({ clientMembers: [13] });
  });

  it('savings: create, approve, activate, read (fixtures 03/04/05)', async () => {
    const f04 = fixture('04-savingsaccount-approve-activate.json');
    const create = interceptJson(t.pool, {
      method: 'POST',
      path: '/savingsaccounts',
      reply: fixture('03-post-savingsaccounts.json')['response_batch_example'],
    });
    const approve = interceptJson(t.pool, {
      method: 'POST',
      path: '/savingsaccounts/116?command=approve',
      reply: f04['approve']!.response,
    });
    const activate = interceptJson(t.pool, {
      method: 'POST',
      path: '/savingsaccounts/116?command=activate',
      reply: f04['activate']!.response,
    });
    const acc = await t.client.createSavingsAccount(
      { clientId: 922, productId: 1, submittedOnDate: '2024-01-15', externalId: 'SYS-23' },
      { operationKey: 'savings:SYS-23' },
    );
    expect(acc.savingsId).toBe(116);
    expect(create[0]!.body).toEqual({
      clientId: 922,
      productId: 1,
      submittedOnDate: '2024-01-15',
      externalId: 'SYS-23',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    const ap = await t.client.approveSavingsAccount(
      116,
      { approvedOnDate: '2024-01-15' },
      { operationKey: 'savings-approve:SYS-23' },
    );
    expect((ap.changes?.['status'] as { code: string }).code).toBe('savingsAccountStatusType.approved');
    expect(approve[0]!.body).toEqual({
      approvedOnDate: '2024-01-15',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    await t.client.activateSavingsAccount(
      116,
      { activatedOnDate: '2024-01-15' },
      { operationKey: 'savings-activate:SYS-23' },
    );
    expect(activate[0]!.body).toEqual({
      activatedOnDate: '2024-01-15',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expect(new Set([create, approve, activate].map((s) => s[0]!.headers['idempotency-key'])).size).toBe(3);

    interceptJson(t.pool, {
      method: 'GET',
      path: '/savingsaccounts/116?associations=transactions',
      reply: {
        id: 116,
        clientId: 922,
        status: { id: 300, active: true },
        summary: { accountBalance: 15000.5 },
        transactions: [fixture('05-savings-deposit-withdrawal.json')['get_transaction']!.response],
      },
    });
    const read = await t.client.getSavingsAccount(116, { withTransactions: true });
    expect(read.summary?.accountBalance).toBe('15000.5');
    expect(read.transactions?.[0]).toMatchObject({ amount: '5000', runningBalance: '0', date: '2013-08-07' });
    await expect(
      t.client.createSavingsAccount({ productId: 1, submittedOnDate: '2024-01-15' }, { operationKey: 'x' }),
    ).rejects.toThrow(/exactly one/);
  });

  it('deposit and withdrawal: whitelist only, amounts as strings, paymentTypeId required', async () => {
    const f05 = fixture('05-savings-deposit-withdrawal.json');
    const dep = interceptJson(t.pool, {
      method: 'POST',
      path: '/savingsaccounts/1/transactions?command=deposit',
      reply: f05['deposit']!.response,
    });
    const res = await t.client.depositToSavingsAccount(
      1,
      {
        transactionDate: '2024-02-01',
        transactionAmount: '15000.00',
        paymentTypeId: 14,
        receiptNumber: 'CL123',
        note: 'openIMIS claim CL123',
      },
      { operationKey: 'deposit:claim-CL123' },
    );
    expect(res.resourceId).toBe(47);
    expect(dep[0]!.body).toEqual({
      transactionDate: '2024-02-01',
      transactionAmount: '15000.00',
      paymentTypeId: 14,
      receiptNumber: 'CL123',
      note: 'openIMIS claim CL123',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expect(dep[0]!.headers['idempotency-key']).toBe('pl:deposit:claim-CL123:1');
    const wd = interceptJson(t.pool, {
      method: 'POST',
      path: '/savingsaccounts/1/transactions?command=withdrawal',
      reply: f05['withdrawal']!.response,
    });
    await t.client.withdrawFromSavingsAccount(
      1,
      { transactionDate: '2024-02-02', transactionAmount: '10', paymentTypeId: 14 },
      { operationKey: 'withdraw:x' },
    );
    expect(wd[0]!.body).toMatchObject({ transactionAmount: '10', paymentTypeId: 14 });
    const bad = { transactionDate: '2024-02-01', paymentTypeId: 1 };
    await expect(
      t.client.depositToSavingsAccount(
        1,
        { ...bad, transactionAmount: 15000 as never },
        { operationKey: 'd' },
      ),
    ).rejects.toThrow(/transactionAmount/);
    await expect(
      t.client.depositToSavingsAccount(1, { ...bad, transactionAmount: '0' }, { operationKey: 'd' }),
    ).rejects.toThrow(/greater than zero/);
    await expect(
      t.client.depositToSavingsAccount(
        1,
        { transactionDate: '2024-02-01', transactionAmount: '1', paymentTypeId: undefined as never },
        { operationKey: 'd' },
      ),
    ).rejects.toThrow(/paymentTypeId/);
    await expect(
      t.client.depositToSavingsAccount(1, { ...bad, transactionAmount: '1', externalId: 'x' } as never, {
        operationKey: 'd',
      }),
    ).rejects.toThrow(/externalId/);

    const tx = interceptJson(t.pool, {
      method: 'GET',
      path: '/savingsaccounts/1/transactions/47',
      reply: f05['get_transaction']!.response,
    });
    const read = await t.client.getSavingsTransaction(1, 47);
    expect(read).toMatchObject({ id: 1, amount: '5000', date: '2013-08-07', reversed: true });
    expectFineractHeaders(tx[0]!, false);
  });

  it('client charges: apply, pay, waive, read, list', async () => {
    const apply = interceptJson(t.pool, {
      method: 'POST',
      path: '/clients/12/charges',
      reply: { officeId: 1, clientId: 12, resourceId: 31 },
    });
    const a = await t.client.applyClientCharge(
      12,
      { chargeId: 4, amount: '5000.00', dueDate: '2024-03-01' },
      { operationKey: 'charge:IV-2024-0042' },
    );
    expect(a.resourceId).toBe(31);
    expect(apply[0]!.body).toEqual({
      chargeId: 4,
      amount: '5000.00',
      dueDate: '2024-03-01',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    const pay = interceptJson(t.pool, {
      method: 'POST',
      path: '/clients/12/charges/31?command=paycharge',
      reply: {
        clientId: 12,
        resourceId: 31,
        subResourceId: 88,
        transactionId: '88',
        subResourceExternalId: 'pay-1',
      },
    });
    const p = await t.client.payClientCharge(
      12,
      31,
      {
        amount: '5000.00',
        transactionDate: '2024-03-04',
        paymentTypeId: 3,
        receiptNumber: 'IV-2024-0042',
        externalId: 'pay-1',
      },
      { operationKey: 'charge-pay:pay-1' },
    );
    expect(p.subResourceId).toBe(88);
    expect(pay[0]!.body).toEqual({
      amount: '5000.00',
      transactionDate: '2024-03-04',
      paymentTypeId: 3,
      receiptNumber: 'IV-2024-0042',
      externalId: 'pay-1',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    const waive = interceptJson(t.pool, {
      method: 'POST',
      path: '/clients/12/charges/32?command=waive',
      reply: { clientId: 12, resourceId: 32 },
    });
    await t.client.waiveClientCharge(12, 32, { operationKey: 'charge-waive:32' });
    expect(waive[0]!.body).toEqual({});
    expectFineractHeaders(waive[0]!, true);
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/12/charges/31',
      reply: {
        id: 31,
        clientId: 12,
        amount: 5000,
        amountPaid: 5000,
        amountOutstanding: 0,
        dueDate: [2024, 3, 1],
        isPaid: true,
      },
    });
    expect(await t.client.getClientCharge(12, 31)).toMatchObject({
      amount: '5000',
      amountOutstanding: '0',
      dueDate: '2024-03-01',
      isPaid: true,
    });
    const list = interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/12/charges?chargeStatus=active&pendingPayment=true',
      reply: { totalFilteredRecords: 1, pageItems: [{ id: 31, amount: 10.5 }] },
    });
    const page = await t.client.listClientCharges(12, { chargeStatus: 'active', pendingPayment: true });
    expect(page.pageItems[0]!.amount).toBe('10.5');
    expectFineractHeaders(list[0]!, false);
  });

  it('payment types and hooks', async () => {
    interceptJson(t.pool, {
      method: 'GET',
      path: '/paymenttypes',
      reply: [{ id: 3, name: 'openIMIS', isCashPayment: false, position: 1 }],
    });
    expect(await t.client.listPaymentTypes()).toEqual([
      { id: 3, name: 'openIMIS', isCashPayment: false, position: 1 },
    ]);
    const hookReq = fixture('10-post-hooks-web.json')['request'] as unknown as HookCreateRequest;
    const hooks = interceptJson(t.pool, { method: 'POST', path: '/hooks', reply: { resourceId: 4 } });
    const h = await t.client.createHook(
      {
        ...hookReq,
        events: [
          { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
          { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
        ],
      },
      { operationKey: 'hook:openhim-payments' },
    );
    expect(h.resourceId).toBe(4);
    expect(hooks[0]!.body).toEqual({
      ...hookReq,
      events: [
        { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
        { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
      ],
    });
    interceptJson(t.pool, { method: 'GET', path: '/hooks', reply: [{ id: 4, name: 'Web', isActive: true }] });
    expect(await t.client.listHooks()).toEqual([{ id: 4, name: 'Web', isActive: true }]);
  });

  it('maps error answers to FineractError: 400 validation, 403 duplicate, plain-text tenant 400', async () => {
    interceptJson(t.pool, {
      method: 'POST',
      path: '/clients',
      status: 400,
      reply: fineractErrorBody(400, 'validation.msg.validation.errors.exist', [
        { code: 'validation.msg.client.legalFormId.cannot.be.blank', parameterName: 'legalFormId' },
      ]),
    });
    const body = { officeId: 1, legalFormId: 1 as const, fullname: 'X', active: false, externalId: 'dup' };
    const e1 = await t.client.createClient(body, { operationKey: 'c1' }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(FineractError);
    expect((e1 as FineractError).errors[0]!.parameterName).toBe('legalFormId');
    expect((e1 as FineractError).statusCode).toBe(422);

    interceptJson(t.pool, {
      method: 'POST',
      path: '/clients',
      status: 403,
      reply: fineractErrorBody(403, 'validation.msg.domain.rule.violation', [
        { code: 'error.msg.client.duplicate.externalId', parameterName: 'externalId' },
      ]),
    });
    const e2 = await t.client.createClient(body, { operationKey: 'c2' }).catch((e: unknown) => e);
    expect(isDuplicateError(e2)).toBe(true);

    interceptJson(t.pool, {
      method: 'GET',
      path: '/paymenttypes',
      status: 400,
      reply: 'The tenant identifier: default is not valid.',
    });
    await expect(t.client.listPaymentTypes()).rejects.toMatchObject({
      upstreamStatus: 400,
      message: expect.stringContaining('tenant identifier'),
    });
  });

  it('records every call as a masked orchestration', async () => {
    interceptJson(t.pool, {
      method: 'POST',
      path: '/authentication',
      reply: { username: 'mifos', authenticated: true, base64EncodedAuthenticationKey: 'c2VjcmV0' },
    });
    interceptJson(t.pool, {
      method: 'POST',
      path: '/savingsaccounts/1/transactions?command=deposit',
      reply: { savingsId: 1, resourceId: 47 },
    });
    const scope: OrchestrationScope = { orchestrations: [], transactionId: 'tx-9' };
    await runWithOrchestrations(scope, async () => {
      await t.client.healthCheck();
      await t.client.depositToSavingsAccount(
        1,
        { transactionDate: '2024-02-01', transactionAmount: '1.00', paymentTypeId: 1 },
        { operationKey: 'deposit:o' },
      );
    });
    expect(scope.orchestrations).toHaveLength(2);
    const [auth, dep] = scope.orchestrations;
    expect(auth!.request.headers['authorization']).toBe(MASK);
    expect(JSON.parse(auth!.request.body).password).toBe(MASK);
    expect(JSON.parse(auth!.response!.body).base64EncodedAuthenticationKey).toBe(MASK);
    expect(dep!.request.path).toBe('/fineract-provider/api/v1/savingsaccounts/1/transactions');
    expect(dep!.request.querystring).toBe('command=deposit');
    expect(dep!.request.headers['idempotency-key']).toBe('pl:deposit:o:1');
    expect(dep!.request.headers['fineract-platform-tenantid']).toBe('default');
    const all = JSON.stringify(scope.orchestrations);
    expect(all).not.toContain(FINERACT_TEST_PASSWORD);
    expect(all).not.toContain(Buffer.from(`mifos:${FINERACT_TEST_PASSWORD}`).toString('base64'));
    expect(FINERACT_TEST_BASE_URL).toContain('/fineract-provider/api/v1');
  });
});
