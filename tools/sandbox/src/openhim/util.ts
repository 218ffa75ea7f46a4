import { randomBytes } from 'node:crypto';

/** Core's `api.truncateSize`: stored bodies are cut at this many characters (openhim.md §1). */
export const TRUNCATE_SIZE = 15_000;
/** Text core appends to a truncated body. */
export const TRUNCATE_APPEND = '\n[truncated ...]';

let objectIdCounter = randomBytes(3).readUIntBE(0, 3);
const objectIdProcess = randomBytes(5).toString('hex');

/** A 24-hex-digit id shaped like a MongoDB ObjectId (time, random, counter), as core's `_id`s are. */
export function newObjectId(): string {
  objectIdCounter = (objectIdCounter + 1) % 0xffffff;
  const time = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  return `${time}${objectIdProcess}${objectIdCounter.toString(16).padStart(6, '0')}`;
}

/**
 * A clock whose readings strictly increase. Core compares `_configModifiedTS > _lastHeartbeat`; two events in the
 * same millisecond would make the simulator's answers depend on timing, which a real core (with a database round
 * trip between them) practically never shows.
 */
export class MonotonicClock {
  private last = 0;

  /** The current time, at least one millisecond after the previous reading. */
  now(): Date {
    const t = Math.max(Date.now(), this.last + 1);
    this.last = t;
    return new Date(t);
  }
}

/** JavaScript's `String(value)`, on purpose (core stores `toString()` results, e.g. `"[object Object]"`). */
export function asText(value: unknown): string {
  return String(value);
}

/** `value == null` without loose equality. */
export function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON-compatible value, so callers never hold references into the simulator's state. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Cuts a stored body the way core does when it exceeds {@link TRUNCATE_SIZE}. */
export function truncateBody(body: string): string {
  return body.length > TRUNCATE_SIZE ? body.slice(0, TRUNCATE_SIZE) + TRUNCATE_APPEND : body;
}

const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][a-zA-Z0-9-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

interface ParsedSemver {
  readonly main: readonly [number, number, number];
  readonly pre: readonly string[];
}

function parseSemver(version: unknown): ParsedSemver | undefined {
  if (typeof version !== 'string') {
    return undefined;
  }
  const m = SEMVER.exec(version.trim());
  if (!m) {
    return undefined;
  }
  return {
    main: [Number(m[1]), Number(m[2]), Number(m[3])],
    pre: m[4] === undefined ? [] : m[4].split('.'),
  };
}

/** `semver.valid`: whether `version` is a SemVer 2.0 string (a leading `v` is tolerated, as by the npm package). */
export function isValidSemver(version: unknown): boolean {
  return parseSemver(version) !== undefined;
}

function comparePre(a: readonly string[], b: readonly string[]): number {
  // A version without prerelease ranks above one with it.
  if (a.length === 0 || b.length === 0) {
    return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) {
      return x === undefined ? -1 : 1;
    }
    if (x === y) {
      continue;
    }
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) {
      return Number(x) > Number(y) ? 1 : -1;
    }
    if (xn !== yn) {
      return xn ? -1 : 1;
    }
    return x > y ? 1 : -1;
  }
  return 0;
}

/**
 * `semver.gt(a, b)`. Like the npm package it throws on an invalid version (core then answers 500).
 *
 * @throws TypeError when either version is not valid SemVer.
 */
export function semverGreaterThan(a: unknown, b: unknown): boolean {
  const x = parseSemver(a);
  const y = parseSemver(b);
  if (!x || !y) {
    throw new TypeError(`Invalid Version: ${String(x ? b : a)}`);
  }
  for (let i = 0; i < 3; i++) {
    if (x.main[i] !== y.main[i]) {
      return (x.main[i] ?? 0) > (y.main[i] ?? 0);
    }
  }
  return comparePre(x.pre, y.pre) > 0;
}

/**
 * Core's `transformPath`: a sed-like `s/from/to[/g]` applied to the request path; `\/` escapes a slash. Only the
 * first match is replaced unless the expression ends in `/g`.
 */
export function transformPath(path: string, expression: string): string {
  // ':' cannot occur in a path, so core uses it as a placeholder for escaped slashes.
  const parts = expression.replace(/\\\//g, ':').split('/');
  const from = (parts[1] ?? '').replace(/:/g, '/');
  const to = (parts[2] ?? '').replace(/:/g, '/');
  const regex = parts.length > 3 && parts[3] === 'g' ? new RegExp(from, 'g') : new RegExp(from);
  return path.replace(regex, to);
}

/** `Error.message` of anything thrown. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A ValidationError as core builds it (`err.name = 'ValidationError'`): `String(err)` is
 * `ValidationError: <message>`, which core puts into its 400 bodies.
 */
export class CoreValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
  }
}
