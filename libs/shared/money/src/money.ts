import { Decimal } from 'decimal.js';
import { ValidationError, type IssueCode } from '@payment-layer/shared-errors';
import { CURRENCY_MINOR_UNITS } from './currencies';

/**
 * An amount of money: a canonical decimal string (no exponent, no grouping, exactly the currency's minor
 * units as decimals, e.g. `"10000.00"` for USD, `"500"` for UGX) and its ISO 4217 currency code.
 */
export interface Money {
  readonly amount: string;
  readonly currency: string;
}

/** The FHIR `Money` shape as it arrives after `JSON.parse` (value may also be a decimal string). */
export interface FhirMoneyInput {
  readonly value?: unknown;
  readonly currency?: unknown;
}

/** The FHIR `Money` shape we emit (e.g. PaymentNotice.amount): a JSON number produced from a decimal string. */
export interface FhirMoneyOutput {
  readonly value: number;
  readonly currency: string;
}

/** Two amounts in different currencies were combined. → 400, like any other invalid input. */
export class CurrencyMismatchError extends ValidationError {
  /** Currency of the left operand. */
  readonly expected: string;
  /** Currency of the right operand. */
  readonly actual: string;

  constructor(expected: string, actual: string, location?: string) {
    const message = `currency mismatch: expected ${expected}, got ${actual}`;
    super(message, { issues: [{ message, code: 'value', ...(location === undefined ? {} : { location }) }] });
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * The Mojaloop FSPIOP `Amount` pattern (payments.md §3.2): up to 18 integer digits, up to 4 decimals, no
 * trailing zeros, no sign, no exponent.
 */
export const MOJALOOP_AMOUNT_PATTERN = /^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$/;

/** A double holds every decimal of up to 15 significant digits exactly; beyond that, digits may be invented. */
export const MAX_JSON_NUMBER_SIGNIFICANT_DIGITS = 15;

/** Largest number of integer digits we accept (Mojaloop's limit, above Fineract's and openIMIS' columns). */
export const MAX_INTEGER_DIGITS = 18;

/** Mojaloop amounts carry at most 4 decimals; so do all ISO 4217 currencies. */
const MAX_SCALE = 4;

// A private Decimal constructor: enough precision that sums never round, and no exponent notation in toString.
const D = Decimal.clone({
  precision: 64,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -64,
  toExpPos: 64,
});

const DECIMAL_STRING = /^-?\d+(\.\d+)?$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;

function invalid(message: string, location: string | undefined, code: IssueCode = 'value'): ValidationError {
  return new ValidationError(message, {
    issues: [{ message, code, ...(location === undefined ? {} : { location }) }],
  });
}

/**
 * Whether a string is an ISO 4217 code with minor units that we handle.
 *
 * @param code - candidate code, e.g. `USD`
 * @returns true for known codes (upper case only)
 */
export function isCurrencyCode(code: unknown): code is string {
  return typeof code === 'string' && CURRENCY_CODE.test(code) && CURRENCY_MINOR_UNITS.has(code);
}

/**
 * The number of decimals of a currency (ISO 4217 minor units).
 *
 * @param currency - ISO 4217 code
 * @param location - FHIRPath-like location of the currency, for the error
 * @returns 0, 2, 3 or 4
 * @throws ValidationError for anything that is not a known ISO 4217 code (e.g. `$`)
 */
export function currencyMinorUnits(currency: unknown, location?: string): number {
  const units = typeof currency === 'string' ? CURRENCY_MINOR_UNITS.get(currency) : undefined;
  if (units === undefined) {
    throw invalid(`unknown currency ${JSON.stringify(currency)}: expected an ISO 4217 code`, location);
  }
  return units;
}

function checked(value: Decimal, currency: string, location: string | undefined): Money {
  const units = currencyMinorUnits(currency, location);
  const scale = Math.min(units, MAX_SCALE);
  if (value.decimalPlaces() > scale) {
    throw invalid(`amount ${value.toFixed()} has more than ${scale} decimals for ${currency}`, location);
  }
  const integerDigits = value.abs().truncated().toFixed().length;
  if (integerDigits > MAX_INTEGER_DIGITS) {
    throw invalid(`amount has more than ${MAX_INTEGER_DIGITS} integer digits`, location);
  }
  // -0 and 0 are the same amount; keep one spelling so that string equality is value equality.
  const normalized = value.isZero() ? new D(0) : value;
  return { amount: normalized.toFixed(scale), currency };
}

/**
 * Parses an amount that is either a decimal string or a JSON number, in a known currency.
 *
 * Strings must be plain decimals (`-12.50`, no exponent, no grouping, no `+`). Numbers are accepted only if
 * finite and if their shortest decimal representation has at most 15 significant digits (otherwise the double
 * may not be the value that was meant). In both cases the amount may not have more decimals than the
 * currency's minor units (trailing zeros do not count), and is never rounded.
 *
 * @param value - a decimal string or a number
 * @param currency - ISO 4217 code
 * @param location - FHIRPath-like location for error messages, e.g. `Invoice.totalGross.value`
 * @returns canonical {@link Money}
 * @throws ValidationError when the value is not an exact amount in that currency
 */
export function parseAmount(value: unknown, currency: string, location?: string): Money {
  if (typeof value === 'string') {
    if (!DECIMAL_STRING.test(value)) {
      throw invalid(`amount ${JSON.stringify(value)} is not a plain decimal string`, location);
    }
    return checked(new D(value), currency, location);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw invalid(`amount ${String(value)} is not a finite number`, location);
    }
    // String(n) is the shortest decimal that reads back as the same double (ECMAScript Number::toString).
    const shortest = new D(String(value));
    if (shortest.precision(true) > MAX_JSON_NUMBER_SIGNIFICANT_DIGITS) {
      throw invalid(
        `amount ${String(value)} has more than ${MAX_JSON_NUMBER_SIGNIFICANT_DIGITS} significant digits: send it as a decimal string`,
        location,
      );
    }
    return checked(shortest, currency, location);
  }
  throw invalid(
    `amount must be a decimal string or a number, got ${value === null ? 'null' : typeof value}`,
    location,
    'required',
  );
}

/**
 * Canonicalises a decimal without a currency (quantities, rates, amounts whose currency is checked elsewhere):
 * same input rules as {@link parseAmount}, result without trailing zeros (`"10000.0"` → `"10000"`).
 *
 * @param value - a decimal string or a number
 * @param options - `maxDecimals` (default 4, Mojaloop's and every ISO currency's limit) and `location` for errors
 * @returns plain decimal string, no exponent, no grouping
 * @throws ValidationError when the value is not an exact decimal within the limits
 */
export function parseDecimal(
  value: unknown,
  options: { readonly maxDecimals?: number; readonly location?: string } = {},
): string {
  const { maxDecimals = MAX_SCALE, location } = options;
  let d: Decimal;
  if (typeof value === 'string') {
    if (!DECIMAL_STRING.test(value)) {
      throw invalid(`${JSON.stringify(value)} is not a plain decimal string`, location);
    }
    d = new D(value);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw invalid(`${String(value)} is not a finite number`, location);
    }
    d = new D(String(value));
    if (d.precision(true) > MAX_JSON_NUMBER_SIGNIFICANT_DIGITS) {
      throw invalid(
        `${String(value)} has more than ${MAX_JSON_NUMBER_SIGNIFICANT_DIGITS} significant digits: send it as a decimal string`,
        location,
      );
    }
  } else {
    throw invalid(
      `expected a decimal string or a number, got ${value === null ? 'null' : typeof value}`,
      location,
    );
  }
  if (d.decimalPlaces() > maxDecimals) {
    throw invalid(`${d.toFixed()} has more than ${maxDecimals} decimals`, location);
  }
  if (d.abs().truncated().toFixed().length > MAX_INTEGER_DIGITS) {
    throw invalid(`more than ${MAX_INTEGER_DIGITS} integer digits`, location);
  }
  return d.isZero() ? '0' : d.toFixed();
}

