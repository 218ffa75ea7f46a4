import type { Bundle, BundleEntry } from 'fhir/r4';
import { assertProcessableBundle } from '@payment-layer/fhir-util';
import { ValidationError } from '@payment-layer/shared-errors';
import { errorToOutcomeParts, informationalOutcome, type ErrorOutcome } from './outcome';

/** Result of one Bundle entry: what the flow returned, or the error it threw as an OperationOutcome. */
export type BundleEntryResult<R> =
  { readonly ok: true; readonly result: R } | { readonly ok: false; readonly error: ErrorOutcome };

/** Result of {@link processBundleEntries}. */
export interface BundleOutcome<R> {
  /** The batch-response (or transaction-response) Bundle, one entry per request entry, in order. */
  readonly response: Bundle;
  readonly results: readonly BundleEntryResult<R>[];
  readonly succeeded: number;
  readonly failed: number;
}

/** How a successful entry is answered in the response Bundle. */
export interface BundleEntryAnswer {
  /** `201 Created` when true, `200 OK` otherwise. */
  readonly created: boolean;
  /** `Patient/<id>`, `Invoice/<id>`… */
  readonly location: string;
  /** One line for the operator (the entry's informational OperationOutcome). */
  readonly text: string;
}

/** What a flow gives {@link processBundleEntries}: which resources it takes and how it processes one. */
export interface BundleEntryHandler<R> {
  /**
   * The resource types accepted, in processing order: all entries of the first type go before those of the second
   * (a family's members exist before their group); within a type, Bundle order.
   */
  readonly accepts: readonly [string, ...string[]];
  /**
   * Processes one entry's resource (validation included).
   *
   * @param resource - the entry's resource, of one of the accepted types
   * @param index - the entry's position in the Bundle
   */
  process(resource: unknown, index: number): Promise<R>;
  /**
   * How a successful entry is answered.
   *
   * @param result - what {@link BundleEntryHandler.process} returned
   */
  answer(result: R): BundleEntryAnswer;
  readonly log: { warn(obj: object, msg: string): void };
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  201: '201 Created',
  400: '400 Bad Request',
  404: '404 Not Found',
  409: '409 Conflict',
  413: '413 Payload Too Large',
  422: '422 Unprocessable Entity',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  504: '504 Gateway Timeout',
};

/**
 * The `Bundle.entry.response.status` text of an HTTP status (`201 Created`).
 *
 * @param status - HTTP status
 * @returns the status line, or the bare number for a status without a text here
 */
export function bundleEntryStatus(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}

/**
 * Processes a Bundle (batch, transaction, searchset or collection) entry by entry: each entry on its own, so one
 * failure never loses the others. A `transaction` is processed entry by entry as well, because Fineract writes
 * cannot be rolled back together; its answer is a `transaction-response` whose failed entries say so. An entry of
 * a type the handler does not accept fails with a 400 of its own.
 *
 * @param resource - the request body (structure checked here; entries are validated by the handler)
 * @param handler - the flow's accepted types and per-entry processing
 * @returns the response Bundle and per-entry results
 * @throws ValidationError when the body is not a usable Bundle
 * @see https://hl7.org/fhir/R4/http.html#transaction-response
 */
export async function processBundleEntries<R>(
  resource: unknown,
  handler: BundleEntryHandler<R>,
): Promise<BundleOutcome<R>> {
  const bundle = assertProcessableBundle(resource);
  const entries = bundle.entry ?? [];
  const results = new Array<BundleEntryResult<R>>(entries.length);
  const rank = (type: string | undefined): number => Math.max(0, handler.accepts.indexOf(type ?? ''));
  const order = entries
    .map((e, i) => ({ e, i, rank: rank(e.resource?.resourceType) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  const accepted = acceptedText(handler.accepts);
  for (const { e, i } of order) {
    const type = e.resource?.resourceType;
    try {
      if (type === undefined || !handler.accepts.includes(type)) {
        throw new ValidationError(`entry ${i}: only ${accepted} here, not ${type ?? 'nothing'}`, {
          issues: [{ message: `only ${accepted}`, location: `Bundle.entry[${i}].resource.resourceType` }],
        });
      }
      results[i] = { ok: true, result: await handler.process(e.resource, i) };
    } catch (err) {
      const error = errorToOutcomeParts(err, `Bundle.entry[${i}].resource`);
      results[i] = { ok: false, error };
      handler.log.warn({ entry: i, resourceType: type, status: error.status }, 'bundle entry failed');
    }
  }
  const responseEntries: BundleEntry[] = results.map((r) => {
    if (!r.ok) {
      return { response: { status: bundleEntryStatus(r.error.status), outcome: r.error.outcome } };
    }
    const a = handler.answer(r.result);
    return {
      response: {
        status: a.created ? '201 Created' : '200 OK',
        location: a.location,
        outcome: informationalOutcome(a.text),
      },
    };
  });
  const succeeded = results.filter((r) => r.ok).length;
  return {
    response: {
      resourceType: 'Bundle',
      type: bundle.type === 'transaction' ? 'transaction-response' : 'batch-response',
      entry: responseEntries,
    },
    results,
    succeeded,
    failed: results.length - succeeded,
  };
}

/** `Invoice is accepted`, `Patient and Group are accepted`. */
function acceptedText(types: readonly string[]): string {
  const names =
    types.length > 1 ? `${types.slice(0, -1).join(', ')} and ${types[types.length - 1]}` : types[0];
  return `${names ?? ''} ${types.length > 1 ? 'are' : 'is'} accepted`;
}
