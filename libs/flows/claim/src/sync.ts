import type { SyncCursor } from '@payment-layer/fhir-openimis-client';
import type { ClaimFlowContext } from './context';
import { processBill, processClaimResponse, type PayoutOutcome, type PayoutProcessResult } from './payout';

/** Key of the ClaimResponse sync position in `sync_cursors`. */
export const CLAIM_SYNC_CURSOR = 'ClaimResponse:claim';
/** Key of the bill sync position in `sync_cursors` (the invoice flow keeps `Invoice:invoice`). */
export const BILL_SYNC_CURSOR = 'Invoice:bill';

/** Counts of one resource type's walk. */
export type ClaimSyncCounts = Record<PayoutOutcome | 'failed', number>;

/** Result of {@link syncClaims}. */
export interface ClaimSyncReport {
  readonly claims: ClaimSyncCounts;
  readonly bills: ClaimSyncCounts;
  /** Whether both windows were walked to their end. */
  readonly complete: boolean;
  /** First failures (resource and message), for the operator. */
  readonly failures: readonly { readonly id: string; readonly error: string }[];
  readonly durationMs: number;
}

/** Options of {@link syncClaims}. */
export interface ClaimSyncOptions {
  /** Stops the run between resources (shutdown). */
  readonly signal?: AbortSignal;
  /** Stop each walk after this many resources; the cursor stays where processing stopped. */
  readonly limit?: number;
}

const MAX_REPORTED_FAILURES = 20;

/**
 * Pulls what changed in openIMIS since the stored cursors — ClaimResponses (`_lastUpdated` windows, page by page)
 * and claim-batch bills (`Invoice/?resourceType=bill`) — and takes each in like a POSTed one (payouts are queued; the
 * worker pays them). The cursors are the invoice sync's resumable kind: saved after each resource, and only past an
 * unbroken run of successes (a skipped claim is a success), so a failed one is pulled again next time. A rerun with
 * nothing new writes nothing, and a known claim costs no call.
 *
 * @param ctx - flow context
 * @param options - abort signal, limit
 * @returns counts per outcome and resource type
 */
export async function syncClaims(
  ctx: ClaimFlowContext,
  options: ClaimSyncOptions = {},
): Promise<ClaimSyncReport> {
  const started = Date.now();
  const failures: { id: string; error: string }[] = [];
  const claims = await walk(
    ctx,
    CLAIM_SYNC_CURSOR,
    'ClaimResponse',
    undefined,
    processClaimResponse,
    failures,
    options,
  );
  const bills =
    options.signal?.aborted === true
      ? { counts: emptyCounts(), complete: false }
      : await walk(
          ctx,
          BILL_SYNC_CURSOR,
          'Invoice',
          { resourceType: 'bill' },
          processBill,
          failures,
          options,
        );
  ctx.log.info({ claims: claims.counts, bills: bills.counts }, 'claim sync finished');
  return {
    claims: claims.counts,
    bills: bills.counts,
    complete: claims.complete && bills.complete,
    failures,
    durationMs: Date.now() - started,
  };
}

function emptyCounts(): ClaimSyncCounts {
  return { queued: 0, known: 0, skipped: 0, failed: 0 };
}

async function walk(
  ctx: ClaimFlowContext,
  key: string,
  type: 'ClaimResponse' | 'Invoice',
  params: Record<string, string> | undefined,
  process: (ctx: ClaimFlowContext, resource: unknown) => Promise<PayoutProcessResult>,
  failures: { id: string; error: string }[],
  options: ClaimSyncOptions,
): Promise<{ counts: ClaimSyncCounts; complete: boolean }> {
  const started = new Date();
  const counts = emptyCounts();
  const stored = ctx.repos.cursors.getCursor(key);
  const cursor: SyncCursor | undefined = stored
    ? {
        ...(stored.cursorValue ? { since: stored.cursorValue } : {}),
        seen: stored.seenIds,
        ...(stored.walkStartedAt ? { walkStartedAt: stored.walkStartedAt } : {}),
      }
    : undefined;
  const sync = ctx.openimis.syncSince(type, {
    ...(cursor ? { cursor } : {}),
    pageSize: ctx.settings().syncPageSize,
    ...(params ? { params } : {}),
  });
  let blocked = false;
  let processed = 0;
  let stoppedEarly = false;
  for await (const item of sync) {
    try {
      counts[(await process(ctx, item.resource)).outcome]++;
    } catch (err) {
      counts.failed++;
      blocked = true;
      if (failures.length < MAX_REPORTED_FAILURES) {
        failures.push({
          id: `${type}/${String(item.resource.id)}`,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    // Advance only through the unbroken run of successes: everything after a failure is pulled again next time.
    if (!blocked) {
      const { since, walkStartedAt } = sync.window;
      ctx.repos.cursors.extendSyncWindow(key, {
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
  if (!stoppedEarly && !blocked && sync.complete) {
    ctx.repos.cursors.saveSyncState(key, {
      cursorValue: sync.cursor.since ?? null,
      seenIds: [...sync.cursor.seen],
      walkStartedAt: sync.cursor.walkStartedAt ?? null,
    });
  }
  ctx.repos.cursors.recordRun(key, {
    startedAt: started,
    finishedAt: new Date(),
    outcome: counts.failed > 0 ? (processed > counts.failed ? 'partial' : 'failed') : 'succeeded',
    processed,
  });
  return { counts, complete: !stoppedEarly && sync.complete };
}
