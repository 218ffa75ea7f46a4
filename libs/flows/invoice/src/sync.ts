import type { SyncCursor } from '@payment-layer/fhir-openimis-client';
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
  const stored = ctx.repos.cursors.getCursor(INVOICE_SYNC_CURSOR);
  const cursor: SyncCursor | undefined = stored
    ? {
        ...(stored.cursorValue ? { since: stored.cursorValue } : {}),
        seen: stored.seenIds,
        ...(stored.walkStartedAt ? { walkStartedAt: stored.walkStartedAt } : {}),
      }
    : undefined;
  const sync = ctx.openimis.syncSince('Invoice', {
    ...(cursor ? { cursor } : {}),
    pageSize: ctx.settings().syncPageSize,
    params: { resourceType: 'invoice' },
  });
  let blocked = false;
  let processed = 0;
  let stoppedEarly = false;
  try {
    for await (const item of sync) {
      try {
        const r = await processInvoice(ctx, item.resource);
        counts[r.outcome]++;
      } catch (err) {
        if (isSetAside(ctx, item.resource, err)) {
          // Recorded in the ledger for an operator: pulling it again cannot help, so it does not hold the cursor.
          counts.flagged++;
        } else {
          counts.failed++;
          blocked = true;
        }
        if (failures.length < MAX_REPORTED_FAILURES) {
          failures.push({
            id: String(item.resource.id),
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      // Advance only through the unbroken run of successes: everything after a failure is pulled again next time.
      if (!blocked) {
        // Appends this invoice's key: the window's key list is never rewritten while walking.
        const { since, walkStartedAt } = sync.window;
        ctx.repos.cursors.extendSyncWindow(INVOICE_SYNC_CURSOR, {
          cursorValue: since ?? null,
          walkStartedAt: walkStartedAt ?? null,
          addedKeys: [item.key],
        });
      }
      processed++;
      if (options.signal?.aborted || (options.limit !== undefined && processed >= options.limit)) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (err) {
    // The walk itself failed (openIMIS down, a page it cannot serve): the invoices after this point are not
    // charged, so the run is recorded as failed with its reason for `ops attention`, not only logged.
    recordFailedRun(ctx, started, processed, err);
    throw err;
  }
  if (!stoppedEarly && !blocked && sync.complete) {
    saveCursor(ctx, sync.cursor);
  }
  ctx.repos.cursors.recordRun(INVOICE_SYNC_CURSOR, {
    startedAt: started,
    finishedAt: new Date(),
    outcome: counts.failed > 0 ? (processed > counts.failed ? 'partial' : 'failed') : 'succeeded',
    processed,
  });
  ctx.log.info({ processed, ...counts }, 'invoice sync finished');
  return {
    counts,
    complete: !stoppedEarly && sync.complete,
    failures,
    durationMs: Date.now() - started.getTime(),
  };
}

function recordFailedRun(ctx: InvoiceFlowContext, started: Date, processed: number, err: unknown): void {
  ctx.repos.cursors.recordRun(INVOICE_SYNC_CURSOR, {
    startedAt: started,
    finishedAt: new Date(),
    outcome: 'failed',
    processed,
    error: err instanceof Error ? err.message : String(err),
  });
}

function isSetAside(ctx: InvoiceFlowContext, resource: { id?: string }, err: unknown): boolean {
  if (!(err instanceof ConflictError)) {
    return false;
  }
  const uuid = getOpenImisUuid(resource);
  return uuid !== undefined && ctx.repos.ledger.getInvoiceByOpenimisId(uuid)?.state === 'needs_attention';
}

function saveCursor(ctx: InvoiceFlowContext, cursor: SyncCursor): void {
  ctx.repos.cursors.saveSyncState(INVOICE_SYNC_CURSOR, {
    cursorValue: cursor.since ?? null,
    seenIds: [...cursor.seen],
    walkStartedAt: cursor.walkStartedAt ?? null,
  });
}
