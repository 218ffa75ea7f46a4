// The Batch API (`POST /batches[?enclosingTransaction=true]`): only Fineract's supported operations (others
// answer 501 per item), `reference` + `$.field` placeholders resolved from the parent's response, bodies and
// answers as JSON strings, and all-or-nothing rollback with `enclosingTransaction=true`.

import { FineractApiError, invalidJson } from './errors';
import {
  isJsonObject,
  type JsonObject,
  type JsonValue,
  JsonNumber,
  JsonSyntaxError,
  parseJson,
  stringifyJson,
} from './json';
import { type ApiResponse, runRouteNow, type SimCore, tenantState } from './pipeline';
import { route } from './router';

interface BatchItem {
  requestId: number;
  relativeUrl: string;
  method: string;
  headers: { name: string; value: string }[];
  reference?: number;
  body?: string;
}

/** One item of the batch answer. */
export interface BatchItemResponse {
  requestId: number;
  statusCode: number;
  /** Absent on items whose command failed. */
  headers?: { name: string; value: string }[];
  body: string;
}

/**
 * Operations the Batch API knows (CommandStrategyProvider). Matched against the path without the query; a
 * `command` entry restricts `?command=`.
 */
const SUPPORTED: readonly { method: string; path: RegExp; command?: readonly string[] }[] = [
  { method: 'POST', path: /^clients$/ },
  { method: 'PUT', path: /^clients\/\d+$/ },
  { method: 'POST', path: /^clients\/\d+$/, command: ['activate'] },
  { method: 'POST', path: /^savingsaccounts$/ },
  { method: 'GET', path: /^savingsaccounts\/\d+$/ },
  { method: 'POST', path: /^savingsaccounts\/\d+\/transactions$/ },
  { method: 'POST', path: /^savingsaccounts\/\d+\/transactions\/\d+$/ },
  { method: 'POST', path: /^loans$/ },
  { method: 'POST', path: /^loans\/\d+$/, command: ['approve', 'disburse'] },
  { method: 'POST', path: /^loans\/external-id\/[^/]+$/ },
  { method: 'GET', path: /^loans\/(\d+|external-id\/[^/]+)$/ },
  { method: 'PUT', path: /^loans\/(\d+|external-id\/[^/]+)$/ },
  { method: 'POST', path: /^loans\/(\d+|external-id\/[^/]+)\/charges$/ },
  { method: 'GET', path: /^loans\/(\d+|external-id\/[^/]+)\/charges$/ },
  { method: 'GET', path: /^loans\/(\d+\/charges\/\d+|external-id\/[^/]+\/charges\/external-id\/[^/]+)$/ },
  { method: 'POST', path: /^loans\/(\d+\/charges\/\d+|external-id\/[^/]+\/charges\/external-id\/[^/]+)$/ },
  { method: 'POST', path: /^loans\/(\d+|external-id\/[^/]+)\/transactions$/ },
  {
    method: 'POST',
    path: /^loans\/(\d+\/transactions\/\d+|external-id\/[^/]+\/transactions\/external-id\/[^/]+)$/,
  },
  {
    method: 'GET',
    path: /^loans\/(\d+\/transactions\/\d+|external-id\/[^/]+\/transactions\/external-id\/[^/]+)$/,
  },
  { method: 'POST', path: /^rescheduleloans$/ },
  { method: 'POST', path: /^rescheduleloans\/\d+$/, command: ['approve'] },
  { method: 'POST', path: /^datatables\/[^/]+\/[^/]+(\/[^/]+)?$/ },
  { method: 'PUT', path: /^datatables\/[^/]+\/[^/]+(\/[^/]+)?$/ },
  { method: 'DELETE', path: /^datatables\/[^/]+\/[^/]+(\/[^/]+)?$/ },
  { method: 'GET', path: /^datatables\/[^/]+\/[^/]+(\/[^/]+)?$/ },
];

function isSupported(method: string, path: string, query: URLSearchParams): boolean {
  return SUPPORTED.some(
    (s) =>
      s.method === method &&
      s.path.test(path) &&
      (s.command === undefined || s.command.includes(query.get('command') ?? '')),
  );
}

