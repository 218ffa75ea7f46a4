import {
  createMediatorApp,
  derivedSettings,
  requireMappings,
  worker,
  type MediatorLogOptions,
} from '@payment-layer/flows-runtime';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { MojaloopClient } from '@payment-layer/mifos-mojaloop-client';
import {
  createFineractRail,
  mojaloopRail,
  runDuePayouts,
  type ClaimFlowContext,
  type PayoutRail,
  type PayoutRunResult,
} from '@payment-layer/flows-claim';
import {
  checkClaimConfig,
  claimFlowSettings,
  mojaloopPayerSettings,
  payoutRouting,
  type ClaimEnv,
  type ClaimRemoteConfig,
} from './config';
import definition from '../mediator.json';
import { claimRoutes } from './routes/claim';
import { syncRoutes } from './routes/sync';

/** Options of {@link buildApp}. */
export interface BuildAppOptions extends MediatorLogOptions {
  readonly env: ClaimEnv;
  /** Directory of the mapping documents (default: the app's `mappings/`). */
  readonly mappingsDir?: string;
  /** Start the payout worker (default true); tests run `app.runPayouts()` themselves. */
  readonly payoutWorker?: boolean;
  /** Source of "now" (tests). */
  readonly now?: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    claim: ClaimFlowContext;
    /** Runs the due payouts now (one run at a time; a call during a run joins it). */
    runPayouts(): Promise<PayoutRunResult[]>;
  }
}

/**
 * Builds the claim mediator on the flows runtime's base (OpenHIM kit, staging store shared with the other mediators,
 * audit, openIMIS and Fineract clients): the payout rails (Fineract always, Mojaloop when its SDK is configured), the
 * flow context, the routes and the payout worker. Never listens (main.ts does).
 *
 * @param options - validated environment and overrides
 * @returns the Fastify instance, ready to `listen` or `inject`
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { env } = options;
  // Fail at boot, not on the first request: the mapping document and the rail routing.
  const mappings = requireMappings(options.mappingsDir ?? join(__dirname, '..', 'mappings'), [
    'organization-to-entity-client',
  ]);
  const routing = payoutRouting(env);
  const app = await createMediatorApp<ClaimRemoteConfig>({
    definition,
    env,
    configCheck: checkClaimConfig,
    fhirTypes: ['ClaimResponse', 'Invoice', 'Organization', 'Claim'],
    logLevel: options.logLevel,
    logStream: options.logStream,
  });

  const settings = derivedSettings(() => app.mediator.config.value as ClaimRemoteConfig, claimFlowSettings);
  const rails: Partial<Record<PayoutRail['name'], PayoutRail>> = {
    fineract: createFineractRail({ fineract: app.fineract, paymentTypeId: () => settings().paymentTypeId }),
  };
  const payer = mojaloopPayerSettings(env);
  if (payer) {
    const mojaloop = new MojaloopClient(payer.client);
    app.addHook('onClose', async () => {
      await mojaloop.close();
    });
    rails.mojaloop = mojaloopRail({ ...payer.rail, mojaloop, fineract: app.fineract });
  }
  const context: ClaimFlowContext = {
    fineract: app.fineract,
    openimis: app.openimis,
    repos: app.staging.repos,
    mappings: { organizationToClient: mappings['organization-to-entity-client'] },
    // A payout routed to a rail that is not configured here waits, listed with the reason; never another rail.
    rails,
    routing,
    settings,
    log: app.log,
    ...(options.now ? { now: options.now } : {}),
  };
  app.decorate('claim', context);

  // One payout run at a time in this process (leases keep other processes apart): the worker's tick, the sync
  // route and tests share it. Closing aborts it between payouts and waits for it before the staging file closes.
  const closing = new AbortController();
  let running: Promise<PayoutRunResult[]> | undefined;
  app.decorate('runPayouts', (): Promise<PayoutRunResult[]> => {
    running ??= runDuePayouts(context, {
      signal: closing.signal,
      concurrency: env.PAYOUT_CONCURRENCY,
    }).finally(() => {
      running = undefined;
    });
    return running;
  });
  app.addHook('onClose', async () => {
    closing.abort();
    await running?.catch(() => undefined);
  });

  await app.register(claimRoutes);
  await app.register(syncRoutes);
  await app.register(worker, {
    name: 'payouts',
    intervalMs: env.PAYOUT_INTERVAL_MS,
    enabled: options.payoutWorker !== false,
    run: async () => {
      if (app.mediator.config.known) {
        await app.runPayouts();
      }
    },
  });
  return app;
}
