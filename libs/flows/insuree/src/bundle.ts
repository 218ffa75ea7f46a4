import {
  processBundleEntries,
  type BundleEntryResult,
  type BundleOutcome,
} from '@payment-layer/flows-runtime';
import {
  upsertGroup,
  upsertPatient,
  type GroupUpsertResult,
  type InsureeFlowContext,
  type PatientUpsertResult,
} from '@payment-layer/flows-parties';

/** What one upserted entry of a Bundle gave: a Patient's or a Group's result, tagged with its kind. */
export type InsureeEntry =
  (PatientUpsertResult & { readonly kind: 'Patient' }) | (GroupUpsertResult & { readonly kind: 'Group' });

/** Result of one Bundle entry. */
export type EntryResult = BundleEntryResult<InsureeEntry>;

/** Result of {@link processBundle}. */
export type BundleProcessingResult = BundleOutcome<InsureeEntry>;

/**
 * Processes a Bundle (batch, transaction or searchset) of Patients and Groups: all Patients first (so a family's
 * members exist before their group), then Groups, each entry on its own — one failure never loses the others
 * (see `processBundleEntries` of the flows runtime).
 *
 * @param ctx - flow context
 * @param resource - the Bundle (structure checked here; entries are validated one by one)
 * @returns the response Bundle and per-entry results
 */
export async function processBundle(
  ctx: InsureeFlowContext,
  resource: unknown,
): Promise<BundleProcessingResult> {
  return processBundleEntries<InsureeEntry>(resource, {
    accepts: ['Patient', 'Group'],
    process: async (r) =>
      (r as { resourceType: string }).resourceType === 'Group'
        ? { kind: 'Group', ...(await upsertGroup(ctx, r)) }
        : { kind: 'Patient', ...(await upsertPatient(ctx, r)) },
    answer: (r) =>
      r.kind === 'Patient'
        ? {
            created: r.outcome === 'created',
            location: `Patient/${r.openimisId}`,
            text: `insuree ${r.outcome}: Fineract client ${r.fineractClientId}`,
          }
        : {
            created: r.outcome === 'created',
            location: `Group/${r.openimisId}`,
            text: `family ${r.outcome}: Fineract group ${r.fineractGroupId}`,
          },
    log: ctx.log,
  });
}
