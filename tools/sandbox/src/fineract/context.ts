// What a resource handler gets: the tenant state, the business date and who is calling, plus the shape of a
// routed request (a read, or a command that goes through the idempotency + hook pipeline).

import type { Command } from './command';
import { isoDate } from './dates';
import type { TenantState } from './state';

/** Per-request environment of a handler. */
export interface HandlerEnv {
  /** The tenant's state (fetched per request: a failed enclosing batch replaces it). */
  readonly state: TenantState;
  /** Current instant. */
  readonly now: Date;
  /** Business date, ISO `yyyy-MM-dd`. */
  readonly today: string;
  /** Authenticated user name. */
  readonly username: string;
}

/** A CommandProcessingResult (null fields omitted). */
export type CommandResult = Record<string, unknown>;

/** A routed read. */
export interface ReadRoute {
  kind: 'read';
  run: (env: HandlerEnv) => unknown;
}

/** A routed write command. */
export interface CommandRoute {
  kind: 'command';
  /** Hook/idempotency entity name, e.g. `CLIENT`. */
  entityName: string;
  /** Hook/idempotency action name, e.g. `CREATE`. */
  actionName: string;
  /** Validation resource name used in codes. */
  resource: string;
  run: (env: HandlerEnv, cmd: Command) => CommandResult;
}

/** A routed request. */
export type Route = ReadRoute | CommandRoute;

/**
 * Builds a handler environment.
 * @param state - tenant state
 * @param now - current instant
 * @param username - calling user
 */
export function handlerEnv(state: TenantState, now: Date, username: string): HandlerEnv {
  return { state, now, today: isoDate(now), username };
}

/** Removes `undefined` members so that command results omit null fields like Fineract. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  for (const k of Object.keys(obj)) {
    if (obj[k] === undefined || obj[k] === null) {
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- building a sparse JSON object
      delete obj[k];
    }
  }
  return obj;
}
