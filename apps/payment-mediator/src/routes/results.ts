import type { EnvelopeProperties, MediatorResult } from '@payment-layer/openhim-mediator';
import type { PaymentOutcome } from '@payment-layer/flows-payment';

const TEXT: Record<PaymentOutcome['outcome'], string> = {
  matched: 'payment recorded; invoice partially paid',
  paid: 'payment recorded; invoice fully paid, PaymentNotice to openIMIS queued',
  needs_attention: 'payment kept for an operator',
  ignored: 'delivery recorded and ignored (not money)',
  duplicate: 'already recorded; nothing changed',
};

/**
 * The answer for a recorded payment. Always 200: the payment is kept whatever its state, so the sender must not
 * retry. A payment needing attention marks the transaction "Completed with error(s)" so it stands out in OpenHIM.
 *
 * @param r - flow outcome
 * @param extra - more properties (event, ids)
 * @returns what the kit sends
 */
export function paymentResult(r: PaymentOutcome, extra: EnvelopeProperties = {}): MediatorResult {
  const attention = r.outcome === 'needs_attention';
  const invoice = r.invoice;
  return {
    httpStatus: 200,
    body: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: attention ? 'warning' : 'information',
          code: attention ? 'business-rule' : 'informational',
          diagnostics: `${TEXT[r.outcome]}${r.reason ? `: ${r.reason}` : ''} (ledger payment ${r.payment.id})`,
        },
      ],
    },
    ...(attention ? { status: 'Completed with error(s)' as const } : {}),
    properties: {
      resourceType: 'PaymentNotice',
      outcome: r.outcome,
      paymentId: r.payment.id,
      source: r.payment.source,
      sourceTxnId: r.payment.sourceTxnId,
      amount: r.payment.amount,
      currency: r.payment.currency,
      ...(invoice
        ? {
            ledgerInvoiceId: invoice.id,
            invoiceUuid: invoice.openimisInvoiceId,
            invoiceCode: invoice.code,
            invoiceState: invoice.state,
            paidAmount: invoice.paidAmount,
          }
        : {}),
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.enqueued.length > 0 ? { outboxEntries: r.enqueued.join(',') } : {}),
      ...extra,
    },
  };
}
