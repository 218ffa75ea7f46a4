import type { PaymentNotice } from 'fhir/r4';
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import {
  ConflictError,
  MediatorError,
  NotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '@payment-layer/shared-errors';
import { money, toFhirMoney } from '@payment-layer/shared-money';
import { OpenImisMutationError, type PaymentRecord } from '@payment-layer/fhir-openimis-client';
import {
  nextAttemptDelayMs,
  type ClaimToken,
  type InvoiceState,
  type LedgerInvoice,
  type OutboxEntry,
  type StagingRepositories,
} from '@payment-layer/staging-db';
import { DEFAULT_NOTICE_READ_BACK_WINDOW_MS, nowOf, type PaymentFlowContext } from './context';
import {
  PAYMENT_NOTICE_STEP,
  PAYMENT_STEP_KINDS,
  PREMIUM_STEP,
  VERIFY_PAID_STEP,
  type PaymentStepPayload,
} from './record';

/** Result of one outbox step run. */
export interface PaymentStepResult {
  readonly entryId: number;
  readonly kind: string;
  /** `done`: finished; `retry`: failed, due again later; `dead`: handed to an operator. */
  readonly state: 'done' | 'retry' | 'dead';
  readonly detail?: string;
}

/**
 * Lease of a claimed step. Short, so the step of a crashed worker is claimed again within seconds; the worker
 * renews it every {@link PAYMENT_STEP_LEASE_RENEW_MS} while the step runs (a slow openIMIS call or a premium
 * mutation poll), so a running step is never claimed a second time.
 */
export const PAYMENT_STEP_LEASE_MS = 10_000;
/** How often a running step's lease is renewed (a third of the lease: two renewals may be late). */
export const PAYMENT_STEP_LEASE_RENEW_MS = 3_000;
/** Longest wait between two read-backs of a PaymentNotice whose outcome is unknown. */
const READ_BACK_MAX_DELAY_MS = 60_000;
/** Longest wait of a step that waits for the operator config or for an upstream to answer again. */
const WAIT_MAX_DELAY_MS = 30_000;

/**
 * What a worker noted on an unfinished payment step (kept in the outbox entry's `result` until it is done): it
 * survives a crash, a retry and a restart.
 */
export interface PaymentStepProgress {
  /** A PaymentNotice POST was sent at this instant and its outcome is not known: read back, never post again. */
  readonly noticePostedAt?: string;
  /** The last attempt failed because this did not answer (`config`: the operator config is not known yet). */
  readonly waitingFor?: 'openimis' | 'fineract' | 'openhim' | 'mojaloop' | 'config';
  /** Checks that failed (openIMIS not PAID, Fineract not confirming), counted against `maxVerifyAttempts`. */
  readonly failedChecks?: number;
}

/** openIMIS invoice status PAID (reference §6.6). */
const OPENIMIS_PAID = 2;

/**
 * The `payment.reference` of our PaymentNotice for a ledger invoice; also how a notice already sent is found
 * again (openIMIS stores it as the payment's `payerRef`).
 *
 * @param ledgerInvoiceId - ledger invoice id
 * @returns `PaymentReconciliation/<id>`
 */
export function paymentReference(ledgerInvoiceId: number): string {
  return `PaymentReconciliation/${ledgerInvoiceId}`;
}

/**
 * Runs one claimed payment outbox entry and completes or fails it (with back-off):
 * - `openimis.paymentNotice`: openIMIS does not de-duplicate notices, so the payments it already holds for the
 *   invoice are read first and a payment whose `payerRef` is ours (`PaymentReconciliation/<ledger id>`) completes
 *   the step without posting; an invoice openIMIS already reads PAID without ours is handed to an operator (the
 *   step is dead, nothing posted); otherwise the PaymentNotice is posted (amount = the invoice total exactly).
 *   The ledger invoice moves `paid` → `notified`.
 * - `openimis.verifyPaid`: GraphQL must read PAID (`notified` → `verified`); otherwise the step is retried, and
 *   after `maxVerifyAttempts` the invoice goes to `needs_attention` and the step is dead.
 * - `openimis.premium`: `createPremium` for the policy of the invoice line with a clientMutationId derived from
 *   the invoice, then its mutation log is polled (`verified` → `premium_recorded`); an earlier run's mutation is
 *   found by that id first, so a crash never records two premiums.
 *
 * @param ctx - flow context
 * @param entry - a claimed entry of one of {@link PAYMENT_STEP_KINDS}
 * @returns what became of it
 */
export async function runPaymentStep(
  ctx: PaymentFlowContext,
  entry: OutboxEntry,
): Promise<PaymentStepResult> {
  const payload = entry.payload as PaymentStepPayload;
  const claim: ClaimToken = { attempt: entry.attempts };
  const run: StepRun = { ctx, entry, claim, payload, progress: { ...progressOf(entry) } };
  try {
    let detail: Record<string, unknown>;
    switch (entry.kind) {
      case PAYMENT_NOTICE_STEP:
        detail = await sendPaymentNotice(run);
        break;
      case VERIFY_PAID_STEP:
        detail = await verifyPaid(run);
        break;
      case PREMIUM_STEP:
        detail = await recordPremium(run);
        break;
      default:
        throw new StepError(`unknown payment step ${entry.kind}`, false);
    }
    ctx.repos.outbox.complete(entry.id, detail, claim);
    return { entryId: entry.id, kind: entry.kind, state: 'done' };
  } catch (err) {
    try {
      return failStep(run, err);
    } catch (lost) {
      if (!(lost instanceof ConflictError)) {
        throw lost;
      }
      // Another worker claimed the entry after this one's lease ran out: its outcome is theirs to record.
      ctx.log.error(
        { outboxId: entry.id, kind: entry.kind, err: lost.message },
        'payment step lease lost; its result is left to the worker that holds it',
      );
      return { entryId: entry.id, kind: entry.kind, state: 'retry', detail: lost.message };
    }
  }
}

function failStep(run: StepRun, err: unknown): PaymentStepResult {
  const { ctx, entry, claim, payload, progress } = run;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof ConflictError && /claimed again/.test(message)) {
    throw err;
  }
  const waitingFor = waitedFor(err);
  const permanent = (err instanceof StepError && !err.retryable) || err instanceof OpenImisMutationError;
  // A check that failed (openIMIS not PAID, Fineract money not confirmed) counts; an upstream outage does not.
  const check = waitingFor === undefined && err instanceof StepError && err.check;
  const failedChecks = (progress.failedChecks ?? 0) + (check ? 1 : 0);
  const tooMany = check && failedChecks >= ctx.settings().maxVerifyAttempts;
  if (permanent || tooMany) {
    ctx.repos.outbox.markDead(entry.id, message, claim);
    flagInvoice(ctx, payload, `${entry.kind} failed: ${message}`);
    ctx.log.error(
      { outboxId: entry.id, kind: entry.kind, invoiceUuid: payload.invoiceUuid, err: message },
      'payment step dead',
    );
    return { entryId: entry.id, kind: entry.kind, state: 'dead', detail: message };
  }
  // The upstream waited for is noted only while it is why the step waits.
  const { waitingFor: _previous, ...kept } = progress;
  const next: PaymentStepProgress = {
    ...kept,
    ...(failedChecks > 0 ? { failedChecks } : {}),
    ...(waitingFor !== undefined ? { waitingFor } : {}),
  };
  const maxMs =
    next.noticePostedAt !== undefined
      ? READ_BACK_MAX_DELAY_MS
      : waitingFor !== undefined
        ? WAIT_MAX_DELAY_MS
        : undefined;
  const delay = nextAttemptDelayMs(entry.attempts, maxMs !== undefined ? { maxMs } : {});
  ctx.repos.outbox.fail(entry.id, message, new Date(nowOf(ctx).getTime() + delay), {
    claim,
    progress: Object.keys(next).length > 0 ? next : null,
  });
  ctx.log.warn(
    {
      outboxId: entry.id,
      kind: entry.kind,
      invoiceUuid: payload.invoiceUuid,
      retryable: err instanceof MediatorError ? err.retryable : undefined,
      waitingFor,
      err: message,
    },
    'payment step will be retried',
  );
  return { entryId: entry.id, kind: entry.kind, state: 'retry', detail: message };
}

