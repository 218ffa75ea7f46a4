import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { MASK } from '@payment-layer/shared-http';
import { startOpenHimCore, type OpenHimCoreSimulator } from '@payment-layer/sandbox';
import { STARTUP_DEADLINE_MS, useHarnessTimeout } from '@payment-layer/shared-testing';
import { basic, buildTestApp, CLIENT, TEST_DEFINITION } from './test-app';

// Registration against the simulator waits within the start-up deadline, not jest's 5 s default.
useHarnessTimeout();

const URN = TEST_DEFINITION.urn;
const ROUTER_CLIENT = { clientID: 'openimis', password: 'openimis-client-pw', roles: ['openimis'] };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('mediator kit against the OpenHIM core simulator', () => {
  let core: OpenHimCoreSimulator;
  let upstream: Server;
  let upstreamUrl: string;
  const apps: FastifyInstance[] = [];

  const start = async (
    overrides: { apiUrl?: string; client?: { username: string; password: string } } = {},
  ): Promise<FastifyInstance> => {
    const port = await freePort();
    const app = await buildTestApp({
      upstreamUrl,
      port,
      ...(overrides.client ? { client: overrides.client } : {}),
      openhim: {
        enabled: true,
        apiUrl: overrides.apiUrl ?? core.apiUrl,
        username: 'root@openhim.org',
        password: 'openhim-password',
        heartbeatIntervalMs: 60_000,
        installChannels: true,
        retry: { initialDelayMs: 50, maxDelayMs: 200 },
      },
    });
    apps.push(app);
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };

  beforeAll(async () => {
    upstream = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ clientId: 42, resourceId: 42 }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  beforeEach(async () => {
    core = await startOpenHimCore({ clients: [ROUTER_CLIENT] });
  });
  afterEach(async () => {
    while (apps.length > 0) {
      await apps.pop()!.close();
    }
    await core.close();
  });
  afterAll(async () => {
    await new Promise((r) => upstream.close(r));
  });

  it('registers, installs its channel, heartbeats, takes a config change and answers a routed request core stores', async () => {
    const app = await start();
    await app.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);

    const mediator = core.getMediator(URN)!;
    expect(mediator.version).toBe('1.0.0');
    const channel = core.listChannels().find((c) => c.name === 'Kit test Patient')!;
    expect(channel.routes![0]).toMatchObject({ host: '127.0.0.1', username: CLIENT.username });

    await app.mediator.registration!.beat();
    expect(core.getMediator(URN)!._lastHeartbeat).toBeDefined();

    core.setMediatorConfig(URN, { fineractOfficeId: 7, createSavingsAccount: true, mode: 'deposit' });
    await app.mediator.registration!.beat();
    expect(app.mediator.config.value).toEqual({
      fineractOfficeId: 7,
      createSavingsAccount: true,
      mode: 'deposit',
    });

    const res = await request(`${core.routerUrl}/fhir/Patient`, {
      method: 'POST',
      headers: {
        authorization: basic(ROUTER_CLIENT.clientID, ROUTER_CLIENT.password),
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify({ resourceType: 'Patient', id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee' }),
    });
    expect(res.statusCode).toBe(201);
    expect(((await res.body.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');

    const [tx] = await core.waitForTransactions(1);
    expect(tx!.storageError).toBeUndefined();
    expect(tx!.status).toBe('Successful');
    expect(tx!.properties).toMatchObject({ fineractClientId: 42, officeId: 7, outcome: 'created' });
    expect(tx!.orchestrations.length).toBeGreaterThanOrEqual(2);
    const ours = tx!.orchestrations[0]!;
    expect(ours.name).toMatch(/^Fineract POST/);
    expect(ours.request?.headers?.authorization).toBe(MASK);
    expect(JSON.stringify(tx)).not.toContain(Buffer.from('mifos:fineract-secret').toString('base64'));
    expect(JSON.stringify(tx)).not.toContain('nested-secret');
  });

  it('does not install its channels twice when it restarts', async () => {
    const first = await start();
    await first.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    await first.close();
    apps.pop();
    const second = await start();
    await second.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    expect(core.listChannels().filter((c) => c.name === 'Kit test Patient')).toHaveLength(1);
  });

  const api = async (method: 'GET' | 'PUT', path: string, body?: unknown): Promise<unknown> => {
    const res = await request(`${core.apiUrl}${path}`, {
      method,
      headers: {
        authorization: basic('root@openhim.org', 'openhim-password'),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    return text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text;
  };
  const kitChannel = (): NonNullable<ReturnType<OpenHimCoreSimulator['listChannels']>[number]> => {
    const found = core.listChannels().find((c) => c.name === 'Kit test Patient');
    if (!found) {
      throw new Error('channel not installed');
    }
    return found;
  };
  const portOf = (app: FastifyInstance): number => (app.server.address() as AddressInfo).port;

  it('moves its routes to its new port and route password on restart, keeping what an operator changed', async () => {
    const first = await start();
    await first.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    await first.close();
    apps.pop();
    const installed = kitChannel();
    // An operator widens access and adds a (disabled) secondary route of their own.
    await api('PUT', `/channels/${installed._id}`, {
      allow: ['openimis', 'finance'],
      routes: [
        ...(installed.routes ?? []),
        {
          name: 'operator copy',
          type: 'http',
          host: '10.0.0.9',
          port: 9000,
          primary: false,
          status: 'disabled',
        },
      ],
    });

    const newClient = { username: CLIENT.username, password: 'a-new-route-password-456' };
    const second = await start({ client: newClient });
    await second.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);

    const after = kitChannel();
    expect(after._id).toBe(installed._id);
    expect(core.listChannels().filter((c) => c.name === 'Kit test Patient')).toHaveLength(1);
    expect(after.routes).toHaveLength(2);
    expect(after.routes![0]).toMatchObject({
      name: 'kit-test',
      host: '127.0.0.1',
      port: portOf(second),
      username: newClient.username,
      password: newClient.password,
      primary: true,
    });
    expect(after.routes![1]).toMatchObject({ name: 'operator copy', host: '10.0.0.9', port: 9000 });
    expect(after.allow).toEqual(['openimis', 'finance']);

    // Core now reaches the restarted mediator with the credentials it expects (no 401).
    const res = await request(`${core.routerUrl}/fhir/Patient`, {
      method: 'POST',
      headers: {
        authorization: basic(ROUTER_CLIENT.clientID, ROUTER_CLIENT.password),
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify({ resourceType: 'Patient', id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee' }),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(201);
  });

  it('does not touch a channel whose mediator route an operator renamed', async () => {
    const first = await start();
    await first.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    await first.close();
    apps.pop();
    const installed = kitChannel();
    const renamed = (installed.routes ?? []).map((r) => ({
      ...r,
      name: 'via the proxy',
      host: 'proxy',
      port: 8443,
    }));
    await api('PUT', `/channels/${installed._id}`, { routes: renamed });

    const second = await start({ client: { username: 'openhim', password: 'another-password-789' } });
    await second.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    expect(kitChannel().routes).toEqual(renamed);
  });

  it('keeps serving while core is unreachable and registers once it is back', async () => {
    await core.setApiAvailable(false);
    const app = await start();
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: basic(CLIENT.username, CLIENT.password), 'content-type': 'application/json' },
      payload: JSON.stringify({ resourceType: 'Patient', id: 'a' }),
    });
    expect(res.statusCode).toBe(201);
    await new Promise((r) => setTimeout(r, 150));
    expect(app.mediator.registration!.state).toBe('retrying');
    expect(app.mediator.registration!.stats.registrationAttempts).toBeGreaterThanOrEqual(2);

    await core.setApiAvailable(true);
    await app.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    expect(core.getMediator(URN)).toBeDefined();
  });

  it('answers routes that need the config 503 with Retry-After and reports not ready until core sent it', async () => {
    await core.setApiAvailable(false);
    const app = await start();
    const money = () =>
      app.inject({
        method: 'POST',
        url: '/money',
        headers: {
          authorization: basic(CLIENT.username, CLIENT.password),
          'content-type': 'application/json',
        },
        payload: '{}',
      });
    const refused = await money();
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('10');
    expect(refused.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient' }],
    });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.config).toContain('waiting');
    // Credentials are still checked first, and routes that do not decide by the config keep serving.
    expect((await app.inject({ method: 'POST', url: '/money', payload: '{}' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    await core.setApiAvailable(true);
    await app.mediator.registration!.waitUntilRegistered(5000);
    expect(app.mediator.config.known).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    const served = await money();
    expect(served.statusCode).toBe(200);
  });

  it('registers again when core forgets the mediator', async () => {
    const app = await start();
    await app.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    const del = await request(`${core.apiUrl}/mediators/${encodeURIComponent(URN)}`, {
      method: 'DELETE',
      headers: { authorization: basic('root@openhim.org', 'openhim-password') },
    });
    await del.body.dump();
    expect(core.getMediator(URN)).toBeUndefined();
    await app.mediator.registration!.beat();
    await app.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
    expect(core.getMediator(URN)).toBeDefined();
  });
});
