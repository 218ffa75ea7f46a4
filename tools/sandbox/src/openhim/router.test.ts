import { startOpenHimCore, type OpenHimChannel, type OpenHimCoreSimulator } from './index';
import { basic, call, startFakeMediator, type FakeMediator } from './test-support';

describe('OpenHIM simulator: router matching, authorisation and forwarding', () => {
  let sim: OpenHimCoreSimulator;
  let mediator: FakeMediator;
  const openimis = { authorization: basic('openimis', 'pw') };

  function route(extra: Record<string, unknown> = {}): NonNullable<OpenHimChannel['routes']>[number] {
    return { name: 'primary', host: '127.0.0.1', port: mediator.port, primary: true, ...extra };
  }

  function addChannel(name: string, extra: Partial<OpenHimChannel> = {}): OpenHimChannel {
    return sim.addChannel({
      name,
      urlPattern: '^/x$',
      methods: ['GET', 'POST'],
      allow: ['openimis'],
      routes: [route()],
      ...extra,
    });
  }

  beforeEach(async () => {
    mediator = await startFakeMediator(() => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'ok',
    }));
    sim = await startOpenHimCore({
      clients: [
        { clientID: 'openimis', password: 'pw', roles: ['openimis'] },
        { clientID: 'fineract', password: 'pw2', roles: ['hooks'] },
      ],
    });
  });

  afterEach(async () => {
    await sim.close();
    await mediator.close();
  });

  it('tests urlPattern unanchored, so /fhir/Patient also matches longer and prefixed paths', async () => {
    addChannel('loose', { urlPattern: '/fhir/Patient' });
    for (const path of ['/fhir/Patient', '/fhir/Patient-import/x', '/x/fhir/Patient']) {
      expect((await call(sim.routerUrl, 'GET', path, { headers: openimis })).status).toBe(200);
    }
    expect((await call(sim.routerUrl, 'GET', '/fhir/Group', { headers: openimis })).status).toBe(404);
  });

  it('honours an anchored pattern', async () => {
    addChannel('strict', { urlPattern: '^/fhir/Patient(/.*)?$' });
    expect((await call(sim.routerUrl, 'GET', '/fhir/Patient/1', { headers: openimis })).status).toBe(200);
    expect((await call(sim.routerUrl, 'GET', '/fhir/Patient-import', { headers: openimis })).status).toBe(
      404,
    );
  });

  it('never matches a channel whose methods list is empty or misses the method', async () => {
    addChannel('dead', { methods: [] });
    expect((await call(sim.routerUrl, 'GET', '/x', { headers: openimis })).status).toBe(404);
    addChannel('post-only', { urlPattern: '^/y$', methods: ['POST'] });
    expect((await call(sim.routerUrl, 'GET', '/y', { headers: openimis })).status).toBe(404);
    expect((await call(sim.routerUrl, 'POST', '/y', { headers: openimis, body: '{}' })).status).toBe(200);
  });

  it('picks the lowest priority first, channels without priority last, and never falls through on 401', async () => {
    mediator.reply((c) => ({ status: 200, body: c.headers['x-which'] ?? '' }));
    addChannel('no-priority', { routes: [route({ name: 'np' })], allow: ['openimis'] });
    addChannel('second', { priority: 2, allow: ['openimis'], routes: [route({ name: 'p2' })] });
    addChannel('first', { priority: 1, allow: ['nobody'], routes: [route({ name: 'p1' })] });
    const res = await call(sim.routerUrl, 'GET', '/x', { headers: openimis });
    // 'first' matches and the client is not allowed there: 401 even though 'second' would allow it.
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic');
    expect(mediator.calls).toHaveLength(0);
  });

  it('skips disabled channels', async () => {
    addChannel('off', { status: 'disabled', priority: 1, allow: ['nobody'] });
    addChannel('on', { priority: 2 });
    expect((await call(sim.routerUrl, 'GET', '/x', { headers: openimis })).status).toBe(200);
  });

  it('requires a client allowed by role or clientID unless the channel is public', async () => {
    addChannel('private');
    expect((await call(sim.routerUrl, 'GET', '/x')).status).toBe(401);
    expect(
      (await call(sim.routerUrl, 'GET', '/x', { headers: { authorization: basic('openimis', 'bad') } }))
        .status,
    ).toBe(401);
    expect(
      (await call(sim.routerUrl, 'GET', '/x', { headers: { authorization: basic('fineract', 'pw2') } }))
        .status,
    ).toBe(401);
    addChannel('by-id', { urlPattern: '^/id$', allow: ['fineract'] });
    expect(
      (await call(sim.routerUrl, 'GET', '/id', { headers: { authorization: basic('fineract', 'pw2') } }))
        .status,
    ).toBe(200);
    addChannel('public', { urlPattern: '^/pub$', authType: 'public', allow: [] });
    expect((await call(sim.routerUrl, 'GET', '/pub')).status).toBe(200);
    addChannel('walled', { urlPattern: '^/wall$', authType: 'public', whitelist: ['10.9.9.9'] });
    expect((await call(sim.routerUrl, 'GET', '/wall')).status).toBe(401);
    // Only authorised requests become transactions.
    expect(sim.listTransactions().map((t) => t.request.path)).toEqual(['/id', '/pub']);
  });

  it('matches matchContentTypes on the content type without parameters', async () => {
    addChannel('json-only', { matchContentTypes: ['application/fhir+json'] });
    const ok = await call(sim.routerUrl, 'POST', '/x', {
      headers: { ...openimis, 'content-type': 'application/fhir+json; charset=utf-8' },
      body: '{}',
    });
    expect(ok.status).toBe(200);
    const other = await call(sim.routerUrl, 'POST', '/x', {
      headers: { ...openimis, 'content-type': 'text/xml' },
      body: '<a/>',
    });
    expect(other.status).toBe(404);
  });

  it('forwards client headers minus host and authorization, with OpenHIM headers and the route credentials', async () => {
    addChannel('fwd', { routes: [route({ username: 'openhim', password: 'route-secret' })] });
    const res = await call(sim.routerUrl, 'POST', '/x?a=1&b=2', {
      headers: { ...openimis, 'x-custom': 'kept', 'content-type': 'application/json' },
      body: '{"k":1}',
    });
    expect(res.status).toBe(200);
    const tid = res.headers.get('x-openhim-transactionid');
    expect(tid).toMatch(/^[0-9a-f]{24}$/);
    const received = mediator.calls[0]!;
    expect(received.url).toBe('/x?a=1&b=2');
    expect(received.body).toBe('{"k":1}');
    expect(received.headers['x-openhim-transactionid']).toBe(tid);
    expect(received.headers['x-openhim-clientid']).toBe('openimis');
    expect(received.headers['x-custom']).toBe('kept');
    expect(received.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(received.headers['x-forwarded-host']).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(received.headers.authorization).toBe(basic('openhim', 'route-secret'));
    expect(received.headers.host).toBe(`127.0.0.1:${mediator.port}`);
    const tx = sim.getTransaction(tid!);
    expect(tx?.status).toBe('Successful');
    expect(tx?.clientID).toBeDefined();
    expect(tx?.request).toEqual(
      expect.objectContaining({ path: '/x', querystring: 'a=1&b=2', method: 'POST', body: '{"k":1}' }),
    );
  });

  it('drops the client authorization even without route credentials, and forwards it with forwardAuthHeader', async () => {
    addChannel('strip');
    await call(sim.routerUrl, 'GET', '/x', { headers: openimis });
    expect(mediator.calls[0]?.headers.authorization).toBeUndefined();
    addChannel('forward', {
      urlPattern: '^/f$',
      routes: [route({ forwardAuthHeader: true, username: 'u', password: 'p' })],
    });
    await call(sim.routerUrl, 'GET', '/f', { headers: openimis });
    expect(mediator.calls[1]?.headers.authorization).toBe(openimis.authorization);
  });

  it('sends the body only for POST, PUT and PATCH, and applies path and pathTransform', async () => {
    addChannel('paths', {
      urlPattern: '^/api/',
      methods: ['DELETE', 'PUT'],
      routes: [route({ pathTransform: 's/\\/api\\//\\/fhir\\//' })],
    });
    await call(sim.routerUrl, 'PUT', '/api/Patient/1?x=y', { headers: openimis, body: 'payload' });
    await call(sim.routerUrl, 'DELETE', '/api/Patient/1', { headers: openimis, body: 'ignored' });
    expect(mediator.calls[0]).toEqual(
      expect.objectContaining({ method: 'PUT', url: '/fhir/Patient/1?x=y', body: 'payload' }),
    );
    expect(mediator.calls[1]).toEqual(
      expect.objectContaining({ method: 'DELETE', url: '/fhir/Patient/1', body: '' }),
    );
    addChannel('fixed', { urlPattern: '^/fixed', routes: [route({ path: '/sync/insurees' })] });
    await call(sim.routerUrl, 'GET', '/fixed/anything?q=1', { headers: openimis });
    expect(mediator.calls[2]?.url).toBe('/sync/insurees?q=1');
  });

  it('passes a plain (non-envelope) response through and stores it', async () => {
    mediator.reply(() => ({
      status: 404,
      headers: { 'content-type': 'application/fhir+json', 'x-up': '1' },
      body: '{"issue":[]}',
    }));
    addChannel('plain');
    const res = await call(sim.routerUrl, 'GET', '/x', { headers: openimis });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/fhir+json');
    expect(res.headers.get('x-up')).toBe('1');
    expect(res.text).toBe('{"issue":[]}');
    const [tx] = sim.listTransactions();
    expect(tx?.status).toBe('Completed');
    expect(tx?.response?.body).toBe('{"issue":[]}');
    expect(tx?.orchestrations.map((o) => o.name)).toEqual(['primary']);
  });

  it('answers 500 and records a Failed transaction with the route error when the route is unreachable', async () => {
    addChannel('down', { routes: [route({ port: 1 })] });
    const res = await call(sim.routerUrl, 'GET', '/x', { headers: openimis });
    expect(res.status).toBe(500);
    expect(res.text).toBe('An internal server error occurred');
    const [tx] = sim.listTransactions();
    expect(tx?.status).toBe('Failed');
    expect(tx?.autoRetry).toBe(true);
    expect(tx?.error?.message).toEqual(expect.any(String));
    expect(tx?.orchestrations[0]?.error).toBeDefined();
  });

  it('applies the channel timeout to the route', async () => {
    mediator.reply(() => ({ status: 200, body: 'late', delayMs: 500 }));
    addChannel('slow', { timeout: 50 });
    const res = await call(sim.routerUrl, 'GET', '/x', { headers: openimis });
    expect(res.status).toBe(500);
    expect(sim.listTransactions()[0]?.error?.message).toBe('Request took longer than 50ms');
  });

  it('keeps serving an old channel list for channelCacheMs', async () => {
    const cached = await startOpenHimCore({
      channelCacheMs: 60_000,
      clients: [{ clientID: 'c', password: 'p', roles: ['r'] }],
    });
    try {
      expect((await call(cached.routerUrl, 'GET', '/x')).status).toBe(404);
      cached.addChannel({
        name: 'late',
        urlPattern: '^/x$',
        methods: ['GET'],
        authType: 'public',
        routes: [route()],
      });
      expect((await call(cached.routerUrl, 'GET', '/x')).status).toBe(404);
    } finally {
      await cached.close();
    }
  });
});
