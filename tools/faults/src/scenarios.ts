/**
 * The fault scenarios. Each drives its invoices through the whole loop (invoice → charge → paid in Fineract → hook →
 * PaymentNotice → PAID → premium) with a fault at one moment, ends the fault, and leaves the rest to the runner:
 * wait for the layer to settle and judge every invoice.
 */
import type { Layer, MediatorName } from './layer';
import { payCharges, postInvoices, rerun, rerunFailed, type LoopInvoice, type Posted } from './loop';
import { waitFor } from './wait';

/** What a scenario gets to work with. */
export interface ScenarioContext {
  readonly layer: Layer;
  readonly invoices: readonly LoopInvoice[];
  /** Deadline of any single wait inside a scenario. */
  readonly stepTimeoutMs: number;
  /** Kills per "kill at a moment" scenario (more with more invoices). */
  readonly kills: number;
  /** The mediators' time limit of one upstream call. */
  readonly upstreamTimeoutMs: number;
  /** Every invoice POST so far (failed ones are rerun by the runner once the fault has ended). */
  readonly posted: Posted[];
  /** Marks the end of the fault: settle time is measured from here. */
  faultEnded(): void;
  note(text: string): void;
}

/** A scenario of the campaign. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Web hooks registered in Fineract (default 1). */
  readonly hooks?: number;
  run(ctx: ScenarioContext): Promise<void>;
}

const CHARGE_POST = /^\/fineract-provider\/api\/v1\/clients\/\d+\/charges(\?|$)/;
const NOTICE_POST = /\/PaymentNotice\/?(\?|$)/;
const GRAPHQL = /^\/api\/graphql/;
/** Fineract's own answer to an unexpected server-side error (docs/contracts/fineract.md), not a gateway's 500. */
const FINERACT_500 = JSON.stringify({
  developerMessage: 'An unexpected error occurred on the platform server.',
  httpStatusCode: '500',
  defaultUserMessage: 'Platform internal server error.',
  userMessageGlobalisationCode: 'error.msg.platform.server.side.error',
  errors: [],
});

async function postAll(ctx: ScenarioContext, invoices: readonly LoopInvoice[] = ctx.invoices): Promise<void> {
  ctx.posted.push(...(await postInvoices(ctx.layer, invoices)));
}

function ledgerCount(ctx: ScenarioContext, states: readonly string[]): number {
  let n = 0;
  for (const inv of ctx.invoices) {
    const row = ctx.layer.repos.ledger.getInvoiceByOpenimisId(inv.id);
    if (row && states.includes(row.state)) {
      n++;
    }
  }
  return n;
}

async function restart(ctx: ScenarioContext, name: MediatorName): Promise<void> {
  ctx.layer.start(name);
  await ctx.layer.waitHealthy(name, ctx.stepTimeoutMs);
}

/** Splits the invoices into `parts` consecutive slices (the first ones larger). */
function slices<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(items.length / parts);
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

/**
 * Kills `name` once `rule`'s request has reached the upstream and been answered there (the caller is still
 * waiting), then restarts it. One kill per slice of invoices; `drive` sends a slice.
 */
async function killAtUpstreamAnswer(
  ctx: ScenarioContext,
  name: MediatorName,
  install: () => { readonly upstreamAnswered: number; remove(): void },
  drive: (slice: readonly LoopInvoice[]) => Promise<void>,
  slicesOf: readonly (readonly LoopInvoice[])[],
  driveFirst = false,
): Promise<void> {
  for (const slice of slicesOf) {
    const rule = install();
    const driving = drive(slice);
    try {
      if (driveFirst) {
        await driving;
      }
      await waitFor(
        `the ${name} request to reach the upstream`,
        () => rule.upstreamAnswered >= 1,
        ctx.stepTimeoutMs,
      );
      await ctx.layer.kill(name);
    } finally {
      rule.remove();
      ctx.layer.proxies.openimis.clearRules();
      ctx.layer.proxies.fineract.clearRules();
    }
    await restart(ctx, name);
    await driving;
  }
}