/** The upstream (or the config) whose silence made a step fail, if that is why it failed. */
function waitedFor(err: unknown): PaymentStepProgress['waitingFor'] {
  if (err instanceof UpstreamUnavailableError || err instanceof UpstreamTimeoutError) {
    return err.system;
  }
  if (err instanceof UpstreamError && err.retryable) {
    return err.system;
  }
  if (err instanceof StepError && err.waitingForConfig) {
    return 'config';
  }
  return undefined;
}

/**
 * Whether a request that failed with this error may still have been processed upstream: no answer came (a timeout,
 * a connection broken after sending) or a gateway answered for it. A refused connection or an answer from the
 * upstream itself says it was not.
 */
function mayHaveArrived(err: unknown): boolean {
  if (err instanceof UpstreamTimeoutError) {
    return true;
  }
  if (err instanceof UpstreamUnavailableError) {
    const cause = err.cause as { code?: unknown } | undefined;
    const code = typeof cause?.code === 'string' ? cause.code : '';
    return !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'].includes(code);
  }
  if (err instanceof UpstreamError) {
    return err.upstreamStatus === 502 || err.upstreamStatus === 504;
  }
  return false;
}

function progressOf(entry: OutboxEntry): PaymentStepProgress {
  const r = entry.result;
  return r !== null && typeof r === 'object' && !Array.isArray(r) ? r : {};
}

