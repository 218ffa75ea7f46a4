import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@payment-layer/shared-errors';
import { errors as undiciErrors } from 'undici';
import { BATCH_SUPPORTED_OPERATIONS, isBatchSupported } from './batch';
import { FineractError } from './errors';
import {
  FINERACT_API_PATH,
  createTestFineractClient,
  interceptJson,
  type TestFineractClient,
} from './testing';

const FIXTURES = join(__dirname, '../../../../fixtures/fineract');
const f06 = JSON.parse(readFileSync(join(FIXTURES, '06-batch-enclosing-transaction.json'), 'utf8')) as {
  response: unknown[];
};

describe('batch operation list', () => {
  it.each([
    ['POST', 'clients'],
    ['POST', 'v1/clients'],
    ['PUT', 'clients/12'],
    ['POST', 'clients/$.clientId?command=activate'],
    ['POST', 'savingsaccounts'],
    ['GET', 'savingsaccounts/116?associations=all'],
    ['POST', 'savingsaccounts/$.savingsId/transactions?command=deposit'],
    ['POST', 'savingsaccounts/1/transactions/47?command=undo'],
    ['POST', 'loans/3?command=disburse'],
    ['GET', 'loans/external-id/abc/transactions/external-id/def'],
    ['DELETE', 'datatables/dt_extra/12/3'],
    ['GET', 'datatables/dt_extra/query?columnFilter=id'],
  ] as const)('supports %s %s', (method, url) => {
    expect(isBatchSupported(method, url)).toBe(true);
  });

  it.each([
    ['POST', 'groups'],
    ['POST', 'groups/7?command=associateClients'],
    ['POST', 'savingsaccounts/1?command=approve'],
    ['POST', 'savingsaccounts/1?command=activate'],
    ['GET', 'clients?externalId=x'],
    ['GET', 'clients/12'],
    ['POST', 'clients/12/charges'],
    ['POST', 'clients/12?command=close'],
    ['GET', 'paymenttypes'],
    ['POST', 'hooks'],
    ['DELETE', 'clients/12'],
  ] as const)('rejects %s %s', (method, url) => {
    expect(isBatchSupported(method, url)).toBe(false);
  });

  it('covers every shape of the reference table', () => {
    expect(BATCH_SUPPORTED_OPERATIONS.length).toBeGreaterThanOrEqual(30);
  });
});

