// The command pipeline every write goes through, as in Fineract's SynchronousCommandProcessingService:
// Idempotency-Key reservation (unique per action + entity + key), the handler, the stored result (success
// or error, replayed with `x-served-from-cache: true`), and the hook event.

import { Command } from './command';
import { type CommandRoute, handlerEnv, type Route } from './context';
import { blankBody, FineractApiError, invalidJson, serverError } from './errors';
import type { HookDeliverer } from './hooks';
import { isJsonObject, JsonSyntaxError, parseJson, stringifyJson } from './json';
import type { TenantState } from './state';

/** A response before it is written to HTTP (or into a batch item). */
export interface ApiResponse {
  status: number;
  /** JSON text (or plain text for servlet-level errors). */
  body: string;
  headers: Record<string, string>;
}

/** Shared simulator internals the pipeline needs. */
export interface SimCore {
  readonly tenants: Map<string, TenantState>;
  readonly clock: () => Date;
  readonly hooks: HookDeliverer;
}

/** Fineract's column is VARCHAR(50). */
const MAX_KEY_LENGTH = 50;
const CACHE_HEADER = 'x-served-from-cache';

/** Outcome of reserving an Idempotency-Key. */
export type Reservation = { replay: ApiResponse } | { entryKey: string | undefined };

/** The tenant's state (it exists: tenants are checked at the HTTP edge). */
export function tenantState(core: SimCore, tenantId: string): TenantState {
  const state = core.tenants.get(tenantId);
  if (state === undefined) {
    throw new Error(`unknown tenant ${tenantId}`);
  }
  return state;
}

/** Turns a thrown error into a Fineract error response. */
export function errorResponse(err: unknown): ApiResponse {
  const e = err instanceof FineractApiError ? err : serverError();
  return { status: e.status, body: JSON.stringify(e.body), headers: {} };
}

/**
 * Reserves an Idempotency-Key for a command, or answers from the store: the stored response of a processed
 * or failed command, or 425 while the first request is still being processed.
 * @param core - simulator internals
 * @param tenantId - tenant
 * @param route - the command
 * @param key - the Idempotency-Key header, if any
 */
export function reserve(
  core: SimCore,
  tenantId: string,
  route: CommandRoute,
  key: string | undefined,
): Reservation {
  if (key === undefined) {
    return { entryKey: undefined };
  }
  if (key.length > MAX_KEY_LENGTH) {
    // The key does not fit Fineract's command-source column: the insert fails as a server-side error.
    return { replay: errorResponse(serverError()) };
  }
  const state = tenantState(core, tenantId);
  const entryKey = `${route.actionName}|${route.entityName}|${key}`;
  const entry = state.idempotency.get(entryKey);
  if (entry !== undefined) {
    if (entry.state === 'UNDER_PROCESSING') {
      // IdempotentCommandExceptionMapper: 425 with the (absent) stored response as an empty body.
      return { replay: { status: 425, body: '', headers: { [CACHE_HEADER]: 'true' } } };
    }
    return {
      replay: { status: entry.status ?? 200, body: entry.body ?? '', headers: { [CACHE_HEADER]: 'true' } },
    };
  }
  state.idempotency.set(entryKey, {
    key,
    actionName: route.actionName,
    entityName: route.entityName,
    state: 'UNDER_PROCESSING',
  });
  return { entryKey };
}

/**
 * Runs a reserved command: parses the body, calls the handler, stores the outcome under the key and
 * publishes the hook event.
 * @param core - simulator internals
 * @param tenantId - tenant
 * @param route - the command
 * @param method - HTTP method (bodyless DELETEs and charge waivers accept an empty body)
 * @param bodyText - request body
 * @param username - authenticated user
 * @param entryKey - from {@link reserve}
 */
export function runCommand(
  core: SimCore,
  tenantId: string,
  route: CommandRoute,
  method: string,
  bodyText: string,
  username: string,
  entryKey: string | undefined,
): ApiResponse {
  const now = core.clock();
  let state = tenantState(core, tenantId);
  let response: ApiResponse;
  let requestForHook = '{}';
  let result: Record<string, unknown> | undefined;
  let body: unknown = {};
  if (bodyText.trim() !== '') {
    try {
      body = parseJson(bodyText);
      requestForHook = bodyText;
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) {
        throw err;
      }
      body = undefined;
    }
    if (!isJsonObject(body)) {
      // Fineract parses the body before it stores the command: unreadable JSON is neither kept under the
      // Idempotency-Key nor published to hooks.
      if (entryKey !== undefined) {
        state.idempotency.delete(entryKey);
      }
      return errorResponse(invalidJson());
    }
  }
  try {
    const bodyless = method === 'DELETE' || route.actionName === 'WAIVE' || route.actionName === 'INACTIVATE';
    if (bodyText.trim() === '' && !bodyless) {
      throw blankBody();
    }
    result = route.run(
      handlerEnv(state, now, username),
      new Command(route.resource, isJsonObject(body) ? body : {}),
    );
    response = { status: 200, body: stringifyJson(result), headers: {} };
  } catch (err) {
    response = errorResponse(err);
  }
  state = tenantState(core, tenantId);
  if (entryKey !== undefined) {
    state.idempotency.set(entryKey, {
      ...(state.idempotency.get(entryKey) ?? {
        key: '',
        actionName: route.actionName,
        entityName: route.entityName,
      }),
      state: response.status === 200 ? 'PROCESSED' : 'ERROR',
      status: response.status,
      body: response.body,
    });
  }
  core.hooks.publish(state, {
    tenantId,
    entityName: route.entityName,
    actionName: route.actionName,
    username,
    requestBody: requestForHook,
    result:
      result !== undefined && response.status === 200
        ? { ok: true, body: result }
        : { ok: false, status: response.status, body: JSON.parse(response.body) as Record<string, unknown> },
    at: now,
  });
  return response;
}

/**
 * Runs a read route.
 * @param core - simulator internals
 * @param tenantId - tenant
 * @param route - the read
 * @param username - authenticated user
 */
export function runRead(
  core: SimCore,
  tenantId: string,
  route: Extract<Route, { kind: 'read' }>,
  username: string,
): ApiResponse {
  try {
    const out = route.run(handlerEnv(tenantState(core, tenantId), core.clock(), username));
    return { status: 200, body: stringifyJson(out), headers: {} };
  } catch (err) {
    return errorResponse(err);
  }
}

/**
 * Runs any route synchronously (reads, or commands with reservation and processing back to back); used by
 * the batch API.
 */
export function runRouteNow(
  core: SimCore,
  tenantId: string,
  route: Route,
  method: string,
  bodyText: string,
  username: string,
  idempotencyKey: string | undefined,
): ApiResponse {
  if (route.kind === 'read') {
    return runRead(core, tenantId, route, username);
  }
  const r = reserve(core, tenantId, route, idempotencyKey);
  if ('replay' in r) {
    return r.replay;
  }
  return runCommand(core, tenantId, route, method, bodyText, username, r.entryKey);
}
