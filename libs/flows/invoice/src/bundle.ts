import type { Bundle, BundleEntry, OperationOutcome } from 'fhir/r4';
import { errorToOutcomeParts, type ErrorOutcome } from '@payment-layer/flows-insuree';
import { assertProcessableBundle } from '@payment-layer/fhir-util';
import { ValidationError } from '@payment-layer/shared-errors';
import type { InvoiceFlowContext } from './context';
import { processInvoice, type InvoiceProcessResult } from './invoice';

/** Result of one Bundle entry. */
export type InvoiceEntryResult =
  | { readonly ok: true; readonly result: InvoiceProcessResult }
  | { readonly ok: false; readonly error: ErrorOutcome };

/** Result of {@link processInvoiceBundle}. */
export interface InvoiceBundleResult {
  /** The batch-response (or transaction-response) Bundle, one entry per request entry, in order. */
  readonly response: Bundle;
  readonly results: readonly InvoiceEntryResult[];
  readonly succeeded: number;
  readonly failed: number;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: '200 OK',
  201: '201 Created',
  400: '400 Bad Request',
  404: '404 Not Found',
  409: '409 Conflict',
  422: '422 Unprocessable Entity',
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  504: '504 Gateway Timeout',
};

/**
 * Processes a Bundle (batch, transaction, searchset or collection) of Invoices, each entry on its own and in
 * order: one failure never loses the others. A `transaction` is processed entry by entry as well, because
 * Fineract writes cannot be rolled back together; its answer is a `transaction-response` saying which failed.
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
  const bundle = assertProcessableBundle(resource);
  const entries = bundle.entry ?? [];
  const results: InvoiceEntryResult[] = [];
  for (const [i, e] of entries.entries()) {
    const type = e.resource?.resourceType;
    try {
      if (type !== 'Invoice') {
        throw new ValidationError(`entry ${i}: only Invoice is accepted here, not ${type ?? 'nothing'}`, {
          issues: [
            { message: 'only Invoice is accepted', location: `Bundle.entry[${i}].resource.resourceType` },
          ],
        });
      }
      results.push({ ok: true, result: await processInvoice(ctx, e.resource) });
    } catch (err) {
      const error = errorToOutcomeParts(err, `Bundle.entry[${i}].resource`);
      results.push({ ok: false, error });
      ctx.log.warn({ entry: i, resourceType: type, status: error.status }, 'bundle entry failed');
    }
  }
  const responseEntries: BundleEntry[] = results.map((r) =>
    r.ok
      ? {
          response: {
            status: r.result.outcome === 'charged' ? '201 Created' : '200 OK',
            location: `Invoice/${r.result.openimisId}`,
            outcome: informational(describeInvoiceResult(r.result)),
          },
        }
      : {
          response: {
            status: STATUS_TEXT[r.error.status] ?? String(r.error.status),
            outcome: r.error.outcome,
          },
        },
  );
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

function informational(text: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', diagnostics: text }],
  };
}
