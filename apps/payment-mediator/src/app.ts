import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  kitSettingsFromEnv,
  mediatorKit,
  mediatorServerOptions,
  type AuditEvent,
  type MediatorDefinition,
} from '@payment-layer/openhim-mediator';
import { createRepositories, openStagingDb, type AuditOutcome } from '@payment-layer/staging-db';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import { isUuid, precompileFhirValidators } from '@payment-layer/fhir-util';
import { runDuePaymentSteps, type PaymentFlowContext } from '@payment-layer/flows-payment';
import { checkPaymentConfig, flowSettings, type PaymentEnv, type PaymentRemoteConfig } from './config';
import definition from '../mediator.json';
import { hookRoutes } from './routes/hook';
import { paymentNoticeRoutes } from './routes/payment-notice';
import { reconciliationRoutes } from './routes/reconciliation';
import { reconcileRoutes } from './routes/reconcile';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  readonly env: PaymentEnv;
  /** Log to stdout (default: the env's LOG_LEVEL); tests pass 'silent'. */
  readonly logLevel?: string;
  /** Start the outbox worker (default true); tests run `runDuePaymentSteps(app.payment)` themselves. */
  readonly outboxWorker?: boolean;
  /** Source of "now" for the flow (tests move it forward to make retries due). */
  readonly now?: () => Date;
}

declare module 'fastify' {
  interface FastifyInstance {
    payment: PaymentFlowContext;
  }
}

const STATUS_TO_AUDIT: Record<AuditEvent['status'], AuditOutcome> = {
  Successful: 'successful',
  Completed: 'completed',
  'Completed with error(s)': 'completed_with_errors',
  Failed: 'failed',
  Processing: 'processing',
};

/**
 * Builds the payment mediator: the OpenHIM kit, the staging store (shared with the invoice mediator), the openIMIS
 * and Fineract clients, the routes and the outbox worker that reports paid invoices to openIMIS. Never listens
 * (main.ts does).
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
    }),
    ...(kit.https ? { https: kit.https } : {}),
  });

  // Fail at boot, not on the first request: compile the FHIR validators now.
  precompileFhirValidators(['PaymentNotice', 'PaymentReconciliation']);

  mkdirSync(dirname(env.STAGING_DB_PATH), { recursive: true });
  const db = openStagingDb({
    path: env.STAGING_DB_PATH,
    ...(env.STAGING_MIGRATIONS_DIR ? { migrationsFolder: env.STAGING_MIGRATIONS_DIR } : {}),
  });
  db.migrate();
  const repos = createRepositories(db);

  await app.register(mediatorKit, {
    definition: definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    configCheck: (c) => {
      checkPaymentConfig(c as PaymentRemoteConfig);
    },
    onAudit: (e) => {
      const fhirId = e.properties.invoiceUuid;
      repos.audit.recordAudit({
        transactionId: e.transactionId ?? null,
        mediator: e.urn,
        resourceType: typeof e.properties.resourceType === 'string' ? e.properties.resourceType : null,
        resourceId: typeof fhirId === 'string' && isUuid(fhirId) ? fhirId : null,
        outcome: STATUS_TO_AUDIT[e.status],
        httpStatus: e.httpStatus,
        startedAt: e.startedAt,
        finishedAt: new Date(e.startedAt.getTime() + e.durationMs),
      });
    },
  });

  const fineract = new FineractClient({
    baseUrl: env.FINERACT_URL,
    tenantId: env.FINERACT_TENANT_ID,
    username: env.FINERACT_USERNAME,
    password: env.FINERACT_PASSWORD,
    timeoutMs: env.FINERACT_TIMEOUT_MS,
    tls: {
      allowSelfSigned: env.FINERACT_ALLOW_SELF_SIGNED,
      ...(env.FINERACT_CA_FILE ? { caFile: env.FINERACT_CA_FILE } : {}),
    },
  });
  const openimis = new OpenImisClient({
    fhirBaseUrl: env.OPENIMIS_URL,
    graphqlUrl:
      env.OPENIMIS_GRAPHQL_URL ?? new URL('../graphql', env.OPENIMIS_URL.replace(/\/?$/, '/')).toString(),
    username: env.OPENIMIS_USERNAME,
    password: env.OPENIMIS_PASSWORD,
    timeoutMs: env.OPENIMIS_TIMEOUT_MS,
    ...(env.OPENIMIS_CA_FILE ? { tls: { caFile: env.OPENIMIS_CA_FILE } } : {}),
  });

  const context: PaymentFlowContext = {
    fineract,
    openimis,
    repos,
    settings: () => flowSettings(app.mediator.config.value as PaymentRemoteConfig),
    log: app.log,
    ...(options.now ? { now: options.now } : {}),
  };
  app.decorate('payment', context);
  app.mediator.addReadinessCheck('staging', () => {
    db.sqlite.prepare('select 1').get();
  });

  await app.register(hookRoutes, { secret: env.FINERACT_HOOK_SECRET });
  await app.register(paymentNoticeRoutes);
  await app.register(reconciliationRoutes);
  await app.register(reconcileRoutes);

  // PaymentNotice, verification and premium steps run here, never in the request that recorded the payment:
  // the hook is answered at once and an openIMIS outage only delays the steps (they stay in the outbox).
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const drainOutbox = async (): Promise<void> => {
    if (running) {
      return;
    }
    running = runDuePaymentSteps(context).then(
      () => undefined,
      (err: unknown) => {
        app.log.error({ err }, 'outbox run failed');
      },
    );
    try {
      await running;
    } finally {
      running = undefined;
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
    // A step in flight finishes (or fails into the outbox) before the staging file closes.
    await running;
    await Promise.all([fineract.close(), openimis.close()]);
    db.close();
  });
  return app;
}
