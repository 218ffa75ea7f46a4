import {
  compareMoney,
  isNegative,
  moneyEquals,
  subtractMoney,
  type Money,
} from '@payment-layer/shared-money';
import { parseMojaloopAmount } from './amount';
import type { MojaloopMoney, TransferState } from './types';

/**
 * What a transfer means for our ledger:
 * - `paid`: money moved (`COMPLETED` and the switch's fulfil says `COMMITTED`);
 * - `failed`: money did not move and will not (quote rejected, `ABORTED`, an error the switch or payee answered):
 *   the payer side compensates (releases or refunds what it reserved);
 * - `pending`: nothing moved yet, the transfer waits for us (`WAITING_FOR_*`);
 * - `unknown`: anything else (a timeout, a reserved but not committed fulfil, a state we do not know): query
 *   again, never compensate and never post a new transfer.
 */
export type TransferOutcome = 'paid' | 'failed' | 'pending' | 'unknown';

/** {@link transferOutcome} with the reason, for logs and operators. */
export interface TransferOutcomeDetail {
  readonly outcome: TransferOutcome;
  readonly reason: string;
}

const WAITING = new Set([
  'WAITING_FOR_PARTY_ACCEPTANCE',
  'WAITING_FOR_QUOTE_ACCEPTANCE',
  'WAITING_FOR_CONVERSION_ACCEPTANCE',
]);

/**
 * Maps a transfer as the SDK reports it to what it means for the money (payments.md §3.4–3.5).
 *
 * Money moved only when `currentState` is `COMPLETED` **and** `fulfil.body.transferState` is `COMMITTED`. A
 * `COMPLETED` whose fulfil says `ABORTED` failed (the SDK's `GET /transfers/{id}` reports `COMPLETED` for any
 * answer of the switch). `ERROR_OCCURRED` is a failure, except when the outcome may still change: a 504 (the SDK
 * stopped waiting), or a fulfil that already says `COMMITTED` or `RESERVED` — those are `unknown`.
 *
 * @param state - the transfer (from any outbound answer or a `MojaloopError.transferState`)
 * @param httpStatus - HTTP status of the answer that carried it, when it was an error answer
 * @returns outcome and reason
 */
export function transferOutcome(
  state: TransferState | undefined,
  httpStatus?: number,
): TransferOutcomeDetail {
  const current = state?.currentState;
  const ledger = state?.fulfil?.body?.transferState;
  if (httpStatus === 504 || state?.lastError?.httpStatusCode === 504) {
    return { outcome: 'unknown', reason: 'the SDK timed out: the switch may still commit the transfer' };
  }
  switch (current) {
    case 'COMPLETED':
      if (ledger === 'COMMITTED') {
        return { outcome: 'paid', reason: 'COMPLETED with fulfil COMMITTED' };
      }
      if (ledger === 'ABORTED') {
        return { outcome: 'failed', reason: 'COMPLETED but the switch aborted the transfer' };
      }
      return {
        outcome: 'unknown',
        reason: `COMPLETED with fulfil ${ledger ?? 'missing'}: not committed yet`,
      };
    case 'ABORTED':
      return { outcome: 'failed', reason: 'ABORTED (party or quote rejected before any prepare)' };
    case 'ERROR_OCCURRED': {
      if (ledger === 'COMMITTED' || ledger === 'RESERVED') {
        return {
          outcome: 'unknown',
          reason: `ERROR_OCCURRED after a ${ledger} fulfil: query the switch before compensating`,
        };
      }
      const code = state?.lastError?.mojaloopError?.errorInformation?.errorCode;
      return { outcome: 'failed', reason: `ERROR_OCCURRED${code ? ` (${code})` : ''}` };
    }
    case undefined:
      return { outcome: 'unknown', reason: 'no currentState in the answer' };
    default:
      if (WAITING.has(current)) {
        return { outcome: 'pending', reason: current };
      }
      return { outcome: 'unknown', reason: `state ${current} is not one we know: investigate` };
  }
}

/** What the payer approved for a transfer. */
export interface ApprovedAmount {
  /** The amount the payee must receive (openIMIS approved total), in its currency. */
  readonly amount: Money;
  /** The most we accept to pay on top in fees (default zero), same currency. */
  readonly maxFee?: Money;
}

