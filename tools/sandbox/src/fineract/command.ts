// The simulator's counterpart of Fineract's JsonCommand + DataValidatorBuilder: a parsed request body whose
// typed extractors validate as Fineract's FromJsonHelper/JsonParserHelper do and collect `errors[]` entries
// with Fineract's codes (`validation.msg.<resource>.<parameter>.<rule>`).

import Decimal from 'decimal.js';
import { isSupportedDatePattern, parseJavaDate } from './dates';
import {
  type FineractParameterError,
  parameterError,
  unsupportedParameters,
  validationErrors,
} from './errors';
import { isJsonObject, type JsonObject, type JsonValue, JsonNumber } from './json';
import { FINERACT_PARAMETER_WHITELISTS } from './whitelists';

const LOCALE = /^[a-z]{2,3}([_-][A-Za-z]{2})?$/;
const PLAIN_DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const GROUPED_DECIMAL = /^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/;

interface Options {
  required?: boolean;
}

/** A command body being validated. */
export class Command {
  /** Field errors collected so far. */
  readonly errors: FineractParameterError[] = [];

  /**
   * @param resource - the resource name used in validation codes (`client`, `savingsaccount`, …)
   * @param body - the parsed JSON object
   */
  constructor(
    readonly resource: string,
    readonly body: JsonObject,
  ) {}

  /**
   * Rejects keys outside the operation's whitelist (400 `error.msg.parameter.unsupported`), like every
   * Fineract validator does first.
   * @param operation - key of FINERACT_PARAMETER_WHITELISTS
   * @throws FineractApiError 400
   */
  checkWhitelist(operation: string): void {
    const allowed = FINERACT_PARAMETER_WHITELISTS[operation] ?? [];
    const unsupported = Object.keys(this.body).filter((k) => !allowed.includes(k));
    if (unsupported.length > 0) {
      throw unsupportedParameters(unsupported);
    }
  }

  /** True when the key is present with a non-null value. */
  has(name: string): boolean {
    const v = this.body[name];
    return v !== undefined && v !== null;
  }

  /** The raw value of a key. */
  raw(name: string): JsonValue | undefined {
    return this.body[name];
  }

  /**
   * Records an error under this command's resource.
   * @param parameter - the parameter
   * @param rule - the rule suffix (`cannot.be.blank`, …)
   * @param message - message
   * @param value - offending value
   * @param args - message arguments
   */
  fail(parameter: string, rule: string, message: string, value: unknown = null, args: unknown[] = []): void {
    this.errors.push(
      parameterError(`validation.msg.${this.resource}.${parameter}.${rule}`, message, parameter, value, args),
    );
  }

  /** Records an error with a code that is not prefixed by the resource. */
  failWithCode(
    code: string,
    message: string,
    parameter: string,
    value: unknown = null,
    args: unknown[] = [],
  ): void {
    this.errors.push(parameterError(code, message, parameter, value, args));
  }

  private blank(name: string): void {
    this.fail(name, 'cannot.be.blank', `The parameter ${name} cannot be blank.`);
  }

  /** Throws 400 with every collected error, if any. */
  throwIfErrors(): void {
    if (this.errors.length > 0) {
      throw validationErrors([...this.errors]);
    }
  }

