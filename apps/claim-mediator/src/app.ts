import {
  auditRecorder,
  derivedSettings,
  createFineractClient,
  createOpenImisClient,
  openStaging,
} from '@payment-layer/flows-runtime';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  kitSettingsFromEnv,
  mediatorKit,
  mediatorServerOptions,
  type MediatorDefinition,
} from '@payment-layer/openhim-mediator';
import { loadMappingDir } from '@payment-layer/mapping-dsl';
import { precompileFhirValidators } from '@payment-layer/fhir-util';
import {
  createFineractRail,
  runDuePayouts,
  type ClaimFlowContext,
  type PayoutRunResult,
} from '@payment-layer/flows-claim';
import {
  checkClaimConfig,
  claimFlowSettings,
  payoutRouting,
  type ClaimEnv,
  type ClaimRemoteConfig,
} from './config';
import definition from '../mediator.json';
import { claimRoutes } from './routes/claim';
import { syncRoutes } from './routes/sync';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  readonly env: ClaimEnv;
  /** Directory of the mapping documents (default: the app's `mappings/`). */
  readonly mappingsDir?: string;
  /** Log to stdout (default: the env's LOG_LEVEL); tests pass 'silent'. */
  readonly logLevel?: string;
  /** Where log lines go (default stdout); tests read them to prove nothing secret or personal is logged. */
  readonly logStream?: NodeJS.WritableStream;
  /** Start the payout worker (default true); tests run `runDuePayouts(app.claim)` themselves. */
  readonly payoutWorker?: boolean;
  /** Source of "now" (tests). */
  readonly now?: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    claim: ClaimFlowContext;
    /** Runs the due payouts now (one run at a time; a call during a run waits for it). */
    runPayouts(): Promise<PayoutRunResult[]>;
  }
}

/**
 * Builds the claim mediator: the OpenHIM kit, the staging store (shared with the other mediators), the openIMIS and
 * Fineract clients, the mapping document, the payout rails, the routes and the payout worker. Never listens.
 *
 * @param options - validated environment and overrides
 * @returns the Fastify instance, ready to `listen` or `inject`
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { env } = options;
  const kit = kitSettingsFromEnv(env);
  const app = Fastify({
    ...mediatorServerOptions({
      ...kit.server,
      logLevel: options.logLevel ?? env.LOG_LEVEL,
      pretty: process.stdout.isTTY,
      ...(options.logStream ? { stream: options.logStream } : {}),
    }),
    ...(kit.https ? { https: kit.https } : {}),
  });

  // Fail at boot, not on the first request: FHIR validators, the mapping document and the rail routing.
  precompileFhirValidators(['ClaimResponse', 'Invoice', 'Organization', 'Claim']);
  const organizationToClient = loadMappingDir(options.mappingsDir ?? join(__dirname, '..', 'mappings')).get(
    'organization-to-entity-client',
  );
  if (!organizationToClient) {
    throw new Error('mapping document organization-to-entity-client is required');
  }
  const routing = payoutRouting(env);

  const { db, repos } = openStaging(env, options.now ? { now: options.now } : {});
  const audit = auditRecorder(repos, app.log);
  await app.register(mediatorKit, {
    definition: definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    configCheck: (c) => {
      checkClaimConfig(c as ClaimRemoteConfig);
    },
    onAudit: audit,
  });

  const fineract = createFineractClient(env);
  const openimis = createOpenImisClient(env);
  const settings = derivedSettings(() => app.mediator.config.value as ClaimRemoteConfig, claimFlowSettings);
  const context: ClaimFlowContext = {
    fineract,
    openimis,
    repos,
    mappings: { organizationToClient },
    // The Mojaloop rail plugs in here once it exists; until then Mojaloop payouts wait, listed with the reason.
    rails: { fineract: createFineractRail({ fineract, paymentTypeId: () => settings().paymentTypeId }) },
    routing,
    settings,
    log: app.log,
    ...(options.now ? { now: options.now } : {}),
  };
  app.decorate('claim', context);
  app.mediator.addReadinessCheck('staging', () => {
    db.sqlite.prepare('select 1').get();
  });

  // One payout run at a time in this process (leases keep other processes apart).
  const closing = new AbortController();
  let running: Promise<PayoutRunResult[]> | undefined;
  app.decorate('runPayouts', async (): Promise<PayoutRunResult[]> => {
    if (running) {
      await running.catch(() => undefined);
    }
    running = runDuePayouts(context, { signal: closing.signal, concurrency: env.PAYOUT_CONCURRENCY });
    try {
      return await running;
    } finally {
      running = undefined;
    }
  });
  let timer: NodeJS.Timeout | undefined;
  if (options.payoutWorker !== false) {
    app.addHook('onReady', async () => {
      timer = setInterval(() => {
        if (!running && app.mediator.config.known) {
          app.runPayouts().catch((err: unknown) => {
            app.log.error({ err }, 'payout run failed');
          });
        }
      }, env.PAYOUT_INTERVAL_MS);
      timer.unref();
    });
  }

  await app.register(claimRoutes);
  await app.register(syncRoutes, { signal: closing.signal });

  app.addHook('onClose', async () => {
    clearInterval(timer);
    closing.abort();
    // A payout in flight finishes its rail call (or leaves its progress saved) before the staging file closes.
    await running?.catch(() => undefined);
    await Promise.all([fineract.close(), openimis.close()]);
    audit.flush();
    db.close();
  });
  return app;
}
