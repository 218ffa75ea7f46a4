import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FineractSimulator, startFineractSimulator } from './index';
import { call, codes, fixture, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');

interface Received {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

async function receiver(status = 200): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fineract/hook`,
    received,
  };
}

function hookBody(url: string): Record<string, unknown> {
  return {
    name: 'Web',
    isActive: true,
    displayName: 'openhim-payments',
    events: [
      { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
      { entityName: 'SAVINGSACCOUNT', actionName: 'WITHDRAWAL' },
      { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
    ],
    config: { 'Payload URL': url, 'Content Type': 'json' },
  };
}

const depositBody = {
  transactionDate: '2024-02-01',
  transactionAmount: 15000.5,
  paymentTypeId: 1,
  receiptNumber: 'IV-BCUL0001',
  dateFormat: 'yyyy-MM-dd',
  locale: 'en',
};

describe('Fineract simulator: hooks', () => {
  let sim: FineractSimulator;
  let target: Awaited<ReturnType<typeof receiver>>;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock, hookEndpoint: 'https://fineract.example.org' });
    target = await receiver();
    await call(sim, 'POST', '/clients', personClient({ savingsProductId: 1 }));
  });

  afterEach(async () => {
    await sim.close();
    await new Promise((resolve) => target.server.close(resolve));
  });

  it('registers a Web hook like the legacy example and lists it', async () => {
    const { request, response } = fixture('10-post-hooks-web.json') as {
      request: Record<string, unknown>;
      response: unknown;
    };
    const res = await call(sim, 'POST', '/hooks', request);
    expect(res.json).toEqual({ ...(response as object), resourceId: 1 });
    const list = await call(sim, 'GET', '/hooks');
    expect(list.json).toMatchObject([
      {
        id: 1,
        name: 'Web',
        isActive: true,
        config: [
          { fieldName: 'Payload URL', fieldValue: 'http://example.com/webhook' },
          { fieldName: 'Content Type', fieldValue: 'json' },
        ],
      },
    ]);
    const noUrl = await call(sim, 'POST', '/hooks', {
      ...request,
      displayName: 'x',
      config: { 'Content Type': 'json' },
    });
    expect(codes(noUrl)).toEqual(['validation.msg.hook.Payload URL.cannot.be.blank']);
  });

  it('delivers a savings deposit once with the Fineract headers, the original request and the result', async () => {
    await call(sim, 'POST', '/hooks', hookBody(target.url));
    const dep = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', depositBody);
    expect(dep.status).toBe(200);
    await sim.hooksIdle();
    expect(target.received).toHaveLength(1);
    const [hit] = target.received;
    expect(hit!.headers).toMatchObject({
      'x-fineract-entity': 'SAVINGSACCOUNT',
      'x-fineract-action': 'DEPOSIT',
      'fineract-platform-tenantid': 'default',
      'x-fineract-endpoint': 'https://fineract.example.org',
      'content-type': 'application/json',
    });
    expect(hit!.body).toMatchObject({
      entityName: 'SAVINGSACCOUNT',
      actionName: 'DEPOSIT',
      createdByName: 'mifos',
      request: depositBody,
      officeId: 1,
      clientId: 1,
      response: {
        clientId: 1,
        savingsId: 1,
        resourceId: 1,
        changes: { receiptNumber: 'IV-BCUL0001', paymentTypeId: 1 },
      },
      timestamp: '2024-06-01T10:00:00.000Z',
    });
    expect(hit!.body['response']).not.toHaveProperty('officeId');
    expect(sim.hookDeliveries).toEqual([
      expect.objectContaining({
        hookId: 1,
        status: 200,
        entityName: 'SAVINGSACCOUNT',
        actionName: 'DEPOSIT',
      }),
    ]);
  });

  it('delivers failed commands with status Exception and the error', async () => {
    await call(sim, 'POST', '/hooks', hookBody(target.url));
    const res = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=withdrawal', depositBody);
    expect(res.status).toBe(403);
    await sim.hooksIdle();
    expect(target.received).toHaveLength(1);
    expect(target.received[0]!.body).toMatchObject({
      actionName: 'WITHDRAWAL',
      status: 'Exception',
      response: {
        statusCode: 403,
        errors: [
          {
            userMessageGlobalisationCode: 'error.msg.savingsaccount.transaction.insufficient.account.balance',
          },
        ],
      },
    });
  });

  it('delivers client charge payments and ignores events no hook subscribed to', async () => {
    await call(sim, 'POST', '/hooks', hookBody(target.url));
    await call(sim, 'POST', '/clients/1/charges', {
      chargeId: 1,
      amount: '10',
      dueDate: '2024-02-01',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    await call(sim, 'POST', '/clients/1/charges/1?command=paycharge', {
      amount: '10',
      transactionDate: '2024-02-02',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
      externalId: 'p-1',
    });
    await sim.hooksIdle();
    expect(
      target.received.map((r) => `${String(r.body['entityName'])}/${String(r.body['actionName'])}`),
    ).toEqual(['CLIENTCHARGE/PAY']);
    expect(target.received[0]!.body).toMatchObject({
      response: { resourceId: 1, subResourceId: 1, subResourceExternalId: 'p-1' },
    });
  });

  it('loses the delivery when the target is down: no retry, logged only', async () => {
    await new Promise((resolve) => target.server.close(resolve));
    await call(sim, 'POST', '/hooks', hookBody(target.url));
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', depositBody);
    await sim.hooksIdle();
    target = await receiver();
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.hookDeliveries).toHaveLength(1);
    expect(sim.hookDeliveries[0]!.error).toBeDefined();
    expect(sim.hookDeliveries[0]!.status).toBeUndefined();
  });

  it('does not deliver again for an idempotent replay, and does not wait for a receiver error', async () => {
    await new Promise((resolve) => target.server.close(resolve));
    target = await receiver(500);
    await call(sim, 'POST', '/hooks', hookBody(target.url));
    const key = { 'idempotency-key': 'dep-1' };
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', depositBody, key);
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', depositBody, key);
    await sim.hooksIdle();
    expect(target.received).toHaveLength(1);
    expect(sim.hookDeliveries[0]!.status).toBe(500);
  });

  it('still delivers the events of an enclosing batch that is rolled back (published before commit)', async () => {
    await call(sim, 'POST', '/hooks', hookBody(target.url));
    const dep = JSON.stringify(depositBody);
    const res = await call(sim, 'POST', '/batches?enclosingTransaction=true', [
      {
        requestId: 1,
        relativeUrl: 'savingsaccounts/1/transactions?command=deposit',
        method: 'POST',
        body: dep,
      },
      {
        requestId: 2,
        relativeUrl: 'savingsaccounts/1/transactions?command=withdrawal',
        method: 'POST',
        body: JSON.stringify({ ...depositBody, transactionAmount: '99999' }),
      },
    ]);
    expect((res.json as { statusCode: number }[]).map((i) => i.statusCode)).toEqual([403]);
    await sim.hooksIdle();
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('0.00');
    expect(target.received.map((r) => [r.body['actionName'], r.body['status']])).toEqual(
      expect.arrayContaining([
        ['DEPOSIT', undefined],
        ['WITHDRAWAL', 'Exception'],
      ]),
    );
  });
});