/** One run of a claimed step. */
interface StepRun {
  readonly ctx: PaymentFlowContext;
  readonly entry: OutboxEntry;
  readonly claim: ClaimToken;
  readonly payload: PaymentStepPayload;
  /** Notes of earlier runs, updated by this one. */
  progress: PaymentStepProgress;
}

/** Options of {@link runDuePaymentSteps} and {@link drainPaymentOutbox}. */
export interface PaymentStepRunOptions {
  /** How many entries to claim at a time (default 50). */
  readonly limit?: number;
  /** How many steps (of different invoices) run at the same time (default 1). */
  readonly concurrency?: number;
}

/**
 * Claims and runs the payment steps that are due (one worker tick, at most 10 claims). Steps of one invoice run in
 * order; a failed step holds back the later ones of its invoice until it succeeds. A claim never holds two steps
 * of one invoice (the later one waits for the earlier), so the claimed steps run `concurrency` at a time: each
 * waits mostly on openIMIS and Fineract, and one after the other the outbox drains no faster than one round trip
 * chain per invoice.
 *
 * @param ctx - flow context
 * @param options - claim size and concurrency
 * @returns the results, in the order they finished
 */
export async function runDuePaymentSteps(
  ctx: PaymentFlowContext,
  options: PaymentStepRunOptions = {},
): Promise<PaymentStepResult[]> {
  const results: PaymentStepResult[] = [];
  const concurrency = Math.max(1, options.concurrency ?? 1);
  // Later steps of an invoice become claimable when the earlier one completes: claim again until nothing is due.
  for (let round = 0; round < 10; round++) {
    const claimed = ctx.repos.outbox.claimDue({
      now: nowOf(ctx),
      limit: options.limit ?? 50,
      leaseMs: PAYMENT_STEP_LEASE_MS,
      kinds: PAYMENT_STEP_KINDS,
    });
    if (claimed.length === 0) {
      break;
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, claimed.length) }, async () => {
        while (next < claimed.length) {
          const entry = claimed[next++] as OutboxEntry;
          results.push(await withRenewedLease(ctx, entry, () => runPaymentStep(ctx, entry)));
        }
      }),
    );
  }
  return results;
}

