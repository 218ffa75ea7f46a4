/**
 * The transform registry: named, pure value transforms that mapping rules chain in `transform: [...]`.
 * A transform is written either as its bare name (`"trim"`) or as a one-key object with its argument
 * (`{ "date": "yyyy-MM-dd" }`). Arguments are checked against each transform's JSON Schema when the document
 * is compiled; the transform itself is built once, at compile time, into a closure.
 *
 * Missing values (`undefined`) pass through every transform except `default`. Transforms of single values
 * (`trim`, `upper`, `date`, …) apply to every item of a list.
 */
import { referenceId } from '@payment-layer/fhir-util';
import { MappingError, ValidationError } from '@payment-layer/shared-errors';
import {
  parseDecimal,
  parseFhirMoney,
  toFineractAmount,
  toMojaloopAmount,
} from '@payment-layer/shared-money';

/** Values a mapping reads from its caller at apply time (mediator config, plus per-call values such as `today`). */
export type MappingConfig = Readonly<Record<string, unknown>>;

/**
 * A compiled transform.
 *
 * @param value - the value so far (`undefined` when the source is missing)
 * @param config - the apply-time config
 * @param location - FHIRPath-like location of the source, for error messages
 */
export type TransformFn = (value: unknown, config: MappingConfig, location: string) => unknown;

/** A JSON Schema for a transform argument (a plain object, compiled by the loader's ajv instance). */
export type ArgsSchema = Readonly<Record<string, unknown>>;

/** One entry of the registry. */
export interface TransformDefinition {
  /** Name used in documents. */
  readonly name: string;
  /** One line for the generated mapping document. */
  readonly description: string;
  /** JSON Schema of the argument; absent when the transform takes none. */
  readonly args?: ArgsSchema;
  /** Whether the argument is mandatory. */
  readonly argsRequired?: boolean;
  /** Builds the closure from the (already validated) argument. */
  readonly compile: (args: unknown) => TransformFn;
}

function invalid(message: string, location: string): ValidationError {
  return new ValidationError(`${location}: ${message}`, { issues: [{ message, location, code: 'value' }] });
}

function unmappable(message: string, location: string): MappingError {
  return new MappingError(`${location}: ${message}`, { issues: [{ message, location, code: 'processing' }] });
}

/** Applies `fn` to a single value or to each item of a list; `undefined` stays `undefined`. */
function perItem(fn: (v: unknown, location: string) => unknown): TransformFn {
  return (value, _config, location) => {
    if (value === undefined) {
      return undefined;
    }
    if (Array.isArray(value)) {
      return value.map((v) => fn(v, location));
    }
    return fn(value, location);
  };
}

