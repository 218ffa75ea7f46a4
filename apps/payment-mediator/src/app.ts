import {
  createMediatorApp,
  type MediatorLogOptions,
  derivedSettings,
  worker,
} from '@payment-layer/flows-runtime';
import type { FastifyInstance } from 'fastify';
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
export interface BuildAppOptions extends MediatorLogOptions {
  readonly env: PaymentEnv;
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
 * Builds the payment mediator on the flows runtime's base (OpenHIM kit, staging store shared with the invoice
 * mediator, audit, openIMIS and Fineract clients): the flow context, the routes, the outbox worker that reports
 * paid invoices to openIMIS and the Fineract catch-up. Never listens (main.ts does).
 *
 * @param options - validated environment and overrides
 * @returns the Fastify instance, ready to `listen` or `inject`
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { env } = options;
  const app = await createMediatorApp<PaymentRemoteConfig>({
    definition,
    env,
    configCheck: checkPaymentConfig,
    fhirTypes: ['PaymentNotice', 'PaymentReconciliation'],
    logLevel: options.logLevel,
    logStream: options.logStream,
  });

  const context: PaymentFlowContext = {
    fineract: app.fineract,
    openimis: app.openimis,
    repos: app.staging.repos,
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
  await app.register(worker, {
    name: 'outbox',
    intervalMs: env.OUTBOX_INTERVAL_MS,
    enabled: options.outboxWorker !== false,
    run: (signal) => drainPaymentOutbox(context, { concurrency: env.OUTBOX_CONCURRENCY, signal }),
  });

  // Fineract sends a hook once: a payment made while this mediator was down is found by reading Fineract back
  // (from the start at boot, then a page of open invoices per interval) and recorded as its hook would have been.
  let catchUpAfter = 0;
  await app.register(worker, {
    name: 'catch-up',
    intervalMs: env.FINERACT_CATCH_UP_INTERVAL_MS,
    enabled: env.FINERACT_CATCH_UP_INTERVAL_MS > 0,
    runAtStart: true,
    failureLevel: 'warn',
    run: async () => {
      const r = await catchUpFineractPayments(context, { afterId: catchUpAfter });
      catchUpAfter = r.afterId;
      if (r.recorded > 0) {
        void app.workers.get('outbox')?.trigger();
      }
    },
  });
  return app;
}
