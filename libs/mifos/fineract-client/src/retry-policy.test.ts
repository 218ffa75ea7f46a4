import { UpstreamTimeoutError, UpstreamUnavailableError } from '@payment-layer/shared-errors';
import { runWithOrchestrations, type OrchestrationScope } from '@payment-layer/shared-http';
import { errors as undiciErrors } from 'undici';
import { FineractError } from './errors';
import {
  FINERACT_API_PATH,
  createTestFineractClient,
  fineractErrorBody,
  interceptJson,
  type TestFineractClient,
} from './testing';

const DEPOSIT_PATH = '/savingsaccounts/1/transactions?command=deposit';
const DEPOSIT = {
  transactionDate: '2024-02-01',
  transactionAmount: '15000.00',
  paymentTypeId: 1,
  receiptNumber: 'CL123',
};
const SERVER_ERROR = fineractErrorBody(500, 'error.msg.platform.server.side.error');
const CLIENT = {
  officeId: 1,
  legalFormId: 1 as const,
  fullname: 'Petra Yton',
  active: false,
  externalId: 'ext-1',
};

/** An interceptor that only matches a given Idempotency-Key and fails as a timeout (no answer). */
function timeoutFor(t: TestFineractClient, path: string, key: string): void {
  t.pool
    .intercept({ method: 'POST', path: `${FINERACT_API_PATH}${path}`, headers: { 'idempotency-key': key } })
    .replyWithError(new undiciErrors.HeadersTimeoutError());
}

