import { castAndValidate, type Schema } from './schema';
import type { OpenHimErrorRecord, OpenHimOrchestration, OpenHimResponseRecord } from './types';
import { isNil, isRecord, truncateBody } from './util';

/**
 * The `application/json+openhim` handling of core's router and message store (openhim.md §7, §7.1): how the
 * mediator's `response` becomes the client's answer (Koa semantics), and how the stored response update is cast
 * and validated — and rejected as a whole — like core's `findOneAndUpdate(..., { runValidators: true })`.
 */

/** Core detects a mediator response by substring, so parameters such as `; charset=utf-8` are fine. */
export function isMediatorContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.includes('application/json+openhim');
}

/** The client-bound response while a transaction is processed (Koa's `ctx.response`). */
export interface KoaLikeResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string | string[]>;
  /** Whatever the route or envelope gave: Koa serialises objects as JSON and sends strings as is. */
  body: unknown;
  timestamp?: unknown;
}

function headerValue(value: unknown): string | string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : String(value);
}

/**
 * Core's `setKoaResponse`: status (a numeric string is parsed; Koa rejects anything else), timestamp, body, and
 * headers (`content-length`, `content-encoding`, `transfer-encoding` skipped; `X-OpenHIM-TransactionID` added only
 * when the response has a `headers` object, as in core).
 *
 * @throws TypeError when `response` is not an object or its status is not a valid HTTP status (core then answers 500).
 */
export function setKoaResponse(koa: KoaLikeResponse, response: unknown, transactionId: string): void {
  if (!isRecord(response)) {
    throw new TypeError("Cannot read properties of undefined (reading 'status')");
  }
  const status = typeof response.status === 'string' ? Number.parseInt(response.status, 10) : response.status;
  if (typeof status !== 'number' || !Number.isInteger(status)) {
    throw new TypeError('status code must be a number');
  }
  if (status < 100 || status > 999) {
    throw new RangeError(`invalid status code: ${status}`);
  }
  koa.status = status;
  koa.timestamp = response.timestamp;
  koa.body = response.body;
  const headers = response.headers;
  if (isNil(headers)) {
    return;
  }
  if (isRecord(headers)) {
    headers['X-OpenHIM-TransactionID'] = transactionId;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    const lower = key.toLowerCase();
    if (lower === 'content-length' || lower === 'content-encoding' || lower === 'transfer-encoding') {
      continue;
    }
    koa.headers[lower] = headerValue(value);
  }
}

/** How Koa puts a body on the wire, and the content type it picks when none was set. */
export function serialiseKoaBody(body: unknown): { text: Buffer; defaultType?: string } {
  if (body === undefined || body === null) {
    return { text: Buffer.alloc(0) };
  }
  if (typeof body === 'string') {
    return {
      text: Buffer.from(body),
      defaultType: /^\s*</.test(body) ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    };
  }
  if (Buffer.isBuffer(body)) {
    return { text: body, defaultType: 'application/octet-stream' };
  }
  return { text: Buffer.from(JSON.stringify(body)), defaultType: 'application/json; charset=utf-8' };
}

/** Core stores `body.toString()`: an object becomes `"[object Object]"`, a missing or empty body `''`. */
export function storedBodyOf(body: unknown): string {
  if (!body) {
    return '';
  }
  if (Buffer.isBuffer(body)) {
    return body.toString('utf8');
  }
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- replicating core's toString() on purpose
  return String(body);
}

const REQUEST_SCHEMA: Schema = {
  host: { kind: 'string' },
  port: { kind: 'string' },
  path: { kind: 'string' },
  headers: { kind: 'mixed' },
  querystring: { kind: 'string' },
  body: { kind: 'string' },
  method: { kind: 'string' },
  timestamp: { kind: 'date', required: true },
};

const RESPONSE_SCHEMA: Schema = {
  status: { kind: 'number' },
  headers: { kind: 'mixed' },
  body: { kind: 'string' },
  timestamp: { kind: 'date' },
};

const ERROR_SCHEMA: Schema = {
  message: { kind: 'string' },
  stack: { kind: 'string' },
};

const ORCHESTRATION_SCHEMA: Schema = {
  name: { kind: 'string', required: true },
  group: { kind: 'string' },
  request: { kind: 'doc', noId: true, schema: REQUEST_SCHEMA },
  response: { kind: 'doc', noId: true, schema: RESPONSE_SCHEMA },
  error: { kind: 'doc', noId: true, schema: ERROR_SCHEMA },
};

const RESPONSE_UPDATE_SCHEMA: Schema = {
  response: { kind: 'doc', noId: true, schema: RESPONSE_SCHEMA },
  error: { kind: 'doc', noId: true, schema: ERROR_SCHEMA },
  orchestrations: { kind: 'docArray', schema: ORCHESTRATION_SCHEMA },
  properties: { kind: 'mixed' },
};

/** The update core writes once the primary route answered. */
export interface ResponseUpdate {
  response: OpenHimResponseRecord;
  error?: OpenHimErrorRecord;
  orchestrations: OpenHimOrchestration[];
  properties?: Record<string, unknown>;
}

function truncateOrchestration(orchestration: unknown): unknown {
  if (!isRecord(orchestration)) {
    return orchestration;
  }
  const copy: Record<string, unknown> = { ...orchestration };
  for (const part of ['request', 'response'] as const) {
    const record = copy[part];
    if (isRecord(record) && typeof record.body === 'string') {
      copy[part] = { ...record, body: truncateBody(record.body) };
    }
  }
  return copy;
}

/**
 * Casts and validates the response update. Orchestrations are the mediator's followed by core's own.
 *
 * @returns the stored shape, or the error text core would log (the whole update is then lost).
 */
export function validateResponseUpdate(raw: {
  response: OpenHimResponseRecord;
  error?: unknown;
  mediatorOrchestrations?: unknown;
  coreOrchestrations: readonly OpenHimOrchestration[];
  properties?: unknown;
}): { ok: true; update: ResponseUpdate } | { ok: false; error: string } {
  const mediatorOrchestrations = raw.mediatorOrchestrations;
  if (
    mediatorOrchestrations !== undefined &&
    mediatorOrchestrations !== null &&
    !Array.isArray(mediatorOrchestrations)
  ) {
    return { ok: false, error: 'TypeError: mediatorResponse.orchestrations is not iterable' };
  }
  const orchestrations = [
    ...((mediatorOrchestrations as unknown[] | null | undefined) ?? []),
    ...raw.coreOrchestrations,
  ].map(truncateOrchestration);
  const input: Record<string, unknown> = {
    response: { ...raw.response, body: truncateBody(raw.response.body ?? '') },
    orchestrations,
  };
  if (raw.error !== undefined && raw.error !== null) {
    input.error = raw.error;
  }
  if (raw.properties) {
    input.properties = raw.properties;
  }
  const result = castAndValidate('Transaction', RESPONSE_UPDATE_SCHEMA, input, 'save', false);
  if (!result.ok) {
    return { ok: false, error: String(result.error) };
  }
  return { ok: true, update: result.doc as unknown as ResponseUpdate };
}
