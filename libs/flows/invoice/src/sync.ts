import { walkSyncWindow, type SyncStep } from '@payment-layer/flows-runtime';
import { getOpenImisUuid } from '@payment-layer/fhir-util';
import { ConflictError } from '@payment-layer/shared-errors';
import type { InvoiceFlowContext } from './context';
import { processInvoice, type InvoiceOutcome } from './invoice';

/** Key of the invoice sync position in `sync_cursors` (bills have their own, in the claim flow). */
export const INVOICE_SYNC_CURSOR = 'Invoice:invoice';

/** Result of {@link syncInvoices}. */
export interface InvoiceSyncReport {
  /** `flagged`: changed known invoices set aside for an operator (`needs_attention`); they do not hold the cursor. */
  readonly counts: Record<InvoiceOutcome | 'flagged' | 'failed', number>;
  /** Whether the window was walked to its end (false when stopped early). */
  readonly complete: boolean;
  /** First failures and flagged invoices (id + message), for the operator. */
  readonly failures: readonly { readonly id: string; readonly error: string }[];
  readonly durationMs: number;
}

/** Options of {@link syncInvoices}. */
export interface InvoiceSyncOptions {
  /** Stop after this many invoices; the cursor stays where processing stopped. */
  readonly limit?: number;
  /** Stops the run between invoices (shutdown). */
  readonly signal?: AbortSignal;
}

const MAX_REPORTED_FAILURES = 20;

/**
 * Pulls contribution invoices changed in openIMIS since the stored cursor (`Invoice/?resourceType=invoice`,
 * `_lastUpdated` windows, page by page) and processes each like a POSTed one. The cursor is saved after each
 * invoice and only past an unbroken run of successes (a skipped invoice is a success): after a failure it stops
 * moving, so the failed invoice is pulled again next time. A rerun with nothing new writes nothing (a charged
 * invoice is `unchanged` without any Fineract call), and a run killed half-way resumes without a second charge.
 *
 * @param ctx - flow context
 * @param options - limit and abort signal
 * @returns counts per outcome
 */
export async function syncInvoices(
  ctx: InvoiceFlowContext,
  options: InvoiceSyncOptions = {},
): Promise<InvoiceSyncReport> {
  const started = new Date();
  const counts: Record<InvoiceOutcome | 'flagged' | 'failed', number> = {
    charged: 0,
    unchanged: 0,
    skipped: 0,
    flagged: 0,
    failed: 0,
  };
  const failures: { id: string; error: string }[] = [];
  const walk = await walkSyncWindow(ctx, {
    key: INVOICE_SYNC_CURSOR,
    type: 'Invoice',
    params: { resourceType: 'invoice' },
    pageSize: ctx.settings().syncPageSize,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    process: async (resource): Promise<SyncStep> => {
      try {
        counts[(await processInvoice(ctx, resource)).outcome]++;
        return 'done';
      } catch (err) {
        if (failures.length < MAX_REPORTED_FAILURES) {
          failures.push({ id: String(resource.id), error: err instanceof Error ? err.message : String(err) });
        }
        // Recorded in the ledger for an operator: pulling it again cannot help, so it does not hold the cursor.
        if (isSetAside(ctx, resource, err)) {
          counts.flagged++;
          return 'set-aside';
        }
        counts.failed++;
        return 'failed';
      }
    },
  });
  ctx.log.info({ processed: walk.processed, ...counts }, 'invoice sync finished');
  return {
    counts,
    complete: walk.complete,
    failures,
    durationMs: Date.now() - started.getTime(),
  };
}

function isSetAside(ctx: InvoiceFlowContext, resource: { id?: string }, err: unknown): boolean {
  if (!(err instanceof ConflictError)) {
    return false;
  }
  const uuid = getOpenImisUuid(resource);
  return uuid !== undefined && ctx.repos.ledger.getInvoiceByOpenimisId(uuid)?.state === 'needs_attention';
}