/**
 * The campaign's scenarios, in the order they run. The last two touch every invoice of openIMIS (a full restart, a
 * sync of everything changed), so they stay last for a layer shared by all scenarios.
 */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'duplicate-hooks-x3',
    description: 'three web hooks with the same Payload URL: Fineract delivers every payment three times',
    hooks: 3,
    async run(ctx) {
      await postAll(ctx);
      ctx.faultEnded();
      await payCharges(ctx.layer, ctx.invoices);
    },
  },
  {
    name: 'openhim-reruns',
    description: 'every invoice transaction and every hook transaction rerun twice by OpenHIM',
    async run(ctx) {
      await postAll(ctx);
      const invoiceTx = ctx.posted.map((p) => p.transactionId).filter((id) => id !== '');
      await rerun(ctx.layer, [...invoiceTx, ...invoiceTx]);
      const isHook = (t: { request: { path?: string } }): boolean =>
        t.request.path === '/payments/fineract/hook';
      const earlier = new Set(ctx.layer.core.listTransactions(isHook).map((t) => t._id));
      await payCharges(ctx.layer, ctx.invoices);
      await ctx.layer.fineract.hooksIdle();
      const hookTx = ctx.layer.core
        .listTransactions(isHook)
        .map((t) => t._id)
        .filter((id) => !earlier.has(id));
      ctx.note(`${invoiceTx.length} invoice and ${hookTx.length} hook transactions rerun twice`);
      await rerun(ctx.layer, [...hookTx, ...hookTx]);
      ctx.faultEnded();
    },
  },
  {
    name: 'kill-invoice-between-charge-and-ledger',
    description: 'kill -9 of the invoice mediator after Fineract created the charge, before it answered',
    async run(ctx) {
      const parts = slices(ctx.invoices, ctx.kills);
      await killAtUpstreamAnswer(
        ctx,
        'invoice-mediator',
        () =>
          ctx.layer.proxies.fineract.addRule({
            method: 'POST',
            path: CHARGE_POST,
            action: { kind: 'forwardThenHang' },
            count: 1,
          }),
        (slice) => postAll(ctx, slice),
        parts,
      );
      ctx.faultEnded();
      await rerunFailed(ctx.layer, ctx.posted, ctx.stepTimeoutMs);
      await payCharges(ctx.layer, ctx.invoices);
    },
  },
  {
    name: 'kill-payment-between-hook-and-notice',
    description:
      'kill -9 of the payment mediator after the hooks were recorded, before any PaymentNotice went out',
    async run(ctx) {
      const { layer } = ctx;
      await postAll(ctx);
      // Every openIMIS call of the payment steps hangs: the hooks are recorded, no step can finish.
      layer.proxies.openimis.addRule({ action: { kind: 'hang' } });
      await payCharges(layer, ctx.invoices);
      await waitFor(
        'every hook recorded in the ledger and a PaymentNotice step waiting on openIMIS',
        () => ledgerCount(ctx, ['paid']) === ctx.invoices.length && layer.proxies.openimis.holding > 0,
        ctx.stepTimeoutMs,
        { intervalMs: 10 },
      );
      await layer.kill('payment-mediator');
      layer.proxies.openimis.clearRules();
      await restart(ctx, 'payment-mediator');
      ctx.faultEnded();
    },
  },
  {
    name: 'payment-mediator-down-during-hooks',
    description:
      'the payment mediator is down (killed) while the charges are paid; restarted after the hooks were sent',
    async run(ctx) {
      const { layer } = ctx;
      await postAll(ctx);
      await layer.kill('payment-mediator');
      const deliveries = layer.fineract.hookDeliveries.length;
      await payCharges(layer, ctx.invoices);
      await layer.fineract.hooksIdle();
      const failed = layer.fineract.hookDeliveries.slice(deliveries).filter((d) => d.status !== 200).length;
      ctx.note(
        `${failed} hook deliveries failed while the payment mediator was down (Fineract does not retry)`,
      );
      await restart(ctx, 'payment-mediator');
      ctx.faultEnded();
    },
  },
  {
    name: 'kill-payment-during-notice',
    description: 'kill -9 of the payment mediator after openIMIS stored a PaymentNotice, before it answered',
    async run(ctx) {
      await postAll(ctx);
      await killAtUpstreamAnswer(
        ctx,
        'payment-mediator',
        () =>
          ctx.layer.proxies.openimis.addRule({
            method: 'POST',
            path: NOTICE_POST,
            action: { kind: 'forwardThenHang' },
            count: 1,
          }),
        async (slice) => {
          await payCharges(ctx.layer, slice);
          await ctx.layer.fineract.hooksIdle();
        },
        slices(ctx.invoices, ctx.kills),
        true,
      );
      ctx.faultEnded();
    },
  },
  {
    name: 'kill-payment-during-premium',
    description: 'kill -9 of the payment mediator after openIMIS accepted createPremium, before it answered',
    async run(ctx) {
      await postAll(ctx);
      await killAtUpstreamAnswer(
        ctx,
        'payment-mediator',
        () =>
          ctx.layer.proxies.openimis.addRule({
            method: 'POST',
            path: GRAPHQL,
            body: /createPremium/,
            action: { kind: 'forwardThenHang' },
            count: 1,
          }),
        async (slice) => {
          await payCharges(ctx.layer, slice);
          await ctx.layer.fineract.hooksIdle();
        },
        slices(ctx.invoices, ctx.kills),
        true,
      );
      ctx.faultEnded();
    },
  },
  {
    name: 'openimis-down',
    description: 'openIMIS refuses connections while the charges are paid; back after the steps failed',
    async run(ctx) {
      const { layer } = ctx;
      await postAll(ctx);
      await layer.proxies.openimis.setDown(true);
      await payCharges(layer, ctx.invoices);
      await waitFor(
        'every hook recorded',
        () => ledgerCount(ctx, ['paid']) === ctx.invoices.length,
        ctx.stepTimeoutMs,
      );
      await waitFor(
        'PaymentNotice steps to fail at least once',
        () => layer.repos.outbox.list({ state: ['pending'], limit: 1000 }).some((e) => e.attempts > 0),
        ctx.stepTimeoutMs,
      );
      await layer.proxies.openimis.setDown(false);
      ctx.faultEnded();
    },
  },
  {
    name: 'openimis-slow',
    description:
      "openIMIS slow to write: PaymentNotice and createPremium stored 3 × the mediators' time limit after they were sent (after the caller gave up); reads stay fast",
    async run(ctx) {
      const { layer } = ctx;
      await postAll(ctx);
      const delay = { kind: 'delay', ms: ctx.upstreamTimeoutMs * 3 } as const;
      const notices = layer.proxies.openimis.addRule({ method: 'POST', path: NOTICE_POST, action: delay });
      const premiums = layer.proxies.openimis.addRule({
        method: 'POST',
        path: GRAPHQL,
        body: /createPremium/,
        action: delay,
      });
      await payCharges(layer, ctx.invoices);
      const ids = new Set(ctx.invoices.map((i) => i.id));
      await waitFor(
        'a premium recorded for every invoice while openIMIS is slow',
        () => {
          const receipts = new Set(layer.openimis.store.premiums().map((p) => p.receipt));
          return ctx.invoices.every((i) => receipts.has(i.code)) && ids.size > 0;
        },
        ctx.stepTimeoutMs,
      ).catch(() => {
        ctx.note('not every premium was recorded while openIMIS was slow');
      });
      notices.remove();
      premiums.remove();
      ctx.note(`${notices.hits} PaymentNotice and ${premiums.hits} createPremium calls slowed`);
      ctx.faultEnded();
    },
  },
  {
    name: 'openimis-timeout-after-store',
    description: 'openIMIS stores every PaymentNotice and createPremium but the answer never comes back',
    async run(ctx) {
      const { layer } = ctx;
      await postAll(ctx);
      layer.proxies.openimis.addRule({
        method: 'POST',
        path: NOTICE_POST,
        action: { kind: 'forwardThenHang' },
      });
      layer.proxies.openimis.addRule({
        method: 'POST',
        path: GRAPHQL,
        body: /createPremium/,
        action: { kind: 'forwardThenHang' },
      });
      await payCharges(layer, ctx.invoices);
      const ids = new Set(ctx.invoices.map((i) => i.id));
      await waitFor(
        'a PaymentNotice stored for every invoice',
        () =>
          new Set(
            layer.openimis.store
              .paymentNotices()
              .filter((p) => ids.has(p.subjectId))
              .map((p) => p.subjectId),
          ).size === ids.size,
        // Every notice and premium call holds one of the payment mediator's four outbox workers for its 3 s time
        // limit: at 200 invoices that alone is minutes, more than one step's allowance on a loaded machine.
        ctx.stepTimeoutMs * 3,
      );
      layer.proxies.openimis.clearRules();
      ctx.faultEnded();
    },
  },
  {
    name: 'fineract-timeout-after-commit-then-500',
    description: 'Fineract commits each charge but the answer never comes; the retry gets a 500',
    async run(ctx) {
      const { layer } = ctx;
      const timeout = layer.proxies.fineract.addRule({
        method: 'POST',
        path: CHARGE_POST,
        action: { kind: 'forwardThenHang' },
        count: 1,
        perPath: true,
      });
      const failed = layer.proxies.fineract.addRule({
        method: 'POST',
        path: CHARGE_POST,
        action: { kind: 'status', status: 500, body: FINERACT_500 },
        count: 1,
        perPath: true,
      });
      await postAll(ctx);
      layer.proxies.fineract.clearRules();
      ctx.note(
        `${timeout.upstreamAnswered} charges committed without an answer, ${failed.hits} retries answered 500`,
      );
      ctx.faultEnded();
      await rerunFailed(layer, ctx.posted, ctx.stepTimeoutMs);
      await payCharges(layer, ctx.invoices);
    },
  },
  {
    name: 'restart-without-openhim',
    description: 'OpenHIM core (API and router) down while the mediators restart; back later',
    async run(ctx) {
      const { layer } = ctx;
      await postAll(ctx);
      const names = [...layer.mediators.keys()];
      await Promise.all(names.map((n) => layer.kill(n, 'SIGTERM')));
      await layer.proxies.openhimApi.setDown(true);
      await layer.proxies.router.setDown(true);
      for (const n of names) {
        layer.start(n);
      }
      const started = Date.now();
      const healthy = await Promise.allSettled(names.map((n) => layer.waitHealthy(n, ctx.stepTimeoutMs)));
      const down = names.filter((_, i) => healthy[i]?.status === 'rejected');
      ctx.note(
        down.length === 0
          ? `mediators healthy without OpenHIM after ${((Date.now() - started) / 1000).toFixed(1)} s`
          : `not healthy without OpenHIM: ${down.join(', ')}`,
      );
      const back = new Date();
      await layer.proxies.openhimApi.setDown(false);
      await layer.proxies.router.setDown(false);
      ctx.faultEnded();
      for (const n of down) {
        const child = layer.mediators.get(n)?.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) {
          layer.start(n);
        }
        await layer.waitHealthy(n, ctx.stepTimeoutMs);
      }
      const beats = await Promise.allSettled(
        names.map((n) => layer.waitHeartbeat(n, back, ctx.stepTimeoutMs)),
      );
      const silent = names.filter((_, i) => beats[i]?.status === 'rejected');
      if (silent.length > 0) {
        ctx.note(`no heartbeat after OpenHIM came back: ${silent.join(', ')}`);
      }
      await payCharges(layer, ctx.invoices);
    },
  },
  {
    name: 'kill-invoice-during-sync',
    description: 'kill -9 of the invoice mediator in the middle of POST /sync/invoices, restart, next sync',
    async run(ctx) {
      const { layer } = ctx;
      const half = Math.max(1, Math.floor(ctx.invoices.length / 2));
      const before = layer.proxies.fineract.requests.length;
      const charged = (): number =>
        layer.proxies.fineract.requests
          .slice(before)
          .filter((r) => r.method === 'POST' && CHARGE_POST.test(r.path) && r.upstreamStatus !== undefined)
          .length;
      let finished = false;
      const sync = layer.core
        .triggerPollingChannel('openIMIS invoice sync')
        .catch(() => undefined)
        .finally(() => {
          finished = true;
        });
      // On a shared layer the sync first walks every earlier scenario's invoice (unchanged), so allow it time.
      await waitFor(
        `${half} charges during the sync`,
        () => finished || charged() >= half,
        ctx.stepTimeoutMs * 5,
      );
      if (finished) {
        ctx.note(`the sync finished after ${charged()} charges, before the kill`);
      }
      await layer.kill('invoice-mediator');
      ctx.note(`killed after ${charged()} charges`);
      await sync;
      await restart(ctx, 'invoice-mediator');
      ctx.faultEnded();
      // The next scheduled run of the polling channel: the first after the restarted mediator serves its sync route
      // again (until core's config is back it answers 503 and OpenHIM's poller simply runs again at its next tick).
      await layer.waitReady('invoice-mediator', ctx.stepTimeoutMs);
      await layer.core.triggerPollingChannel('openIMIS invoice sync');
      await payCharges(layer, ctx.invoices);
    },
  },
];
