import type { ErrorObject } from 'ajv';
import type { IssueCode, IssueDetail } from '@payment-layer/shared-errors';
import { FHIR_TEXT_KEYWORD, REQUIRED_PRIMITIVES_KEYWORD } from './schema';

/**
 * What each FHIR primitive expects, used instead of ajv's "must match pattern ..." (which would echo a 200-character
 * regular expression at the caller). Values are never echoed back: they may be personal data.
 */
const PRIMITIVE_RULES: Readonly<Record<string, string>> = {
  boolean: 'must be true or false (a JSON boolean)',
  integer: 'must be a whole number (a JSON number) between -2147483648 and 2147483647',
  unsignedInt: 'must be a whole number (a JSON number) ≥ 0',
  positiveInt: 'must be a whole number (a JSON number) ≥ 1',
  decimal: 'must be a decimal (a JSON number, not a string)',
  string: 'must be a non-empty string (no whitespace other than spaces, tabs and line breaks)',
  markdown: 'must be a non-empty string',
  code: 'must be a code: non-empty, without leading, trailing or repeated whitespace',
  id: "must be a FHIR id: 1 to 64 characters from A-Z, a-z, 0-9, '-' and '.'",
  uri: 'must be a URI without whitespace',
  url: 'must be a URL without whitespace',
  canonical: 'must be a canonical URL without whitespace',
  oid: 'must be an OID (urn:oid:1.2.3)',
  uuid: 'must be a UUID URN (urn:uuid: followed by a lower-case UUID)',
  base64Binary: 'must be base64 text',
  date: 'is not a valid FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)',
  dateTime:
    'is not a valid FHIR dateTime (YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss[.fff] with a time zone such as Z or +03:00)',
  instant: 'is not a valid FHIR instant (YYYY-MM-DDThh:mm:ss[.fff] with a time zone such as Z or +03:00)',
  time: 'is not a valid FHIR time (hh:mm:ss[.fff])',
};

/** Messages of the {@link FHIR_TEXT_KEYWORD} problems (the value itself is never echoed). */
const TEXT_PROBLEMS: Readonly<Record<string, string>> = {
  'control-character':
    'must not contain control characters (only tab, carriage return and line feed are allowed below U+0020)',
  'lone-surrogate': 'must be valid Unicode text (it contains an unpaired surrogate)',
  calendar: 'is not a day of the calendar (e.g. 30 February)',
};

const JSON_TYPE_NAMES: Readonly<Record<string, string>> = {
  array: 'an array',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'a boolean',
  null: 'null',
};

/** When several errors point at one element, the most telling one wins (lower is better). */
const KEYWORD_RANK: Readonly<Record<string, number>> = {
  type: 0,
  [FHIR_TEXT_KEYWORD]: 1,
  const: 1,
  enum: 1,
  pattern: 2,
  minimum: 2,
  maximum: 2,
};

/** Keywords that only summarise failures reported in more detail by other errors. */
const SUMMARY_KEYWORDS = new Set(['oneOf', 'anyOf', 'not', 'if', 'discriminator']);

interface Candidate {
  readonly location: string;
  readonly message: string;
  readonly code: IssueCode;
  readonly rank: number;
}

/**
 * Turns ajv errors into one readable OperationOutcome issue per offending element.
 *
 * @param errors - ajv errors of one validator run (`allErrors`)
 * @param base - FHIRPath-like location of the validated value, e.g. `Patient` or `Bundle.entry[2].resource`
 * @param data - the validated value (used to name the JSON type that was found)
 * @returns issues with FHIRPath-like locations such as `Patient.name[0].family`
 */
export function ajvErrorsToIssues(
  errors: readonly ErrorObject[],
  base: string,
  data: unknown,
  primitiveByPattern: ReadonlyMap<string, string>,
): IssueDetail[] {
  const byLocation = new Map<string, Candidate>();
  const summaries: Candidate[] = [];
  for (const err of errors) {
    if (err.keyword === 'type' && (err.params as { type?: unknown }).type === 'null') {
      continue; // the "or null" branch of `_x` arrays: the other branch's errors say what is wrong
    }
    const candidate = toCandidate(err, base, data, primitiveByPattern);
    if (SUMMARY_KEYWORDS.has(err.keyword)) {
      summaries.push(candidate);
      continue;
    }
    const existing = byLocation.get(candidate.location);
    if (!existing || candidate.rank < existing.rank) {
      byLocation.set(candidate.location, candidate);
    }
  }
  for (const s of summaries) {
    const explained = [...byLocation.keys()].some((loc) => isWithin(loc, s.location));
    if (!explained) {
      byLocation.set(s.location, s);
    }
  }
  return [...byLocation.values()].map(({ location, message, code }) => ({ location, message, code }));
}

