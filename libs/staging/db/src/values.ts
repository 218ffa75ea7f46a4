import { Decimal } from 'decimal.js';
import { ValidationError } from '@payment-layer/shared-errors';

// Input checks shared by the repositories. Every value that identifies something or carries money is checked on
// the way in, so the tables hold one canonical form and look-ups never miss on case or format.

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Plain decimal notation only: no sign, exponent or grouping. openIMIS uses Decimal(18,2); Fineract and Mojaloop
// fit well inside these bounds.
const AMOUNT_RE = /^\d{1,18}(\.\d{1,10})?$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A UUID in its canonical lower-case form (openIMIS serves some UUIDs upper-case).
 *
 * @param value - the id to check
 * @param field - name used in the error
 * @returns the lower-cased UUID
 */
export function canonicalUuid(value: string, field: string): string {
  if (!UUID_RE.test(value)) {
    throw new ValidationError(`${field} must be a UUID`, {
      issues: [{ message: 'not a UUID', location: field }],
    });
  }
  return value.toLowerCase();
}

/**
 * Checks a decimal amount string.
 *
 * @param value - the amount, e.g. `"10000.00"`
 * @param field - name used in the error
 * @returns the amount unchanged
 */
export function checkAmount(value: string, field: string): string {
  if (!AMOUNT_RE.test(value)) {
    throw new ValidationError(`${field} must be a non-negative decimal string`, {
      issues: [{ message: 'not a decimal amount', location: field }],
    });
  }
  return value;
}

/**
 * Checks an ISO 4217 currency code.
 *
 * @param value - e.g. `USD`
 * @param field - name used in the error
 * @returns the code unchanged
 */
export function checkCurrency(value: string, field: string): string {
  if (!CURRENCY_RE.test(value)) {
    throw new ValidationError(`${field} must be an ISO 4217 code`, {
      issues: [{ message: 'not a currency code', location: field }],
    });
  }
  return value;
}

/**
 * Checks an optional calendar date (`YYYY-MM-DD`).
 *
 * @param value - the date or null/undefined
 * @param field - name used in the error
 * @returns the date, or null
 */
export function checkDate(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (!DATE_RE.test(value)) {
    throw new ValidationError(`${field} must be a date YYYY-MM-DD`, {
      issues: [{ message: 'not a date', location: field }],
    });
  }
  return value;
}

/**
 * Checks a non-empty identifier-like string.
 *
 * @param value - the value
 * @param field - name used in the error
 * @param max - maximum length
 * @returns the value unchanged
 */
export function checkText(value: string, field: string, max = 255): string {
  if (value.length === 0 || value.length > max) {
    throw new ValidationError(`${field} must be 1 to ${max} characters`, {
      issues: [{ message: 'bad length', location: field }],
    });
  }
  return value;
}

/**
 * Checks a positive integer id (Fineract ids).
 *
 * @param value - the id
 * @param field - name used in the error
 * @returns the id unchanged
 */
export function checkId(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationError(`${field} must be a positive integer`, {
      issues: [{ message: 'not a positive integer', location: field }],
    });
  }
  return value;
}

/**
 * Timestamps are stored as ISO-8601 UTC with milliseconds (`2026-05-17T10:58:46.000Z`): fixed width, so text
 * order is time order and `<=` comparisons in SQL are correct.
 *
 * @param date - the instant
 * @returns its ISO-8601 UTC form
 */
export function isoTimestamp(date: Date): string {
  if (Number.isNaN(date.getTime())) {
    throw new ValidationError('invalid timestamp');
  }
  const iso = date.toISOString();
  // Years outside 0000-9999 get a sign and break the fixed width.
  if (iso.length !== 24) {
    throw new ValidationError('timestamp out of range');
  }
  return iso;
}

/**
 * Whether two decimal strings denote the same amount (`"10000"` equals `"10000.00"`).
 *
 * @param a - first amount
 * @param b - second amount
 * @returns true when equal as decimals
 */
export function sameAmount(a: string, b: string): boolean {
  return new Decimal(a).equals(new Decimal(b));
}

/**
 * Cuts an error text to a bounded size before it is stored.
 *
 * @param text - the text
 * @param max - maximum length
 * @returns the text, cut when longer than `max`
 */
export function bounded(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Whether an optional value is missing (`null` or `undefined`).
 *
 * @param value - the value
 * @returns true for null and undefined
 */
export function isAbsent(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}