/** Runs a claimed step while renewing its short lease, so no other worker claims it while it runs. */
async function withRenewedLease<T>(
  ctx: PaymentFlowContext,
  entry: OutboxEntry,
  run: () => Promise<T>,
): Promise<T> {
  const claim: ClaimToken = { attempt: entry.attempts };
  const timer = setInterval(() => {
    try {
      if (
        !ctx.repos.outbox.renewLease(entry.id, claim, { now: nowOf(ctx), leaseMs: PAYMENT_STEP_LEASE_MS })
      ) {
        clearInterval(timer);
      }
    } catch (err) {
      ctx.log.error({ outboxId: entry.id, err: String(err) }, 'could not renew the lease of a payment step');
    }
  }, PAYMENT_STEP_LEASE_RENEW_MS);
  timer.unref();
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Makes the payment steps due now that wait out a back-off because an upstream did not answer (or, once the
 * operator config is known, those that waited for it): called when an upstream answers again, so a long outage's
 * back-off does not delay the recovery.
 *
 * @param ctx - flow context
 * @param options - `only` wakes at most this many (a probe); `configOnly` only those that waited for the config
 * @returns how many became due
 */
export function wakeWaitingPaymentSteps(
  ctx: PaymentFlowContext,
  options: { readonly only?: number; readonly configOnly?: boolean } = {},
): number {
  const now = nowOf(ctx);
  const configKnown = ctx.configKnown?.() ?? true;
  const waiting = ctx.repos.outbox
    .listBackingOff({ now, kinds: PAYMENT_STEP_KINDS, limit: 10_000 })
    .filter((e) => {
      const w = progressOf(e).waitingFor;
      return w === 'config' ? configKnown : w !== undefined && options.configOnly !== true;
    })
    .map((e) => e.id);
  return ctx.repos.outbox.wake(options.only !== undefined ? waiting.slice(0, options.only) : waiting, now);
}

/**
 * Runs due payment steps until none is left to run now (the outbox worker's tick): a backlog (a burst of hooks,
 * openIMIS back after an outage) drains at once instead of {@link runDuePaymentSteps}' bounded amount per tick.
 * Stops when a run finishes no step (nothing due, or everything due failed and waits for its retry time) or when
 * `signal` is aborted (shutdown; the run in progress finishes first).
 *
 * @param ctx - flow context
 * @param options - claim size, concurrency and abort signal
 * @returns how many steps ran
 */
export async function drainPaymentOutbox(
  ctx: PaymentFlowContext,
  options: PaymentStepRunOptions & { readonly signal?: AbortSignal } = {},
): Promise<number> {
  let ran = 0;
  // Steps that waited for the config run as soon as it is known.
  wakeWaitingPaymentSteps(ctx, { configOnly: true });
  let probed = false;
  while (options.signal?.aborted !== true) {
    const results = await runDuePaymentSteps(ctx, options);
    ran += results.length;
    if (results.some((r) => r.state === 'done')) {
      // An upstream answered: whatever waits out a back-off because it did not is due now.
      wakeWaitingPaymentSteps(ctx);
      continue;
    }
    // Nothing finished. While steps wait out a back-off for an upstream, one of them is tried once per tick (a
    // probe): the moment the upstream answers, the others follow instead of sleeping out their back-off.
    if (!probed) {
      probed = true;
      if (wakeWaitingPaymentSteps(ctx, { only: 1 }) > 0) {
        continue;
      }
    }
    break;
  }
  return ran;
}

class StepError extends Error {
  /**
   * @param message - what went wrong
   * @param retryable - whether a later attempt can succeed
   * @param check - a failed check (openIMIS not PAID, Fineract money not committed): retried at most
   *   `maxVerifyAttempts` times, then an operator decides
   * @param waitingForConfig - the step waits for the operator config (not known yet)
   */
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly check = false,
    readonly waitingForConfig = false,
  ) {
    super(message);
    this.name = 'StepError';
  }
}

/** Fineract has not (yet) committed money a hook announced: retried, then handed to an operator. */
function unconfirmed(message: string): StepError {
  return new StepError(message, true, true);
}

function ledgerInvoice(ctx: PaymentFlowContext, p: PaymentStepPayload): LedgerInvoice {
  const invoice = ctx.repos.ledger.getInvoiceById(p.ledgerInvoiceId);
  if (invoice === undefined) {
    throw new StepError(`ledger invoice ${p.ledgerInvoiceId} is gone`, false);
  }
  return invoice;
}

/** Moves the invoice forward, tolerating a replay that finds it there already. */
function advance(ctx: PaymentFlowContext, p: PaymentStepPayload, from: InvoiceState, to: InvoiceState): void {
  const invoice = ledgerInvoice(ctx, p);
  if (invoice.state === from) {
    ctx.repos.ledger.updateInvoice(invoice.id, { state: to, expectedState: from });
  }
}

