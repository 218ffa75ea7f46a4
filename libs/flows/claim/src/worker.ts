import type { FastifyBaseLogger } from 'fastify';
import { recordIncomingPayment, type PaymentFlowContext } from '@payment-layer/flows-payment';
import { ConflictError } from '@payment-layer/shared-errors';
import {
  nextAttemptDelayMs,
  parseRailProgress,
  PAYOUT_RAILS,
  PayoutLeaseLostError,
  type Payout,
  type PayoutLease,
  type PayoutState,
} from '@payment-layer/staging-db';
import { nowOf, type ClaimFlowContext } from './context';
import type { PayoutInstruction, RailResult } from './rail';

/** How long a leased payout is exclusive; renewed while its rail runs. */
export const PAYOUT_LEASE_MS = 30_000;
/** How often a running payout's lease is renewed. */
export const PAYOUT_LEASE_RENEW_MS = 10_000;

/** Options of {@link runDuePayouts}. */
export interface PayoutRunOptions {
  /** Stops between payouts (shutdown); a payout in flight finishes its rail call first. */
  readonly signal?: AbortSignal;
  /** How many payouts (of different facilities) run at the same time (default 1). */
  readonly concurrency?: number;
  /** Most payouts leased per round (default 20). */
  readonly limit?: number;
}

/** What one leased payout came to. */
export interface PayoutRunResult {
  readonly payoutId: number;
  readonly payoutKey: string;
  /** The row's state after the run; `lost` when another worker took the lease over meanwhile. */
  readonly state: PayoutState | 'lost';
  readonly reference?: string;
  readonly reason?: string;
}

/**
 * Runs the payouts that are due (the payout worker's tick): leases them (fenced by the claim count, like the payment
 * outbox), calls the rail each is routed to with its saved progress, and stores the rail's answer — `paid` with its
 * reference, `failed` with the reason (kept, visible), or `pending` again after a back-off. At most one payout per
 * facility is in flight at any time (across processes too: the lease says so), so a facility's payouts are paid one
 * after the other. Payouts routed to a rail this process does not have wait, with the reason noted, and are never
 * paid over another rail. A paid bill is recorded in the payment ledger, whose outbox sends its one PaymentNotice.
 *
 * @param ctx - flow context
 * @param options - abort signal, concurrency, round size
 * @returns one result per payout run, in the order they finished
 */
export async function runDuePayouts(
  ctx: ClaimFlowContext,
  options: PayoutRunOptions = {},
): Promise<PayoutRunResult[]> {
  const configured = PAYOUT_RAILS.filter((r) => ctx.rails[r] !== undefined);
  for (const missing of PAYOUT_RAILS.filter((r) => ctx.rails[r] === undefined)) {
    ctx.repos.payouts.noteWaiting(missing, `waiting: no ${missing} rail is configured in this mediator`);
  }
  const results: PayoutRunResult[] = [];
  const concurrency = Math.max(1, options.concurrency ?? 1);
  // A facility's next payout becomes claimable when its previous one finishes: claim again until nothing is due.
  for (let round = 0; round < 10 && options.signal?.aborted !== true; round++) {
    const claimed = ctx.repos.payouts.claimDue({
      now: nowOf(ctx),
      limit: options.limit ?? 20,
      leaseMs: PAYOUT_LEASE_MS,
      rails: configured,
    });
    if (claimed.length === 0) {
      break;
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, claimed.length) }, async () => {
        while (next < claimed.length) {
          const row = claimed[next++] as Payout;
          results.push(await runLeased(ctx, row, options.signal));
        }
      }),
    );
  }
  return results;
}

