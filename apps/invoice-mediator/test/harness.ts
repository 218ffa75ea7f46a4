import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Invoice } from 'fhir/r4';
import {
  startFineractSimulator,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenImisSimulator,
  type OpenImisSimulatorOptions,
  simulatorUpstreamEnv,
} from '@payment-layer/sandbox';
import { useHarnessTimeout, withinStartupDeadline } from '@payment-layer/shared-testing';
import { createRepositories, openStagingDb, type StagingRepositories } from '@payment-layer/staging-db';
import { buildApp } from '../src/app';
import { loadInvoiceEnv } from '../src/config';

export const ROUTE_CREDENTIALS = { username: 'openhim', password: 'route-password-123' };
export const AUTH = `Basic ${Buffer.from(`${ROUTE_CREDENTIALS.username}:${ROUTE_CREDENTIALS.password}`).toString('base64')}`;

/** Simulators plus the invoice mediator built on them, with a fresh staging database in a temp dir. */
export interface Harness {
  app: FastifyInstance;
  openimis: OpenImisSimulator;
  fineract: FineractSimulator;
  /** A second connection to the staging file, to read what the mediator wrote. */
  repos: StagingRepositories;
  dir: string;
  /** Contribution invoices of the simulator's population (FHIR, as openIMIS serves them). */
  invoices(): Invoice[];
  /**
   * Closes the mediator and builds a new one on the same staging file and simulators, as after a crash or a
   * restart: nothing survives but what the staging store and Fineract hold.
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the openIMIS and Fineract simulators and the mediator on a temp staging file.
 *
 * @param options - openIMIS simulator options (default: 2 families with one invoice each, no fixtures)
 * @returns the harness
 */
async function openHarness(
  options: { openimis?: OpenImisSimulatorOptions; env?: Record<string, string> } = {},
): Promise<Harness> {
  const openimis = await startOpenImisSimulator({
    includeFixtures: false,
    population: { families: 2, invoicesPerFamily: 1 },
    ...options.openimis,
  });
  const fineract = await startFineractSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'invoice-'));
  const dbPath = join(dir, 'staging.sqlite');
  const env: Record<string, string> = {
    MEDIATOR_CLIENT_USERNAME: ROUTE_CREDENTIALS.username,
    MEDIATOR_CLIENT_PASSWORD: ROUTE_CREDENTIALS.password,
    MEDIATOR_PUBLIC_HOST: '127.0.0.1',
    PORT: '0',
    OPENHIM_REGISTER: 'false',
    ...simulatorUpstreamEnv(openimis, fineract),
    FINERACT_TIMEOUT_MS: '2000',
    OPENIMIS_TIMEOUT_MS: '2000',
    STAGING_DB_PATH: dbPath,
    ...options.env,
  };
  const app = await buildApp({ env: loadInvoiceEnv(env), logLevel: 'silent' });
  const db = openStagingDb({ path: dbPath });
  const harness: Harness = {
    app,
    openimis,
    fineract,
    repos: createRepositories(db),
    dir,
    invoices: () =>
      (openimis.store.list('Invoice') as Invoice[]).filter((i) =>
        i.type?.coding?.some((c) => c.code === 'contribution'),
      ),
    async restart() {
      await harness.app.close();
      harness.app = await buildApp({ env: loadInvoiceEnv(env), logLevel: 'silent' });
    },
    async close() {
      await harness.app.close();
      db.close();
      await Promise.allSettled([openimis.close(), fineract.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * A deep copy of an invoice, for tests that change it.
 *
 * @param invoice - the original
 * @returns a copy
 */
export function copy<T>(invoice: T): T {
  return JSON.parse(JSON.stringify(invoice)) as T;
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
  return withinStartupDeadline('invoice mediator harness', () => openHarness(options));
}
