import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startFineractSimulator, type FineractSimulator } from '../src/fineract';
import { startOpenHimCore, type OpenHimCoreSimulator } from '../src/openhim';
import { startOpenImisSimulator, type OpenImisSimulator } from '../src/openimis';
import { simulatorUpstreamEnv } from '../src/upstream-env';
import { startStack, type Stack } from '../src/cli/stack';

jest.setTimeout(300_000);

// `npm start` against "real systems": the simulators stand in for a deployment's OpenHIM core, openIMIS and
// Fineract, started apart from the stack as real systems are. What the stack registers must come from the
// environment, and a restart with a new route password must leave core able to call the mediators.
describe('npm start against configured systems', () => {
  let core: OpenHimCoreSimulator;
  let openimis: OpenImisSimulator;
  let fineract: FineractSimulator;
  let dir: string;
  let stack: Stack | undefined;
  const client = { clientID: 'openimis', password: 'openimis-client-pw', roles: ['openimis'] };

  const envFor = (routePassword: string | undefined): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    ...simulatorUpstreamEnv(openimis, fineract),
    OPENHIM_API_URL: core.apiUrl,
    OPENHIM_USERNAME: core.rootEmail,
    OPENHIM_PASSWORD: core.rootPassword,
    // 127.0.0.2 is loopback too, but nothing else would register it: it can only come from here.
    MEDIATOR_PUBLIC_HOST: '127.0.0.2',
    ...(routePassword ? { MEDIATOR_CLIENT_PASSWORD: routePassword } : {}),
    FINERACT_HOOK_SECRET: 'deployment-hook-secret-0123',
    LOG_LEVEL: 'warn',
  });

  /** Resolves once every channel route of the layer points at `stack`'s mediators with `password`. */
  async function routesFollow(s: Stack, password: string): Promise<void> {
    const ports = new Set(s.mediators.map((m) => m.port));
    const until = Date.now() + 120_000;
    for (;;) {
      const routes = core.listChannels().flatMap((c) => c.routes ?? []);
      const ok =
        core.listChannels().length >= 9 &&
        routes.every((r) => r.host === '127.0.0.2' && ports.has(r.port ?? 0) && r.password === password);
      if (ok) {
        return;
      }
      if (Date.now() > until) {
        throw new Error(
          `channel routes did not follow: ${JSON.stringify(routes.map((r) => [r.host, r.port]))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    core = await startOpenHimCore({ clients: [client], channelCacheMs: 0 });
    openimis = await startOpenImisSimulator({ population: { families: 2 }, includeFixtures: false });
    fineract = await startFineractSimulator();
    dir = mkdtempSync(join(tmpdir(), 'real-'));
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  afterAll(async () => {
    await Promise.allSettled([core.close(), openimis.close(), fineract.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start without the route password, naming it, and refuses --reset', async () => {
    await expect(
      startStack({ ports: 'random', families: 0, dataDir: dir, env: envFor(undefined) }),
    ).rejects.toThrow(/MEDIATOR_CLIENT_PASSWORD is required/);
    await expect(
      startStack({
        ports: 'random',
        families: 0,
        dataDir: dir,
        env: envFor('first-route-password'),
        reset: true,
      }),
    ).rejects.toThrow(/--reset applies to the sandbox only/);
    expect(core.listMediators()).toHaveLength(0);
  });

  it('registers the configured host and password; after a restart with a new password core still gets through', async () => {
    stack = await startStack({
      ports: 'random',
      families: 0,
      dataDir: dir,
      env: envFor('first-route-password'),
    });
    await routesFollow(stack, 'first-route-password');
    await stack.stop();

    stack = await startStack({
      ports: 'random',
      families: 0,
      dataDir: dir,
      env: envFor('second-route-password'),
    });
    await routesFollow(stack, 'second-route-password');
    // Still one channel of each name: routes were updated, not channels installed again.
    const names = core.listChannels().map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);

    const patient = openimis.store.list('Patient')[0];
    const res = await request(`${core.routerUrl}/fhir/Patient`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${client.clientID}:${client.password}`).toString('base64')}`,
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify(patient),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(201);
    // Against real systems the staging store is data/payment-layer.sqlite; nothing of the sandbox is written.
    expect(existsSync(join(dir, 'payment-layer.sqlite'))).toBe(true);
    expect(existsSync(join(dir, 'sandbox'))).toBe(false);
  });
});
