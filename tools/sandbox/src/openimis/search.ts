/**
 * Search mechanics of the openIMIS FHIR API: DRF `PageNumberPagination` with `_count` / `page-offset`,
 * `quote_plus`-encoded bundle links with sorted query parameters, and the `_lastUpdated` filter (reference §3).
 */

/**
 * Python `urllib.parse.quote_plus(s, safe='')`: keeps `A-Z a-z 0-9 _ . - ~`, spaces become `+`.
 *
 * @param value - text to encode
 * @returns the encoded text
 */
export function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Query parameters in arrival order, as Django's `QueryDict` keeps them (a key may repeat). */
export type QueryPairs = readonly (readonly [string, string])[];

/**
 * Parses a raw query string like Django's `QueryDict` (`+` is a space, blank values kept).
 *
 * @param raw - query string without `?`
 * @returns the pairs in order
 */
export function parseQuery(raw: string): [string, string][] {
  if (raw === '') {
    return [];
  }
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return raw.split('&').flatMap((part): [string, string][] => {
    if (part === '') {
      return [];
    }
    const eq = part.indexOf('=');
    return eq < 0 ? [[decode(part), '']] : [[decode(part.slice(0, eq)), decode(part.slice(eq + 1))]];
  });
}

/**
 * The value Django's `QueryDict.get` returns: the **last** value of the key.
 *
 * @param query - parsed pairs
 * @param key - parameter name
 * @returns the last value or undefined
 */
export function lastValue(query: QueryPairs, key: string): string | undefined {
  let found: string | undefined;
  for (const [k, v] of query) {
    if (k === key) {
      found = v;
    }
  }
  return found;
}

/**
 * DRF `replace_query_param` / `remove_query_param`: parameters re-encoded with `urlencode` in sorted key order.
 *
 * @param query - parsed pairs of the request
 * @param key - parameter to set or remove
 * @param value - new value; undefined removes the parameter
 * @returns the new query string (without `?`)
 */
export function replaceQueryParam(query: QueryPairs, key: string, value: string | undefined): string {
  const grouped = new Map<string, string[]>();
  for (const [k, v] of query) {
    if (k === key) {
      continue;
    }
    const list = grouped.get(k) ?? [];
    list.push(v);
    grouped.set(k, list);
  }
  if (value !== undefined) {
    grouped.set(key, [value]);
  }
  // Python sorts the (key, [values]) tuples: code-point order of the keys.
  const keys = [...grouped.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.flatMap((k) => (grouped.get(k) ?? []).map((v) => `${quotePlus(k)}=${quotePlus(v)}`)).join('&');
}

/** A `_lastUpdated` filter: comparison against a naive server-local time. */
export interface LastUpdatedFilter {
  readonly prefix: 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
  /** Epoch ms of the given time (server-local = UTC in the simulator). */
  readonly ms: number;
}

/** Error text of a malformed `_lastUpdated` (`"{request_parameter} value is not a valid datetime"` formatted). */
export const BAD_DATETIME_MESSAGE = '_lastUpdated value is not a valid datetime';

const PREFIXES: readonly LastUpdatedFilter['prefix'][] = [
  'eq',
  'ne',
  'gt',
  'lt',
  'ge',
  'le',
  'sa',
  'eb',
  'ap',
];

/**
 * Parses `_lastUpdated=<prefix><YYYY-MM-DDTHH:MM:SS>` like the backend: the first matching prefix is stripped and
 * the rest must satisfy Python `strptime(value, "%Y-%m-%dT%H:%M:%S")` — no time zone, no fractions, no date only
 * (strptime also takes one-digit month, day, hour, minute and second).
 *
 * @param value - parameter value
 * @returns the filter, or undefined when the value is not valid
 */
export function parseLastUpdated(value: string): LastUpdatedFilter | undefined {
  const prefix = PREFIXES.find((p) => value.startsWith(p));
  const rest = prefix === undefined ? value : value.slice(prefix.length);
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})$/.exec(rest);
  if (m === null) {
    return undefined;
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(ms);
  // Reject impossible dates that Date.UTC would roll over (2024-02-30, 25:00:00), as strptime does.
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return { prefix: prefix ?? 'eq', ms };
}

const DAY_MS = 86_400_000;

/**
 * Applies a `_lastUpdated` filter to a record time at full precision, as the Django lookups do
 * (`gt 12:00:00` includes a row stamped 12:00:00.400; `eq` needs the exact instant).
 *
 * @param filter - parsed filter
 * @param updatedMs - the record's time in epoch ms
 * @param nowMs - current time in epoch ms (for `ap`)
 * @returns whether the record matches
 */
export function matchesLastUpdated(filter: LastUpdatedFilter, updatedMs: number, nowMs: number): boolean {
  const t = filter.ms;
  switch (filter.prefix) {
    case 'eq':
      return updatedMs === t;
    case 'ne':
      return updatedMs !== t;
    case 'gt':
      return updatedMs > t;
    case 'lt':
      return updatedMs < t;
    case 'ge':
    case 'sa':
      return updatedMs >= t;
    case 'le':
    case 'eb':
      return updatedMs <= t;
    case 'ap': {
      // (now - value).days * 0.1 days either side: whole days only, so within a day of now it is an exact match.
      const margin = Math.floor((nowMs - t) / DAY_MS) * 0.1 * DAY_MS;
      return updatedMs >= t - margin && updatedMs <= t + margin;
    }
  }
}

/** Page selection of a search request, or the DRF error it causes. */
export type PageSelection =
  { ok: true; pageSize: number; page: number; pageCount: number } | { ok: false; message: string };

/** Default page size (module config `default_response_page_size`). */
export const DEFAULT_PAGE_SIZE = 10;

/**
 * DRF `PageNumberPagination`: `_count` must be a positive integer (otherwise the default applies);
 * `page-offset` is a 1-based page number or `last`; an invalid or out-of-range page is a 404 "Invalid page.".
 *
 * @param query - parsed query
 * @param total - number of matching records
 * @returns the page or the error
 */
export function selectPage(query: QueryPairs, total: number): PageSelection {
  const rawCount = lastValue(query, '_count');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawCount !== undefined && /^\s*\+?\d+\s*$/.test(rawCount)) {
    const n = Number(rawCount.trim());
    if (n > 0) {
      pageSize = n;
    }
  }
  // An empty first page is allowed (DRF allow_empty_first_page).
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const rawPage = lastValue(query, 'page-offset') ?? '1';
  let page: number;
  if (rawPage === 'last') {
    page = pageCount;
  } else if (/^\s*[+-]?\d+\s*$/.test(rawPage)) {
    page = Number(rawPage.trim());
  } else {
    return { ok: false, message: 'Invalid page.' };
  }
  if (page < 1 || page > pageCount) {
    return { ok: false, message: 'Invalid page.' };
  }
  return { ok: true, pageSize, page, pageCount };
}
