import {
  createMediatorApp,
  type MediatorLogOptions,
  derivedSettings,
  requireMappings,
  worker,
} from '@payment-layer/flows-runtime';
import type { FastifyInstance } from 'fastify';
import {
  PARTY_MAPPINGS_DIR,
  SAVINGS_STEP,
  runSavingsStep,
  type InsureeFlowContext,
} from '@payment-layer/flows-parties';
import { checkInsureeConfig, flowSettings, type InsureeEnv, type InsureeRemoteConfig } from './config';
import definition from '../mediator.json';
import { patientRoutes } from './routes/patient';
import { groupRoutes } from './routes/group';
import { bundleRoutes } from './routes/bundle';
import { syncRoutes } from './routes/sync';

/** Options of {@link buildApp}. */
export interface BuildAppOptions extends MediatorLogOptions {
  readonly env: InsureeEnv;
  /** Directory of the mapping documents (default: the parties' `PARTY_MAPPINGS_DIR`). Deployments may override them. */
  readonly mappingsDir?: string;
  /** Start the outbox worker (default true). */
  readonly outboxWorker?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    insuree: InsureeFlowContext;
  }
}

/**
 * Builds the insuree mediator on the flows runtime's base (OpenHIM kit, staging store, audit, openIMIS and
 * Fineract clients): the mapping documents, the flow context, the routes and the outbox worker. Never listens
 * (main.ts does).
 *
 * @param options - validated environment and overrides
 * @returns the Fastify instance, ready to `listen` or `inject`
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { env } = options;
  const mappings = requireMappings(options.mappingsDir ?? PARTY_MAPPINGS_DIR, [
    'patient-to-client',
    'group-to-group',
  ]);
  const app = await createMediatorApp<InsureeRemoteConfig>({
    definition,
    env,
    configCheck: checkInsureeConfig,
    fhirTypes: ['Patient', 'Group', 'Bundle'],
    logLevel: options.logLevel,
    logStream: options.logStream,
  });

  const context: InsureeFlowContext = {
    fineract: app.fineract,
    openimis: app.openimis,
    repos: app.staging.repos,
    mappings: { patientToClient: mappings['patient-to-client'], groupToGroup: mappings['group-to-group'] },
    settings: derivedSettings(() => app.mediator.config.value as InsureeRemoteConfig, flowSettings),
    log: app.log,
  };
  app.decorate('insuree', context);

  await app.register(patientRoutes);
  await app.register(groupRoutes);
  await app.register(bundleRoutes);
  await app.register(syncRoutes);

  // Steps that could not finish during a request (a savings account Fineract refused for now) are retried here.
  await app.register(worker, {
    name: 'outbox',
    intervalMs: env.OUTBOX_INTERVAL_MS,
    enabled: options.outboxWorker !== false,
    run: async () => {
      const due = context.repos.outbox.claimDue({
        now: new Date(),
        limit: 20,
        leaseMs: 60_000,
        kinds: [SAVINGS_STEP],
      });
      for (const entry of due) {
        await runSavingsStep(context, entry);
      }
    },
  });
  return app;
}
