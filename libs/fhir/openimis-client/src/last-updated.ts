import { ValidationError } from '@payment-layer/shared-errors';

/** The only `_lastUpdated` value format openIMIS accepts: server-local time, no zone, no fractions. */
export const LAST_UPDATED_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** `_lastUpdated` comparison prefixes openIMIS understands (reference §3). */
export type LastUpdatedPrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/**
 * Formats an instant as openIMIS' `_lastUpdated` value: `YYYY-MM-DDTHH:MM:SS` in the server's time zone,
 * with no zone suffix and no fractional seconds (anything else is a 400 "value is not a valid datetime").
 *
 * @param instant - the moment to express
 * @param timeZone - IANA zone of the openIMIS server (its Django `TIME_ZONE`), default `UTC`
 * @returns e.g. `2024-05-17T10:58:46`
 */
export function formatLastUpdated(instant: Date, timeZone = 'UTC'): string {
  if (Number.isNaN(instant.getTime())) {
    throw new ValidationError('cannot format an invalid date as _lastUpdated');
  }
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) {
    parts[p.type] = p.value;
  }
  // Some ICU versions print midnight as hour "24" with hourCycle h23 unset; normalise.
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return `${parts.year}-${parts.month}-${parts.day}T${hour}:${parts.minute}:${parts.second}`;
}

/**
 * Builds a `_lastUpdated` query value.
 *
 * @param prefix - comparison, e.g. `ge`
 * @param value - a `YYYY-MM-DDTHH:MM:SS` server-local time (see {@link formatLastUpdated})
 * @returns e.g. `ge2024-05-17T10:58:46`
 * @throws ValidationError when `value` is not in the exact format
 */
export function lastUpdatedParam(prefix: LastUpdatedPrefix, value: string): string {
  assertLastUpdated(value);
  return `${prefix}${value}`;
}

/**
 * Throws unless the value is exactly `YYYY-MM-DDTHH:MM:SS`.
 *
 * @param value - candidate cursor or filter value
 * @throws ValidationError otherwise
 */
export function assertLastUpdated(value: string): void {
  if (!LAST_UPDATED_PATTERN.test(value)) {
    throw new ValidationError(
      `_lastUpdated value must be YYYY-MM-DDTHH:MM:SS (server-local, no time zone), got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
}

/**
 * Moves a server-local `YYYY-MM-DDTHH:MM:SS` time by whole seconds (calendar arithmetic, no zone involved).
 *
 * @param value - server-local time
 * @param seconds - seconds to add (negative to subtract)
 * @returns the shifted time in the same format
 */
export function shiftLastUpdated(value: string, seconds: number): string {
  assertLastUpdated(value);
  // Treat the wall time as if it were UTC: only the arithmetic is needed, not the real instant.
  const ms = Date.parse(`${value}Z`) + seconds * 1000;
  return new Date(ms).toISOString().slice(0, 19);
}

/**
 * The second-resolution wall time of a FHIR `meta.lastUpdated` (or similar) value, as written.
 *
 * @param value - e.g. `2024-05-17T10:58:46.807554` or `2024-05-17T10:58:46+03:00`
 * @returns `YYYY-MM-DDTHH:MM:SS`, or undefined when the value does not start with a date-time
 */
export function truncateToSecond(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const head = value.slice(0, 19);
  return LAST_UPDATED_PATTERN.test(head) ? head : undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}