describe('FineractBatch', () => {
  let t: TestFineractClient;
  beforeEach(() => {
    t = createTestFineractClient();
  });
  afterEach(async () => {
    t.agent.assertNoPendingInterceptors();
    await t.agent.close();
  });

  it('throws before any network call for unsupported operations and malformed items', () => {
    const b = t.client.batch();
    expect(() => b.add({ method: 'POST', relativeUrl: 'groups', body: {}, operationKey: 'g' })).toThrow(
      /501/,
    );
    expect(() =>
      b.add({
        method: 'POST',
        relativeUrl: 'savingsaccounts/1?command=approve',
        body: {},
        operationKey: 'a',
      }),
    ).toThrow(ValidationError);
    expect(() => b.add({ method: 'POST', relativeUrl: 'clients', body: {} })).toThrow(/operationKey/);
    expect(() =>
      b.add({
        method: 'POST',
        relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
        body: {},
        operationKey: 'd',
      }),
    ).toThrow(/reference/);
    expect(() =>
      b.add({
        method: 'POST',
        relativeUrl: 'savingsaccounts',
        body: { clientId: '$.clientId' },
        operationKey: 's',
      }),
    ).toThrow(/reference/);
    expect(() =>
      b.add({ method: 'POST', relativeUrl: 'clients', body: {}, operationKey: 'c', reference: 9 }),
    ).toThrow(/parent 9/);
    expect(() => b.add({ method: 'GET', relativeUrl: 'savingsaccounts/1', body: {} })).toThrow(/GET/);
    expect(() =>
      b.add({ method: 'POST', relativeUrl: 'clients', body: '{not json', operationKey: 'c' }),
    ).toThrow(/JSON/);
    expect(() =>
      b.add({
        method: 'POST',
        relativeUrl: 'clients',
        body: { activationDate: '04 March 2009' },
        operationKey: 'c',
      }),
    ).toThrow(/activationDate/);
    b.add({ requestId: 5, method: 'POST', relativeUrl: 'clients', body: {}, operationKey: 'c' });
    expect(() =>
      b.add({ requestId: 5, method: 'POST', relativeUrl: 'clients', body: {}, operationKey: 'c2' }),
    ).toThrow(/duplicate/);
  });

  it('sends bodies as JSON strings, placeholders, per-item keys and enclosingTransaction', async () => {
    const seen = interceptJson(t.pool, {
      method: 'POST',
      path: '/batches?enclosingTransaction=true',
      reply: [
        {
          requestId: 1,
          statusCode: 200,
          headers: [],
          body: '{"officeId":1,"clientId":922,"resourceId":922,"savingsId":116}',
        },
        {
          requestId: 2,
          statusCode: 200,
          headers: [{ name: 'x-served-from-cache', value: 'true' }],
          body: '{"savingsId":116,"resourceId":47}',
        },
      ],
    });
    const result = await t.client
      .batch({ enclosingTransaction: true })
      .add({
        method: 'POST',
        relativeUrl: 'clients',
        operationKey: 'client:ext-1',
        body: {
          officeId: 1,
          legalFormId: 1,
          fullname: 'Petra Yton',
          active: true,
          activationDate: new Date(Date.UTC(2024, 0, 15)),
          savingsProductId: 4,
        },
      })
      .add({
        method: 'POST',
        relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
        reference: 1,
        operationKey: 'deposit:claim-CL1',
        body: {
          transactionDate: '2024-01-15',
          transactionAmount: '500.00',
          paymentTypeId: 1,
          receiptNumber: 'CL1',
        },
      })
      .send();
    const sent = seen[0]!.body as {
      requestId: number;
      body: unknown;
      headers: unknown;
      reference?: number;
      relativeUrl: string;
    }[];
    expect(sent.map((i) => i.requestId)).toEqual([1, 2]);
    expect(typeof sent[0]!.body).toBe('string');
    expect(JSON.parse(sent[0]!.body as string)).toEqual({
      officeId: 1,
      legalFormId: 1,
      fullname: 'Petra Yton',
      active: true,
      activationDate: '2024-01-15',
      savingsProductId: 4,
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expect(sent[1]).toMatchObject({
      reference: 1,
      relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
      headers: [{ name: 'Idempotency-Key', value: 'pl:deposit:claim-CL1:1' }],
    });
    expect(JSON.parse(sent[1]!.body as string)).toMatchObject({
      transactionAmount: '500.00',
      dateFormat: 'yyyy-MM-dd',
    });
    expect(sent[0]!.headers).toEqual([{ name: 'Idempotency-Key', value: 'pl:client:ext-1:1' }]);
    expect(seen[0]!.headers['idempotency-key']).toBeUndefined();
    expect(seen[0]!.headers['fineract-platform-tenantid']).toBe('default');
    expect(result.ok).toBe(true);
    expect(result.rolledBack).toBe(false);
    expect(result.items[0]!.body).toEqual({ officeId: 1, clientId: 922, resourceId: 922, savingsId: 116 });
    expect(result.items[1]!.servedFromCache).toBe(true);
  });

  it('parses the fixture answer (06) and reports an enclosing-transaction rollback', async () => {
    interceptJson(t.pool, { method: 'POST', path: '/batches', reply: f06.response });
    const ok = await t.client
      .batch()
      .add({ method: 'POST', relativeUrl: 'clients', body: { officeId: 1 }, operationKey: 'c' })
      .add({
        method: 'POST',
        relativeUrl: 'savingsaccounts',
        reference: 1,
        body: { clientId: '$.clientId' },
        operationKey: 's',
      })
      .send();
    expect(ok.ok).toBe(true);
    expect(ok.items[1]!.body).toEqual({ officeId: 1, clientId: 922, savingsId: 116, resourceId: 116 });

    interceptJson(t.pool, {
      method: 'POST',
      path: '/batches?enclosingTransaction=true',
      reply: [
        {
          requestId: 2,
          statusCode: 403,
          headers: [],
          body: JSON.stringify({
            httpStatusCode: '403',
            userMessageGlobalisationCode: 'validation.msg.domain.rule.violation',
            errors: [
              {
                userMessageGlobalisationCode:
                  'error.msg.savingsaccount.transaction.insufficient.account.balance',
                defaultUserMessage: 'Insufficient balance',
              },
            ],
          }),
        },
      ],
    });
    const failed = await t.client
      .batch({ enclosingTransaction: true })
      .add({ method: 'POST', relativeUrl: 'clients', body: { officeId: 1 }, operationKey: 'c' })
      .add({
        method: 'POST',
        relativeUrl: 'savingsaccounts/1/transactions?command=withdrawal',
        body: {},
        operationKey: 'w',
      })
      .send();
    expect(failed.ok).toBe(false);
    expect(failed.rolledBack).toBe(true);
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]!.error).toBeInstanceOf(FineractError);
    expect(failed.items[0]!.error!.errorCode).toBe(
      'error.msg.savingsaccount.transaction.insufficient.account.balance',
    );
  });

  it('retries a timed-out batch with the same item keys; a batch error status is thrown, not retried', async () => {
    t.pool
      .intercept({ method: 'POST', path: `${FINERACT_API_PATH}/batches` })
      .replyWithError(new undiciErrors.HeadersTimeoutError());
    const seen = interceptJson(t.pool, {
      method: 'POST',
      path: '/batches',
      reply: [
        {
          requestId: 1,
          statusCode: 200,
          headers: [{ name: 'x-served-from-cache', value: 'true' }],
          body: '{"resourceId":1}',
        },
      ],
    });
    const res = await t.client
      .batch()
      .add({ method: 'POST', relativeUrl: 'clients', body: {}, operationKey: 'c' })
      .send();
    expect(res.items[0]!.servedFromCache).toBe(true);
    expect((seen[0]!.body as { headers: unknown }[])[0]!.headers).toEqual([
      { name: 'Idempotency-Key', value: 'pl:c:1' },
    ]);

    interceptJson(t.pool, {
      method: 'POST',
      path: '/batches',
      status: 500,
      reply: { httpStatusCode: '500', userMessageGlobalisationCode: 'error.msg.platform.server.side.error' },
    });
    await expect(
      t.client.batch().add({ method: 'POST', relativeUrl: 'clients', body: {}, operationKey: 'c' }).send(),
    ).rejects.toMatchObject({ upstreamStatus: 500 });
    await expect(t.client.batch().send()).rejects.toThrow(/empty/);
  });
});
