import type { Bundle, BundleEntry, OperationOutcome } from 'fhir/r4';
import { errorToOutcomeParts, type ErrorOutcome } from './outcome';
import { assertProcessableBundle } from '@payment-layer/fhir-util';
import { ValidationError } from '@payment-layer/shared-errors';
import type { InsureeFlowContext } from './context';
import { upsertGroup, type GroupUpsertResult } from './group';
import { upsertPatient, type PatientUpsertResult } from './patient';

/** Result of one Bundle entry. */
export type EntryResult =
  | { readonly ok: true; readonly kind: 'Patient'; readonly result: PatientUpsertResult }
  | { readonly ok: true; readonly kind: 'Group'; readonly result: GroupUpsertResult }
  | { readonly ok: false; readonly error: ErrorOutcome };

/** Result of {@link processBundle}. */
export interface BundleProcessingResult {
  /** The FHIR batch-response (or transaction-response) Bundle, one entry per request entry, in order. */
  readonly response: Bundle;
  readonly results: readonly EntryResult[];
  readonly succeeded: number;
  readonly failed: number;
}

const STATUS_TEXT: Record<number, string> = {
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
 * Processes a Bundle (batch, transaction or searchset) of Patients and Groups: all Patients first (so a family's
 * members exist before their group), then Groups, each entry on its own — one failure never loses the others. A
 * `transaction` is processed entry by entry as well, because writes to Fineract cannot be rolled back together;
 * its answer is a `transaction-response` whose failed entries say so.
 *
 * @param ctx - flow context
 * @param resource - the Bundle (structure checked here; entries are validated one by one)
 * @returns the response Bundle and per-entry results
 */
export async function processBundle(
  ctx: InsureeFlowContext,
  resource: unknown,
): Promise<BundleProcessingResult> {
  const bundle = assertProcessableBundle(resource);
  const entries = bundle.entry ?? [];
  const results: EntryResult[] = new Array<EntryResult>(entries.length);
  const order = entries
    .map((e, i) => ({ e, i, rank: e.resource?.resourceType === 'Group' ? 1 : 0 }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  for (const { e, i } of order) {
    const type = e.resource?.resourceType;
    try {
      if (type === 'Patient') {
        results[i] = { ok: true, kind: 'Patient', result: await upsertPatient(ctx, e.resource) };
      } else if (type === 'Group') {
        results[i] = { ok: true, kind: 'Group', result: await upsertGroup(ctx, e.resource) };
      } else {
        throw new ValidationError(
          `entry ${i}: only Patient and Group are accepted here, not ${type ?? 'nothing'}`,
          {
            issues: [
              {
                message: 'only Patient and Group are accepted',
                location: `Bundle.entry[${i}].resource.resourceType`,
              },
            ],
          },
        );
      }
    } catch (err) {
      results[i] = { ok: false, error: errorToOutcomeParts(err, `Bundle.entry[${i}].resource`) };
      ctx.log.warn({ entry: i, resourceType: type, status: results[i].error.status }, 'bundle entry failed');
    }
  }
  const responseEntries: BundleEntry[] = results.map((r) => {
    if (!r.ok) {
      return {
        response: { status: STATUS_TEXT[r.error.status] ?? String(r.error.status), outcome: r.error.outcome },
      };
    }
    const created = r.result.outcome === 'created';
    const location = r.kind === 'Patient' ? `Patient/${r.result.openimisId}` : `Group/${r.result.openimisId}`;
    return {
      response: {
        status: created ? '201 Created' : '200 OK',
        location,
        outcome: info(r),
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

function info(r: Extract<EntryResult, { ok: true }>): OperationOutcome {
  const text =
    r.kind === 'Patient'
      ? `insuree ${r.result.outcome}: Fineract client ${r.result.fineractClientId}`
      : `family ${r.result.outcome}: Fineract group ${r.result.fineractGroupId}`;
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics: text }],
  };
}