async function runLeased(
  ctx: ClaimFlowContext,
  row: Payout,
  signal: AbortSignal | undefined,
): Promise<PayoutRunResult> {
  const lease: PayoutLease = { id: row.id, attempt: row.attempts };
  const log = ctx.log.child({ payoutKey: row.payoutKey, rail: row.rail });
  const timer = setInterval(() => {
    try {
      if (!ctx.repos.payouts.renewLease(lease, { now: nowOf(ctx), leaseMs: PAYOUT_LEASE_MS })) {
        clearInterval(timer);
      }
    } catch (err) {
      log.error({ err: String(err) }, 'could not renew the lease of a payout');
    }
  }, PAYOUT_LEASE_RENEW_MS);
  timer.unref();
  const base = { payoutId: row.id, payoutKey: row.payoutKey };
  try {
    const result = await callRail(ctx, row, lease, log, signal);
    switch (result.status) {
      case 'paid':
        if (row.kind === 'bill') {
          // Before the row says paid: a crash in between leaves it in flight, and the rerun records the bill again
          // (a no-op) instead of never.
          recordPaidBill(ctx, row, result.reference, log);
        }
        ctx.repos.payouts.finish(lease, { state: 'paid', reference: result.reference });
        log.info({ reference: result.reference }, 'payout paid');
        return { ...base, state: 'paid', reference: result.reference };
      case 'failed':
        ctx.repos.payouts.finish(lease, { state: 'failed', reason: result.reason });
        log.warn({ reason: result.reason, compensated: result.compensated }, 'payout failed');
        return { ...base, state: 'failed', reason: result.reason };
      case 'pending': {
        const delay = result.retryAfterMs ?? nextAttemptDelayMs(row.attempts, { baseMs: 2_000 });
        ctx.repos.payouts.finish(lease, {
          state: 'pending',
          reason: result.reason,
          retryAt: new Date(nowOf(ctx).getTime() + delay),
        });
        log.info({ reason: result.reason, retryInMs: delay }, 'payout pending');
        return { ...base, state: 'pending', reason: result.reason };
      }
    }
  } catch (err) {
    if (err instanceof PayoutLeaseLostError) {
      log.warn({}, 'payout lease taken over by another worker');
      return { ...base, state: 'lost' };
    }
    // Anything else (staging busy, the bill's ledger write): the saved progress makes the next run resume.
    const reason = err instanceof Error ? err.message : String(err);
    log.error({ err: reason }, 'payout run failed; retried later');
    try {
      ctx.repos.payouts.finish(lease, {
        state: 'pending',
        reason,
        retryAt: new Date(nowOf(ctx).getTime() + nextAttemptDelayMs(row.attempts, { baseMs: 2_000 })),
      });
    } catch (inner) {
      if (!(inner instanceof PayoutLeaseLostError)) {
        throw inner;
      }
      return { ...base, state: 'lost' };
    }
    return { ...base, state: 'pending', reason };
  } finally {
    clearInterval(timer);
  }
}

async function callRail(
  ctx: ClaimFlowContext,
  row: Payout,
  lease: PayoutLease,
  log: FastifyBaseLogger,
  signal: AbortSignal | undefined,
): Promise<RailResult> {
  const rail = ctx.rails[row.rail];
  if (rail === undefined) {
    // Configured away since the lease (not reachable through runDuePayouts): wait, never switch rails.
    return { status: 'pending', reason: `no ${row.rail} rail is configured`, retryAfterMs: 60_000 };
  }
  const savings = ctx.repos.links.findByOpenimis('Organization', row.facilityId, 'savingsAccount');
  const wallet = ctx.routing.walletByFacility?.[row.facilityCode];
  const instruction: PayoutInstruction = {
    payoutKey: row.payoutKey,
    code: row.code,
    amount: row.amount,
    currency: row.currency,
    facility: {
      id: row.facilityId,
      code: row.facilityCode,
      ...(savings ? { fineractSavingsAccountId: savings.fineractId } : {}),
      ...(wallet ? { wallet } : {}),
    },
  };
  return rail.pay(instruction, {
    progress: parseRailProgress(row),
    save: (progress) => {
      ctx.repos.payouts.saveProgress(lease, progress);
    },
    log,
    now: () => nowOf(ctx),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Records a paid bill in the payment ledger through the payment flow (exactly once per rail transaction: the ledger
 * keys payments by source and transaction id), which enqueues its PaymentNotice in the shared outbox. A payment the
 * payment mediator recorded first (the Fineract deposit hook) is the same payment: nothing more is recorded.
 */
function recordPaidBill(ctx: ClaimFlowContext, row: Payout, reference: string, log: FastifyBaseLogger): void {
  const source = row.rail === 'fineract' ? 'fineract-savings' : 'mojaloop';
  if (ctx.repos.ledger.getPaymentBySource(source, reference) !== undefined) {
    return;
  }
  const invoice = ctx.repos.ledger.getInvoiceByOpenimisId(row.sourceId);
  const savings = ctx.repos.links.findByOpenimis('Organization', row.facilityId, 'savingsAccount');
  const payments: PaymentFlowContext = {
    fineract: ctx.fineract,
    openimis: ctx.openimis,
    repos: ctx.repos,
    log,
    ...(ctx.now ? { now: ctx.now } : {}),
    // Recording reads no payment setting; the steps it enqueues read theirs when the payment mediator runs them.
    settings: () => {
      throw new Error('payment settings are not available in the claim mediator');
    },
  };
  try {
    const outcome = recordIncomingPayment(payments, {
      source,
      sourceTxnId: reference,
      invoice,
      unmatchedReason: `bill ${row.code} is not in the payment ledger`,
      amount: row.amount,
      currency: row.currency,
      payerRef:
        row.rail === 'fineract' && savings
          ? `fineract-savings:${savings.fineractId}`
          : `payout:${row.payoutKey}`,
      reference: row.code,
      requestText: JSON.stringify({
        payout: row.payoutKey,
        reference,
        amount: row.amount,
        currency: row.currency,
      }),
    });
    log.info({ outcome: outcome.outcome, enqueued: outcome.enqueued.length }, 'paid bill recorded');
  } catch (err) {
    if (
      err instanceof ConflictError &&
      ctx.repos.ledger.getPaymentBySource(source, reference) !== undefined
    ) {
      return;
    }
    throw err;
  }
}
