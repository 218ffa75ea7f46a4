import { ValidationError } from '@payment-layer/shared-errors';
import { decimalFromResponse } from './amount';
import { parseFineractDate } from './dates';

/** Response fields that carry money (BigDecimal, sent by Fineract as JSON numbers). */
const AMOUNT_KEYS = new Set([
  'amount',
  'transactionAmount',
  'runningBalance',
  'accountBalance',
  'availableBalance',
  'totalDeposits',
  'totalWithdrawals',
  'amountPaid',
  'amountWaived',
  'amountWrittenOff',
  'amountOutstanding',
  'minRequiredOpeningBalance',
  'overdraftLimit',
]);

/**
 * Normalises a parsed Fineract answer in place of the typed reads: `[y, m, d]` arrays under date-named keys become
 * `YYYY-MM-DD`, and numeric amounts become decimal strings, so callers never see either form.
 *
 * @param value - parsed JSON
 * @param key - the key this value sits under (internal)
 * @returns a normalised copy
 */
export function normaliseResponse(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    if (/date/i.test(key) && value.length === 3 && value.every((n) => Number.isInteger(n))) {
      return parseFineractDate(value);
    }
    return value.map((v) => normaliseResponse(v));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = normaliseResponse(v, k);
    }
    return out;
  }
  if (typeof value === 'number' && AMOUNT_KEYS.has(key)) {
    return decimalFromResponse(value, key);
  }
  return value;
}

/**
 * Rejects keys outside an endpoint's whitelist before sending, as Fineract would (400 `error.msg.parameter.unsupported`),
 * so a foreign object passed through by mistake fails here with the key named. Undefined values are dropped.
 *
 * @param body - the body about to be sent
 * @param allowed - the endpoint's whitelist
 * @param where - endpoint label for the message
 * @returns a copy without undefined values
 * @throws ValidationError naming the first unsupported key
 */
export function onlyWhitelisted(
  body: object,
  allowed: ReadonlySet<string>,
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) {
      continue;
    }
    if (!allowed.has(k)) {
      throw new ValidationError(`${where}: unsupported parameter ${k}`, {
        issues: [{ message: 'not accepted by Fineract', location: k, code: 'not-supported' }],
      });
    }
    out[k] = v;
  }
  return out;
}

/**
 * Fails with a {@link ValidationError} naming the field.
 *
 * @param field - the offending field
 * @param message - what is wrong
 * @returns never
 */
export function invalid(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, {
    issues: [{ message, location: field, code: 'value' }],
  });
}
