import { type FineractSimulator, startFineractSimulator } from './index';
import { call, fixture, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');

interface Item {
  requestId: number;
  statusCode: number;
  headers: { name: string; value: string }[];
  body: string;
}

const client = (externalId: string): string =>
  JSON.stringify(personClient({ externalId, savingsProductId: 1 }));
const deposit = JSON.stringify({
  transactionDate: '2024-01-15',
  transactionAmount: '500',
  paymentTypeId: 1,
  dateFormat: 'yyyy-MM-dd',
  locale: 'en',
});

describe('Fineract simulator: batch API', () => {
  let sim: FineractSimulator;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('chains a deposit to a created client with reference and $.savingsId, bodies as JSON strings', async () => {
    const res = await call(sim, 'POST', '/batches', [
      { requestId: 1, relativeUrl: 'v1/clients', method: 'POST', body: client('c-1') },
      {
        requestId: 2,
        relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
        method: 'POST',
        reference: 1,
        body: deposit,
      },
    ]);
    expect(res.status).toBe(200);
    const items = res.json as Item[];
    expect(items.map((i) => i.statusCode)).toEqual([200, 200]);
    expect(JSON.parse(items[0]!.body)).toEqual({
      officeId: 1,
      clientId: 1,
      resourceId: 1,
      resourceExternalId: 'c-1',
      savingsId: 1,
    });
    expect(JSON.parse(items[1]!.body)).toMatchObject({ savingsId: 1, resourceId: 1 });
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('500.00');
  });

  it('resolves $.clientId placeholders in body values (legacy example, with legalFormId added)', async () => {
    const { request } = fixture('06-batch-enclosing-transaction.json') as { request: { body: string }[] };
    const items = request.map((i, n) =>
      n === 0 ? { ...i, body: JSON.stringify({ ...JSON.parse(i.body), legalFormId: 1 }) } : i,
    );
    const res = await call(sim, 'POST', '/batches?enclosingTransaction=true', items);
    const out = res.json as Item[];
    expect(out.map((i) => i.statusCode)).toEqual([200, 200]);
    expect(JSON.parse(out[1]!.body)).toEqual({ officeId: 1, clientId: 1, savingsId: 1, resourceId: 1 });
    expect(out[0]!.headers).toEqual([{ name: 'Content-type', value: 'text/html' }]);
  });

  it('answers 501 per item for operations outside the supported list', async () => {
    const res = await call(sim, 'POST', '/batches', [
      { requestId: 1, relativeUrl: 'groups', method: 'POST', body: '{}' },
      { requestId: 2, relativeUrl: 'savingsaccounts/1?command=approve', method: 'POST', body: '{}' },
      { requestId: 3, relativeUrl: 'clients?externalId=x', method: 'GET' },
      { requestId: 4, relativeUrl: 'clients/1/charges', method: 'POST', body: '{}' },
      { requestId: 5, relativeUrl: 'clients', method: 'POST', body: client('ok') },
    ]);
    const items = res.json as Item[];
    expect(items.map((i) => i.statusCode)).toEqual([501, 501, 501, 501, 200]);
    expect(items[0]!.body).toBe("Resource with method POST and relativeUrl groups doesn't exist");
  });

  it('leaves the children of a failed item out of the answer (Fineract builds their 409 but never adds it)', async () => {
    const res = await call(sim, 'POST', '/batches', [
      { requestId: 1, relativeUrl: 'clients', method: 'POST', body: JSON.stringify({ officeId: 1 }) },
      {
        requestId: 2,
        relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
        method: 'POST',
        reference: 1,
        body: deposit,
      },
      { requestId: 3, relativeUrl: 'savingsaccounts/$.savingsId', method: 'GET', reference: 2 },
      { requestId: 4, relativeUrl: 'clients', method: 'POST', body: client('ok') },
    ]);
    const items = res.json as Item[];
    expect(items.map((i) => [i.requestId, i.statusCode])).toEqual([
      [1, 400],
      [4, 200],
    ]);
    expect(items[0]).not.toHaveProperty('headers');
    expect(sim.state.savingsTransactions.size).toBe(0);
  });

  it('wraps a returned failure (501) of an enclosing batch in the roll-back notice', async () => {
    const res = await call(sim, 'POST', '/batches?enclosingTransaction=true', [
      { requestId: 1, relativeUrl: 'clients', method: 'POST', body: client('a') },
      { requestId: 2, relativeUrl: 'groups', method: 'POST', body: '{}' },
    ]);
    const items = res.json as Item[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ requestId: 2, statusCode: 501 });
    expect(items[0]!.body).toMatch(
      /^Transaction is being rolled back\. First erroneous request: \n\{"requestId":2,"statusCode":501/,
    );
    expect(sim.state.clients.size).toBe(0);
  });

  it('rolls every item back with enclosingTransaction=true and answers only the failing item', async () => {
    const res = await call(sim, 'POST', '/batches?enclosingTransaction=true', [
      { requestId: 1, relativeUrl: 'clients', method: 'POST', body: client('a') },
      {
        requestId: 2,
        relativeUrl: 'savingsaccounts/$.savingsId/transactions?command=deposit',
        method: 'POST',
        reference: 1,
        body: deposit,
      },
      { requestId: 3, relativeUrl: 'clients', method: 'POST', body: client('a') },
    ]);
    expect(res.status).toBe(200);
    const items = res.json as Item[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ requestId: 3, statusCode: 403 });
    expect(JSON.parse(items[0]!.body)).toMatchObject({
      userMessageGlobalisationCode: 'error.msg.client.duplicate.externalId',
    });
    expect(sim.state.clients.size).toBe(0);
    expect(sim.state.savingsAccounts.size).toBe(0);
    expect(sim.state.savingsTransactions.size).toBe(0);
    // The rolled-back ids are free again: the next create gets id 1.
    const after = await call(sim, 'POST', '/clients', JSON.parse(client('a')));
    expect(after.json).toMatchObject({ clientId: 1 });
  });

  it('keeps the successful items of a failed batch without enclosingTransaction', async () => {
    const res = await call(sim, 'POST', '/batches', [
      { requestId: 2, relativeUrl: 'clients', method: 'POST', body: client('a') },
      { requestId: 1, relativeUrl: 'clients', method: 'POST', body: client('a') },
    ]);
    const items = res.json as Item[];
    expect(items.map((i) => [i.requestId, i.statusCode])).toEqual([
      [1, 403],
      [2, 200],
    ]);
    expect(sim.state.clients.size).toBe(1);
  });

  it('rejects an item whose body is an object, not a JSON string', async () => {
    const res = await call(sim, 'POST', '/batches', [
      { requestId: 1, relativeUrl: 'clients', method: 'POST', body: { officeId: 1 } },
    ]);
    expect(res.status).toBe(400);
  });

  it('replays an item by its Idempotency-Key header and marks it x-served-from-cache', async () => {
    const item = {
      requestId: 1,
      relativeUrl: 'clients',
      method: 'POST',
      headers: [{ name: 'Idempotency-Key', value: 'client-create:a:1' }],
      body: client('a'),
    };
    const first = (await call(sim, 'POST', '/batches', [item])).json as Item[];
    const second = (await call(sim, 'POST', '/batches', [item])).json as Item[];
    expect(second[0]!.statusCode).toBe(200);
    expect(second[0]!.body).toBe(first[0]!.body);
    expect(second[0]!.headers).toContainEqual({ name: 'x-served-from-cache', value: 'true' });
    expect(first[0]!.headers).not.toContainEqual({ name: 'x-served-from-cache', value: 'true' });
    expect(sim.state.clients.size).toBe(1);
  });
});
