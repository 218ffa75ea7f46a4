/**
 * The payment layer under test: the OpenHIM core, openIMIS and Fineract simulators, a fault proxy in front of each
 * upstream the mediators call (and one in front of the OpenHIM router, so "core down" takes the whole core away),
 * and the mediators as child processes started exactly as `npm start` starts them (`spawnMediator` of the sandbox),
 * on one staging SQLite file. Mediators can be killed (SIGKILL) and restarted on the same port at any moment.
 */
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { request } from 'undici';
import {
  MEDIATORS,
  spawnMediator,
  startFineractSimulator,
  startOpenHimCore,
  startOpenImisSimulator,
  type DataLayout,
  type FineractSimulator,
  type MediatorSpec,
  type OpenHimCoreSimulator,
  type OpenImisSimulator,
  type Upstreams,
} from '@payment-layer/sandbox';
import { createRepositories, openStagingDb, type StagingRepositories } from '@payment-layer/staging-db';
import { startFaultProxy, type FaultProxy } from './proxy';
import { waitFor } from './wait';

/** urn of the payment mediator (its config turns premiums on). */
export const PAYMENT_URN = 'urn:mediator:openimis-payment-layer-payment';

/** Mediator names as in the sandbox's MEDIATORS. */
export type MediatorName = 'insuree-mediator' | 'invoice-mediator' | 'payment-mediator' | 'claim-mediator';

/** Options of {@link startLayer}. */
export interface LayerOptions {
  /** Families in the openIMIS population: one contribution invoice each. */
  readonly families: number;
  /** Data directory (staging file, mediator logs). */
  readonly dataDir: string;
  readonly seed?: string;
  /** Mediators to run (default: all of the sandbox's MEDIATORS). */
  readonly mediators?: readonly MediatorName[];
  /** Time limit of one upstream call in the mediators (OPENIMIS_TIMEOUT_MS, FINERACT_TIMEOUT_MS; default 3000). */
  readonly upstreamTimeoutMs?: number;
  /** More environment for the mediators. */
  readonly env?: Record<string, string>;
}

/** One mediator process the layer manages. */
export interface ManagedMediator {
  readonly spec: MediatorSpec;
  child: ChildProcess | undefined;
  starts: number;
}

/** The fault proxies, one per upstream (`router`: the OpenHIM router, where openIMIS and Fineract's hooks call in). */
export type LayerProxies = Readonly<Record<'openimis' | 'fineract' | 'openhimApi' | 'router', FaultProxy>>;

/** Every child process started by any layer of this process, killed if the process exits without closing them. */
const LIVE = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  LIVE.add(child);
  child.once('exit', () => LIVE.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of LIVE) {
        c.kill('SIGKILL');
      }
    });
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function onProxy(url: string, proxy: FaultProxy): string {
  const u = new URL(url);
  return `${proxy.url}${u.pathname}${u.search}`;
}

/** The running layer. */
export interface Layer {
  readonly core: OpenHimCoreSimulator;
  readonly openimis: OpenImisSimulator;
  readonly fineract: FineractSimulator;
  readonly proxies: LayerProxies;
  readonly mediators: ReadonlyMap<MediatorName, ManagedMediator>;
  readonly repos: StagingRepositories;
  readonly stagingPath: string;
  readonly hookSecret: string;
  /** Router client with the `openimis` role. */
  readonly routerAuth: string;
  /** Hook Payload URL (through the router proxy). */
  readonly hookUrl: string;
  start(name: MediatorName): void;
  /** Sends `signal` (default SIGKILL) and resolves when the process has exited. */
  kill(name: MediatorName, signal?: NodeJS.Signals): Promise<void>;
  /** Resolves when the mediator answers /health (fails fast if it exits). */
  waitHealthy(name: MediatorName, timeoutMs?: number): Promise<void>;
  /** Resolves when the mediator answers /ready (registered, OpenHIM config known: its money routes are served). */
  waitReady(name: MediatorName, timeoutMs?: number): Promise<void>;
  /** Resolves when core has a heartbeat of the mediator newer than `since`. */
  waitHeartbeat(name: MediatorName, since: Date, timeoutMs?: number): Promise<void>;
  /** Turns premiums on (operator config through OpenHIM) and waits until the payment mediator applied it. */
  enablePremiums(timeoutMs?: number): Promise<void>;
  mediatorUrl(name: MediatorName): string;
  close(): Promise<void>;
}