/**
 * Builds {@link Money} from a decimal string and a currency code.
 *
 * @param amount - plain decimal string, e.g. `"150000.5"`
 * @param currency - ISO 4217 code
 * @returns canonical {@link Money}
 * @throws ValidationError on a malformed amount or unknown currency
 */
export function money(amount: string, currency: string): Money {
  return parseAmount(amount, currency);
}

/** Options of {@link parseFhirMoney}: rules an amount must meet beyond being exact in a known currency. */
export interface FhirMoneyRules {
  /** The only currency accepted (e.g. the deployment's configured one); another one is a 400 naming `.currency`. */
  readonly currency?: string;
  /** The amount must be greater than zero (a charge, a line item); zero or negative is a 400 naming `.value`. */
  readonly positive?: boolean;
}

/**
 * Parses a FHIR `Money` element (`{ value, currency }`) as found in openIMIS resources. The value must be exact in
 * its currency: more decimals than the currency's minor units (`10.001` USD) are refused, never rounded.
 *
 * @param input - the parsed FHIR element
 * @param location - FHIRPath-like location of the element, e.g. `Invoice.totalGross`
 * @param rules - expected currency and sign
 * @returns canonical {@link Money}
 * @throws ValidationError when the element, its value or its currency is missing or invalid, or breaks a rule
 */
export function parseFhirMoney(input: unknown, location = 'Money', rules: FhirMoneyRules = {}): Money {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid('Money is required', location, 'required');
  }
  const { value, currency } = input as FhirMoneyInput;
  if (currency === undefined) {
    throw invalid('Money.currency is required', `${location}.currency`, 'required');
  }
  if (!isCurrencyCode(currency)) {
    currencyMinorUnits(currency, `${location}.currency`);
  }
  if (rules.currency !== undefined && currency !== rules.currency) {
    throw new CurrencyMismatchError(rules.currency, currency as string, `${location}.currency`);
  }
  if (value === undefined || value === null) {
    throw invalid('Money.value is required', `${location}.value`, 'required');
  }
  const m = parseAmount(value, currency as string, `${location}.value`);
  if (rules.positive === true && !isPositive(m)) {
    throw invalid(`${location}.value must be greater than zero`, `${location}.value`);
  }
  return m;
}