function stringOf(v: unknown, location: string, name: string): string {
  if (typeof v !== 'string') {
    throw unmappable(`${name} expects text, got ${describe(v)}`, location);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return 'a list';
  }
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const FHIR_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
const DATE_TOKENS = /yyyy|MMMM|MMM|MM|M|dd|d|[^yMd]+/g;

type DatePart = (y: string, m: number, d: number) => string;

/**
 * Compiles a Java date pattern (the subset Fineract's `dateFormat` needs) into parts.
 *
 * @param pattern - e.g. `yyyy-MM-dd`, `dd MMMM yyyy`
 * @returns one function per token
 */
function compileDatePattern(pattern: string): DatePart[] {
  const parts: DatePart[] = [];
  let consumed = 0;
  for (const m of pattern.matchAll(DATE_TOKENS)) {
    const token = m[0];
    consumed += token.length;
    switch (token) {
      case 'yyyy':
        parts.push((y) => y);
        break;
      case 'MMMM':
        parts.push((_y, mo) => MONTHS[mo - 1] ?? '');
        break;
      case 'MMM':
        parts.push((_y, mo) => (MONTHS[mo - 1] ?? '').slice(0, 3));
        break;
      case 'MM':
        parts.push((_y, mo) => String(mo).padStart(2, '0'));
        break;
      case 'M':
        parts.push((_y, mo) => String(mo));
        break;
      case 'dd':
        parts.push((_y, _m, d) => String(d).padStart(2, '0'));
        break;
      case 'd':
        parts.push((_y, _m, d) => String(d));
        break;
      default:
        if (!/^[-/ .,]+$/.test(token)) {
          throw new Error(
            `unsupported date pattern text "${token}" (use yyyy, MMMM, MMM, MM, M, dd, d and - / . , space)`,
          );
        }
        parts.push(() => token);
    }
  }
  if (consumed !== pattern.length || !pattern.includes('yyyy')) {
    throw new Error(`unsupported date pattern "${pattern}"`);
  }
  return parts;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) {
    return 29;
  }
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const INTEGER = /^-?\d+$/;

const definitions: TransformDefinition[] = [
  {
    name: 'trim',
    description: 'remove leading and trailing white space',
    compile: () => perItem((v, loc) => stringOf(v, loc, 'trim').trim()),
  },
  {
    name: 'upper',
    description: 'upper case',
    compile: () => perItem((v, loc) => stringOf(v, loc, 'upper').toUpperCase()),
  },
  {
    name: 'lower',
    description: 'lower case',
    compile: () => perItem((v, loc) => stringOf(v, loc, 'lower').toLowerCase()),
  },
  {
    name: 'string',
    description: 'text of a string, number or boolean',
    compile: () =>
      perItem((v, loc) => {
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
          return String(v);
        }
        throw unmappable(`cannot turn ${describe(v)} into text`, loc);
      }),
  },
  {
    name: 'integer',
    description: 'a whole number (from a number or a string of digits), e.g. a Fineract id from config',
    compile: () =>
      perItem((v, loc) => {
        if (typeof v === 'number' && Number.isSafeInteger(v)) {
          return v;
        }
        if (typeof v === 'string' && INTEGER.test(v.trim())) {
          const n = Number.parseInt(v.trim(), 10);
          if (Number.isSafeInteger(n)) {
            return n;
          }
        }
        throw invalid(`expected a whole number, got ${describe(v)}`, loc);
      }),
  },
  {
    name: 'boolean',
    description: 'true/false from a boolean or the text true/false (any case)',
    compile: () =>
      perItem((v, loc) => {
        if (typeof v === 'boolean') {
          return v;
        }
        if (typeof v === 'string' && /^(true|false)$/i.test(v)) {
          return v.toLowerCase() === 'true';
        }
        throw invalid(`expected true or false, got ${describe(v)}`, loc);
      }),
  },
  {
    name: 'first',
    description: 'the first item of a list (a single value is kept)',
    compile: () => (v) => (Array.isArray(v) ? (v as readonly unknown[])[0] : v),
  },
  {
    name: 'last',
    description: 'the last item of a list (a single value is kept)',
    compile: () => (v) => (Array.isArray(v) ? (v as readonly unknown[]).at(-1) : v),
  },
  {
    name: 'slice',
    description:
      'the items of a list from `start` (default 0) up to, not including, `end` (a single value is a list of one)',
    args: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { start: { type: 'integer', minimum: 0 }, end: { type: 'integer', minimum: 0 } },
    },
    argsRequired: true,
    compile: (args) => {
      const { start = 0, end } = args as { start?: number; end?: number };
      return (v) => {
        if (v === undefined) {
          return undefined;
        }
        const out = (Array.isArray(v) ? v : [v]).slice(start, end);
        return out.length === 0 ? undefined : out;
      };
    },
  },
  {
    name: 'join',
    description: 'join the items of a list with a separator (default one space); missing items are skipped',
    args: { type: 'string' },
    compile: (args) => {
      const sep = typeof args === 'string' ? args : ' ';
      return (v, _config, loc) => {
        if (v === undefined) {
          return undefined;
        }
        const items = (Array.isArray(v) ? v : [v]).filter((x) => x !== undefined && x !== null && x !== '');
        return items.length === 0 ? undefined : items.map((x) => stringOf(x, loc, 'join')).join(sep);
      };
    },
  },
  {
    name: 'concat',
    description: 'put a fixed prefix and/or suffix around the text',
    args: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { prefix: { type: 'string' }, suffix: { type: 'string' } },
    },
    argsRequired: true,
    compile: (args) => {
      const { prefix = '', suffix = '' } = args as { prefix?: string; suffix?: string };
      return perItem((v, loc) => `${prefix}${stringOf(v, loc, 'concat')}${suffix}`);
    },
  },
  {
    name: 'substring',
    description: 'the characters from `start` (default 0) up to, not including, `end`',
    args: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { start: { type: 'integer', minimum: 0 }, end: { type: 'integer', minimum: 0 } },
    },
    argsRequired: true,
    compile: (args) => {
      const { start = 0, end } = args as { start?: number; end?: number };
      return perItem((v, loc) => stringOf(v, loc, 'substring').slice(start, end));
    },
  },
  {
    name: 'replace',
    description: 'replace every match of a regular expression',
    args: {
      type: 'object',
      additionalProperties: false,
      required: ['pattern', 'with'],
      properties: { pattern: { type: 'string', minLength: 1 }, with: { type: 'string' } },
    },
    argsRequired: true,
    compile: (args) => {
      const { pattern, with: replacement } = args as { pattern: string; with: string };
      const re = new RegExp(pattern, 'g');
      return perItem((v, loc) => stringOf(v, loc, 'replace').replace(re, replacement));
    },
  },
  {
    name: 'maxLength',
    description: 'reject text longer than the limit (never truncate a business key)',
    args: { type: 'integer', minimum: 1 },
    argsRequired: true,
    compile: (args) => {
      const max = args as number;
      return perItem((v, loc) => {
        const s = stringOf(v, loc, 'maxLength');
        if (s.length > max) {
          throw invalid(`is longer than ${max} characters`, loc);
        }
        return s;
      });
    },
  },
  {
    name: 'default',
    description: 'the given value when the source is missing',
    args: {},
    argsRequired: true,
    compile: (args) => (v) => (v === undefined ? args : v),
  },
  {
    name: 'date',
    description:
      'a FHIR date or dateTime (its calendar date as written) in a Java date pattern, e.g. yyyy-MM-dd',
    args: { type: 'string', minLength: 1 },
    argsRequired: true,
    compile: (args) => {
      const parts = compileDatePattern(args as string);
      const format = (v: unknown, loc: string): string => {
        const m = FHIR_DATE.exec(stringOf(v, loc, 'date'));
        if (m === null) {
          throw invalid(`${JSON.stringify(v)} is not a full FHIR date (YYYY-MM-DD)`, loc);
        }
        const [, y = '', mo = '', d = ''] = m;
        const month = Number.parseInt(mo, 10);
        const day = Number.parseInt(d, 10);
        if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number.parseInt(y, 10), month)) {
          throw invalid(`${JSON.stringify(v)} is not a calendar date`, loc);
        }
        let out = '';
        for (const part of parts) {
          out += part(y, month, day);
        }
        return out;
      };
      // A pure function of its input: remember the last one (the business date repeats on every call).
      let lastIn: unknown;
      let lastOut = '';
      return perItem((v, loc) => {
        if (v !== lastIn || typeof v !== 'string') {
          lastOut = format(v, loc);
          lastIn = v;
        }
        return lastOut;
      });
    },
  },
  {
    name: 'decimal',
    description: 'a plain decimal string (no exponent, no trailing zeros) from a number or decimal string',
    args: {
      type: 'object',
      additionalProperties: false,
      properties: { maxDecimals: { type: 'integer', minimum: 0, maximum: 4 } },
    },
    compile: (args) => {
      const maxDecimals = (args as { maxDecimals?: number } | undefined)?.maxDecimals ?? 4;
      return perItem((v, location) => parseDecimal(v, { maxDecimals, location }));
    },
  },
  {
    name: 'money',
    description:
      'a FHIR Money as an exact amount string in its ISO 4217 currency (Fineract: plain, currency decimals; Mojaloop: no trailing zeros); optional expected currency, literal or from config',
    args: {
      type: 'object',
      additionalProperties: false,
      properties: {
        format: { enum: ['fineract', 'mojaloop'] },
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        currencyConfig: { type: 'string', minLength: 1 },
      },
    },
    compile: (args) => {
      const {
        format = 'fineract',
        currency,
        currencyConfig,
      } = (args ?? {}) as {
        format?: 'fineract' | 'mojaloop';
        currency?: string;
        currencyConfig?: string;
      };
      const render = format === 'mojaloop' ? toMojaloopAmount : toFineractAmount;
      return (v, config, location) => {
        if (v === undefined) {
          return undefined;
        }
        const m = parseFhirMoney(Array.isArray(v) ? undefined : v, location);
        const expected = currencyConfig === undefined ? currency : readConfig(config, currencyConfig);
        if (expected !== undefined && m.currency !== expected) {
          throw invalid(
            `currency ${m.currency} is not the expected ${typeof expected === 'string' ? expected : JSON.stringify(expected)}`,
            `${location}.currency`,
          );
        }
        return render(m);
      };
    },
  },
  {
    name: 'uuid',
    description: 'an openIMIS UUID, in lower case (openIMIS emits both cases); anything else is rejected',
    compile: () =>
      perItem((v, loc) => {
        if (typeof v !== 'string' || !UUID.test(v)) {
          throw invalid(`${describe(v)} is not a UUID`, loc);
        }
        return v.toLowerCase();
      }),
  },
  {
    name: 'referenceId',
    description: 'the id a FHIR Reference points to (the part after the last "/")',
    compile: () =>
      perItem((v, loc) => {
        if (typeof v !== 'string' && (typeof v !== 'object' || v === null)) {
          throw unmappable(`expected a Reference, got ${describe(v)}`, loc);
        }
        return referenceId(v);
      }),
  },
];

/**
 * Reads a dotted key (`fineract.officeId`) from the apply-time config.
 *
 * @param config - apply-time config
 * @param key - dotted key
 * @returns the value, or undefined
 */
export function readConfig(config: MappingConfig, key: string): unknown {
  if (!key.includes('.')) {
    return config[key];
  }
  let v: unknown = config;
  for (const part of key.split('.')) {
    if (typeof v !== 'object' || v === null) {
      return undefined;
    }
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Every transform, by name. */
export const TRANSFORMS: ReadonlyMap<string, TransformDefinition> = new Map(
  definitions.map((d) => [d.name, d]),
);
