import type { MediatorResult } from '@payment-layer/openhim-mediator';
import type { PayoutProcessResult } from '@payment-layer/flows-claim';
import type { Payout } from '@payment-layer/staging-db';

function describe(r: PayoutProcessResult, payout: Payout | undefined): string {
  const what = `${r.kind} ${r.code ?? r.sourceId ?? ''}`.trim();
  if (r.outcome === 'skipped') {
    return `${what} not paid: ${r.reason ?? 'skipped'}`;
  }
  if (payout === undefined) {
    return `${what}: payout ${r.outcome}`;
  }
  const money = `${payout.amount} ${payout.currency} to facility ${payout.facilityCode} over ${payout.rail}`;
  switch (payout.state) {
    case 'paid':
      return `${what}: ${money} paid (reference ${payout.reference ?? '?'})`;
    case 'failed':
      return `${what}: ${money} failed: ${payout.lastError ?? 'no reason'}`;
    case 'needs_attention':
      return `${what}: ${money} needs an operator: ${payout.lastError ?? 'flagged'}`;
    case 'pending':
    case 'in_flight':
      return `${what}: ${money} ${payout.state}${payout.lastError ? ` (${payout.lastError})` : ''}`;
  }
}

/**
 * The answer for one claim or bill: 201 when it was paid by this request, 200 when it was paid before or is not
 * to be paid (the reason is in the body and properties), 202 while the payout waits or is in flight (it is paid
 * later by the worker), 422 when the rail refused it.
 *
 * @param r - flow result
 * @param payout - the payout row after this request's worker run
 * @returns what the kit sends
 */
export function payoutResult(r: PayoutProcessResult, payout: Payout | undefined): MediatorResult {
  const state = payout?.state;
  const httpStatus =
    r.outcome === 'skipped' || state === undefined
      ? 200
      : state === 'paid'
        ? r.outcome === 'queued'
          ? 201
          : 200
        : state === 'failed' || state === 'needs_attention'
          ? 422
          : 202;
  return {
    httpStatus,
    body: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: httpStatus === 422 ? 'error' : 'information',
          code: httpStatus === 422 ? 'processing' : 'informational',
          diagnostics: describe(r, payout),
        },
      ],
    },
    ...(httpStatus === 202 ? { status: 'Processing' as const } : {}),
    ...(httpStatus === 422 ? { status: 'Failed' as const } : {}),
    properties: {
      resourceType: r.kind === 'claim' ? 'ClaimResponse' : 'Invoice',
      fhirId: r.sourceId,
      code: r.code,
      outcome: r.outcome,
      reason: r.reason,
      amount: payout?.amount,
      currency: payout?.currency,
      facilityId: payout?.facilityId,
      payoutKey: payout?.payoutKey,
      payoutState: state,
      rail: payout?.rail,
      reference: payout?.reference ?? undefined,
    },
  };
}
