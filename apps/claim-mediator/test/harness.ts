import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ClaimResponse, Invoice } from 'fhir/r4';
import {
  startFineractSimulator,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenImisSimulator,
  simulatorUpstreamEnv,
} from '@payment-layer/sandbox';
import { useHarnessTimeout, withinStartupDeadline } from '@payment-layer/shared-testing';
import {
  createRepositories,
  openStagingDb,
  type StagingDb,
  type StagingRepositories,
} from '@payment-layer/staging-db';
import { buildApp } from '../src/app';
import { loadClaimEnv } from '../src/config';

export const ROUTE_CREDENTIALS = { username: 'openhim', password: 'route-password-123' };
export const AUTH = `Basic ${Buffer.from(`${ROUTE_CREDENTIALS.username}:${ROUTE_CREDENTIALS.password}`).toString('base64')}`;

/** Simulators plus the claim mediator built on them, with a fresh staging database in a temp dir. */
export interface Harness {
  app: FastifyInstance;
  openimis: OpenImisSimulator;
  fineract: FineractSimulator;
  /** A second connection to the staging file, to read what the mediator wrote. */
  repos: StagingRepositories;
  db: StagingDb;
  dir: string;
  /** The environment the mediator was built with (for child processes). */
  env: Record<string, string>;
  /** ClaimResponses of the simulator's population with the given openIMIS status (16 valuated, 4 checked, …). */
  claims(status: number): ClaimResponse[];
  /** Claim-batch bills of the simulator's population. */
  bills(): Invoice[];
  /** Deposits Fineract holds with this receipt number. */
  deposits(receipt: string): number;
  close(): Promise<void>;
}

function statusOf(r: ClaimResponse): number {
  return Math.max(
    0,
    ...(r.total ?? []).flatMap((t) => (t.category.coding ?? []).map((c) => Number(c.code ?? 0))),
  );
}

async function openHarness(options: { config?: Record<string, unknown>; env?: Record<string, string> } = {}) {
  const openimis = await startOpenImisSimulator({
    includeFixtures: false,
    population: { families: 6, invoicesPerFamily: 1, claims: 24, healthFacilities: 2 },
  });
  const fineract = await startFineractSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'claim-'));
  const dbPath = join(dir, 'staging.sqlite');
  const env: Record<string, string> = {
    MEDIATOR_CLIENT_USERNAME: ROUTE_CREDENTIALS.username,
    MEDIATOR_CLIENT_PASSWORD: ROUTE_CREDENTIALS.password,
    MEDIATOR_PUBLIC_HOST: '127.0.0.1',
    PORT: '0',
    OPENHIM_REGISTER: 'false',
    ...simulatorUpstreamEnv(openimis, fineract),
    FINERACT_TIMEOUT_MS: '1500',
    OPENIMIS_TIMEOUT_MS: '2000',
    STAGING_DB_PATH: dbPath,
    ...options.env,
  };
  const app = await buildApp({ env: loadClaimEnv(env), logLevel: 'silent', payoutWorker: false });
  if (options.config) {
    expect(app.mediator.config.apply({ ...app.mediator.config.value, ...options.config })).toBe(true);
  }
  const db = openStagingDb({ path: dbPath });
  const harness: Harness = {
    app,
    openimis,
    fineract,
    repos: createRepositories(db),
    db,
    dir,
    env,
    claims: (status) =>
      (openimis.store.list('ClaimResponse') as ClaimResponse[]).filter((r) => statusOf(r) === status),
    bills: () =>
      (openimis.store.list('Invoice') as Invoice[]).filter((i) =>
        i.type?.coding?.some((c) => c.code === 'claim-batch'),
      ),
    deposits: (receipt) =>
      [...fineract.state.savingsTransactions.values()].filter(
        (t) => t.paymentDetail?.receiptNumber === receipt && !t.reversed,
      ).length,
    async close() {
      await harness.app.close();
      db.close();
      await Promise.allSettled([openimis.close(), fineract.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

useHarnessTimeout();

/**
 * Starts the harness within the start-up deadline.
 *
 * @param options - operator config overrides and extra environment
 * @returns the harness
 */
export function startHarness(options: Parameters<typeof openHarness>[0] = {}): Promise<Harness> {
  return withinStartupDeadline('claim mediator harness', () => openHarness(options));
}