function flagInvoice(ctx: PaymentFlowContext, p: PaymentStepPayload, reason: string): void {
  try {
    // An invoice flagged already (e.g. money Fineract shows that nothing explains) keeps its reason first: a step
    // that stopped because of the flag must not hide why, nor make an operator retry (which hands back only
    // invoices the step itself flagged) put the invoice back to the step before the first problem is resolved.
    const current = ctx.repos.ledger.getInvoiceById(p.ledgerInvoiceId);
    if (current?.state === 'needs_attention') {
      if (current.attentionReason !== null && current.attentionReason.includes(reason)) {
        return;
      }
      ctx.repos.ledger.updateInvoice(p.ledgerInvoiceId, {
        state: 'needs_attention',
        attentionReason: `${current.attentionReason ?? 'flagged'}; then ${reason}`,
      });
      return;
    }
    ctx.repos.ledger.updateInvoice(p.ledgerInvoiceId, { state: 'needs_attention', attentionReason: reason });
  } catch (err) {
    ctx.log.error({ ledgerInvoiceId: p.ledgerInvoiceId, err: String(err) }, 'could not flag the invoice');
  }
}

function isOurPayment(record: PaymentRecord, reference: string): boolean {
  return record.payerRef === reference;
}

/**
 * Hooks are sent before Fineract commits (a rolled-back command is announced too): before openIMIS hears of a
 * payment, the money the Fineract hooks announced is read back — the client charge's `amountPaid` must cover the
 * charge payments recorded, and every savings deposit must exist, unreversed, with its amount.
 */
async function confirmFineractMoney(ctx: PaymentFlowContext, invoice: LedgerInvoice): Promise<void> {
  const payments = ctx.repos.ledger.listPayments({ invoiceId: invoice.id, state: 'matched', limit: 1000 });
  const charged = payments
    .filter((x) => x.source === 'fineract-charge')
    .reduce((sum, x) => sum.plus(x.amount), new Decimal(0));
  if (charged.isPositive() && !charged.isZero()) {
    if (invoice.fineractClientId === null || invoice.fineractChargeId === null) {
      throw new StepError(`invoice ${invoice.code} has charge payments but no Fineract charge`, false);
    }
    const charge = await ctx.fineract.getClientCharge(invoice.fineractClientId, invoice.fineractChargeId);
    if (new Decimal(charge.amountPaid ?? '0').lessThan(charged)) {
      throw unconfirmed(
        `Fineract charge ${invoice.fineractChargeId} shows ${charge.amountPaid ?? '0'} paid, hooks announced ${charged.toFixed()}`,
      );
    }
  }
  for (const x of payments.filter((y) => y.source === 'fineract-savings')) {
    const savingsId = /^fineract-savings:(\d+)$/.exec(x.payerRef ?? '')?.[1];
    if (savingsId === undefined || !/^\d+$/.test(x.sourceTxnId)) {
      throw new StepError(`savings payment ${x.id} cannot be read back from Fineract`, false);
    }
    const tx = await ctx.fineract.getSavingsTransaction(
      Number.parseInt(savingsId, 10),
      Number.parseInt(x.sourceTxnId, 10),
    );
    if (tx.reversed === true || tx.amount === undefined || !new Decimal(tx.amount).equals(x.amount)) {
      throw unconfirmed(
        `Fineract savings transaction ${x.sourceTxnId} is ${tx.reversed === true ? 'reversed' : `for ${tx.amount ?? '?'}`}, the hook announced ${x.amount}`,
      );
    }
  }
}

