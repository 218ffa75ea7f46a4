import { startOpenHimCore, type OpenHimChannel, type OpenHimCoreSimulator } from './index';
import { basic, call, openhimReply, startFakeMediator, type FakeMediator } from './test-support';

const NOW = '2026-01-02T03:04:05.000Z';

function orchestration(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Fineract POST /clients',
    request: { method: 'POST', path: '/clients', body: '{"a":1}', timestamp: NOW },
    response: { status: 200, body: '{"clientId":42}', timestamp: NOW },
    ...extra,
  };
}

describe('OpenHIM simulator: json+openhim envelopes and transaction storage', () => {
  let sim: OpenHimCoreSimulator;
  let mediator: FakeMediator;
  const client = { authorization: basic('openimis', 'pw') };

  function addChannel(extra: Partial<OpenHimChannel> = {}): OpenHimChannel {
    return sim.addChannel({
      name: 'insurees',
      urlPattern: '^/fhir/Patient$',
      methods: ['POST', 'GET'],
      allow: ['openimis'],
      routes: [{ name: 'insuree-mediator', host: '127.0.0.1', port: mediator.port, primary: true }],
      ...extra,
    });
  }

  async function post(body = '{"resourceType":"Patient"}'): Promise<Awaited<ReturnType<typeof call>>> {
    return call(sim.routerUrl, 'POST', '/fhir/Patient', {
      headers: { ...client, 'content-type': 'application/fhir+json' },
      body,
    });
  }

  beforeEach(async () => {
    mediator = await startFakeMediator();
    sim = await startOpenHimCore({
      clients: [{ clientID: 'openimis', password: 'pw', roles: ['openimis'] }],
    });
    addChannel();
  });

  afterEach(async () => {
    await sim.close();
    await mediator.close();
  });

  it('stores a valid envelope: response, mediator orchestrations then core’s, properties, verbatim status', async () => {
    mediator.reply(() =>
      openhimReply({
        'x-mediator-urn': 'urn:mediator:x',
        status: 'Completed with error(s)',
        response: {
          status: 201,
          headers: { 'content-type': 'application/fhir+json', 'content-length': '999', 'x-extra': 'y' },
          body: '{"resourceType":"OperationOutcome"}',
          timestamp: NOW,
        },
        orchestrations: [orchestration()],
        properties: { fineractClientId: '42' },
      }),
    );
    const res = await post();
    expect(res.status).toBe(201);
    expect(res.text).toBe('{"resourceType":"OperationOutcome"}');
    expect(res.headers.get('content-type')).toBe('application/fhir+json');
    expect(res.headers.get('x-extra')).toBe('y');
    const tid = res.headers.get('x-openhim-transactionid');
    const tx = sim.getTransaction(tid!);
    expect(tx?.status).toBe('Completed with error(s)');
    expect(tx?.storageError).toBeUndefined();
    expect(tx?.response).toEqual(
      expect.objectContaining({ status: 201, body: '{"resourceType":"OperationOutcome"}', timestamp: NOW }),
    );
    expect(tx?.orchestrations.map((o) => o.name)).toEqual(['Fineract POST /clients', 'insuree-mediator']);
    expect(tx?.properties).toEqual({ fineractClientId: '42' });
    expect(tx?.autoRetry).toBe(false);
  });

  it('stores an object response body as "[object Object]" while the client gets JSON', async () => {
    mediator.reply(() =>
      openhimReply({ response: { status: 200, body: { resourceType: 'Patient', id: '1' } } }),
    );
    const res = await post();
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ resourceType: 'Patient', id: '1' });
    const [tx] = sim.listTransactions();
    expect(tx?.response?.body).toBe('[object Object]');
    expect(tx?.status).toBe('Successful');
  });

  it.each([
    [
      'an orchestration request without timestamp',
      [orchestration({ request: { method: 'GET', path: '/x' } })],
      'timestamp',
    ],
    ['an orchestration without name', [orchestration({ name: undefined })], 'name'],
    [
      'an object orchestration body',
      [orchestration({ response: { status: 200, body: { clientId: 42 }, timestamp: NOW } })],
      'body',
    ],
  ])(
    'loses the whole response update for %s (storageError recorded)',
    async (_label, orchestrations, field) => {
      mediator.reply(() =>
        openhimReply({
          status: 'Successful',
          response: { status: 200, body: 'done' },
          orchestrations,
          properties: { p: '1' },
        }),
      );
      const res = await post();
      // The client is unaffected: core only logs the failed update.
      expect(res.status).toBe(200);
      expect(res.text).toBe('done');
      const [tx] = sim.listTransactions();
      expect(tx?.response).toBeUndefined();
      expect(tx?.orchestrations).toEqual([]);
      expect(tx?.properties).toBeUndefined();
      expect(tx?.storageError).toContain(field);
      expect(tx?.status).toBe('Successful');
    },
  );

  it('answers 500 and flags auto-retry when the envelope has no response', async () => {
    mediator.reply(() => openhimReply({ status: 'Successful', orchestrations: [orchestration()] }));
    const res = await post();
    expect(res.status).toBe(500);
    expect(res.text).toBe('An internal server error occurred');
    const [tx] = sim.listTransactions();
    expect(tx?.autoRetry).toBe(true);
    expect(tx?.error?.message).toEqual(expect.any(String));
    // Core already kept the parsed envelope: its status still wins.
    expect(tx?.status).toBe('Successful');
  });

  it('answers 500 for unparsable json+openhim and marks the transaction Failed with auto-retry', async () => {
    mediator.reply(() => ({
      status: 200,
      headers: { 'content-type': 'application/json+openhim' },
      body: '{not json',
    }));
    const res = await post();
    expect(res.status).toBe(500);
    const [tx] = sim.listTransactions();
    expect(tx?.status).toBe('Failed');
    expect(tx?.autoRetry).toBe(true);
    expect(tx?.response?.status).toBe(500);
  });

  it('flags auto-retry when the envelope carries an error, but not for a plain 5xx', async () => {
    mediator.reply(() =>
      openhimReply({
        response: { status: 502, body: 'upstream down' },
        error: { message: 'Fineract unavailable' },
      }),
    );
    await post();
    mediator.reply(() => openhimReply({ response: { status: 502, body: 'upstream down' } }));
    await post();
    const [withError, plain] = sim.listTransactions();
    expect(withError?.autoRetry).toBe(true);
    expect(withError?.error).toEqual({ message: 'Fineract unavailable' });
    expect(withError?.status).toBe('Failed');
    expect(plain?.autoRetry).toBe(false);
    expect(plain?.status).toBe('Failed');
  });

  it.each([
    [201, 'Successful'],
    [400, 'Completed'],
    [503, 'Failed'],
    [302, 'Completed'],
  ])('computes the status from a primary %i without an envelope status', async (status, expected) => {
    mediator.reply(() => openhimReply({ response: { status: String(status), body: '' } }));
    const res = await post();
    expect(res.status).toBe(status);
    expect(sim.listTransactions()[0]?.status).toBe(expected);
  });

  it('marks a 5xx secondary route as Completed with error(s) and stores it under routes', async () => {
    const secondary = await startFakeMediator(() => ({ status: 503, body: 'busy' }));
    try {
      sim.addChannel({
        name: 'with-secondary',
        urlPattern: '^/two$',
        methods: ['GET'],
        authType: 'public',
        routes: [
          { name: 'main', host: '127.0.0.1', port: mediator.port, primary: true },
          { name: 'audit', host: '127.0.0.1', port: secondary.port },
        ],
      });
      mediator.reply(() => openhimReply({ response: { status: 200, body: 'ok' } }));
      const res = await call(sim.routerUrl, 'GET', '/two');
      expect(res.status).toBe(200);
      const [tx] = await sim.waitForTransactions(1);
      expect(tx?.status).toBe('Completed with error(s)');
      expect(tx?.routes).toEqual([
        expect.objectContaining({
          name: 'audit',
          response: expect.objectContaining({ status: 503, body: 'busy' }),
        }),
      ]);
      expect(tx?.orchestrations.map((o) => o.name)).toEqual(['main']);
    } finally {
      await secondary.close();
    }
  });

  it('flags auto-retry for an unreachable secondary route but not for a secondary envelope error', async () => {
    const secondary = await startFakeMediator(() =>
      openhimReply({ response: { status: 200, body: 'x' }, error: { message: 'ignored by core' } }),
    );
    try {
      const routes = (port: number): OpenHimChannel['routes'] => [
        { name: 'main', host: '127.0.0.1', port: mediator.port, primary: true },
        { name: 'side', host: '127.0.0.1', port },
      ];
      sim.addChannel({
        name: 's1',
        urlPattern: '^/s1$',
        methods: ['GET'],
        authType: 'public',
        routes: routes(1),
      });
      sim.addChannel({
        name: 's2',
        urlPattern: '^/s2$',
        methods: ['GET'],
        authType: 'public',
        routes: routes(secondary.port),
      });
      mediator.reply(() => openhimReply({ response: { status: 200, body: 'ok' } }));
      await call(sim.routerUrl, 'GET', '/s1');
      await call(sim.routerUrl, 'GET', '/s2');
      const txs = await sim.waitForTransactions(2);
      const down = txs.find((t) => t.request.path === '/s1');
      const enveloped = txs.find((t) => t.request.path === '/s2');
      expect(down?.autoRetry).toBe(true);
      expect(down?.status).toBe('Completed with error(s)');
      expect(down?.routes[0]?.error).toBeDefined();
      expect(enveloped?.autoRetry).toBe(false);
      expect(enveloped?.status).toBe('Successful');
      expect(enveloped?.routes[0]?.error).toEqual({ message: 'ignored by core' });
    } finally {
      await secondary.close();
    }
  });

  it('truncates stored bodies at 15 000 characters', async () => {
    const big = 'x'.repeat(20_000);
    mediator.reply(() => openhimReply({ response: { status: 200, body: big } }));
    const res = await post(big);
    expect(res.text).toHaveLength(20_000);
    const [tx] = sim.listTransactions();
    expect(tx?.response?.body).toBe(`${'x'.repeat(15_000)}\n[truncated ...]`);
    expect(tx?.request.body).toBe(`${'x'.repeat(15_000)}\n[truncated ...]`);
  });

  it('adds X-OpenHIM-TransactionID to the client response only when the envelope response has headers', async () => {
    mediator.reply(() => openhimReply({ response: { status: 200, body: 'no headers' } }));
    const res = await post();
    expect(res.headers.get('x-openhim-transactionid')).toBeNull();
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });

  it('reruns a transaction: same request replayed, new transaction with parentID', async () => {
    mediator.reply(() => openhimReply({ response: { status: 201, headers: {}, body: 'created' } }));
    const first = await post('{"resourceType":"Patient","id":"p1"}');
    const originalId = first.headers.get('x-openhim-transactionid')!;
    const rerun = await sim.rerunTransaction(originalId);
    expect(rerun._id).not.toBe(originalId);
    expect(rerun.parentID).toBe(originalId);
    expect(rerun.taskID).toEqual(expect.any(String));
    expect(rerun.status).toBe('Successful');
    expect(mediator.calls).toHaveLength(2);
    expect(mediator.calls[1]?.body).toBe('{"resourceType":"Patient","id":"p1"}');
    expect(mediator.calls[1]?.headers['x-openhim-transactionid']).toBe(rerun._id);
    expect(mediator.calls[1]?.headers['x-openhim-clientid']).toBe('openimis');
    const original = sim.getTransaction(originalId);
    expect(original?.childIDs).toEqual([rerun._id]);
    expect(original?.wasRerun).toBe(true);
    expect(sim.listTransactions({ parentID: originalId })).toHaveLength(1);
  });

  it('refuses to rerun a POST on a channel that does not store request bodies', async () => {
    sim.addChannel({
      name: 'no-bodies',
      urlPattern: '^/nb$',
      methods: ['POST'],
      authType: 'public',
      requestBody: false,
      routes: [{ name: 'm', host: '127.0.0.1', port: mediator.port, primary: true }],
    });
    mediator.reply(() => openhimReply({ response: { status: 200, body: 'ok' } }));
    const res = await call(sim.routerUrl, 'POST', '/nb', { body: 'secret' });
    const id = res.headers.get('x-openhim-transactionid');
    const tx = sim.listTransactions()[0]!;
    expect(id).toBeNull();
    expect(tx.request.body).toBe('');
    await expect(sim.rerunTransaction(tx._id)).rejects.toThrow('cannot be rerun');
  });

  it('triggers a polling channel like core’s poller, with X-OpenHIM-LastRunAt from the second run', async () => {
    sim.addChannel({
      name: 'sync insurees',
      type: 'polling',
      pollingSchedule: 'every 5 minutes',
      urlPattern: '^/trigger$',
      routes: [
        { name: 'sync', host: '127.0.0.1', port: mediator.port, primary: true, path: '/sync/insurees' },
      ],
    });
    mediator.reply(() => openhimReply({ response: { status: 200, headers: {}, body: '{"synced":3}' } }));
    const first = await sim.triggerPollingChannel('sync insurees');
    const second = await sim.triggerPollingChannel('sync insurees');
    expect(first.status).toBe('Successful');
    expect(second.status).toBe('Successful');
    expect(mediator.calls[0]).toEqual(expect.objectContaining({ method: 'GET', url: '/sync/insurees' }));
    expect(mediator.calls[0]?.headers['x-openhim-lastrunat']).toBeUndefined();
    expect(Number.isNaN(Date.parse(String(mediator.calls[1]?.headers['x-openhim-lastrunat'])))).toBe(false);
    expect(mediator.calls[1]?.headers['x-openhim-transactionid']).toBe(second._id);
  });

  it('serves stored transactions through the API with filters and paging', async () => {
    mediator.reply(() => openhimReply({ response: { status: 200, body: 'ok' } }));
    await post();
    await post();
    const auth = { authorization: basic(sim.rootEmail, sim.rootPassword) };
    const all = JSON.parse((await call(sim.apiUrl, 'GET', '/transactions', { headers: auth })).text);
    expect(all).toHaveLength(2);
    const page = JSON.parse(
      (await call(sim.apiUrl, 'GET', '/transactions?filterLimit=1&filterPage=1', { headers: auth })).text,
    );
    expect(page).toHaveLength(1);
    const filtered = await call(
      sim.apiUrl,
      'GET',
      `/transactions?filters=${encodeURIComponent(JSON.stringify({ status: 'Failed' }))}`,
      { headers: auth },
    );
    expect(JSON.parse(filtered.text)).toEqual([]);
    const one = await call(sim.apiUrl, 'GET', `/transactions/${String(all[0]._id)}`, { headers: auth });
    expect(JSON.parse(one.text)._id).toBe(all[0]._id);
  });
  it('reruns through POST /tasks and polls through POST /channels/:id/trigger', async () => {
    mediator.reply(() => openhimReply({ response: { status: 200, headers: {}, body: 'ok' } }));
    const first = await post();
    const id = first.headers.get('x-openhim-transactionid')!;
    const auth = { authorization: basic(sim.rootEmail, sim.rootPassword) };
    const task = await call(sim.apiUrl, 'POST', '/tasks', { headers: auth, body: { tids: [id] } });
    expect(task.status).toBe(201);
    const [child] = await sim.waitForTransactions((t) => t.parentID === id);
    expect(child?.status).toBe('Successful');
    const polling = sim.addChannel({
      name: 'poll',
      type: 'polling',
      urlPattern: '^/trigger$',
      routes: [{ name: 'p', host: '127.0.0.1', port: mediator.port, primary: true }],
    });
    const trigger = await call(sim.apiUrl, 'POST', `/channels/${polling._id!}/trigger`, { headers: auth });
    expect(trigger.status).toBe(200);
    expect(sim.listTransactions({ channelName: 'poll' })).toHaveLength(1);
  });
});

describe('OpenHIM simulator: polling schedules', () => {
  it('runs a polling channel on its "every N seconds" schedule when enabled', async () => {
    const mediator = await startFakeMediator(() =>
      openhimReply({ response: { status: 200, headers: {}, body: 'ok' } }),
    );
    const sim = await startOpenHimCore({ pollingSchedules: true });
    try {
      sim.addChannel({
        name: 'scheduled',
        type: 'polling',
        pollingSchedule: 'every 1 seconds',
        urlPattern: '^/trigger$',
        routes: [{ name: 'p', host: '127.0.0.1', port: mediator.port, primary: true }],
      });
      const [tx] = await sim.waitForTransactions(1, 5000);
      expect(tx?.request.path).toBe('/trigger');
      expect(mediator.calls[0]?.headers['channel-id']).toBe(sim.listChannels()[0]?._id);
    } finally {
      await sim.close();
      await mediator.close();
    }
  });
});