function toCandidate(
  err: ErrorObject,
  base: string,
  data: unknown,
  primitiveByPattern: ReadonlyMap<string, string>,
): Candidate {
  const segments = pointerSegments(err.instancePath);
  const location = joinLocation(base, segments);
  const element = elementName(base, segments);
  const rank = KEYWORD_RANK[err.keyword] ?? 3;
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const name = stringParam(params.additionalProperty);
      return {
        location: joinLocation(base, [...segments, name]),
        message: `Unknown element '${name}'`,
        code: 'structure',
        rank: 0,
      };
    }
    case 'required':
    case REQUIRED_PRIMITIVES_KEYWORD: {
      const name = stringParam(params.missingProperty);
      return {
        location: joinLocation(base, [...segments, name]),
        message: `Missing required element '${name}'`,
        code: 'required',
        rank: 0,
      };
    }
    case FHIR_TEXT_KEYWORD: {
      const problem = (params as { problem?: unknown }).problem;
      const primitive = stringParam((params as { primitive?: unknown }).primitive);
      return {
        location,
        message: `${element} ${TEXT_PROBLEMS[String(problem)] ?? PRIMITIVE_RULES[primitive] ?? 'is not valid FHIR text'}`,
        code: 'value',
        rank,
      };
    }
    case 'type': {
      const primitive = primitiveOf(err.schemaPath);
      const found = describeJsonType(valueAt(data, segments));
      const kind = primitive ? ` (FHIR ${primitive})` : '';
      return {
        location,
        message: `${element} must be ${typeNames(params.type)}${kind}, not ${found}`,
        code: 'structure',
        rank,
      };
    }
    case 'pattern': {
      const primitive =
        primitiveOf(err.schemaPath) ??
        (typeof params.pattern === 'string' ? primitiveByPattern.get(params.pattern) : undefined);
      const rule = primitive ? PRIMITIVE_RULES[primitive] : undefined;
      return {
        location,
        message: `${element} ${rule ?? 'has an invalid format'}`,
        code: 'value',
        rank,
      };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String) : [];
      return {
        location,
        message: `${element} must be one of: ${allowed.join(', ')}`,
        code: 'value',
        rank,
      };
    }
    case 'const':
      return {
        location,
        message: `${element} must be '${stringParam(params.allowedValue)}'`,
        code: 'value',
        rank,
      };
    case 'minItems':
      return {
        location,
        message: `${element} must not be an empty array (omit it instead)`,
        code: 'value',
        rank,
      };
    case 'minimum':
    case 'maximum': {
      const primitive = primitiveOf(err.schemaPath);
      const rule = primitive ? PRIMITIVE_RULES[primitive] : undefined;
      return {
        location,
        message: `${element} ${rule ?? err.message ?? 'is out of range'}`,
        code: 'value',
        rank,
      };
    }
    default:
      if (SUMMARY_KEYWORDS.has(err.keyword)) {
        return { location, message: `${element} does not match any allowed form`, code: 'structure', rank };
      }
      return { location, message: `${element} ${err.message ?? 'is invalid'}`, code: 'invalid', rank };
  }
}

/**
 * FHIRPath-like location from a base and JSON-pointer segments: array indexes in brackets, names dotted.
 *
 * @param base - location of the value the pointer starts from
 * @param segments - unescaped pointer segments
 * @returns e.g. `Patient.name[0].family`
 */
export function joinLocation(base: string, segments: readonly string[]): string {
  let out = base;
  for (const s of segments) {
    out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  }
  return out;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') {
    return [];
  }
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function elementName(base: string, segments: readonly string[]): string {
  for (let i = segments.length - 1; i >= 0; i--) {
    const s = segments[i];
    if (s !== undefined && !/^\d+$/.test(s)) {
      return s;
    }
  }
  return base.slice(base.lastIndexOf('.') + 1) || 'resource';
}

function isWithin(location: string, ancestor: string): boolean {
  return location === ancestor || location.startsWith(`${ancestor}.`) || location.startsWith(`${ancestor}[`);
}

/** The FHIR primitive whose definition produced an error (`#/definitions/date/pattern` → `date`). */
function primitiveOf(schemaPath: string): string | undefined {
  const m = /#\/definitions\/([A-Za-z0-9]+)\/[A-Za-z]+$/.exec(schemaPath);
  const name = m?.[1];
  return name !== undefined && name in PRIMITIVE_RULES ? name : undefined;
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let cur: unknown = data;
  for (const s of segments) {
    if (cur === null || typeof cur !== 'object') {
      return undefined;
    }
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

function describeJsonType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return 'a number out of range (not a finite number)';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return JSON_TYPE_NAMES[typeof value] ?? typeof value;
}

function typeNames(type: unknown): string {
  const names = Array.isArray(type) ? type.map(String) : [String(type)];
  return names.map((t) => JSON_TYPE_NAMES[t] ?? t).join(' or ');
}

function stringParam(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
