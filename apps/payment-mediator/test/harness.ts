import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import {
  startFineractSimulator,
  startOpenHimCore,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenHimCoreSimulator,
  type OpenImisSimulator,
  simulatorUpstreamEnv,
} from '@payment-layer/sandbox';
import { useHarnessTimeout, withinStartupDeadline } from '@payment-layer/shared-testing';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import {
  createRepositories,
  openStagingDb,
  type LedgerInvoice,
  type StagingDb,
  type StagingRepositories,
} from '@payment-layer/staging-db';
import { runDuePaymentSteps, type PaymentStepResult } from '@payment-layer/flows-payment';
import { buildApp } from '../src/app';
import { loadPaymentEnv } from '../src/config';

export const ROUTE_CREDENTIALS = { username: 'openhim', password: 'route-password-123' };
export const AUTH = `Basic ${Buffer.from(`${ROUTE_CREDENTIALS.username}:${ROUTE_CREDENTIALS.password}`).toString('base64')}`;
export const HOOK_SECRET = 'hook-secret-0123456789abcdef';
export const HOOK_PATH = `/payments/fineract/hook?secret=${HOOK_SECRET}`;

/** A contribution invoice set up the way the invoice mediator leaves it. */
export interface SeededInvoice {
  readonly uuid: string;
  readonly code: string;
  readonly amount: string;
  readonly currency: string;
  readonly clientId: number;
  readonly chargeId: number;
  readonly ledger: LedgerInvoice;
}

/** Simulators plus the mediator built on them, with a fresh staging database in a temp dir. */
export interface Harness {
  app: FastifyInstance;
  readonly openimis: OpenImisSimulator;
  readonly fineract: FineractSimulator;
  /** OpenHIM core simulator, when asked for (the mediator registers with it). */
  readonly core?: OpenHimCoreSimulator;
  /** The test's own Fineract client (what a cashier or the invoice mediator does). */
  readonly fineractClient: FineractClient;
  /** A second handle on the staging file, as the invoice mediator has. */
  readonly repos: StagingRepositories;
  readonly dbPath: string;
  /** Base URL of the listening app (after {@link listen}). */
  url?: string;
  /** Moves the flow's clock forward (makes retries due). */
  advance(ms: number): void;
  /**
   * Makes the app listen on 127.0.0.1 (on `port`, default any) and registers a Fineract hook pointing at it, or at
   * the OpenHIM router when the harness has a core.
   */
  listen(port?: number): Promise<string>;
  /** Records an openIMIS invoice in the ledger with its Fineract client and client charge. */
  seedInvoice(index: number): Promise<SeededInvoice>;
  /** Pays a client charge in Fineract (the hook delivery follows if a hook is registered). */
  pay(inv: SeededInvoice, amount: string, key: string): Promise<void>;
  /** Runs due outbox steps until none is left. */
  drain(): Promise<PaymentStepResult[]>;
  /** Rebuilds the app on the same staging file (a restart). */
  restart(): Promise<FastifyInstance>;
  close(): Promise<void>;
}

const TODAY = new Date().toISOString().slice(0, 10);