  /**
   * Reads an integer id/number (JSON number or digit string).
   * @param name - key
   * @param opts - `required`, `positive` (> 0)
   */
  long(name: string, opts: Options & { positive?: boolean } = {}): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null || v === '') {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    const text = v instanceof JsonNumber ? v.text : typeof v === 'string' ? v.trim() : null;
    if (text === null || !/^-?\d+$/.test(text) || !Number.isSafeInteger(parseInt(text, 10))) {
      this.failWithCode(
        'validation.msg.invalid.integer.format',
        `The parameter ${name} has value: ${text ?? JSON.stringify(v)} which is invalid integer value for provided locale.`,
        name,
        text ?? v,
      );
      return undefined;
    }
    const n = parseInt(text, 10);
    if (opts.positive === true && n <= 0) {
      this.fail(name, 'not.greater.than.zero', `The parameter ${name} must be greater than 0.`, n);
      return undefined;
    }
    return n;
  }

  /**
   * Reads a string (JSON strings and numbers, as Gson's `getAsString`).
   * @param name - key
   * @param opts - `required` (not blank), `maxLength`
   */
  string(name: string, opts: Options & { maxLength?: number } = {}): string | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    const s =
      v instanceof JsonNumber
        ? v.text
        : typeof v === 'string'
          ? v
          : typeof v === 'boolean'
            ? String(v)
            : undefined;
    if (s === undefined) {
      this.failWithCode('error.msg.invalid.json', `The parameter ${name} must be a string.`, name);
      return undefined;
    }
    const trimmed = s.trim();
    if (trimmed === '') {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    if (opts.maxLength !== undefined && trimmed.length > opts.maxLength) {
      this.fail(
        name,
        'exceeds.max.length',
        `The parameter ${name} exceeds max length of ${opts.maxLength}.`,
        trimmed,
        [opts.maxLength],
      );
      return undefined;
    }
    return trimmed;
  }

  /**
   * Reads a boolean (JSON boolean or "true"/"false").
   * @param name - key
   * @param opts - `required`
   */
  boolean(name: string, opts: Options = {}): boolean | undefined {
    const v = this.body[name];
    if (v === true || v === 'true') {
      return true;
    }
    if (v === false || v === 'false') {
      return false;
    }
    if ((v === undefined || v === null) && opts.required !== true) {
      return undefined;
    }
    this.fail(
      name,
      'must.be.true.or.false',
      `The parameter ${name} must be set as true or false.`,
      v ?? null,
    );
    return undefined;
  }

  /**
   * Reads a decimal amount: a JSON number (exact literal) or a decimal string, always with a `locale` in the
   * body; grouping separators ("1,000.50") are accepted.
   * @param name - key
   * @param opts - `required`, `positive` (> 0)
   */
  decimal(name: string, opts: Options & { positive?: boolean } = {}): Decimal | undefined {
    const v = this.body[name];
    if (v === undefined || v === null || v === '') {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    // FromJsonHelper.extractBigDecimalWithLocaleNamed converts every amount (number or string) with the locale.
    if (this.localeValue() === undefined) {
      this.failWithCode(
        'validation.msg.missing.locale.parameter',
        `The parameter ${name} requires a locale parameter to be passed with it.`,
        name,
      );
      return undefined;
    }
    let text: string | undefined;
    if (v instanceof JsonNumber) {
      text = v.text;
    } else if (typeof v === 'string') {
      const s = v.trim();
      if (PLAIN_DECIMAL.test(s)) {
        text = s;
      } else if (GROUPED_DECIMAL.test(s)) {
        text = s.replace(/,/g, '');
      }
    }
    if (text === undefined) {
      this.failWithCode(
        'validation.msg.invalid.decimal.format',
        `The parameter ${name} has value: ${typeof v === 'string' ? v : JSON.stringify(v)} which is invalid decimal value for provided locale.`,
        name,
        v,
      );
      return undefined;
    }
    const d = new Decimal(text);
    if (opts.positive === true && d.lte(0)) {
      this.fail(name, 'not.greater.than.zero', `The parameter ${name} must be greater than 0.`, text);
      return undefined;
    }
    return d;
  }

  private localeValue(): string | undefined {
    const l = this.body['locale'];
    return typeof l === 'string' && l.trim() !== '' ? l.trim() : undefined;
  }

  /**
   * Reads a date string with the body's `dateFormat` + `locale` (both required whenever a date is present).
   * @param name - key
   * @param opts - `required`
   * @returns ISO `yyyy-MM-dd`
   */
  date(name: string, opts: Options = {}): string | undefined {
    const v = this.body[name];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    if (typeof v !== 'string') {
      this.failWithCode(
        'validation.msg.invalid.date.format',
        `The parameter ${name} must be a date string.`,
        name,
        v,
      );
      return undefined;
    }
    const format = this.body['dateFormat'];
    const locale = this.localeValue();
    if (typeof format !== 'string' || format.trim() === '') {
      this.failWithCode(
        'validation.msg.missing.dateFormat.parameter',
        `The parameter ${name} requires a dateFormat parameter to be passed with it.`,
        name,
      );
      return undefined;
    }
    if (locale === undefined) {
      this.failWithCode(
        'validation.msg.missing.locale.parameter',
        `The parameter ${name} requires a locale parameter to be passed with it.`,
        name,
      );
      return undefined;
    }
    if (!LOCALE.test(locale)) {
      this.failWithCode(
        'validation.msg.invalid.locale.format',
        `The parameter locale has an invalid language value ${locale} .`,
        'locale',
        locale,
      );
      return undefined;
    }
    if (!isSupportedDatePattern(format)) {
      this.failWithCode(
        'validation.msg.invalid.dateFormat.format',
        `Dates in the request body must use the dateFormat pattern; ${format} is not a valid pattern.`,
        'dateFormat',
        format,
      );
      return undefined;
    }
    const iso = parseJavaDate(v.trim(), format, locale);
    if (iso === null) {
      this.failWithCode(
        'validation.msg.invalid.date.format',
        `The parameter ${name} is invalid based on the dateFormat: '${format}' and locale: '${locale}' provided:`,
        name,
        v,
        [format],
      );
      return undefined;
    }
    return iso;
  }

  /**
   * Reads an array of ids (numbers or digit strings), e.g. `clientMembers`.
   * @param name - key
   * @param opts - `required` (non-empty)
   */
  longArray(name: string, opts: Options = {}): number[] | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.failWithCode(
        'validation.msg.invalid.integer.format',
        `The parameter ${name} must be an array of ids.`,
        name,
      );
      return undefined;
    }
    const out: number[] = [];
    for (const item of v) {
      const text = item instanceof JsonNumber ? item.text : typeof item === 'string' ? item.trim() : '';
      if (!/^\d+$/.test(text)) {
        this.failWithCode(
          'validation.msg.invalid.integer.format',
          `The parameter ${name} has an invalid id ${text}.`,
          name,
          text,
        );
        return undefined;
      }
      out.push(parseInt(text, 10));
    }
    if (opts.required === true && out.length === 0) {
      this.fail(name, 'cannot.be.empty', `The parameter ${name} cannot be empty.`);
    }
    return out;
  }

  /** Reads a nested JSON object (e.g. hook `config`). */
  object(name: string, opts: Options = {}): JsonObject | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) {
      if (opts.required === true) {
        this.blank(name);
      }
      return undefined;
    }
    if (!isJsonObject(v)) {
      this.failWithCode('error.msg.invalid.json', `The parameter ${name} must be an object.`, name);
      return undefined;
    }
    return v;
  }
}

/**
 * Rounds an amount to a currency's digits the way Fineract's Money does (HALF_EVEN by default).
 * @param amount - the amount
 * @param digits - digits after the decimal point
 * @returns the rounded decimal string with exactly `digits` decimals
 */
export function roundMoney(amount: Decimal, digits: number): string {
  return amount.toDecimalPlaces(digits, Decimal.ROUND_HALF_EVEN).toFixed(digits);
}