/** An interceptor that only matches a given Idempotency-Key. */
function answerFor(
  t: TestFineractClient,
  path: string,
  key: string,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  t.pool
    .intercept({ method: 'POST', path: `${FINERACT_API_PATH}${path}`, headers: { 'idempotency-key': key } })
    .reply(status, typeof body === 'string' ? body : JSON.stringify(body), {
      headers: { 'content-type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers },
    });
}

describe('write retry policy (fineract.md §8)', () => {
  let t: TestFineractClient;
  beforeEach(() => {
    t = createTestFineractClient();
  });
  afterEach(async () => {
    t.agent.assertNoPendingInterceptors();
    await t.agent.close();
  });

  it('after a timeout retries with the SAME key and takes the cached replay as the result', async () => {
    timeoutFor(t, DEPOSIT_PATH, 'pl:deposit:claim-CL123:1');
    answerFor(
      t,
      DEPOSIT_PATH,
      'pl:deposit:claim-CL123:1',
      200,
      { savingsId: 1, resourceId: 47 },
      {
        'x-served-from-cache': 'true',
      },
    );
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:claim-CL123' });
    expect(res.resourceId).toBe(47);
    expect(res.write).toEqual({
      idempotencyKey: 'pl:deposit:claim-CL123:1',
      attempt: 1,
      servedFromCache: true,
      fromReadBack: false,
    });
    expect(t.sleeps).toHaveLength(1);
  });

  it('records every attempt as its own orchestration', async () => {
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:o:1', 500, SERVER_ERROR);
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:o:2', 200, { resourceId: 47 });
    const scope: OrchestrationScope = { orchestrations: [] };
    await runWithOrchestrations(scope, () =>
      t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:o', readBack: false }),
    );
    expect(
      scope.orchestrations.map((o) => [o.request.headers['idempotency-key'], o.response?.status]),
    ).toEqual([
      ['pl:deposit:o:1', 500],
      ['pl:deposit:o:2', 200],
    ]);
  });

  it('after a lost connection retries with the same key', async () => {
    t.pool
      .intercept({ method: 'POST', path: `${FINERACT_API_PATH}${DEPOSIT_PATH}` })
      .replyWithError(new undiciErrors.SocketError('other side closed'));
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 200, { resourceId: 48 });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' });
    expect(res.resourceId).toBe(48);
  });

  it('on 425 (still in flight) waits and retries with the same key', async () => {
    answerFor(
      t,
      DEPOSIT_PATH,
      'pl:deposit:d:1',
      425,
      fineractErrorBody(425, 'error.msg.idempotency.in.flight'),
      {
        'x-served-from-cache': 'true',
      },
    );
    answerFor(
      t,
      DEPOSIT_PATH,
      'pl:deposit:d:1',
      425,
      fineractErrorBody(425, 'error.msg.idempotency.in.flight'),
      {
        'x-served-from-cache': 'true',
      },
    );
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 200, { resourceId: 47 }, { 'x-served-from-cache': 'true' });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' });
    expect(res.write.attempt).toBe(1);
    expect(t.sleeps).toEqual([188, 375]);
    expect(t.sleeps.every((ms) => ms > 0)).toBe(true);
  });

  it('when the write is still in flight after every attempt, reports an unknown outcome (504), not a failure', async () => {
    for (let i = 0; i < 4; i++) {
      answerFor(
        t,
        DEPOSIT_PATH,
        'pl:deposit:f:1',
        425,
        fineractErrorBody(425, 'error.msg.idempotency.in.flight'),
        {
          'x-served-from-cache': 'true',
        },
      );
    }
    const err = await t.client
      .depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:f' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect((err as UpstreamTimeoutError).statusCode).toBe(504);
    expect((err as Error).message).toMatch(/outcome is unknown/);
  });

  it('on a Fineract 500 reads back first, then writes with a NEW key', async () => {
    const calls: string[] = [];
    answerFor(t, '/clients', 'pl:client:ext-1:1', 500, SERVER_ERROR);
    t.pool.intercept({ method: 'GET', path: `${FINERACT_API_PATH}/clients/external-id/ext-1` }).reply(() => {
      calls.push('read-back');
      return {
        statusCode: 404,
        data: JSON.stringify(fineractErrorBody(404, 'error.msg.resource.not.found')),
      };
    });
    answerFor(t, '/clients', 'pl:client:ext-1:2', 200, { clientId: 9, resourceId: 9 });
    const res = await t.client.createClient(CLIENT, { operationKey: 'client:ext-1' });
    expect(calls).toEqual(['read-back']);
    expect(res.clientId).toBe(9);
    expect(res.write).toMatchObject({ idempotencyKey: 'pl:client:ext-1:2', attempt: 2, fromReadBack: false });
  });

  it('stops when the read-back shows the write happened', async () => {
    answerFor(
      t,
      '/clients',
      'pl:client:ext-1:1',
      503,
      fineractErrorBody(503, 'error.msg.service.unavailable'),
    );
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/external-id/ext-1',
      reply: { id: 9, officeId: 1, externalId: 'ext-1', savingsAccountId: 4 },
    });
    const res = await t.client.createClient(CLIENT, { operationKey: 'client:ext-1' });
    expect(res).toMatchObject({ clientId: 9, resourceId: 9, savingsId: 4, resourceExternalId: 'ext-1' });
    expect(res.write).toMatchObject({ fromReadBack: true, attempt: 1 });
  });

  it('a timeout followed by a replayed 500 moves on to a new key', async () => {
    timeoutFor(t, DEPOSIT_PATH, 'pl:deposit:d:1');
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 500, SERVER_ERROR, { 'x-served-from-cache': 'true' });
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:2', 200, { resourceId: 50 });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' });
    expect(res.write.idempotencyKey).toBe('pl:deposit:d:2');
  });

  it('on 409 (optimistic lock) uses a new key', async () => {
    answerFor(
      t,
      DEPOSIT_PATH,
      'pl:deposit:d:1',
      409,
      fineractErrorBody(409, 'error.msg.platform.service.savingsaccount.conflict'),
    );
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:2', 200, { resourceId: 51 });
    expect(
      (await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' })).resourceId,
    ).toBe(51);
  });

  it('a gateway 502 without Fineract error body means "unknown": same key', async () => {
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 502, '<html>502 Bad Gateway</html>');
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 200, { resourceId: 47 }, { 'x-served-from-cache': 'true' });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' });
    expect(res.write).toMatchObject({ attempt: 1, servedFromCache: true });
  });

  it('never retries a 4xx rejection, fresh or replayed', async () => {
    answerFor(
      t,
      DEPOSIT_PATH,
      'pl:deposit:d:1',
      400,
      fineractErrorBody(400, 'validation.msg.validation.errors.exist', [
        {
          code: 'validation.msg.savingsaccount.transaction.paymentTypeId.cannot.be.blank',
          parameterName: 'paymentTypeId',
        },
      ]),
    );
    await expect(
      t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' }),
    ).rejects.toMatchObject({
      upstreamStatus: 400,
      idempotencyKey: 'pl:deposit:d:1',
    });
    answerFor(
      t,
      DEPOSIT_PATH,
      'pl:deposit:e:1',
      403,
      fineractErrorBody(403, 'validation.msg.domain.rule.violation'),
      {
        'x-served-from-cache': 'true',
      },
    );
    const err = await t.client
      .depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:e' })
      .catch((e: unknown) => e as FineractError);
    expect(err).toBeInstanceOf(FineractError);
    expect((err as FineractError).servedFromCache).toBe(true);
    expect(t.sleeps).toEqual([]);
  });

  it('after fixing data, a caller resumes with a higher attempt (new key)', async () => {
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:2', 200, { resourceId: 52 });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d', attempt: 2 });
    expect(res.write.idempotencyKey).toBe('pl:deposit:d:2');
  });

  it('gives up after maxAttempts sends and reports the unknown outcome as a timeout', async () => {
    const c = createTestFineractClient({ retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 150 } });
    for (let i = 0; i < 3; i += 1) {
      timeoutFor(c, DEPOSIT_PATH, 'pl:deposit:d:1');
    }
    await expect(
      c.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' }),
    ).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(c.sleeps).toEqual([75, 113]);
    c.agent.assertNoPendingInterceptors();
    await c.agent.close();
  });

  it('stops when the read-back itself fails: the write might have happened', async () => {
    answerFor(t, '/clients', 'pl:client:ext-1:1', 500, SERVER_ERROR);
    t.pool
      .intercept({ method: 'GET', path: `${FINERACT_API_PATH}/clients/external-id/ext-1` })
      .replyWithError(new undiciErrors.SocketError('reset'))
      .times(4);
    const err = await t.client
      .createClient(CLIENT, { operationKey: 'client:ext-1' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FineractError);
    expect((err as FineractError).upstreamStatus).toBe(500);
  });

  it('readBack: false turns off the default read-back', async () => {
    answerFor(t, '/clients', 'pl:client:ext-1:1', 500, SERVER_ERROR);
    answerFor(t, '/clients', 'pl:client:ext-1:2', 200, { clientId: 3, resourceId: 3 });
    const res = await t.client.createClient(CLIENT, { operationKey: 'client:ext-1', readBack: false });
    expect(res.clientId).toBe(3);
  });

  it('deposit with uniqueReceipt reads the account transactions back before a new key', async () => {
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:claim-CL123:1', 500, SERVER_ERROR);
    interceptJson(t.pool, {
      method: 'GET',
      path: '/savingsaccounts/1?associations=transactions',
      reply: {
        id: 1,
        clientId: 2,
        transactions: [
          {
            id: 40,
            transactionType: { id: 1, deposit: true },
            amount: 15000,
            reversed: true,
            date: [2024, 2, 1],
            paymentDetailData: { receiptNumber: 'CL123' },
          },
          {
            id: 47,
            transactionType: { id: 1, deposit: true },
            amount: 15000,
            reversed: false,
            date: [2024, 2, 1],
            paymentDetailData: { receiptNumber: 'CL123' },
          },
          {
            id: 48,
            transactionType: { id: 2, withdrawal: true },
            amount: 15000,
            reversed: false,
            date: [2024, 2, 1],
            paymentDetailData: { receiptNumber: 'CL123' },
          },
        ],
      },
    });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, {
      operationKey: 'deposit:claim-CL123',
      uniqueReceipt: true,
    });
    expect(res).toMatchObject({ savingsId: 1, resourceId: 47, write: { fromReadBack: true } });
  });

  it('charge payment with externalId reads client transactions back before a new key', async () => {
    const path = '/clients/12/charges/31?command=paycharge';
    answerFor(t, path, 'pl:charge-pay:pay-1:1', 500, SERVER_ERROR);
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/12/transactions?offset=0&limit=200',
      reply: { totalFilteredRecords: 0, pageItems: [] },
    });
    answerFor(t, path, 'pl:charge-pay:pay-1:2', 200, { clientId: 12, resourceId: 31, subResourceId: 90 });
    const res = await t.client.payClientCharge(
      12,
      31,
      { amount: '10.00', transactionDate: '2024-03-04', paymentTypeId: 3, externalId: 'pay-1' },
      { operationKey: 'charge-pay:pay-1' },
    );
    expect(res.subResourceId).toBe(90);
  });

  it('announces each attempt once, before its first send, and a throwing onAttempt sends nothing', async () => {
    const announced: number[] = [];
    timeoutFor(t, DEPOSIT_PATH, 'pl:deposit:d:3');
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:3', 500, SERVER_ERROR, { 'x-served-from-cache': 'true' });
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:4', 200, { resourceId: 50 });
    const res = await t.client.depositToSavingsAccount(1, DEPOSIT, {
      operationKey: 'deposit:d',
      attempt: 3,
      onAttempt: (n) => {
        announced.push(n);
      },
    });
    expect(res.write.attempt).toBe(4);
    expect(announced).toEqual([3, 4]);

    await expect(
      t.client.depositToSavingsAccount(1, DEPOSIT, {
        operationKey: 'deposit:e',
        onAttempt: () => {
          throw new Error('staging is read-only');
        },
      }),
    ).rejects.toThrow('staging is read-only');
  });

  it('a client charge answered 500 after its timeout is read back by definition, amount and due date', async () => {
    const path = '/clients/12/charges';
    const charge = { chargeId: 1, amount: '12.50', dueDate: '2024-06-01' };
    timeoutFor(t, path, 'pl:charge:inv-1:1');
    answerFor(t, path, 'pl:charge:inv-1:1', 500, SERVER_ERROR);
    interceptJson(t.pool, {
      method: 'GET',
      path: '/clients/12/charges?chargeStatus=all&offset=0&limit=200',
      reply: {
        totalFilteredRecords: 3,
        pageItems: [
          { id: 40, chargeId: 1, amount: 12.5, dueDate: [2024, 5, 1] },
          { id: 41, chargeId: 2, amount: 12.5, dueDate: [2024, 6, 1] },
          { id: 42, chargeId: 1, amount: 12.5, dueDate: [2024, 6, 1] },
        ],
      },
    });
    const res = await t.client.applyClientCharge(12, charge, {
      operationKey: 'charge:inv-1',
      readBack: async () => {
        const found = await t.client.findClientCharges(12, charge);
        return found.length === 1 ? { clientId: 12, resourceId: found[0]?.id } : undefined;
      },
    });
    expect(res).toMatchObject({ resourceId: 42, write: { fromReadBack: true, attempt: 1 } });
  });

  it('reads are retried on transient failures without any key', async () => {
    t.pool
      .intercept({ method: 'GET', path: `${FINERACT_API_PATH}/paymenttypes` })
      .replyWithError(new undiciErrors.SocketError('reset'));
    const seen = interceptJson(t.pool, { method: 'GET', path: '/paymenttypes', reply: [] });
    await expect(t.client.listPaymentTypes()).resolves.toEqual([]);
    expect(seen[0]!.headers['idempotency-key']).toBeUndefined();
  });

  it('a 2xx body that is not JSON is an unknown outcome, retried with the same key', async () => {
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 200, 'garbled');
    answerFor(t, DEPOSIT_PATH, 'pl:deposit:d:1', 200, { resourceId: 47 }, { 'x-served-from-cache': 'true' });
    expect(
      (await t.client.depositToSavingsAccount(1, DEPOSIT, { operationKey: 'deposit:d' })).resourceId,
    ).toBe(47);
    expect(UpstreamUnavailableError).toBeDefined();
  });
});