async function sendPaymentNotice(run: StepRun): Promise<Record<string, unknown>> {
  const { ctx, payload: p } = run;
  const invoice = ledgerInvoice(ctx, p);
  if (invoice.state === 'needs_attention' || invoice.state === 'cancelled') {
    throw new StepError(`invoice ${invoice.code} is ${invoice.state}`, false);
  }
  const reference = paymentReference(p.ledgerInvoiceId);
  // Read back first: a notice posted by an earlier attempt (a crash or a timeout after openIMIS stored it) must
  // not be posted again, since openIMIS would record a second payment.
  const ours = (await ctx.openimis.findInvoicePayments(p.invoiceUuid)).filter((r) =>
    isOurPayment(r, reference),
  );
  const existing = ours[0];
  if (existing) {
    advance(ctx, p, 'paid', 'notified');
    if (ours.length > 1) {
      flagInvoice(ctx, p, duplicateNotices(ours, reference));
    }
    return {
      paymentNoticeId: existing.id,
      readBack: true,
      ...(ours.length > 1 ? { duplicates: ours.length } : {}),
    };
  }
  const postedAt = run.progress.noticePostedAt;
  if (postedAt !== undefined) {
    // An earlier POST got no answer: openIMIS may still be processing it (or have dropped it). Posting again
    // could pay twice, so only read back, with back-off, and hand over to an operator when the window is over.
    const waited = nowOf(ctx).getTime() - Date.parse(postedAt);
    const window = ctx.noticeReadBackWindowMs ?? DEFAULT_NOTICE_READ_BACK_WINDOW_MS;
    if (!(waited < window)) {
      throw new StepError(
        `PaymentNotice posted at ${postedAt} got no answer and openIMIS shows no payment ${reference} ` +
          `${Math.round(waited / 1000)} s later: outcome unknown, not posted again (an operator retry reads ` +
          'openIMIS back once more and posts only if it is still missing)',
        false,
      );
    }
    throw new StepError(
      `PaymentNotice posted at ${postedAt}: outcome unknown, openIMIS shows no payment ${reference} yet`,
      true,
    );
  }
  await confirmFineractMoney(ctx, invoice);
  // Paid in openIMIS by something else (a cashier, another rail): a notice would record a second payment. The
  // money we received is then a double payment for an operator to refund or reassign; later steps wait.
  const status = await ctx.openimis.getInvoiceStatus(p.invoiceUuid, p.kind);
  if (status.status === OPENIMIS_PAID) {
    throw new StepError(
      `openIMIS already reads ${p.kind} ${p.code} PAID without a payment of ours: not posting a second one`,
      false,
    );
  }
  const now = nowOf(ctx);
  const notice: PaymentNotice = {
    resourceType: 'PaymentNotice',
    status: 'active',
    request: { reference: `Invoice/${p.invoiceUuid}`, type: p.kind === 'bill' ? 'Bill' : 'Invoice' },
    created: now.toISOString(),
    payment: { reference },
    paymentDate: now.toISOString().slice(0, 10),
    recipient: { reference: ctx.settings().noticeRecipient },
    amount: toFhirMoney(money(p.amount, p.currency)),
    paymentStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/paymentstatus', code: 'paid' }],
    },
  };
  // Noted before the POST: whoever runs this step next (after a timeout, a crash, a lost lease) reads back only.
  run.progress = { ...run.progress, noticePostedAt: now.toISOString() };
  ctx.repos.outbox.saveProgress(run.entry.id, run.claim, run.progress);
  let created: PaymentNotice;
  try {
    created = await ctx.openimis.createPaymentNotice(notice);
  } catch (err) {
    if (!mayHaveArrived(err)) {
      // openIMIS answered, or was never reached: nothing was stored, the next attempt may post.
      const { noticePostedAt: _sent, ...rest } = run.progress;
      run.progress = rest;
    }
    throw err;
  }
  advance(ctx, p, 'paid', 'notified');
  return { paymentNoticeId: created.id ?? null, readBack: false };
}

function duplicateNotices(ours: readonly PaymentRecord[], reference: string): string {
  return (
    `duplicate PaymentNotice: openIMIS holds ${ours.length} payments with reference ${reference} ` +
    `(${ours.map((r) => r.id).join(', ')}); cancel all but one in openIMIS`
  );
}

async function verifyPaid(run: StepRun): Promise<Record<string, unknown>> {
  const { ctx, payload: p } = run;
  const settings = ctx.settings();
  if (!settings.verifyPaid && !settings.recordPremium && (ctx.configKnown?.() ?? true)) {
    return { skipped: 'verifyPaid and recordPremium are off' };
  }
  // A second notice that reached openIMIS after ours (a slow first POST, a worker that lost its lease) shows here.
  const ours = (await ctx.openimis.findInvoicePayments(p.invoiceUuid)).filter((r) =>
    isOurPayment(r, paymentReference(p.ledgerInvoiceId)),
  );
  if (ours.length > 1) {
    throw new StepError(duplicateNotices(ours, paymentReference(p.ledgerInvoiceId)), false);
  }
  const status = await ctx.openimis.getInvoiceStatus(p.invoiceUuid, p.kind);
  if (status.status !== OPENIMIS_PAID) {
    throw new StepError(
      `openIMIS reads ${p.kind} ${p.code} as ${status.statusName} (${status.status}), not PAID`,
      true,
      true,
    );
  }
  advance(ctx, p, 'notified', 'verified');
  return { openimisStatus: status.statusName };
}

