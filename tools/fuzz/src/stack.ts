import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  simulatorUpstreamEnv,
  startFineractSimulator,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenImisSimulator,
  type OpenImisSimulatorOptions,
} from '@payment-layer/sandbox';
import { openStagingDb, type StagingDb } from '@payment-layer/staging-db';
import { LogCapture } from './capture';

/** Route credentials the fuzzed apps are configured with. */
export const FUZZ_ROUTE_CREDENTIALS = { username: 'openhim', password: 'route-password-fuzz-4711' };
/** The payment mediator's hook secret in fuzz runs. */
export const FUZZ_HOOK_SECRET = 'hook-secret-fuzz-0123456789abcdef';

/** Simulators, a staging file in a temp dir and a log capture, for one app under fuzz. */
export interface FuzzStack {
  readonly openimis: OpenImisSimulator;
  readonly fineract: FineractSimulator;
  readonly logs: LogCapture;
  readonly dbPath: string;
  /** The mediator environment (upstreams, credentials, staging path). */
  readonly env: Record<string, string>;
  /** `Authorization` header of the OpenHIM route. */
  readonly authorization: string;
  /** Credentials that must never be logged. */
  readonly secrets: readonly string[];
  /** Opens a second handle on the staging file (after the app migrated it). */
  openStaging(): StagingDb;
  close(): Promise<void>;
}

/**
 * Starts the openIMIS and Fineract simulators and prepares a staging file and the environment of a mediator.
 *
 * @param options - openIMIS population
 * @returns the stack
 */
export async function startFuzzStack(
  options: { openimis?: OpenImisSimulatorOptions } = {},
): Promise<FuzzStack> {
  const openimis = await startOpenImisSimulator({
    includeFixtures: false,
    population: { families: 2, invoicesPerFamily: 1 },
    password: 'openimis-pw-fuzz-2468',
    ...options.openimis,
  });
  // Distinctive passwords, so a leak is found by plain text search (the defaults are common words).
  const fineract = await startFineractSimulator({ password: 'fineract-pw-fuzz-1357' });
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
  const dbPath = join(dir, 'staging.sqlite');
  const env: Record<string, string> = {
    MEDIATOR_CLIENT_USERNAME: FUZZ_ROUTE_CREDENTIALS.username,
    MEDIATOR_CLIENT_PASSWORD: FUZZ_ROUTE_CREDENTIALS.password,
    MEDIATOR_PUBLIC_HOST: '127.0.0.1',
    PORT: '0',
    OPENHIM_REGISTER: 'false',
    ...simulatorUpstreamEnv(openimis, fineract),
    FINERACT_HOOK_SECRET: FUZZ_HOOK_SECRET,
    FINERACT_TIMEOUT_MS: '2000',
    OPENIMIS_TIMEOUT_MS: '2000',
    STAGING_DB_PATH: dbPath,
    LOG_LEVEL: 'info',
  };
  const handles: StagingDb[] = [];
  return {
    openimis,
    fineract,
    logs: new LogCapture(),
    dbPath,
    env,
    authorization: `Basic ${Buffer.from(`${FUZZ_ROUTE_CREDENTIALS.username}:${FUZZ_ROUTE_CREDENTIALS.password}`).toString('base64')}`,
    secrets: [
      FUZZ_ROUTE_CREDENTIALS.password,
      FUZZ_HOOK_SECRET,
      encodeURIComponent(FUZZ_HOOK_SECRET),
      fineract.password,
      openimis.credentials.password,
    ],
    openStaging() {
      const db = openStagingDb({ path: dbPath });
      handles.push(db);
      return db;
    },
    async close() {
      for (const db of handles) {
        db.close();
      }
      await Promise.allSettled([openimis.close(), fineract.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
