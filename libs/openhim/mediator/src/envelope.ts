import { currentOrchestrationScope, maskHeaders, type Orchestration } from '@payment-layer/shared-http';
import { ConfigError } from '@payment-layer/shared-errors';

/** Media type of a mediator response to OpenHIM core. */
export const OPENHIM_CONTENT_TYPE = 'application/json+openhim';

/** Transaction statuses core accepts verbatim (it does not validate them). */
export type MediatorStatus = 'Processing' | 'Failed' | 'Completed' | 'Successful' | 'Completed with error(s)';

/** Flat key/values shown in the console's "Properties" box. */
export type EnvelopeProperties = Record<string, string | number | boolean | null | undefined>;

/**
 * The `application/json+openhim` response body.
 *
 * @see ../../../../docs/contracts/openhim.md §7
 */
export interface MediatorEnvelope {
  'x-mediator-urn': string;
  status: MediatorStatus;
  response: { status: number; headers: Record<string, string>; body: string; timestamp: string };
  orchestrations: Orchestration[];
  properties: Record<string, string | number | boolean>;
  error?: { message: string };
}

/** Input of {@link buildEnvelope}. */
export interface EnvelopeInput {
  urn: string;
  /** HTTP status the client gets. */
  httpStatus: number;
  /** Response body: a string is sent as is, anything else is serialised as JSON. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Transaction status; derived from the HTTP status when absent. */
  status?: MediatorStatus;
  orchestrations?: readonly Orchestration[];
  properties?: EnvelopeProperties;
  /** Set only for failures worth an automatic retry: its presence makes core auto-retry the transaction. */
  retryableError?: string;
}

/**
 * The transaction status that tells the truth for an HTTP status: 2xx Successful (202 Processing), 4xx
 * Completed (handled, input rejected), 5xx Failed.
 *
 * @param httpStatus - the status the client gets
 * @returns the OpenHIM transaction status
 */
export function statusForHttp(httpStatus: number): MediatorStatus {
  if (httpStatus === 202) {
    return 'Processing';
  }
  if (httpStatus >= 200 && httpStatus < 300) {
    return 'Successful';
  }
  if (httpStatus >= 500) {
    return 'Failed';
  }
  return 'Completed';
}

/**
 * Builds a json+openhim envelope that core can store: bodies are strings, every orchestration has a name and
 * a request timestamp, properties are flat scalars. (Core silently drops the whole response record otherwise.)
 *
 * @param input - what to send
 * @returns the envelope
 * @throws ConfigError when an orchestration lacks a name or request timestamp (a programming error)
 */
export function buildEnvelope(input: EnvelopeInput): MediatorEnvelope {
  const body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const orchestrations = (input.orchestrations ?? []).map((o, i) => {
    if (!o.name || !o.request.timestamp) {
      throw new ConfigError(`orchestration ${i} lacks a name or request timestamp; core would not store it`);
    }
    return {
      ...o,
      request: { ...o.request, body: asText(o.request.body), headers: maskHeaders(o.request.headers) },
      ...(o.response
        ? {
            response: {
              ...o.response,
              body: asText(o.response.body),
              headers: maskHeaders(o.response.headers),
            },
          }
        : {}),
    };
  });
  const properties: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(input.properties ?? {})) {
    if (v !== undefined && v !== null) {
      properties[k] = v;
    }
  }
  return {
    'x-mediator-urn': input.urn,
    status: input.status ?? statusForHttp(input.httpStatus),
    response: {
      status: input.httpStatus,
      headers: { 'content-type': input.contentType ?? 'application/fhir+json', ...input.headers },
      body,
      timestamp: new Date().toISOString(),
    },
    orchestrations,
    properties,
    ...(input.retryableError ? { error: { message: input.retryableError } } : {}),
  };
}

/**
 * The orchestrations recorded so far in the current request scope.
 *
 * @returns a copy of the list (empty outside a request)
 */
export function recordedOrchestrations(): Orchestration[] {
  return [...(currentOrchestrationScope()?.orchestrations ?? [])];
}

/** Bodies typed as strings can still be objects at run time (hand-built orchestrations); core would fail to store them. */
function asText(body: unknown): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}
