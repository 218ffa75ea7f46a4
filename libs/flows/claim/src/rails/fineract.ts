import {
  FineractError,
  type FineractClient,
  type SavingsTransactionRequest,
} from '@payment-layer/mifos-fineract-client';
import { MediatorError } from '@payment-layer/shared-errors';
import { PayoutLeaseLostError } from '@payment-layer/staging-db';
import type { PayoutInstruction, PayoutRail, RailContext, RailResult } from '../rail';

/** What the Fineract rail saves before each deposit attempt (rail-private). */
export interface FineractRailProgress {
  /** The account deposited into. */
  readonly savingsId: number;
  /** Idempotency attempt whose key may have been sent (0: nothing sent yet). */
  readonly attempt: number;
  /** Transaction date of the deposit as first sent (a retry on a later day sends the same body). */
  readonly transactionDate: string;
  /** The deposit, once known. */
  readonly transactionId?: number;
}

/** Options of {@link createFineractRail}. */
export interface FineractRailOptions {
  readonly fineract: FineractClient;
  /** Payment type of the deposits (operator config in force). */
  readonly paymentTypeId: () => number;
}

function progressOf(raw: Readonly<Record<string, unknown>> | null): Partial<FineractRailProgress> {
  if (raw === null) {
    return {};
  }
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
  const savingsId = num(raw.savingsId);
  const attempt = num(raw.attempt);
  const transactionId = num(raw.transactionId);
  return {
    ...(savingsId !== undefined ? { savingsId } : {}),
    ...(attempt !== undefined ? { attempt } : {}),
    ...(typeof raw.transactionDate === 'string' ? { transactionDate: raw.transactionDate } : {}),
    ...(transactionId !== undefined ? { transactionId } : {}),
  };
}

/**
 * The Fineract payout rail: one deposit into the facility's savings account, receipt number = the claim or bill code,
 * exactly once across timeouts, 5xx answers and a killed process. Savings transactions have no externalId
 * (fineract.md §6.3), so:
 * - the attempt is saved (`ctx.save`) before each key is first sent, with the account and the transaction date;
 * - a call that finds a saved attempt reads the account's transactions back and matches the receipt number and
 *   amount before anything is sent again (the key of a purged command cannot be trusted to replay);
 * - the Idempotency-Key is stable per payout (`payout:<payoutKey>`, attempt n); the client's write loop renews it only
 *   after an error answer and a read-back that found nothing;
 * - a refusal (Fineract 4xx) fails the payout with the reason and saves the next attempt, so an operator's retry is
 *   not answered by the stored refusal.
 *
 * @param options - Fineract client and payment type
 * @returns the rail
 */
export function createFineractRail(options: FineractRailOptions): PayoutRail {
  return {
    name: 'fineract',
    async pay(instruction: PayoutInstruction, ctx: RailContext): Promise<RailResult> {
      const saved = progressOf(ctx.progress);
      if (saved.transactionId !== undefined) {
        return { status: 'paid', reference: String(saved.transactionId) };
      }
      const savingsId = saved.savingsId ?? instruction.facility.fineractSavingsAccountId;
      if (savingsId === undefined) {
        return {
          status: 'failed',
          reason: `health facility ${instruction.facility.code} has no Fineract savings account`,
          compensated: false,
        };
      }
      const transactionDate = saved.transactionDate ?? ctx.now().toISOString().slice(0, 10);
      let attempt = saved.attempt ?? 0;
      const done = (transactionId: number): RailResult => {
        ctx.save({ savingsId, attempt, transactionDate, transactionId });
        return { status: 'paid', reference: String(transactionId) };
      };
      if (attempt > 0) {
        // An earlier call sent a deposit whose outcome it never learnt (timeout, crash): look before writing again.
        const found = await options.fineract.findSavingsTransactionByReceipt(savingsId, {
          kind: 'deposit',
          receiptNumber: instruction.code,
          transactionAmount: instruction.amount,
        });
        if (found !== undefined) {
          ctx.log.info(
            { payoutKey: instruction.payoutKey, savingsId, transactionId: found.id },
            'payout deposit found by read-back',
          );
          return done(found.id);
        }
      }
      const body: SavingsTransactionRequest = {
        transactionDate,
        transactionAmount: instruction.amount,
        paymentTypeId: options.paymentTypeId(),
        receiptNumber: instruction.code,
        note: `openIMIS ${instruction.payoutKey.replace(/:.*/, '')} ${instruction.code} payout`,
      };
      try {
        const r = await options.fineract.depositToSavingsAccount(savingsId, body, {
          operationKey: `payout:${instruction.payoutKey}`,
          attempt: Math.max(1, attempt),
          uniqueReceipt: true,
          onAttempt: (n) => {
            attempt = n;
            ctx.save({ savingsId, attempt: n, transactionDate });
          },
        });
        if (r.resourceId === undefined) {
          return { status: 'pending', reason: 'Fineract answered the deposit without its transaction id' };
        }
        return done(r.resourceId);
      } catch (err) {
        if (err instanceof PayoutLeaseLostError) {
          throw err;
        }
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof FineractError && err.statusCode === 422) {
          // Refused: nothing was deposited under this key (earlier keys were read back). A retry uses the next one.
          ctx.save({ savingsId, attempt: attempt + 1, transactionDate });
          return { status: 'failed', reason: `Fineract refused the deposit: ${reason}`, compensated: false };
        }
        if (err instanceof MediatorError && !err.retryable && !(err instanceof FineractError)) {
          return { status: 'failed', reason, compensated: false };
        }
        return { status: 'pending', reason: `outcome unknown or Fineract unavailable: ${reason}` };
      }
    },
  };
}
