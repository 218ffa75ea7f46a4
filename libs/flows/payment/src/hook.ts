import { Decimal } from 'decimal.js';
import { ValidationError } from '@payment-layer/shared-errors';
import {
  parseHookDelivery,
  type ClientChargePaidDelivery,
  type FailureDelivery,
  type HookDelivery,
  type HookDeliveryInput,
  type SavingsTransactionDelivery,
} from '@payment-layer/mifos-fineract-client';
import { catchUpRequestText, catchUpSavingsRequestText } from './catch-up';
import { findInvoiceByCode } from './invoice-code';
import type { PaymentFlowContext } from './context';
import { recordIncomingPayment, requestHash, type IncomingPayment, type PaymentOutcome } from './record';

/** Result of {@link handleFineractHook}: the recording outcome plus what the delivery was. */
export interface HookOutcome extends PaymentOutcome {
  /** `CLIENTCHARGE/PAY`, `SAVINGSACCOUNT/DEPOSIT`, … */
  readonly event: string;
  /** Fineract transaction id (client transaction or savings transaction), when the delivery had one. */
  readonly fineractTransactionId: string;
}

/** Events whose failures are recorded (as `ignored`); failures of any other event are refused like the event. */
const MONEY_EVENTS = new Set(['CLIENTCHARGE/PAY', 'SAVINGSACCOUNT/DEPOSIT', 'SAVINGSACCOUNT/WITHDRAWAL']);

/**
 * Handles one Fineract web-hook delivery. Hooks are sent once, unsigned, and never retried, so everything that
 * concerns money is recorded, exactly once per (source, Fineract transaction id):
 * - `CLIENTCHARGE/PAY` → source `fineract-charge`, matched by the client charge id;
 * - `SAVINGSACCOUNT/DEPOSIT` → source `fineract-savings`, matched by an invoice code in the receipt number or
 *   the note;
 * - a failure delivery (`status: "Exception"`) of those events, and withdrawals → recorded `ignored`, never money;
 * - a delivery that matches no invoice → recorded `needs_attention` with the reason (the hook is not retried, so
 *   refusing it would lose the payment).
 * Any other entity/action is refused with a ValidationError (400) and nothing is recorded: the Fineract hook should
 * subscribe to the events above only, and a wrong subscription must be visible, not silently stored.
 *
 * @param ctx - flow context
 * @param delivery - headers and body as received (the body as text keeps amounts exact)
 * @returns the outcome (`duplicate` for a replay)
 * @throws ValidationError for a malformed delivery or an unsupported event
 * @throws ConflictError when a known transaction id comes with a different body
 */
export function handleFineractHook(ctx: PaymentFlowContext, delivery: HookDeliveryInput): HookOutcome {
  const parsed = parseHookDelivery(delivery);
  const event = `${parsed.entityName}/${parsed.actionName}`;
  const requestText = canonicalText(delivery.body);
  switch (parsed.kind) {
    case 'clientChargePaid':
      return withEvent(event, recordIncomingPayment(ctx, chargePayment(ctx, parsed, requestText)), parsed);
    case 'savingsDeposit':
    case 'savingsWithdrawal':
      return withEvent(event, recordIncomingPayment(ctx, savingsPayment(ctx, parsed, requestText)), parsed);
    case 'failure':
      if (!MONEY_EVENTS.has(event)) {
        throw unsupported(event);
      }
      return withEvent(event, recordIncomingPayment(ctx, failurePayment(parsed, event, requestText)), parsed);
    case 'other':
      throw unsupported(event);
  }
}

function withEvent(event: string, outcome: PaymentOutcome, parsed: HookDelivery): HookOutcome {
  return {
    ...outcome,
    event,
    fineractTransactionId:
      'transactionId' in parsed ? String(parsed.transactionId) : outcome.payment.sourceTxnId,
  };
}

