import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { ConflictError } from '@payment-layer/shared-errors';
import type {
  InvoiceUpdate,
  LedgerInvoice,
  NewOutboxEntry,
  PaymentSource,
  PaymentState,
  ReceivedPayment,
} from '@payment-layer/staging-db';
import type { PaymentFlowContext } from './context';

/** Outbox kind: post the PaymentNotice of a fully paid invoice to openIMIS. */
export const PAYMENT_NOTICE_STEP = 'openimis.paymentNotice';
/** Outbox kind: check through GraphQL that openIMIS reads the invoice PAID. */
export const VERIFY_PAID_STEP = 'openimis.verifyPaid';
/** Outbox kind: record the premium of the invoice's policy (createPremium + mutation log). */
export const PREMIUM_STEP = 'openimis.premium';
/** Every outbox kind the payment flow runs. */
export const PAYMENT_STEP_KINDS: readonly string[] = [PAYMENT_NOTICE_STEP, VERIFY_PAID_STEP, PREMIUM_STEP];

/**
 * ISO 4217 "no currency": stored for a payment whose source does not say its currency and that matches no
 * invoice (a Fineract hook carries no currency), so the payment is still kept.
 */
export const UNKNOWN_CURRENCY = 'XXX';

/** Payload of every payment outbox step: identifiers and the exact total, no personal data. */
export interface PaymentStepPayload {
  /** Ledger invoice id (also the `PaymentReconciliation/<id>` reference of the notice). */
  readonly ledgerInvoiceId: number;
  /** openIMIS invoice/bill UUID. */
  readonly invoiceUuid: string;
  readonly code: string;
  readonly kind: 'invoice' | 'bill';
  /** Invoice total, decimal string. */
  readonly amount: string;
  readonly currency: string;
}

/** A payment as a rail reports it, before it is matched and recorded. */
export interface IncomingPayment {
  readonly source: PaymentSource;
  readonly sourceTxnId: string;
  /** The ledger invoice it was matched to, if any. */
  readonly invoice: LedgerInvoice | undefined;
  /** Why no invoice matched (shown to operators). */
  readonly unmatchedReason?: string;
  /** Decimal string as reported (may be zero or negative: then it needs attention). */
  readonly amount: string;
  /** ISO 4217 code, or undefined when the source does not say (the invoice's currency is assumed). */
  readonly currency: string | undefined;
  readonly payerRef?: string | null;
  readonly reference?: string | null;
  /** Canonical request text, hashed to tell a replay from a different request with the same id. */
  readonly requestText: string;
  /**
   * Another request text that means this same payment when it was stored first (the Fineract catch-up records a
   * charge payment whose hook was lost; a hook for it that still arrives is then a replay, not a conflict).
   */
  readonly sameAsRequestText?: string;
  /** Forces the payment to `ignored` (a failure delivery, a withdrawal): kept, never money. */
  readonly ignoreReason?: string;
}

/** What became of an incoming payment. */
export type PaymentOutcomeKind = 'matched' | 'paid' | 'needs_attention' | 'ignored' | 'duplicate';

/** Result of recording an incoming payment. */
export interface PaymentOutcome {
  readonly outcome: PaymentOutcomeKind;
  readonly payment: ReceivedPayment;
  /** The invoice after the update (undefined when unmatched or duplicate). */
  readonly invoice: LedgerInvoice | undefined;
  /** Why the payment needs attention or was ignored. */
  readonly reason?: string | undefined;
  /** Outbox entries enqueued (PaymentNotice, verify, premium) when the invoice became fully paid. */
  readonly enqueued: readonly number[];
}

/** Invoice states that accept money. */
const PAYABLE_STATES = ['awaiting_payment', 'partially_paid'] as const;

/**
 * The outbox steps of a fully paid invoice, in order (one aggregate, so they run strictly one after another):
 * PaymentNotice, verification, and — for a contribution invoice — the premium. All are queued whatever the
 * settings: each decides when it runs, from the operator config in force then (verification and premium skip
 * themselves when switched off), so a config that arrives after the payment still counts.
 *
 * @param invoice - the fully paid ledger invoice
 * @returns the entries to enqueue
 */
export function paidInvoiceSteps(invoice: LedgerInvoice): NewOutboxEntry[] {
  const payload: PaymentStepPayload = {
    ledgerInvoiceId: invoice.id,
    invoiceUuid: invoice.openimisInvoiceId,
    code: invoice.code,
    kind: invoice.kind,
    amount: invoice.amount,
    currency: invoice.currency,
  };
  const aggregateRef = `invoice:${invoice.openimisInvoiceId}`;
  const steps: NewOutboxEntry[] = [
    {
      kind: PAYMENT_NOTICE_STEP,
      idempotencyKey: `payment-notice:${invoice.openimisInvoiceId}`,
      payload,
      aggregateRef,
    },
    {
      kind: VERIFY_PAID_STEP,
      idempotencyKey: `verify-paid:${invoice.openimisInvoiceId}`,
      payload,
      aggregateRef,
    },
  ];
  if (invoice.kind === 'invoice') {
    steps.push({
      kind: PREMIUM_STEP,
      idempotencyKey: `premium:${invoice.openimisInvoiceId}`,
      payload,
      aggregateRef,
    });
  }
  return steps;
}

/** Digits after the point as written (`"0.30"` → 2; decimal.js drops trailing zeros). */
function scaleOf(amount: string): number {
  const dot = amount.indexOf('.');
  return dot < 0 ? 0 : amount.length - dot - 1;
}

interface Decision {
  readonly state: PaymentState;
  readonly reason?: string;
  readonly amount: string;
  readonly currency: string;
  /** The new paid amount and state of the invoice when the payment counts. */
  readonly update?: { readonly paidAmount: string; readonly fullyPaid: boolean };
}