function intOf(v: JsonValue | undefined): number | undefined {
  return v instanceof JsonNumber && /^-?\d+$/.test(v.text) ? parseInt(v.text, 10) : undefined;
}

function parseItems(text: string): BatchItem[] {
  let parsed: JsonValue;
  try {
    parsed = parseJson(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw invalidJson();
    }
    throw err;
  }
  if (!Array.isArray(parsed)) {
    throw invalidJson();
  }
  return parsed.map((raw) => {
    if (!isJsonObject(raw)) {
      throw invalidJson();
    }
    const requestId = intOf(raw['requestId']);
    const { relativeUrl, method, body } = raw;
    const headersRaw = raw['headers'] ?? [];
    const reference =
      raw['reference'] === undefined || raw['reference'] === null ? undefined : intOf(raw['reference']);
    // `body` is a JSON string in Fineract's BatchRequest: an object cannot be read into it.
    if (
      requestId === undefined ||
      typeof relativeUrl !== 'string' ||
      typeof method !== 'string' ||
      (body !== undefined && body !== null && typeof body !== 'string')
    ) {
      throw invalidJson();
    }
    if (
      !Array.isArray(headersRaw) ||
      (raw['reference'] !== undefined && raw['reference'] !== null && reference === undefined)
    ) {
      throw invalidJson();
    }
    const headers = headersRaw.map((h) => {
      if (!isJsonObject(h) || typeof h['name'] !== 'string' || typeof h['value'] !== 'string') {
        throw invalidJson();
      }
      return { name: h['name'], value: h['value'] };
    });
    return {
      requestId,
      relativeUrl,
      method: method.toUpperCase(),
      headers,
      reference,
      body: typeof body === 'string' ? body : undefined,
    };
  });
}

/** Resolves `$.a.b` against a parsed parent response. */
function resolvePath(parent: JsonValue, path: string): JsonValue | undefined {
  let cur: JsonValue | undefined = parent;
  for (const part of path.slice(2).split('.')) {
    cur = isJsonObject(cur) ? cur[part] : undefined;
  }
  return cur;
}

function resolveBody(value: JsonValue, parent: JsonValue): JsonValue {
  if (typeof value === 'string' && value.startsWith('$.')) {
    return resolvePath(parent, value) ?? null;
  }
  if (Array.isArray(value)) {
    return value.map((v) => resolveBody(v, parent));
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = resolveBody(v, parent);
    }
    return out;
  }
  return value;
}

function resolveUrl(url: string, parent: JsonValue): string {
  return url.replace(/\$\.[A-Za-z0-9_.]+/g, (m) => {
    const v = resolvePath(parent, m);
    return v instanceof JsonNumber ? v.text : typeof v === 'string' ? encodeURIComponent(v) : m;
  });
}

