import {
  processBundleEntries,
  type BundleEntryResult,
  type BundleOutcome,
} from '@payment-layer/flows-runtime';
import type { InvoiceFlowContext } from './context';
import { processInvoice, type InvoiceProcessResult } from './invoice';

/** Result of one Bundle entry. */
export type InvoiceEntryResult = BundleEntryResult<InvoiceProcessResult>;

/** Result of {@link processInvoiceBundle}. */
export type InvoiceBundleResult = BundleOutcome<InvoiceProcessResult>;

/**
 * Processes a Bundle (batch, transaction, searchset or collection) of Invoices, each entry on its own and in
 * order: one failure never loses the others (see `processBundleEntries` of the flows runtime).
 *
 * @param ctx - flow context
 * @param resource - the Bundle (structure checked here, entries validated one by one)
 * @returns the response Bundle and per-entry results
 * @throws ValidationError when the body is not a usable Bundle
 */
export async function processInvoiceBundle(
  ctx: InvoiceFlowContext,
  resource: unknown,
): Promise<InvoiceBundleResult> {
  return processBundleEntries(resource, {
    accepts: ['Invoice'],
    process: (r) => processInvoice(ctx, r),
    answer: (r) => ({
      created: r.outcome === 'charged',
      location: `Invoice/${r.openimisId}`,
      text: describeInvoiceResult(r),
    }),
    log: ctx.log,
  });
}

/**
 * One line for the operator about what happened to an invoice.
 *
 * @param r - flow result
 * @returns e.g. `invoice IV-1 charged: Fineract client 4, charge 9 (100.00 USD)`
 */
export function describeInvoiceResult(r: InvoiceProcessResult): string {
  const name = `invoice ${r.code ?? r.openimisId}`;
  if (r.outcome === 'skipped') {
    return `${name} skipped: ${r.reason ?? 'not chargeable'}`;
  }
  return `${name} ${r.outcome}: Fineract client ${String(r.fineractClientId)}, charge ${String(r.fineractChargeId)} (${r.amount ?? '?'} ${r.currency ?? ''})`;
}
