import {
  auditRecorder,
  derivedSettings,
  createFineractClient,
  createOpenImisClient,
  openStaging,
} from '@payment-layer/flows-runtime';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  kitSettingsFromEnv,
  mediatorKit,
  mediatorServerOptions,
  type MediatorDefinition,
} from '@payment-layer/openhim-mediator';
import { precompileFhirValidators } from '@payment-layer/fhir-util';
import {
  catchUpFineractPayments,
  drainPaymentOutbox,
  type PaymentFlowContext,
} from '@payment-layer/flows-payment';
import {
  checkPaymentConfig,
  flowSettings,
  mojaloopPayeeSettings,
  type PaymentEnv,
  type PaymentRemoteConfig,
} from './config';
import definition from '../mediator.json';
import { hookRoutes } from './routes/hook';
import { mojaloopRoutes } from './routes/mojaloop';
import { paymentNoticeRoutes } from './routes/payment-notice';
import { reconciliationRoutes } from './routes/reconciliation';
import { reconcileRoutes } from './routes/reconcile';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  readonly env: PaymentEnv;
  /** Log to stdout (default: the env's LOG_LEVEL); tests pass 'silent'. */
  readonly logLevel?: string;
  /** Where log lines go (default stdout); tests read them to prove nothing secret or personal is logged. */
  readonly logStream?: NodeJS.WritableStream;
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
      ...(options.logStream ? { stream: options.logStream } : {}),
    }),
    ...(kit.https ? { https: kit.https } : {}),
  });

  // Fail at boot, not on the first request: compile the FHIR validators now.
  precompileFhirValidators(['PaymentNotice', 'PaymentReconciliation']);

  const { db, repos } = openStaging(env);
  const audit = auditRecorder(repos, app.log);

  await app.register(mediatorKit, {
    definition: definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    configCheck: (c) => {
      checkPaymentConfig(c as PaymentRemoteConfig);
    },
    onAudit: audit,
  });

  const fineract = createFineractClient(env);
  const openimis = createOpenImisClient(env);

  const context: PaymentFlowContext = {
    fineract,
    openimis,
    repos,
    // A step that depends on a setting off by default waits until core's config has arrived (the kit's notion).
    configKnown: () => app.mediator.config.known,
    noticeReadBackWindowMs: env.NOTICE_READ_BACK_WINDOW_MS,
    settings: derivedSettings(
      () => app.mediator.config.value as PaymentRemoteConfig,
      (c) => flowSettings(c),
    ),
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
  const mojaloopPayee = mojaloopPayeeSettings(env);
  if (mojaloopPayee) {
    await app.register(mojaloopRoutes, mojaloopPayee);
  }

  // PaymentNotice, verification and premium steps run here, never in the request that recorded the payment:
  // the hook is answered at once and an openIMIS outage only delays the steps (they stay in the outbox).
  // A tick drains everything due (a burst of hooks is not held to one claim per interval), OUTBOX_CONCURRENCY
  // invoices at a time; closing stops it between runs.
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const closing = new AbortController();
  const drainOutbox = async (): Promise<void> => {
    if (running) {
      return;
    }
    running = drainPaymentOutbox(context, {
      concurrency: env.OUTBOX_CONCURRENCY,
      signal: closing.signal,
    }).then(
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

  // Fineract sends a hook once: a payment made while this mediator was down is found by reading Fineract back
  // (from the start at boot, then a page of open invoices per interval) and recorded as its hook would have been.
  let catchUpTimer: NodeJS.Timeout | undefined;
  let catchingUp: Promise<void> | undefined;
  let catchUpAfter = 0;
  const catchUp = async (): Promise<void> => {
    if (catchingUp || closing.signal.aborted) {
      return;
    }
    catchingUp = catchUpFineractPayments(context, { afterId: catchUpAfter }).then(
      (r) => {
        catchUpAfter = r.afterId;
        if (r.recorded > 0 && options.outboxWorker !== false) {
          void drainOutbox();
        }
      },
      (err: unknown) => {
        app.log.warn({ err }, 'Fineract catch-up failed; next interval retries');
      },
    );
    try {
      await catchingUp;
    } finally {
      catchingUp = undefined;
    }
  };
  if (env.FINERACT_CATCH_UP_INTERVAL_MS > 0) {
    app.addHook('onReady', async () => {
      void catchUp();
      catchUpTimer = setInterval(() => void catchUp(), env.FINERACT_CATCH_UP_INTERVAL_MS);
      catchUpTimer.unref();
    });
  }
  app.addHook('onClose', async () => {
    clearInterval(timer);
    clearInterval(catchUpTimer);
    closing.abort();
    // A step or catch-up in flight finishes (or fails into the outbox) before the staging file closes.
    await Promise.all([running, catchingUp]);
    await Promise.all([fineract.close(), openimis.close()]);
    audit.flush();
    db.close();
  });
  return app;
}
