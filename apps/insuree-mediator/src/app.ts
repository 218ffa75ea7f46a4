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
import { SAVINGS_STEP, runSavingsStep, type InsureeFlowContext } from '@payment-layer/flows-insuree';
import { checkInsureeConfig, flowSettings, type InsureeEnv, type InsureeRemoteConfig } from './config';
import definition from '../mediator.json';
import { patientRoutes } from './routes/patient';
import { groupRoutes } from './routes/group';
import { bundleRoutes } from './routes/bundle';
import { syncRoutes } from './routes/sync';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  readonly env: InsureeEnv;
  /** Directory of the mapping documents (default: the app's `mappings/`). Deployments may override them. */
  readonly mappingsDir?: string;
  /** Log to stdout (default: the env's LOG_LEVEL); tests pass 'silent'. */
  readonly logLevel?: string;
  /** Where log lines go (default stdout); tests read them to prove nothing secret or personal is logged. */
  readonly logStream?: NodeJS.WritableStream;
  /** Start the outbox worker (default true). */
  readonly outboxWorker?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    insuree: InsureeFlowContext;
  }
}

/**
 * Builds the insuree mediator: the OpenHIM kit, the staging store, the openIMIS and Fineract clients, the
 * mapping documents, the routes and the outbox worker. Never listens (main.ts does).
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

  // Fail at boot, not on the first request: compile the FHIR validators and the mapping documents now.
  precompileFhirValidators(['Patient', 'Group', 'Bundle']);
  const mappings = loadMappingDir(options.mappingsDir ?? join(__dirname, '..', 'mappings'));
  const patientToClient = mappings.get('patient-to-client');
  const groupToGroup = mappings.get('group-to-group');
  if (!patientToClient || !groupToGroup) {
    throw new Error('mapping documents patient-to-client and group-to-group are required');
  }

  const { db, repos } = openStaging(env);
  const audit = auditRecorder(repos, app.log);

  await app.register(mediatorKit, {
    definition: definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    configCheck: (c) => {
      checkInsureeConfig(c as InsureeRemoteConfig);
    },
    onAudit: audit,
  });

  const fineract = createFineractClient(env);
  const openimis = createOpenImisClient(env);

  const context: InsureeFlowContext = {
    fineract,
    openimis,
    repos,
    mappings: { patientToClient, groupToGroup },
    settings: derivedSettings(() => app.mediator.config.value as InsureeRemoteConfig, flowSettings),
    log: app.log,
  };
  app.decorate('insuree', context);
  app.mediator.addReadinessCheck('staging', () => {
    db.sqlite.prepare('select 1').get();
  });

  await app.register(patientRoutes);
  await app.register(groupRoutes);
  await app.register(bundleRoutes);
  await app.register(syncRoutes);

  // Steps that could not finish during a request (a savings account Fineract refused for now) are retried here.
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const drainOutbox = async (): Promise<void> => {
    if (running) {
      return;
    }
    running = true;
    try {
      for (const entry of repos.outbox.claimDue({
        now: new Date(),
        limit: 20,
        leaseMs: 60_000,
        kinds: [SAVINGS_STEP],
      })) {
        await runSavingsStep(context, entry);
      }
    } catch (err) {
      app.log.error({ err }, 'outbox run failed');
    } finally {
      running = false;
    }
  };
  if (options.outboxWorker !== false) {
    app.addHook('onReady', async () => {
      timer = setInterval(() => void drainOutbox(), env.OUTBOX_INTERVAL_MS);
      timer.unref();
    });
  }
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await Promise.all([fineract.close(), openimis.close()]);
    audit.flush();
    db.close();
  });
  return app;
}
