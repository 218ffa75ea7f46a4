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

/** A `_lastUpdated` filter: comparison against a second-resolution time. */
export interface LastUpdatedFilter {
  readonly prefix: 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';
  /** Epoch seconds of the given time (server-local = UTC in the simulator). */
  readonly seconds: number;
}

/** Error text of a malformed `_lastUpdated` (pydantic's datetime error, relayed as a 400). */
export const BAD_DATETIME_MESSAGE = 'value is not a valid datetime';

/**
 * Parses `_lastUpdated=<prefix><YYYY-MM-DDTHH:MM:SS>`; anything else (time zone, fractions, date only) is invalid.
 *
 * @param value - parameter value
 * @returns the filter, or undefined when the value is not valid
 */
export function parseLastUpdated(value: string): LastUpdatedFilter | undefined {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(value);
  if (m === null) {
    return undefined;
  }
  const [, prefix, y, mo, d, h, mi, s] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(ms);
  // Reject impossible dates that Date.UTC would roll over (2024-02-30, 25:00:00), as strptime does.
  if (
    date.getUTCFullYear() !== Number(y) ||
    date.getUTCMonth() !== Number(mo) - 1 ||
    date.getUTCDate() !== Number(d) ||
    date.getUTCHours() !== Number(h) ||
    date.getUTCMinutes() !== Number(mi) ||
    date.getUTCSeconds() !== Number(s)
  ) {
    return undefined;
  }
  return { prefix: (prefix ?? 'eq') as LastUpdatedFilter['prefix'], seconds: ms / 1000 };
}

/**
 * Applies a `_lastUpdated` filter to a record time (both compared at whole seconds).
 *
 * @param filter - parsed filter
 * @param updatedSeconds - the record's time in epoch seconds (truncated)
 * @param nowSeconds - current time in epoch seconds (for `ap`)
 * @returns whether the record matches
 */
export function matchesLastUpdated(
  filter: LastUpdatedFilter,
  updatedSeconds: number,
  nowSeconds: number,
): boolean {
  const t = filter.seconds;
  switch (filter.prefix) {
    case 'eq':
      return updatedSeconds === t;
    case 'ne':
      return updatedSeconds !== t;
    case 'gt':
      return updatedSeconds > t;
    case 'lt':
      return updatedSeconds < t;
    case 'ge':
    case 'sa':
      return updatedSeconds >= t;
    case 'le':
    case 'eb':
      return updatedSeconds <= t;
    case 'ap': {
      const margin = Math.abs(nowSeconds - t) * 0.1;
      return updatedSeconds >= t - margin && updatedSeconds <= t + margin;
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