function header(item: BatchItem, name: string): string | undefined {
  return item.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

function responseHeaders(item: BatchItem, res: ApiResponse): { name: string; value: string }[] {
  const echoed = item.headers.filter((h) => h.name.toLowerCase() !== 'authorization');
  return [...echoed, ...Object.entries(res.headers).map(([name, value]) => ({ name, value }))];
}

/**
 * Runs one item. `returned` marks answers Fineract's batch service gets back as a response rather than as an
 * exception (501 for unknown operations, idempotent replays), which it reports differently.
 */
function runItem(
  core: SimCore,
  tenantId: string,
  item: BatchItem,
  parent: JsonValue | undefined,
  username: string,
): { res: ApiResponse; returned: boolean } {
  let relativeUrl = item.relativeUrl.replace(/^\/?(v1\/)?/, '');
  let bodyText = item.body ?? '';
  if (parent !== undefined) {
    relativeUrl = resolveUrl(relativeUrl, parent);
    if (bodyText.trim() !== '') {
      try {
        bodyText = stringifyJson(resolveBody(parseJson(bodyText), parent));
      } catch {
        // An unreadable child body is left as is: the command answers 400 invalid JSON.
      }
    }
  }
  const [path = '', queryText = ''] = relativeUrl.split('?', 2);
  const query = new URLSearchParams(queryText);
  if (!isSupported(item.method, path, query)) {
    return {
      res: {
        status: 501,
        body: `Resource with method ${item.method} and relativeUrl ${item.relativeUrl} doesn't exist`,
        headers: {},
      },
      returned: true,
    };
  }
  try {
    const r = route(
      item.method,
      path.split('/').filter((s) => s !== ''),
      query,
    );
    const res = runRouteNow(
      core,
      tenantId,
      r,
      item.method,
      bodyText,
      username,
      header(item, 'Idempotency-Key'),
    );
    if (res.headers['x-served-from-cache'] === 'true') {
      // In a batch, a key still being processed answers 409 (the REST API answers 425).
      return { res: res.status === 425 ? { ...res, status: 409 } : res, returned: true };
    }
    return { res, returned: false };
  } catch (err) {
    const e = err instanceof FineractApiError ? err : invalidJson();
    return { res: { status: e.status, body: JSON.stringify(e.body), headers: {} }, returned: false };
  }
}

/**
 * Runs a batch.
 * @param core - simulator internals
 * @param tenantId - tenant
 * @param bodyText - the request body (a JSON array)
 * @param enclosing - `enclosingTransaction=true`
 * @param username - authenticated user
 * @returns the HTTP response (200 with the per-item answers; 400 for an unreadable batch)
 */
export function runBatch(
  core: SimCore,
  tenantId: string,
  bodyText: string,
  enclosing: boolean,
  username: string,
): ApiResponse {
  let items: BatchItem[];
  try {
    items = parseItems(bodyText);
  } catch (err) {
    const e = err instanceof FineractApiError ? err : invalidJson();
    return { status: e.status, body: JSON.stringify(e.body), headers: {} };
  }
  const snapshot = enclosing ? structuredClone(tenantState(core, tenantId)) : undefined;
  const results = new Map<number, { item: BatchItemResponse; parsed: JsonValue | undefined }>();
  const skipped = new Set<number>();
  const out: BatchItemResponse[] = [];
  for (const item of items) {
    const parent = item.reference === undefined ? undefined : results.get(item.reference);
    if (
      item.reference !== undefined &&
      (skipped.has(item.reference) || (parent !== undefined && parent.item.statusCode !== 200))
    ) {
      // BatchApiServiceImpl builds a 409 "Parent request … was erroneous!" for the descendants of a failed item but
      // never adds it to the answer: they are simply missing.
      skipped.add(item.requestId);
      continue;
    }
    const { res, returned } = runItem(core, tenantId, item, parent?.parsed, username);
    // Errors thrown by a command come back without headers; answers a strategy returns (501, cached replays) keep them.
    const itemResponse: BatchItemResponse =
      res.status !== 200 && !returned
        ? { requestId: item.requestId, statusCode: res.status, body: res.body }
        : {
            requestId: item.requestId,
            statusCode: res.status,
            headers: responseHeaders(item, res),
            body: res.body,
          };
    let parsed: JsonValue | undefined;
    try {
      parsed = res.status === 200 ? parseJson(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    results.set(item.requestId, { item: itemResponse, parsed });
    out.push(itemResponse);
    if (enclosing && res.status !== 200 && snapshot !== undefined) {
      // All or nothing: undo every item and answer only the failing one, as Fineract does. A thrown error is
      // answered as it is; a returned one is wrapped in the roll-back notice of createErrorResponse.
      core.tenants.set(tenantId, snapshot);
      const only: BatchItemResponse = returned
        ? {
            requestId: item.requestId,
            statusCode: res.status,
            body: `Transaction is being rolled back. First erroneous request: \n${JSON.stringify(itemResponse)}`,
          }
        : itemResponse;
      return { status: 200, body: JSON.stringify([only]), headers: {} };
    }
  }
  out.sort((a, b) => a.requestId - b.requestId);
  return { status: 200, body: JSON.stringify(out), headers: {} };
}
