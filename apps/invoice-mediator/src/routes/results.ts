import type { MediatorResult } from '@payment-layer/openhim-mediator';
import {
  describeInvoiceResult,
  type InvoiceBundleResult,
  type InvoiceProcessResult,
} from '@payment-layer/flows-invoice';

/**
 * The answer for one invoice: 201 when a charge was applied now, 200 when it was applied before or the invoice
 * was skipped (the reason is in the properties and the body).
 *
 * @param r - flow result
 * @returns what the kit sends
 */
export function invoiceResult(r: InvoiceProcessResult): MediatorResult {
  return {
    httpStatus: r.outcome === 'charged' ? 201 : 200,
    body: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: describeInvoiceResult(r) }],
    },
    properties: {
      resourceType: 'Invoice',
      fhirId: r.openimisId,
      invoiceCode: r.code,
      fineractClientId: r.fineractClientId,
      fineractChargeId: r.fineractChargeId,
      amount: r.amount,
      currency: r.currency,
      outcome: r.outcome,
      reason: r.reason,
      recipient: r.recipient ? `${r.recipient.type}/${r.recipient.id}` : undefined,
      recipientClient: r.recipient?.outcome,
      ledgerState: r.ledgerState,
    },
  };
}

/**
 * The answer for a Bundle: the batch-response with one entry per invoice; 200 even when some entries failed (each
 * has its own status), and the transaction marked "Completed with error(s)" then.
 *
 * @param r - flow result
 * @returns what the kit sends
 */
export function invoiceBundleResult(r: InvoiceBundleResult): MediatorResult {
  const count = (outcome: string): number =>
    r.results.filter((x) => x.ok && x.result.outcome === outcome).length;
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
      charged: count('charged'),
      unchanged: count('unchanged'),
      skipped: count('skipped'),
    },
  };
}
