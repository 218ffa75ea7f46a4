import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  startFineractSimulator,
  startOpenHimCore,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenHimCoreSimulator,
  type OpenImisSimulator,
  type OpenImisSimulatorOptions,
  simulatorUpstreamEnv,
} from '@payment-layer/sandbox';
import { useHarnessTimeout, withinStartupDeadline } from '@payment-layer/shared-testing';
import { buildApp } from '../src/app';
import { loadInsureeEnv } from '../src/config';

export const ROUTE_CREDENTIALS = { username: 'openhim', password: 'route-password-123' };
export const AUTH = `Basic ${Buffer.from(`${ROUTE_CREDENTIALS.username}:${ROUTE_CREDENTIALS.password}`).toString('base64')}`;

/** Simulators plus the mediator built on them, with a fresh staging database in a temp dir. */
export interface Harness {
  app: FastifyInstance;
  openimis: OpenImisSimulator;
  fineract: FineractSimulator;
  core?: OpenHimCoreSimulator;
  dir: string;
  dbPath: string;
  env: Record<string, string>;
  /** Rebuilds the app on the same staging file (a restart). */
  restart(): Promise<FastifyInstance>;
  close(): Promise<void>;
}

async function openHarness(
  options: {
    openimis?: OpenImisSimulatorOptions;
    core?: boolean;
    port?: number;
    env?: Record<string, string>;
  } = {},
): Promise<Harness> {
  const openimis = await startOpenImisSimulator({ population: { families: 0 }, ...options.openimis });
  const fineract = await startFineractSimulator();
  const core = options.core
    ? await startOpenHimCore({
        clients: [{ clientID: 'openimis', password: 'openimis-client-pw', roles: ['openimis'] }],
      })
    : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'insuree-'));
  const dbPath = join(dir, 'staging.sqlite');
  const env: Record<string, string> = {
    MEDIATOR_CLIENT_USERNAME: ROUTE_CREDENTIALS.username,
    MEDIATOR_CLIENT_PASSWORD: ROUTE_CREDENTIALS.password,
    MEDIATOR_PUBLIC_HOST: '127.0.0.1',
    PORT: String(options.port ?? 0),
    OPENHIM_REGISTER: core ? 'true' : 'false',
    ...(core ? { OPENHIM_API_URL: core.apiUrl, OPENHIM_PASSWORD: 'openhim-password' } : {}),
    ...simulatorUpstreamEnv(openimis, fineract),
    FINERACT_TIMEOUT_MS: '2000',
    OPENIMIS_TIMEOUT_MS: '2000',
    STAGING_DB_PATH: dbPath,
    BODY_LIMIT_BYTES: '1048576',
    ...options.env,
  };
  const build = (): Promise<FastifyInstance> =>
    buildApp({ env: loadInsureeEnv(env), logLevel: 'silent', outboxWorker: false });
  const harness: Harness = {
    app: await build(),
    openimis,
    fineract,
    ...(core ? { core } : {}),
    dir,
    dbPath,
    env,
    async restart() {
      await harness.app.close();
      harness.app = await build();
      return harness.app;
    },
    async close() {
      await harness.app.close();
      // A test may have stopped a simulator already (an outage); closing it again is not an error here.
      await Promise.allSettled([openimis.close(), fineract.close(), core?.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

// Every test file that uses this harness gets the harness timeout instead of jest's 5 s default, which a start under
// load exceeds; the start itself runs under the shared start-up deadline, whose error says what did not start.
useHarnessTimeout();

/**
 * Starts the harness (see openHarness) within the start-up deadline.
 *
 * @param options - as for openHarness
 * @returns the harness
 */
export function startHarness(options: Parameters<typeof openHarness>[0] = {}): Promise<Harness> {
  return withinStartupDeadline('insuree mediator harness', () => openHarness(options));
}