/** Result of {@link checkQuote}. */
export type QuoteCheck =
  | {
      readonly ok: true;
      /** What leaves the payer account (`transferAmount`). */
      readonly transferAmount: Money;
      /** What the payee receives (`payeeReceiveAmount`, or `transferAmount` when absent). */
      readonly payeeReceiveAmount: Money;
      /** `transferAmount` − `payeeReceiveAmount`: what the payee FSP keeps. */
      readonly fee: Money;
    }
  | { readonly ok: false; readonly reasons: readonly string[] };

function money(m: MojaloopMoney | undefined, field: string, reasons: string[]): Money | undefined {
  if (m === undefined) {
    return undefined;
  }
  try {
    return parseMojaloopAmount(m.amount, m.currency, field);
  } catch (err) {
    reasons.push(err instanceof Error ? err.message : `${field} is invalid`);
    return undefined;
  }
}

/**
 * Checks the quote of a transfer waiting for acceptance against what was approved, before any money is committed
 * (payments.md §3.3): the quote exists and has not expired, every amount is in the approved currency, the payee
 * receives exactly the approved amount, and the fee (`transferAmount` − `payeeReceiveAmount`, with the payee FSP's
 * fee and commission counted in) does not exceed `maxFee`. Decimal arithmetic only.
 *
 * @param state - the transfer in `WAITING_FOR_QUOTE_ACCEPTANCE`
 * @param approved - approved amount and fee limit
 * @param now - current time (for `expiration`)
 * @returns the amounts, or every reason to refuse
 */
export function checkQuote(
  state: TransferState,
  approved: ApprovedAmount,
  now: Date = new Date(),
): QuoteCheck {
  const reasons: string[] = [];
  const body = state.quoteResponse?.body;
  if (state.currentState !== 'WAITING_FOR_QUOTE_ACCEPTANCE') {
    reasons.push(`transfer is ${state.currentState ?? 'in no state'}, not WAITING_FOR_QUOTE_ACCEPTANCE`);
  }
  if (body === undefined) {
    return { ok: false, reasons: [...reasons, 'the answer carries no quote'] };
  }
  const currency = approved.amount.currency;
  const transfer = money(body.transferAmount, 'transferAmount', reasons);
  const receive = money(body.payeeReceiveAmount, 'payeeReceiveAmount', reasons) ?? transfer;
  const fspFee = money(body.payeeFspFee, 'payeeFspFee', reasons);
  const commission = money(body.payeeFspCommission, 'payeeFspCommission', reasons);
  for (const [name, m] of [
    ['transferAmount', transfer],
    ['payeeReceiveAmount', receive],
    ['payeeFspFee', fspFee],
    ['payeeFspCommission', commission],
  ] as const) {
    if (m !== undefined && m.currency !== currency) {
      reasons.push(`${name} is in ${m.currency}, the approved amount in ${currency}`);
    }
  }
  if (body.expiration !== undefined) {
    const expires = Date.parse(body.expiration);
    if (Number.isNaN(expires) || expires <= now.getTime()) {
      reasons.push(`the quote expired at ${body.expiration}`);
    }
  }
  if (transfer === undefined || receive === undefined || reasons.length > 0) {
    return { ok: false, reasons: reasons.length > 0 ? reasons : ['the quote has no transferAmount'] };
  }
  if (!moneyEquals(receive, approved.amount)) {
    reasons.push(`the payee would receive ${receive.amount} ${currency}, approved ${approved.amount.amount}`);
  }
  const fee = subtractMoney(transfer, receive);
  if (isNegative(fee)) {
    reasons.push(`transferAmount ${transfer.amount} is below what the payee receives (${receive.amount})`);
  }
  const maxFee = approved.maxFee ?? { amount: '0', currency };
  if (maxFee.currency !== currency) {
    reasons.push(`the fee limit is in ${maxFee.currency}, the approved amount in ${currency}`);
  } else if (compareMoney(fee, maxFee) > 0) {
    reasons.push(`fee ${fee.amount} ${currency} exceeds the limit ${maxFee.amount}`);
  }
  return reasons.length > 0
    ? { ok: false, reasons }
    : { ok: true, transferAmount: transfer, payeeReceiveAmount: receive, fee };
}
