/**
 * `npm start`: the whole payment layer on one machine.
 *
 * With no upstream configured it starts the sandbox — OpenHIM core, openIMIS and Fineract simulators, seeded —
 * and the mediators as child processes (as they run in their own containers in docker/), registers them with
 * the OpenHIM core simulator, runs a short demo through the OpenHIM router and prints what happened. With
 * OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL (and their credentials) set, it starts the mediators against
 * those instead, says so, and writes nothing on its own. It keeps serving until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { startFineractSimulator, type FineractSimulator } from '../fineract';
import { startOpenHimCore, type OpenHimCoreSimulator } from '../openhim';
import { startOpenImisSimulator, type OpenImisSimulator } from '../openimis';

const ROOT = resolve(__dirname, '../../../..');
const DATA = join(ROOT, 'data');
const LOGS = join(DATA, 'logs');
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

/** One mediator the sandbox runs. */
interface MediatorSpec {
  readonly name: string;
  readonly urn: string;
  readonly main: string;
  readonly port: number;
  readonly env: Record<string, string>;
}

const MEDIATORS: readonly MediatorSpec[] = [
  {
    name: 'insuree-mediator',
    urn: 'urn:mediator:openimis-payment-layer-insuree',
    main: 'apps/insuree-mediator/src/main.ts',
    port: 3001,
    env: {},
  },
];

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new RangeError(`${name} must be a whole number, got "${raw}"`);
  }
  return Number.parseInt(raw, 10);
}

interface Upstreams {
  readonly sandbox: boolean;
  readonly openimis: { url: string; graphqlUrl?: string; username: string; password: string };
  readonly fineract: { url: string; tenant: string; username: string; password: string };
  readonly openhim: { apiUrl: string; username: string; password: string; routerUrl?: string };
  readonly sims?: { core: OpenHimCoreSimulator; openimis: OpenImisSimulator; fineract: FineractSimulator };
}

async function upstreams(): Promise<Upstreams> {
  const env = process.env;
  const configured = ['OPENIMIS_URL', 'FINERACT_URL', 'OPENHIM_API_URL'].filter((k) => env[k]);
  if (configured.length === 3) {
    const need = (k: string): string => {
      const v = env[k];
      if (!v) {
        throw new Error(`${k} is required when OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL are set`);
      }
      return v;
    };
    return {
      sandbox: false,
      openimis: {
        url: need('OPENIMIS_URL'),
        ...(env.OPENIMIS_GRAPHQL_URL ? { graphqlUrl: env.OPENIMIS_GRAPHQL_URL } : {}),
        username: need('OPENIMIS_USERNAME'),
        password: need('OPENIMIS_PASSWORD'),
      },
      fineract: {
        url: need('FINERACT_URL'),
        tenant: env.FINERACT_TENANT_ID ?? 'default',
        username: need('FINERACT_USERNAME'),
        password: need('FINERACT_PASSWORD'),
      },
      openhim: {
        apiUrl: need('OPENHIM_API_URL'),
        username: env.OPENHIM_USERNAME ?? 'root@openhim.org',
        password: need('OPENHIM_PASSWORD'),
      },
    };
  }
  if (configured.length > 0) {
    throw new Error(
      `set all of OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL, or none (only ${configured.join(', ')} set)`,
    );
  }
  const families = envInt('SANDBOX_FAMILIES', 200);
  const core = await startOpenHimCore({
    apiPort: envInt('SANDBOX_OPENHIM_API_PORT', 8080),
    routerPort: envInt('SANDBOX_OPENHIM_ROUTER_PORT', 5001),
    channelCacheMs: 1000,
    pollingSchedules: true,
  });
  const openimis = await startOpenImisSimulator({
    port: envInt('SANDBOX_OPENIMIS_PORT', 8000),
    seed: 'sandbox',
    population: { families },
  });
  const fineract = await startFineractSimulator({ port: envInt('SANDBOX_FINERACT_PORT', 8443) });
  return {
    sandbox: true,
    openimis: { url: openimis.fhirBaseUrl, graphqlUrl: openimis.graphqlUrl, ...openimis.credentials },
    fineract: {
      url: fineract.baseUrl,
      tenant: fineract.tenantId,
      username: fineract.username,
      password: fineract.password,
    },
    openhim: {
      apiUrl: core.apiUrl,
      username: 'root@openhim.org',
      password: 'openhim-password',
      routerUrl: core.routerUrl,
    },
    sims: { core, openimis, fineract },
  };
}