function decide(p: IncomingPayment, invoice: LedgerInvoice | undefined): Decision {
  const raw = new Decimal(p.amount);
  // The ledger stores non-negative amounts only: a negative amount is kept as 0 with the reported value in the
  // reason, so nothing the rail said is lost.
  const amount = raw.isNegative() ? '0' : p.amount;
  const currency = p.currency ?? invoice?.currency ?? UNKNOWN_CURRENCY;
  if (p.ignoreReason !== undefined) {
    return { state: 'ignored', reason: p.ignoreReason, amount, currency };
  }
  if (invoice === undefined) {
    return {
      state: 'needs_attention',
      reason: p.unmatchedReason ?? 'matches no invoice',
      amount,
      currency,
    };
  }
  if (!raw.isPositive() || raw.isZero()) {
    return {
      state: 'needs_attention',
      reason: `amount ${p.amount} is not positive`,
      amount,
      currency,
    };
  }
  if (currency !== invoice.currency) {
    return {
      state: 'needs_attention',
      reason: `currency ${currency} differs from the invoice currency ${invoice.currency}`,
      amount,
      currency,
    };
  }
  if (!(PAYABLE_STATES as readonly string[]).includes(invoice.state)) {
    return {
      state: 'needs_attention',
      reason: `invoice ${invoice.code} is ${invoice.state}: payment not applied`,
      amount,
      currency,
    };
  }
  const paid = new Decimal(invoice.paidAmount).plus(raw);
  const total = new Decimal(invoice.amount);
  if (paid.greaterThan(total)) {
    return {
      state: 'needs_attention',
      reason: `over-payment: ${invoice.paidAmount} already paid + ${p.amount} exceeds the total ${invoice.amount} ${invoice.currency}`,
      amount,
      currency,
    };
  }
  return {
    state: 'matched',
    amount,
    currency,
    // Written with the invoice's scale (0.30, not 0.3) so ledger amounts read alike.
    update: {
      paidAmount: paid.toFixed(Math.max(scaleOf(invoice.amount), paid.decimalPlaces())),
      fullyPaid: paid.equals(total),
    },
  };
}

/**
 * SHA-256 of a request text.
 *
 * @param text - canonical request
 * @returns hex digest
 */
export function requestHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Records a payment exactly once: in ONE staging transaction the payment is stored under (source, source
 * transaction id), the invoice's paid amount grows (decimals, guarded against a concurrent writer) and, when the
 * invoice becomes fully paid — exactly its total — the PaymentNotice, verification and premium steps are
 * enqueued. Replays are no-ops. Over-payments, other currencies, non-positive amounts, payments to invoices that
 * no longer take money and unmatched payments are kept as `needs_attention` with the reason.
 *
 * @param ctx - flow context
 * @param p - the payment as reported and matched
 * @returns what happened
 * @throws ConflictError when the same transaction id comes with a different request
 */
export function recordIncomingPayment(ctx: PaymentFlowContext, p: IncomingPayment): PaymentOutcome {
  const hash = requestHash(p.requestText);
  // A second writer (another process on the same staging file) may add to the same invoice between the read
  // and the write: the write is guarded by the paid amount read, and re-decided on a conflict.
  for (let attempt = 1; ; attempt++) {
    const invoice =
      p.invoice === undefined ? undefined : (ctx.repos.ledger.getInvoiceById(p.invoice.id) ?? p.invoice);
    const d = decide(p, invoice);
    const upd = d.update;
    let result: ReturnType<typeof ctx.repos.ledger.recordPayment>;
    try {
      result = ctx.repos.ledger.recordPayment({
        payment: {
          source: p.source,
          sourceTxnId: p.sourceTxnId,
          invoiceId: invoice?.id ?? null,
          amount: d.amount,
          currency: d.currency,
          payerRef: p.payerRef ?? null,
          reference: p.reference ?? null,
          requestHash: hash,
          receivedAt: ctx.now ? ctx.now() : new Date(),
          state: d.state,
          reason: d.reason ?? null,
        },
        ...(invoice !== undefined && upd !== undefined
          ? {
              invoiceUpdate: (): InvoiceUpdate => ({
                paidAmount: upd.paidAmount,
                state: upd.fullyPaid ? 'paid' : 'partially_paid',
                expectedPaidAmount: invoice.paidAmount,
                expectedState: [...PAYABLE_STATES],
              }),
              outbox: ({ invoice: after }): NewOutboxEntry[] =>
                after !== undefined && after.state === 'paid' ? paidInvoiceSteps(after) : [],
            }
          : {}),
      });
    } catch (err) {
      if (err instanceof ConflictError && attempt < 3) {
        continue;
      }
      throw err;
    }
    if (result.duplicate) {
      const same =
        p.sameAsRequestText !== undefined && result.payment.requestHash === requestHash(p.sameAsRequestText);
      if (result.modified && !same) {
        throw new ConflictError(
          `${p.source} transaction ${p.sourceTxnId} was already recorded with a different request`,
        );
      }
      return { outcome: 'duplicate', payment: result.payment, invoice: undefined, enqueued: [] };
    }
    const outcome: PaymentOutcomeKind =
      d.state === 'matched' ? (upd?.fullyPaid === true ? 'paid' : 'matched') : d.state;
    ctx.log.info(
      {
        source: p.source,
        sourceTxnId: p.sourceTxnId,
        ledgerInvoiceId: invoice?.id,
        paymentId: result.payment.id,
        outcome,
      },
      'payment recorded',
    );
    return {
      outcome,
      payment: result.payment,
      invoice: result.invoice,
      reason: d.reason,
      enqueued: result.outbox.map((e) => e.id),
    };
  }
}
