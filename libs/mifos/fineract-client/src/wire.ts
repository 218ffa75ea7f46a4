import { ValidationError } from '@payment-layer/shared-errors';
import { decimalFromResponse } from './amount';
import { parseFineractDate } from './dates';

/** Response fields that carry money (BigDecimal, sent by Fineract as JSON numbers). */
export const AMOUNT_KEYS: ReadonlySet<string> = new Set([
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

const NUMBER_AT_AMOUNT_KEY = /"([A-Za-z]+)"(\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[,}\]])/g;

/**
 * Parses Fineract JSON text with every number under a money key ({@link AMOUNT_KEYS}) kept as its exact decimal
 * text: `JSON.parse` would turn `12345678901234567.89` into a double and lose digits. Inside JSON strings a quote is
 * always escaped, so a key pattern cannot match text inside a string value.
 *
 * @param text - JSON text from Fineract
 * @returns the parsed value, amounts as decimal strings
 * @throws SyntaxError when the text is not JSON
 */
export function parseFineractJson(text: string): unknown {
  const quoted = text.replace(NUMBER_AT_AMOUNT_KEY, (whole, key: string, sep: string, num: string) =>
    AMOUNT_KEYS.has(key) ? `"${key}"${sep}"${plainDecimal(num)}"` : whole,
  );
  return JSON.parse(quoted) as unknown;
}

/**
 * Writes a JSON number literal as a plain decimal string, expanding an exponent by moving the decimal point on the
 * digits (no floating point involved).
 *
 * @param literal - a JSON number literal such as `1.5E+3`
 * @returns `1500`
 */
export function plainDecimal(literal: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) {
    return literal;
  }
  const [, sign = '', int = '', frac = '', exp] = m;
  if (exp === undefined) {
    return literal;
  }
  const shift = Number.parseInt(exp, 10);
  const digits = int + frac;
  let point = int.length + shift;
  let padded = digits;
  if (point <= 0) {
    padded = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    padded = digits + '0'.repeat(point - digits.length);
  }
  const whole = padded.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = padded.slice(point).replace(/0+$/, '');
  return `${sign}${whole}${rest ? `.${rest}` : ''}`;
}

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
    if (/^date$|Date$|^dateOf/.test(key) && value.length === 3 && value.every((n) => Number.isInteger(n))) {
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