/**
 * Starts simulators, proxies and mediators; resolves when every mediator is healthy and registered.
 *
 * @param options - population, data directory, mediators, timeouts
 * @returns the running layer (close it, also on failure)
 */
export async function startLayer(options: LayerOptions): Promise<Layer> {
  mkdirSync(options.dataDir, { recursive: true });
  const core = await startOpenHimCore({ channelCacheMs: 0, pollingSchedules: false });
  const openimis = await startOpenImisSimulator({
    seed: options.seed ?? 'faults',
    population: { families: options.families, claims: 0 },
    includeFixtures: false,
  });
  const fineract = await startFineractSimulator();
  const proxies: LayerProxies = {
    openimis: await startFaultProxy({ target: openimis.url }),
    fineract: await startFaultProxy({ target: fineract.url }),
    openhimApi: await startFaultProxy({ target: core.apiUrl }),
    router: await startFaultProxy({ target: core.routerUrl }),
  };
  const up: Upstreams = {
    sandbox: true,
    openimis: {
      url: onProxy(openimis.fhirBaseUrl, proxies.openimis),
      graphqlUrl: onProxy(openimis.graphqlUrl, proxies.openimis),
      ...openimis.credentials,
    },
    fineract: {
      url: onProxy(fineract.baseUrl, proxies.fineract),
      tenant: fineract.tenantId,
      username: fineract.username,
      password: fineract.password,
    },
    openhim: {
      apiUrl: proxies.openhimApi.url,
      username: core.rootEmail,
      password: core.rootPassword,
      routerUrl: proxies.router.url,
    },
  };
  const secrets = {
    route: randomBytes(18).toString('base64url'),
    hook: randomBytes(18).toString('base64url'),
  };
  const timeout = String(options.upstreamTimeoutMs ?? 3000);
  // The caller's upstream settings must not leak into the mediators: they talk to the proxies only.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(OPENIMIS_|FINERACT_|OPENHIM_|STAGING_|MEDIATOR_|OUTBOX_|PORT$|HOST$)/.test(k),
    ),
  );
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    LOG_LEVEL: 'warn',
    OPENIMIS_TIMEOUT_MS: timeout,
    FINERACT_TIMEOUT_MS: timeout,
    ...options.env,
  };
  const names = options.mediators ?? MEDIATORS.map((m) => m.name as MediatorName);
  const mediators = new Map<MediatorName, ManagedMediator>();
  for (const name of names) {
    const spec = MEDIATORS.find((m) => m.name === name);
    if (!spec) {
      throw new Error(`unknown mediator ${name}`);
    }
    mediators.set(name, { spec: { ...spec, port: await freePort() }, child: undefined, starts: 0 });
  }
  const stagingPath = join(options.dataDir, 'payment-layer.sqlite');
  // The campaign's own folder: staging file and logs directly under it (no sandbox sub-folder, no run file).
  const layout: DataLayout = {
    dir: options.dataDir,
    stagingDb: stagingPath,
    logs: join(options.dataDir, 'logs'),
    secrets: join(options.dataDir, 'secrets.json'),
    runFile: join(options.dataDir, 'run.json'),
  };
  core.addClient({ clientID: 'openimis', name: 'openIMIS', password: secrets.route, roles: ['openimis'] });
  const routerAuth = `Basic ${Buffer.from(`openimis:${secrets.route}`).toString('base64')}`;
  let db: ReturnType<typeof openStagingDb> | undefined;

  const get = (name: MediatorName): ManagedMediator => {
    const m = mediators.get(name);
    if (!m) {
      throw new Error(`${name} is not part of this layer`);
    }
    return m;
  };
  const mediatorUrl = (name: MediatorName): string => `http://127.0.0.1:${get(name).spec.port}`;
  // 200 from an open endpoint of the mediator (fails fast if its process exited).
  const waitAnswers = async (
    name: MediatorName,
    path: '/health' | '/ready',
    timeoutMs: number,
  ): Promise<void> => {
    const m = get(name);
    await waitFor(
      `${name} to answer ${path}`,
      async () => {
        if (!m.child || exited(m.child)) {
          throw new Error(`${name} exited (code ${String(m.child?.exitCode)}); see ${options.dataDir}/logs`);
        }
        const res = await request(`${mediatorUrl(name)}${path}`).catch(() => undefined);
        await res?.body.dump();
        return res?.statusCode === 200;
      },
      timeoutMs,
      { rethrow: true },
    );
  };
  let closed = false;

  const layer: Layer = {
    core,
    openimis,
    fineract,
    proxies,
    mediators,
    get repos(): StagingRepositories {
      if (!db) {
        db = openStagingDb({ path: stagingPath });
      }
      return createRepositories(db);
    },
    stagingPath,
    hookSecret: secrets.hook,
    routerAuth,
    hookUrl: `${proxies.router.url}/payments/fineract/hook?secret=${secrets.hook}`,
    mediatorUrl,
    start(name) {
      const m = get(name);
      if (m.child && !exited(m.child)) {
        throw new Error(`${name} is already running`);
      }
      m.child = spawnMediator(m.spec, up, { env }, layout, {
        listenHost: '127.0.0.1',
        publicHost: '127.0.0.1',
        routePassword: secrets.route,
        hookSecret: secrets.hook,
      });
      m.starts++;
      track(m.child);
    },
    async kill(name, signal = 'SIGKILL') {
      const child = get(name).child;
      if (!child || exited(child)) {
        return;
      }
      const gone = new Promise<void>((r) => {
        child.once('exit', () => {
          r();
        });
      });
      child.kill(signal);
      await gone;
    },
    async waitHealthy(name, timeoutMs = 60_000) {
      await waitAnswers(name, '/health', timeoutMs);
    },
    async waitReady(name, timeoutMs = 60_000) {
      await waitAnswers(name, '/ready', timeoutMs);
    },
    async waitHeartbeat(name, since, timeoutMs = 60_000) {
      const urn = get(name).spec.urn;
      await waitFor(
        `a heartbeat of ${name}`,
        () => {
          const beat = core.getMediator(urn)?._lastHeartbeat;
          return beat !== undefined && new Date(beat).getTime() > since.getTime();
        },
        timeoutMs,
      );
    },
    async enablePremiums(timeoutMs = 30_000) {
      const current = core.getMediator(PAYMENT_URN)?.config ?? {};
      const applied = async (): Promise<number> => {
        const res = await request(`${mediatorUrl('payment-mediator')}/metrics`);
        const text = await res.body.text();
        return Number.parseInt(
          /openhim_config_changes_applied_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? '0',
          10,
        );
      };
      const before = await applied();
      core.setMediatorConfig(PAYMENT_URN, { ...current, recordPremium: true });
      await waitFor(
        'the payment mediator to apply recordPremium',
        async () => (await applied()) > before,
        timeoutMs,
      );
    },
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      await Promise.all([...mediators.keys()].map((n) => layer.kill(n, 'SIGKILL')));
      db?.close();
      await Promise.allSettled(Object.values<FaultProxy>(proxies).map((p) => p.close()));
      await Promise.allSettled([core.close(), openimis.close(), fineract.close()]);
    },
  };
  try {
    // One after the other: each runs the staging migrations at boot.
    for (const name of names) {
      layer.start(name);
      await layer.waitHealthy(name);
      const urn = get(name).spec.urn;
      const port = get(name).spec.port;
      await waitFor(
        `${name} to register its channels`,
        () =>
          core.getMediator(urn) !== undefined &&
          core.listChannels().some((c) => c.routes?.[0]?.port === port),
        60_000,
      );
    }
    return layer;
  } catch (err) {
    await layer.close();
    throw err;
  }
}