async function recordPremium(run: StepRun): Promise<Record<string, unknown>> {
  const { ctx, payload: p } = run;
  const settings = ctx.settings();
  if (!settings.recordPremium) {
    // Queued with every paid invoice and decided here, from the config in force: after a restart the mediator
    // may run before OpenHIM core sent the operator config, whose defaults must not decide to skip a premium.
    if (!(ctx.configKnown?.() ?? true)) {
      throw new StepError(
        'waiting for the operator config from OpenHIM core to decide on the premium',
        true,
        false,
        true,
      );
    }
    return { skipped: 'recordPremium is off' };
  }
  const invoice = ledgerInvoice(ctx, p);
  if (invoice.state !== 'verified' && invoice.state !== 'premium_recorded') {
    throw new StepError(`invoice ${invoice.code} is ${invoice.state}, not verified: no premium`, false);
  }
  const clientMutationId = createHash('sha256').update(`premium:${p.invoiceUuid}`).digest('hex').slice(0, 32);
  const timeoutMs = settings.mutationTimeoutMs;
  // An earlier attempt may have started the mutation already: its log, found by the same id, decides.
  try {
    await ctx.openimis.waitForMutation(clientMutationId, { timeoutMs: 1, intervalMs: 1 });
    advance(ctx, p, 'verified', 'premium_recorded');
    return { clientMutationId, readBack: true };
  } catch (err) {
    if (err instanceof OpenImisMutationError || !(err instanceof MediatorError) || err.statusCode !== 504) {
      throw err;
    }
  }
  const status = await ctx.openimis.getInvoiceStatus(p.invoiceUuid, p.kind);
  const line = status.lineItems.find((l) => l.lineTypeName === 'policy' && l.lineId) ?? status.lineItems[0];
  if (!line?.lineId) {
    throw new StepError(`invoice ${p.code} has no policy line: no premium to record`, false);
  }
  const amount = line.amountTotal ?? p.amount;
  await ctx.openimis.createPremium({
    policyUuid: line.lineId,
    amount: new Decimal(amount).toFixed(2),
    receipt: p.code.slice(0, 50),
    payDate: nowOf(ctx).toISOString().slice(0, 10),
    payType: settings.premiumPayType,
    isPhotoFee: false,
    clientMutationId,
    ...(settings.premiumAction ? { action: settings.premiumAction } : {}),
  });
  await ctx.openimis.waitForMutation(clientMutationId, { timeoutMs });
  advance(ctx, p, 'verified', 'premium_recorded');
  return { clientMutationId, policyUuid: line.lineId };
}

/** The ledger state an invoice is in while each step is due (what a retry restores). */
const STATE_BEFORE_STEP: Readonly<Record<string, InvoiceState>> = {
  [PAYMENT_NOTICE_STEP]: 'paid',
  [VERIFY_PAID_STEP]: 'notified',
  [PREMIUM_STEP]: 'verified',
};

/**
 * Operator retry of an outbox entry: makes it due now with a fresh attempt count. When the entry is a payment step
 * whose failure handed its invoice to an operator, the invoice goes back to the state the step expects, so the
 * step can run (the PaymentNotice step still reads openIMIS back first: a retry never pays twice).
 *
 * @param repos - staging repositories
 * @param outboxId - the entry
 * @returns the entry, due now
 * @throws NotFoundError when there is no such entry; ConflictError when it is running or done
 */
export function retryOutboxEntry(repos: StagingRepositories, outboxId: number): OutboxEntry {
  const entry = repos.outbox.get(outboxId);
  if (entry === undefined) {
    throw new NotFoundError(`no outbox entry ${outboxId}`);
  }
  const restore = STATE_BEFORE_STEP[entry.kind];
  if (restore !== undefined) {
    const p = entry.payload as PaymentStepPayload;
    const invoice = repos.ledger.getInvoiceById(p.ledgerInvoiceId);
    if (
      invoice?.state === 'needs_attention' &&
      invoice.attentionReason?.startsWith(`${entry.kind} failed:`)
    ) {
      repos.ledger.updateInvoice(invoice.id, {
        state: restore,
        attentionReason: null,
        expectedState: 'needs_attention',
      });
    }
  }
  // The operator decided: the step starts afresh (a PaymentNotice still reads openIMIS back before posting).
  return repos.outbox.retryNow(outboxId, { resetAttempts: true, clearProgress: true });
}
