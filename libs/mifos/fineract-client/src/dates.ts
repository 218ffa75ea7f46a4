import { ValidationError } from '@payment-layer/shared-errors';

/** The one date pattern we send (Java `DateTimeFormatter` syntax, as Fineract expects). */
export const FINERACT_DATE_FORMAT = 'yyyy-MM-dd';
/** The one locale we send; it also governs how Fineract reads numbers. */
export const FINERACT_LOCALE = 'en';

/** A calendar date we send: a JS `Date` (its UTC day is used) or an ISO `YYYY-MM-DD` string. */
export type DateInput = Date | string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Formats a date as `YYYY-MM-DD`, the text that matches {@link FINERACT_DATE_FORMAT}.
 *
 * @param value - a `Date` (UTC day) or a `YYYY-MM-DD` string
 * @param field - field name used in the error
 * @returns the ISO calendar date
 * @throws ValidationError when the value is not a real calendar date
 */
export function toFineractDate(value: DateInput, field = 'date'): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw invalidDate(field, 'Invalid Date');
    }
    return value.toISOString().slice(0, 10);
  }
  const m = ISO_DATE.exec(value);
  if (!m) {
    throw invalidDate(field, value);
  }
  const [y, mo, d] = [m[1], m[2], m[3]].map((s) => Number.parseInt(s ?? '', 10)) as [number, number, number];
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    throw invalidDate(field, value);
  }
  return value;
}

function invalidDate(field: string, value: string): ValidationError {
  return new ValidationError(`${field} is not a YYYY-MM-DD date: ${value}`, {
    issues: [{ message: 'expected a YYYY-MM-DD date', location: field, code: 'value' }],
  });
}

/**
 * Formats the given date fields of a request body and adds `dateFormat` + `locale` when any date is present (and
 * `locale` alone when only amounts are) — the single place where Fineract request dates are produced.
 *
 * @param body - the request body (not modified)
 * @param dateFields - names of the top-level fields holding dates; default: every key ending in `Date` and `dateOfBirth`
 * @returns a copy with dates as `YYYY-MM-DD` and, if any date is present, `dateFormat: 'yyyy-MM-dd'` and `locale: 'en'`
 * @throws ValidationError when a date field holds anything but a `Date` or a `YYYY-MM-DD` string
 * @see ../../../../docs/contracts/fineract.md §2
 */
export function withDates(body: object, dateFields?: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  dateFields ??= Object.keys(out).filter((k) => k.endsWith('Date') || k === 'dateOfBirth');
  let hasDate = false;
  for (const field of dateFields) {
    const v = out[field];
    if (v === undefined || v === null) {
      continue;
    }
    if (!(v instanceof Date) && typeof v !== 'string') {
      throw invalidDate(field, JSON.stringify(v));
    }
    out[field] = toFineractDate(v, field);
    hasDate = true;
  }
  if (hasDate) {
    out['dateFormat'] = FINERACT_DATE_FORMAT;
    out['locale'] = FINERACT_LOCALE;
  } else if (Object.keys(out).some((k) => REQUEST_AMOUNT_KEYS.has(k))) {
    // Fineract reads amounts with extractBigDecimalWithLocaleNamed: a decimal string needs a locale too.
    out['locale'] = FINERACT_LOCALE;
  }
  return out;
}

/** Request fields Fineract parses as localised decimals. */
const REQUEST_AMOUNT_KEYS: ReadonlySet<string> = new Set([
  'amount',
  'transactionAmount',
  'nominalAnnualInterestRate',
  'overdraftLimit',
  'minRequiredOpeningBalance',
]);

/**
 * Parses a Fineract response date: `[yyyy, m, d]` (the usual form), or an ISO `YYYY-MM-DD…` string.
 *
 * @param value - the value from a response
 * @returns `YYYY-MM-DD`, or undefined when the value is absent
 * @throws ValidationError when present but not a date
 */
export function parseFineractDate(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (Array.isArray(value) && value.length >= 3 && value.slice(0, 3).every((n) => Number.isInteger(n))) {
    const [y, m, d] = value as [number, number, number];
    return toFineractDate(`${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`, 'date');
  }
  if (typeof value === 'string' && ISO_DATE.test(value.slice(0, 10))) {
    return toFineractDate(value.slice(0, 10), 'date');
  }
  throw new ValidationError(`not a Fineract date: ${JSON.stringify(value)}`, {
    issues: [{ message: 'expected [yyyy, m, d]', location: 'date', code: 'value' }],
  });
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