async function openHarness(
  options: {
    families?: number;
    env?: Record<string, string>;
    config?: Record<string, unknown>;
    /** Start an OpenHIM core simulator; the app registers with it and must listen on `port`. */
    core?: boolean;
    port?: number;
  } = {},
): Promise<Harness> {
  const core = options.core
    ? await startOpenHimCore({
        clients: [{ clientID: 'openimis', password: 'openimis-client-pw', roles: ['openimis'] }],
      })
    : undefined;
  const openimis = await startOpenImisSimulator({
    population: { families: options.families ?? 3 },
    includeFixtures: false,
    mutationDelayMs: 5,
  });
  const fineract = await startFineractSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'payment-'));
  const dbPath = join(dir, 'staging.sqlite');
  const env: Record<string, string> = {
    MEDIATOR_CLIENT_USERNAME: ROUTE_CREDENTIALS.username,
    MEDIATOR_CLIENT_PASSWORD: ROUTE_CREDENTIALS.password,
    MEDIATOR_PUBLIC_HOST: '127.0.0.1',
    PORT: String(options.port ?? 0),
    OPENHIM_REGISTER: core ? 'true' : 'false',
    ...(core ? { OPENHIM_API_URL: core.apiUrl, OPENHIM_PASSWORD: 'openhim-password' } : {}),
    ...simulatorUpstreamEnv(openimis, fineract),
    FINERACT_HOOK_SECRET: HOOK_SECRET,
    FINERACT_TIMEOUT_MS: '2000',
    OPENIMIS_TIMEOUT_MS: '2000',
    // Tests that need the Fineract catch-up switch it on.
    FINERACT_CATCH_UP_INTERVAL_MS: '0',
    STAGING_DB_PATH: dbPath,
    ...options.env,
  };
  let offsetMs = 0;
  const now = (): Date => new Date(Date.now() + offsetMs);
  const build = async (): Promise<FastifyInstance> => {
    const app = await buildApp({ env: loadPaymentEnv(env), logLevel: 'silent', outboxWorker: false, now });
    if (options.config) {
      expect(app.mediator.config.apply({ ...app.mediator.config.value, ...options.config })).toBe(true);
    }
    return app;
  };
  // The migrations run when the app opens the file first; the second handle only reads and writes rows.
  const app = await build();
  const db: StagingDb = openStagingDb({ path: dbPath });
  const repos = createRepositories(db);
  const fineractClient = new FineractClient({
    baseUrl: fineract.baseUrl,
    tenantId: fineract.tenantId,
    username: fineract.username,
    password: fineract.password,
  });
  const invoices = openimis.store.invoices().filter((i) => i.kind === 'invoice');

  const harness: Harness = {
    app,
    openimis,
    fineract,
    ...(core ? { core } : {}),
    fineractClient,
    repos,
    dbPath,
    advance(ms) {
      offsetMs += ms;
    },
    async listen(listenPort = 0) {
      await harness.app.listen({ host: '127.0.0.1', port: listenPort });
      const { port } = harness.app.server.address() as AddressInfo;
      harness.url = `http://127.0.0.1:${port}`;
      const target = core ? core.routerUrl : harness.url;
      await fineractClient.createHook(
        {
          name: 'Web',
          isActive: true,
          displayName: 'openIMIS payment layer',
          events: [
            { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
            { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
          ],
          config: { 'Payload URL': `${target}${HOOK_PATH}`, 'Content Type': 'json' },
        },
        { operationKey: `hook:${port}` },
      );
      return harness.url;
    },
    async seedInvoice(index) {
      const inv = invoices[index];
      if (!inv) {
        throw new Error(`no openIMIS invoice ${index}`);
      }
      const client = await fineractClient.createClient(
        {
          officeId: 1,
          legalFormId: 1,
          firstname: 'Payer',
          lastname: `Number${index}`,
          active: true,
          activationDate: TODAY,
          externalId: inv.thirdpartyId ?? inv.id,
        },
        { operationKey: `client:${inv.id}` },
      );
      const clientId = client.clientId ?? client.resourceId;
      const charge = await fineractClient.applyClientCharge(
        Number(clientId),
        { chargeId: 1, amount: inv.amountTotal, dueDate: TODAY },
        { operationKey: `charge:${inv.id}` },
      );
      const chargeId = Number(charge.resourceId);
      const up = repos.ledger.upsertInvoice({
        openimisInvoiceId: inv.id,
        code: inv.code,
        kind: 'invoice',
        recipientType: 'Patient',
        recipientId: inv.thirdpartyId ?? inv.id,
        amount: inv.amountTotal,
        currency: inv.currency,
        invoiceDate: TODAY,
      });
      const ledger = repos.ledger.attachFineractCharge(up.invoice.id, {
        clientId: Number(clientId),
        chargeId,
      });
      return {
        uuid: inv.id,
        code: inv.code,
        amount: inv.amountTotal,
        currency: inv.currency,
        clientId: Number(clientId),
        chargeId,
        ledger,
      };
    },
    async pay(inv, amount, key) {
      await fineractClient.payClientCharge(
        inv.clientId,
        inv.chargeId,
        { amount, transactionDate: TODAY, paymentTypeId: 2, receiptNumber: inv.code, externalId: key },
        { operationKey: `pay:${key}` },
      );
    },
    async drain() {
      const all: PaymentStepResult[] = [];
      for (;;) {
        const ran = await runDuePaymentSteps(harness.app.payment);
        all.push(...ran);
        if (ran.length === 0 || ran.every((r) => r.state !== 'done')) {
          return all;
        }
      }
    },
    async restart() {
      await harness.app.close();
      harness.app = await build();
      return harness.app;
    },
    async close() {
      await harness.app.close();
      await fineractClient.close();
      db.close();
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
  return withinStartupDeadline('payment mediator harness', () => openHarness(options));
}