function chargePayment(
  ctx: PaymentFlowContext,
  d: ClientChargePaidDelivery,
  requestText: string,
): IncomingPayment {
  const invoice = ctx.repos.ledger.getInvoiceByFineractCharge(d.clientChargeId);
  // The charge is created in the invoice's currency (a client charge has no other); the hook does not repeat it.
  return {
    source: 'fineract-charge',
    sourceTxnId: String(d.transactionId),
    invoice,
    unmatchedReason: `Fineract client charge ${d.clientChargeId} (client ${d.clientId}) collects no known invoice`,
    amount: d.amount,
    currency: undefined,
    payerRef: `fineract-client:${d.clientId}`,
    reference: d.receiptNumber ?? d.transactionExternalId ?? `client-charge:${d.clientChargeId}`,
    requestText,
    sameAsRequestText: catchUpRequestText(d.clientChargeId, String(d.transactionId), d.amount),
  };
}

/** Receipt prefix of the refund deposit of a failed Mojaloop payout (libs/flows/claim, rails/mojaloop.ts). */
const REFUND_PREFIX = 'refund-';

function savingsPayment(
  ctx: PaymentFlowContext,
  d: SavingsTransactionDelivery,
  requestText: string,
): IncomingPayment {
  const base = {
    source: 'fineract-savings' as const,
    sourceTxnId: String(d.transactionId),
    amount: d.amount,
    currency: undefined,
    payerRef: `fineract-savings:${d.savingsId}`,
    reference: d.receiptNumber ?? d.note ?? null,
    requestText,
    sameAsRequestText: catchUpSavingsRequestText(d.savingsId, String(d.transactionId), d.amount),
  };
  if (d.kind === 'savingsWithdrawal') {
    return { ...base, invoice: undefined, ignoreReason: 'savings withdrawal: not a contribution payment' };
  }
  const invoice = findInvoiceByCode(ctx, d.receiptNumber, d.note);
  // The claim mediator's own payout to a health facility (receipt = claim code, same amount): kept, never money in.
  const payout =
    invoice === undefined && d.receiptNumber !== undefined
      ? ctx.repos.payouts
          .findByCode(d.receiptNumber)
          .find((p) => p.kind === 'claim' && p.rail === 'fineract' && new Decimal(p.amount).equals(d.amount))
      : undefined;
  if (payout !== undefined) {
    return {
      ...base,
      invoice: undefined,
      ignoreReason: `claim payout ${payout.payoutKey} to a health facility`,
    };
  }
  // A failed payout's money put back into the scheme's payout float (Mojaloop rail, receipt `refund-<code>`):
  // not a contribution.
  const refunded =
    invoice === undefined && d.receiptNumber?.startsWith(REFUND_PREFIX)
      ? ctx.repos.payouts.findByCode(d.receiptNumber.slice(REFUND_PREFIX.length))[0]
      : undefined;
  if (refunded !== undefined) {
    return {
      ...base,
      invoice: undefined,
      ignoreReason: `refund of payout ${refunded.payoutKey} into the payout float`,
    };
  }
  return {
    ...base,
    invoice,
    ...(invoice !== undefined ? { reference: invoice.code } : {}),
    unmatchedReason: `savings deposit ${d.transactionId} to account ${d.savingsId}: no invoice code in receipt ${JSON.stringify(d.receiptNumber ?? '')} or note`,
  };
}

function failurePayment(d: FailureDelivery, event: string, requestText: string): IncomingPayment {
  // A failed command has no transaction id: the body's hash identifies the delivery, so a replay is a no-op.
  return {
    source: event.startsWith('CLIENTCHARGE') ? 'fineract-charge' : 'fineract-savings',
    sourceTxnId: `failure:${requestHashShort(requestText)}`,
    invoice: undefined,
    amount: '0',
    currency: undefined,
    reference: d.errorCode ?? null,
    requestText,
    ignoreReason: `failed ${event} (${d.statusCode ?? '?'} ${d.errorCode ?? ''}): ${d.errorMessage ?? 'no message'}`,
  };
}

function canonicalText(body: unknown): string {
  if (typeof body === 'string') {
    return body;
  }
  if (Buffer.isBuffer(body)) {
    return body.toString('utf8');
  }
  return JSON.stringify(body);
}

function requestHashShort(text: string): string {
  return requestHash(text).slice(0, 32);
}

function unsupported(event: string): ValidationError {
  return new ValidationError(
    `Fineract hook event ${event} is not handled: subscribe the hook to CLIENTCHARGE/PAY and SAVINGSACCOUNT/DEPOSIT only`,
    { issues: [{ message: `unsupported event ${event}`, location: 'entityName', code: 'not-supported' }] },
  );
}
