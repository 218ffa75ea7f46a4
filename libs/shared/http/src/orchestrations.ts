import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One outbound call as OpenHIM stores it (`transaction.orchestrations[]`): bodies are strings, `name` and
 * `request.timestamp` are always set — core drops the whole response record otherwise.
 *
 * @see ../../../../docs/contracts/openhim.md §7
 */
export interface Orchestration {
  name: string;
  group?: string;
  request: {
    host: string;
    port: string;
    path: string;
    querystring: string;
    method: string;
    headers: Record<string, string>;
    body: string;
    timestamp: string;
  };
  response?: {
    status: number;
    headers: Record<string, string>;
    body: string;
    timestamp: string;
  };
  error?: { message: string };
}

/** What one mediated request collects while it runs. */
export interface OrchestrationScope {
  /** Calls made so far, in order (at most `limit`). */
  readonly orchestrations: Orchestration[];
  /**
   * Most orchestrations kept for one request (default {@link MAX_ORCHESTRATIONS}). A long sync makes thousands of
   * calls; OpenHIM stores a transaction as one MongoDB document (16 MB at most), so the rest are only counted.
   */
  readonly limit?: number;
  /** Calls made beyond the limit (recorded by count only). */
  omitted?: number;
  /** The OpenHIM transaction id, forwarded on outbound calls for tracing. */
  readonly transactionId?: string;
}

const storage = new AsyncLocalStorage<OrchestrationScope>();

/**
 * Runs `fn` with a fresh orchestration scope: every call made through the project's HTTP clients inside it
 * (however deep in async code) is recorded in `scope.orchestrations`.
 *
 * @param scope - where to record; create one per inbound request
 * @param fn - the work to run
 * @returns what `fn` returns
 */
export function runWithOrchestrations<T>(scope: OrchestrationScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * The scope of the request being served, if any.
 *
 * @returns the active scope, or undefined outside a mediated request (background jobs, CLI)
 */
export function currentOrchestrationScope(): OrchestrationScope | undefined {
  return storage.getStore();
}

/**
 * Whether a call made now would be recorded (a scope exists and is not full), so callers can skip the cost of
 * masking bodies that would be dropped.
 *
 * @returns true when the next orchestration is kept
 */
export function isRecording(): boolean {
  const scope = storage.getStore();
  return scope !== undefined && scope.orchestrations.length < (scope.limit ?? MAX_ORCHESTRATIONS);
}

/** Default most orchestrations kept per request. */
export const MAX_ORCHESTRATIONS = 200;

/** Maximum characters of a recorded body; OpenHIM truncates stored bodies at 15 000 characters anyway. */
export const MAX_RECORDED_BODY = 15_000;

/**
 * Appends an orchestration to the active scope (no-op outside one), capping body sizes.
 *
 * @param orchestration - the call to record (already masked)
 */
export function recordOrchestration(orchestration: Orchestration): void {
  const scope = storage.getStore();
  if (!scope) {
    return;
  }
  if (scope.orchestrations.length >= (scope.limit ?? MAX_ORCHESTRATIONS)) {
    scope.omitted = (scope.omitted ?? 0) + 1;
    return;
  }
  orchestration.request.body = truncate(orchestration.request.body);
  if (orchestration.response) {
    orchestration.response.body = truncate(orchestration.response.body);
  }
  scope.orchestrations.push(orchestration);
}

/**
 * Counts a call of the active scope that was not recorded (the scope was full when it started), so the envelope
 * can still report how many calls were made.
 */
export function countUnrecordedCall(): void {
  const scope = storage.getStore();
  if (scope) {
    scope.omitted = (scope.omitted ?? 0) + 1;
  }
}

function truncate(body: string): string {
  return body.length > MAX_RECORDED_BODY ? `${body.slice(0, MAX_RECORDED_BODY)}\n[truncated ...]` : body;
}
