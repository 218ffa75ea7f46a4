import type { MediatorResult } from '@payment-layer/openhim-mediator';
import type { BundleProcessingResult } from '@payment-layer/flows-insuree';
import type { GroupUpsertResult, PatientUpsertResult } from '@payment-layer/flows-parties';

const informational = (text: string): object => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'information', code: 'informational', diagnostics: text }],
});

/**
 * The answer for one upserted insuree: 201 when the client was created, 200 otherwise.
 *
 * @param r - flow result
 * @returns what the kit sends
 */
export function patientResult(r: PatientUpsertResult): MediatorResult {
  const savingsPending = r.savings?.state === 'pending';
  return {
    httpStatus: r.outcome === 'created' ? 201 : 200,
    body: informational(
      `insuree ${r.outcome}: Fineract client ${r.fineractClientId}${savingsPending ? '; savings account pending' : ''}${
        r.mobileNoLeftOut ? '; phone left out (another client holds it)' : ''
      }`,
    ),
    // A savings account still pending is finished by the outbox worker; the transaction says so honestly.
    ...(savingsPending ? { status: 'Completed with error(s)' as const } : {}),
    properties: {
      resourceType: 'Patient',
      fhirId: r.openimisId,
      fineractClientId: r.fineractClientId,
      fineractSavingsAccountId: r.savings?.savingsAccountId,
      savingsAccount: r.savings?.state,
      outcome: r.outcome,
      mobileNoLeftOut: r.mobileNoLeftOut,
    },
  };
}

/**
 * The answer for one upserted family.
 *
 * @param r - flow result
 * @returns what the kit sends
 */
export function groupResult(r: GroupUpsertResult): MediatorResult {
  return {
    httpStatus: r.outcome === 'created' ? 201 : 200,
    body: informational(
      `family ${r.outcome}: Fineract group ${r.fineractGroupId} with ${r.memberClientIds.length} members`,
    ),
    properties: {
      resourceType: 'Group',
      fhirId: r.openimisId,
      fineractGroupId: r.fineractGroupId,
      members: r.memberClientIds.length,
      membersCreated: r.membersCreated,
      outcome: r.outcome,
    },
  };
}

/**
 * The answer for a Bundle: the batch-response Bundle with one entry per resource; 200 even when some entries
 * failed (each entry has its own status), and the transaction marked "Completed with error(s)" then.
 *
 * @param r - flow result
 * @returns what the kit sends
 */
export function bundleResult(r: BundleProcessingResult): MediatorResult {
  const created = r.results.filter((x) => x.ok && x.result.outcome === 'created').length;
  return {
    httpStatus: 200,
    body: r.response,
    ...(r.failed > 0
      ? { status: r.succeeded > 0 ? ('Completed with error(s)' as const) : ('Completed' as const) }
      : {}),
    properties: {
      resourceType: 'Bundle',
      entries: r.results.length,
      succeeded: r.succeeded,
      failed: r.failed,
      created,
    },
  };
}
