import { ValidationError } from '@payment-layer/shared-errors';

/**
 * A money amount as a plain decimal string (`"15000.50"`), the form Fineract reads without locale rules.
 * No arithmetic happens in this library; callers build amounts with `@payment-layer/shared-money`.
 */
export type DecimalString = string;

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Checks that a value is a plain decimal string (no exponent, no thousands separator, no sign `+`).
 *
 * @param value - the amount
 * @param field - field name used in the error
 * @returns the same string
 * @throws ValidationError when it is not a decimal string
 */
export function assertDecimalString(value: unknown, field: string): DecimalString {
  // Plug-in point for @payment-layer/shared-money: replace with its parse/validate once it lands.
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new ValidationError(`${field} must be a decimal string such as "150.00"`, {
      issues: [{ message: 'expected a decimal string', location: field, code: 'value' }],
    });
  }
  return value;
}

/**
 * Checks that an amount is a strictly positive decimal string (Fineract rejects zero and negative amounts).
 *
 * @param value - the amount
 * @param field - field name used in the error
 * @returns the same string
 * @throws ValidationError when it is not a decimal string greater than zero
 */
export function assertPositiveAmount(value: unknown, field: string): DecimalString {
  const s = assertDecimalString(value, field);
  // Sign and all-zero checks on the text; no number conversion (money is never a float).
  if (s.startsWith('-') || /^0+(\.0+)?$/.test(s)) {
    throw new ValidationError(`${field} must be greater than zero`, {
      issues: [{ message: 'must be > 0', location: field, code: 'value' }],
    });
  }
  return s;
}

/**
 * Turns an amount read from a Fineract response (a JSON number or a string) into a decimal string.
 *
 * @param value - the amount as Fineract answered it
 * @param field - field name used in the error
 * @returns a decimal string
 * @throws ValidationError when absent or not a finite decimal
 */
export function decimalFromResponse(value: unknown, field: string): DecimalString {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Fineract serialises BigDecimal as a JSON number; JSON.parse already made it a double. Exact for amounts with
    // ≤ 15 significant digits. Plug-in point for @payment-layer/shared-money (parse from the raw text).
    const text = String(value);
    if (DECIMAL.test(text)) {
      return text;
    }
  }
  return assertDecimalString(value, field);
}

/**
 * Whether two decimal strings denote the same amount, compared on their text after dropping insignificant zeros.
 *
 * @param a - a decimal string
 * @param b - a decimal string
 * @returns true when equal in value
 */
export function sameAmount(a: DecimalString, b: DecimalString): boolean {
  // Plug-in point for @payment-layer/shared-money (`equals`); text normalisation is exact for decimal strings.
  return normalise(a) === normalise(b);
}

function normalise(s: string): string {
  let neg = s.startsWith('-');
  let body = neg ? s.slice(1) : s;
  let [int = '0', frac = ''] = body.split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  body = frac ? `${int}.${frac}` : int;
  if (body === '0') {
    neg = false;
  }
  return neg ? `-${body}` : body;
}