function startMediator(spec: MediatorSpec, up: Upstreams, routePassword: string): ChildProcess {
  mkdirSync(LOGS, { recursive: true });
  const log = createWriteStream(join(LOGS, `${spec.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, spec.main)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(spec.port),
      HOST: '127.0.0.1',
      MEDIATOR_PUBLIC_HOST: '127.0.0.1',
      MEDIATOR_CLIENT_USERNAME: 'openhim',
      MEDIATOR_CLIENT_PASSWORD: process.env.MEDIATOR_CLIENT_PASSWORD ?? routePassword,
      OPENHIM_REGISTER: 'true',
      OPENHIM_API_URL: up.openhim.apiUrl,
      OPENHIM_USERNAME: up.openhim.username,
      OPENHIM_PASSWORD: up.openhim.password,
      OPENIMIS_URL: up.openimis.url,
      ...(up.openimis.graphqlUrl ? { OPENIMIS_GRAPHQL_URL: up.openimis.graphqlUrl } : {}),
      OPENIMIS_USERNAME: up.openimis.username,
      OPENIMIS_PASSWORD: up.openimis.password,
      FINERACT_URL: up.fineract.url,
      FINERACT_TENANT_ID: up.fineract.tenant,
      FINERACT_USERNAME: up.fineract.username,
      FINERACT_PASSWORD: up.fineract.password,
      STAGING_DB_PATH: process.env.STAGING_DB_PATH ?? join(DATA, `${spec.name}.sqlite`),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...spec.env,
    },
  });
  child.stdout?.pipe(log);
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    process.stderr.write(`[${spec.name}] ${chunk.toString('utf8')}`);
  });
  return child;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function demo(
  up: Upstreams,
  routerUrl: string,
  client: { id: string; password: string },
): Promise<void> {
  const sims = up.sims;
  if (!sims) {
    return;
  }
  const auth = `Basic ${Buffer.from(`${client.id}:${client.password}`).toString('base64')}`;
  const patient = sims.openimis.store.list('Patient')[0];
  out('Demo 1 — one insuree pushed through the OpenHIM router');
  const res = await request(`${routerUrl}/fhir/Patient`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(patient),
  });
  const body = (await res.body.json()) as { issue?: { diagnostics?: string }[] };
  const tx1 = String(res.headers['x-openhim-transactionid'] ?? '?');
  out(
    `  POST /fhir/Patient/${String(patient?.id)} → ${res.statusCode}: ${body.issue?.[0]?.diagnostics ?? ''}`,
  );
  out(`  OpenHIM transaction ${tx1}`);
  out('');
  out('Demo 2 — sync of the seeded population (POST /sync/insurees through the router)');
  const started = Date.now();
  const sync = await request(`${routerUrl}/sync/insurees`, {
    method: 'POST',
    headers: { authorization: auth },
    bodyTimeout: 600_000,
    headersTimeout: 600_000,
  });
  const syncBody = (await sync.body.json()) as { issue?: { diagnostics?: string }[] };
  const tx2 = String(sync.headers['x-openhim-transactionid'] ?? '?');
  out(
    `  → ${sync.statusCode} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${syncBody.issue?.[0]?.diagnostics ?? ''}`,
  );
  for (const issue of (syncBody.issue ?? []).slice(1, 6)) {
    out(`    ${issue.diagnostics ?? ''}`);
  }
  out(`  OpenHIM transaction ${tx2}`);
  const stored = sims.core.getTransaction(tx2);
  out(`  properties stored by OpenHIM: ${JSON.stringify(stored?.properties ?? {})}`);
  out('');
  const fs = sims.fineract.state;
  out('In Fineract now');
  out(
    `  clients: ${fs.clients.size}, groups: ${fs.groups.size}, savings accounts: ${fs.savingsAccounts.size}`,
  );
  out(
    `  openIMIS has ${sims.openimis.store.list('Patient').length} insurees in ${sims.openimis.store.list('Group').length} families`,
  );
}

async function main(): Promise<void> {
  const up = await upstreams();
  const routePassword = randomBytes(18).toString('base64url');
  out(
    up.sandbox
      ? 'Sandbox: no upstream configured, starting the simulators'
      : 'Using the configured upstreams (no demo writes):',
  );
  out(
    `  OpenHIM core API  ${up.openhim.apiUrl}${up.openhim.routerUrl ? `   router ${up.openhim.routerUrl}` : ''}`,
  );
  out(`  openIMIS FHIR     ${up.openimis.url}`);
  out(`  Fineract          ${up.fineract.url}`);
  out('');

  const children = MEDIATORS.map((m) => ({ spec: m, child: startMediator(m, up, routePassword) }));
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) {
      return;
    }
    stopping = true;
    out('\nStopping…');
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((r) => {
            if (child.exitCode !== null) {
              r();
              return;
            }
            child.once('exit', () => {
              r();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await Promise.all([up.sims?.core.close(), up.sims?.openimis.close(), up.sims?.fineract.close()]);
    out('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  for (const { spec, child } of children) {
    child.on('exit', (code) => {
      if (!stopping) {
        process.stderr.write(
          `${spec.name} exited with code ${String(code)}; see data/logs/${spec.name}.log\n`,
        );
        void stop(1);
      }
    });
  }

  for (const { spec } of children) {
    await waitFor(
      `${spec.name} on port ${spec.port}`,
      async () => (await request(`http://127.0.0.1:${spec.port}/health`)).statusCode === 200,
    );
    if (up.sims) {
      const core = up.sims.core;
      await waitFor(`${spec.name} to register its channels`, async () =>
        Promise.resolve(
          core.getMediator(spec.urn) !== undefined &&
            core.listChannels().some((c) => c.routes?.[0]?.port === spec.port),
        ),
      );
    }
    out(`${spec.name} listening on http://127.0.0.1:${spec.port} (log: data/logs/${spec.name}.log)`);
  }
  out('');

  if (up.sims && up.openhim.routerUrl) {
    const client = { id: 'openimis', password: randomBytes(12).toString('base64url') };
    up.sims.core.addClient({
      clientID: client.id,
      name: 'openIMIS',
      password: client.password,
      roles: ['openimis'],
    });
    // The router refreshes its channel list about every second.
    await new Promise((r) => setTimeout(r, 1100));
    await demo(up, up.openhim.routerUrl, client);
    out('');
    out('Where to look');
    out(
      `  OpenHIM transactions: curl -u root@openhim.org:openhim-password ${up.openhim.apiUrl}/transactions`,
    );
    out(
      `  router client: ${client.id} / ${client.password}  e.g. curl -u ${client.id}:${client.password} -X POST ${up.openhim.routerUrl}/sync/insurees`,
    );
    out(
      `  Fineract: curl -u mifos:password -H 'Fineract-Platform-TenantId: default' ${up.fineract.url}/clients`,
    );
    out('  staging databases: data/*.sqlite   logs: data/logs/');
  }
  out('');
  out('Serving. Press Ctrl-C to stop.');
}

main().catch((err: unknown) => {
  process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
