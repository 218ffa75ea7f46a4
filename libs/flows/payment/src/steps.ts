import type { PaymentNotice } from 'fhir/r4';
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { MediatorError, NotFoundError } from '@payment-layer/shared-errors';
import { money, toFhirMoney } from '@payment-layer/shared-money';
import { OpenImisMutationError, type PaymentRecord } from '@payment-layer/fhir-openimis-client';
import {
  nextAttemptDelayMs,
  type InvoiceState,
  type LedgerInvoice,
  type OutboxEntry,
  type StagingRepositories,
} from '@payment-layer/staging-db';
import { nowOf, type PaymentFlowContext } from './context';
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

/** Lease of a claimed step: long enough for a premium mutation poll; a crashed worker's step is re-claimed after. */
export const PAYMENT_STEP_LEASE_MS = 120_000;

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
  try {
    let detail: Record<string, unknown>;
    switch (entry.kind) {
      case PAYMENT_NOTICE_STEP:
        detail = await sendPaymentNotice(ctx, payload);
        break;
      case VERIFY_PAID_STEP:
        detail = await verifyPaid(ctx, payload);
        break;
      case PREMIUM_STEP:
        detail = await recordPremium(ctx, payload);
        break;
      default:
        throw new StepError(`unknown payment step ${entry.kind}`, false);
    }
    ctx.repos.outbox.complete(entry.id, detail);
    return { entryId: entry.id, kind: entry.kind, state: 'done' };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const permanent = (err instanceof StepError && !err.retryable) || err instanceof OpenImisMutationError;
    // Verification and unconfirmed Fineract money are retried a bounded number of times, then an operator decides.
    const bounded = entry.kind === VERIFY_PAID_STEP || (err instanceof StepError && err.bounded);
    const tooMany = bounded && entry.attempts >= ctx.settings().maxVerifyAttempts;
    if (permanent || tooMany) {
      ctx.repos.outbox.markDead(entry.id, message);
      flagInvoice(ctx, payload, `${entry.kind} failed: ${message}`);
      ctx.log.error(
        { outboxId: entry.id, kind: entry.kind, invoiceUuid: payload.invoiceUuid, err: message },
        'payment step dead',
      );
      return { entryId: entry.id, kind: entry.kind, state: 'dead', detail: message };
    }
    const delay = nextAttemptDelayMs(entry.attempts);
    ctx.repos.outbox.fail(entry.id, message, new Date(nowOf(ctx).getTime() + delay));
    ctx.log.warn(
      {
        outboxId: entry.id,
        kind: entry.kind,
        invoiceUuid: payload.invoiceUuid,
        retryable: err instanceof MediatorError ? err.retryable : undefined,
        err: message,
      },
      'payment step will be retried',
    );
    return { entryId: entry.id, kind: entry.kind, state: 'retry', detail: message };
  }
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
          results.push(await runPaymentStep(ctx, entry));
        }
      }),
    );
  }
  return results;
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
  while (options.signal?.aborted !== true) {
    const results = await runDuePaymentSteps(ctx, options);
    ran += results.length;
    if (!results.some((r) => r.state === 'done')) {
      break;
    }
  }
  return ran;
}

class StepError extends Error {
  /**
   * @param message - what went wrong
   * @param retryable - whether a later attempt can succeed
   * @param bounded - retried at most `maxVerifyAttempts` times (e.g. money Fineract has not committed)
   */
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly bounded = false,
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

async function sendPaymentNotice(
  ctx: PaymentFlowContext,
  p: PaymentStepPayload,
): Promise<Record<string, unknown>> {
  const invoice = ledgerInvoice(ctx, p);
  if (invoice.state === 'needs_attention' || invoice.state === 'cancelled') {
    throw new StepError(`invoice ${invoice.code} is ${invoice.state}`, false);
  }
  const reference = paymentReference(p.ledgerInvoiceId);
  // Read back first: a notice posted by an earlier attempt (a crash or a timeout after openIMIS stored it) must
  // not be posted again, since openIMIS would record a second payment.
  const existing = (await ctx.openimis.findInvoicePayments(p.invoiceUuid)).find((r) =>
    isOurPayment(r, reference),
  );
  if (existing) {
    advance(ctx, p, 'paid', 'notified');
    return { paymentNoticeId: existing.id, readBack: true };
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
  const created = await ctx.openimis.createPaymentNotice(notice);
  advance(ctx, p, 'paid', 'notified');
  return { paymentNoticeId: created.id ?? null, readBack: false };
}

async function verifyPaid(ctx: PaymentFlowContext, p: PaymentStepPayload): Promise<Record<string, unknown>> {
  const status = await ctx.openimis.getInvoiceStatus(p.invoiceUuid, p.kind);
  if (status.status !== OPENIMIS_PAID) {
    throw new StepError(
      `openIMIS reads ${p.kind} ${p.code} as ${status.statusName} (${status.status}), not PAID`,
      true,
    );
  }
  advance(ctx, p, 'notified', 'verified');
  return { openimisStatus: status.statusName };
}

async function recordPremium(
  ctx: PaymentFlowContext,
  p: PaymentStepPayload,
): Promise<Record<string, unknown>> {
  const settings = ctx.settings();
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
  return repos.outbox.retryNow(outboxId, { resetAttempts: true });
}
