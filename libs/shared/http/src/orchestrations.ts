import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * One outbound call as OpenHIM stores it (`transaction.orchestrations[]`): bodies are strings, `name` and
 * `request.timestamp` are always set — core drops the whole response record otherwise.
 *
 * @see ../../../../../shared/reference/openhim.md §7
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
  /** Calls made so far, in order. */
  readonly orchestrations: Orchestration[];
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
  orchestration.request.body = truncate(orchestration.request.body);
  if (orchestration.response) {
    orchestration.response.body = truncate(orchestration.response.body);
  }
  scope.orchestrations.push(orchestration);
}

function truncate(body: string): string {
  return body.length > MAX_RECORDED_BODY ? `${body.slice(0, MAX_RECORDED_BODY)}\n[truncated ...]` : body;
}
