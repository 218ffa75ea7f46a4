import { ValidationError } from '@payment-layer/shared-errors';
import {
  currencyMinorUnits,
  isPositive,
  MOJALOOP_AMOUNT_PATTERN,
  parseAmount,
  toMojaloopAmount,
  type Money,
} from '@payment-layer/shared-money';

function invalid(location: string, message: string): ValidationError {
  return new ValidationError(`${location}: ${message}`, {
    issues: [{ message, location, code: 'value' }],
  });
}

/**
 * Spells an amount in Mojaloop's `Amount` format (payments.md §3.2): parsed exactly (never through a JS number),
 * checked against the currency's minor units, then written without trailing zeros (`"150000.50"` → `"150000.5"`).
 *
 * @param amount - decimal string (or a JSON number from openIMIS with at most 15 significant digits)
 * @param currency - ISO 4217 code
 * @param location - field name for errors
 * @returns a string matching `MOJALOOP_AMOUNT_PATTERN`
 * @throws ValidationError for a malformed, negative or over-precise amount or an unknown currency
 */
export function toMojaloopAmountString(amount: unknown, currency: string, location = 'amount'): string {
  const m = parseAmount(amount, currency, location);
  const text = toMojaloopAmount(m);
  if (!MOJALOOP_AMOUNT_PATTERN.test(text)) {
    throw invalid(location, `${text} is not a Mojaloop Amount`);
  }
  return text;
}

/**
 * Reads an amount the SDK sent: it must already be in the `Amount` format (the SDK rejects anything else, so a
 * different spelling means a broken peer) and fit the currency's minor units.
 *
 * @param amount - the string as received
 * @param currency - ISO 4217 code sent with it
 * @param location - field name for errors
 * @returns canonical {@link Money} (the currency's scale, e.g. `"150000.50"` for TZS)
 * @throws ValidationError when the text does not match the pattern or has more decimals than the currency
 */
export function parseMojaloopAmount(amount: unknown, currency: unknown, location = 'amount'): Money {
  if (typeof amount !== 'string' || !MOJALOOP_AMOUNT_PATTERN.test(amount)) {
    throw invalid(location, `${JSON.stringify(amount)} does not match the Mojaloop Amount pattern`);
  }
  if (typeof currency !== 'string') {
    throw invalid(`${location}.currency`, 'currency is required');
  }
  currencyMinorUnits(currency, `${location}.currency`);
  return parseAmount(amount, currency, location);
}

/**
 * Like {@link toMojaloopAmountString}, for an amount that must be above zero (a transfer of nothing is refused).
 *
 * @param amount - decimal string
 * @param currency - ISO 4217 code
 * @param location - field name for errors
 * @returns the `Amount` string
 * @throws ValidationError for zero or any amount {@link toMojaloopAmountString} refuses
 */
export function toPositiveMojaloopAmount(amount: unknown, currency: string, location = 'amount'): string {
  const text = toMojaloopAmountString(amount, currency, location);
  if (!isPositive(parseAmount(text, currency, location))) {
    throw invalid(location, 'must be greater than zero');
  }
  return text;
}