/**
 * The amount as Fineract wants it: a plain decimal string with the currency's decimals (`"10000.00"`).
 *
 * @param m - amount
 * @returns decimal string without exponent or grouping
 */
export function toFineractAmount(m: Money): string {
  return m.amount;
}

/**
 * The amount in Mojaloop's `Amount` format (no trailing zeros, at most 4 decimals, no sign).
 *
 * @param m - a non-negative amount
 * @returns a string matching {@link MOJALOOP_AMOUNT_PATTERN}
 * @throws ValidationError for negative amounts
 */
export function toMojaloopAmount(m: Money): string {
  const d = new D(m.amount);
  if (d.isNegative() && !d.isZero()) {
    throw invalid(`Mojaloop amounts cannot be negative: ${m.amount}`, undefined);
  }
  // decimal.js keeps no trailing zeros, so toFixed() without an argument is the shortest plain spelling.
  return d.isZero() ? '0' : d.toFixed();
}

/**
 * The amount as a FHIR `Money` with a JSON number value (openIMIS PaymentNotice). The number reads back as
 * exactly the decimal, because canonical amounts have at most 15 significant digits here (checked).
 *
 * @param m - amount
 * @returns `{ value, currency }`
 * @throws ValidationError when the amount cannot travel as a JSON number without loss
 */
export function toFhirMoney(m: Money): FhirMoneyOutput {
  const d = new D(m.amount);
  if (d.precision(false) > MAX_JSON_NUMBER_SIGNIFICANT_DIGITS) {
    throw invalid(`amount ${m.amount} cannot be sent as a JSON number without loss`, undefined);
  }
  const value = d.toNumber();
  if (!new D(String(value)).equals(d)) {
    throw invalid(`amount ${m.amount} cannot be sent as a JSON number without loss`, undefined);
  }
  return { value, currency: m.currency };
}

/**
 * The amount as a decimal.js value, for arithmetic that this module does not offer.
 *
 * @param m - amount
 * @returns a Decimal
 */
export function toDecimal(m: Money): Decimal {
  return new D(m.amount);
}

/**
 * Throws unless both amounts have the same currency.
 *
 * @param a - first amount
 * @param b - second amount
 * @param location - location of `b` for the error, when known
 * @throws CurrencyMismatchError
 */
export function assertSameCurrency(a: Money, b: Money, location?: string): void {
  if (a.currency !== b.currency) {
    throw new CurrencyMismatchError(a.currency, b.currency, location);
  }
}

/**
 * Orders two amounts of the same currency.
 *
 * @returns -1, 0 or 1
 * @throws CurrencyMismatchError
 */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return new D(a.amount).comparedTo(new D(b.amount)) as -1 | 0 | 1;
}

/**
 * Whether two amounts are equal (same currency and same value).
 *
 * @returns false for different currencies (never throws)
 */
export function moneyEquals(a: Money, b: Money): boolean {
  return a.currency === b.currency && new D(a.amount).equals(new D(b.amount));
}

/**
 * Adds two amounts of the same currency.
 *
 * @throws CurrencyMismatchError
 */
export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return checked(new D(a.amount).plus(new D(b.amount)), a.currency, undefined);
}

/**
 * Subtracts `b` from `a` (same currency); the result may be negative.
 *
 * @throws CurrencyMismatchError
 */
export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return checked(new D(a.amount).minus(new D(b.amount)), a.currency, undefined);
}

/**
 * Sums amounts of one currency.
 *
 * @param items - amounts (may be empty when `currency` is given)
 * @param currency - the expected currency; required for an empty list
 * @returns the exact sum
 * @throws CurrencyMismatchError when the items mix currencies; ValidationError for an empty list without currency
 */
export function sumMoney(items: readonly Money[], currency?: string): Money {
  const first = items[0];
  const cur = currency ?? first?.currency;
  if (cur === undefined) {
    throw invalid('cannot sum an empty list without a currency', undefined);
  }
  let total = new D(0);
  for (const item of items) {
    if (item.currency !== cur) {
      throw new CurrencyMismatchError(cur, item.currency);
    }
    total = total.plus(new D(item.amount));
  }
  return checked(total, cur, undefined);
}

/** Whether the amount is below zero. */
export function isNegative(m: Money): boolean {
  const d = new D(m.amount);
  return d.isNegative() && !d.isZero();
}

/** Whether the amount is zero. */
export function isZero(m: Money): boolean {
  return new D(m.amount).isZero();
}

/** Whether the amount is above zero. */
export function isPositive(m: Money): boolean {
  const d = new D(m.amount);
  return d.isPositive() && !d.isZero();
}
