import { walkSyncWindow, type SyncStep } from '@payment-layer/flows-runtime';
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
  const counts = emptyCounts();
  const walked = await walkSyncWindow(ctx, {
    key,
    type,
    ...(params ? { params } : {}),
    pageSize: ctx.settings().syncPageSize,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.limit !== undefined ? { limit: options.limit } : {}),
    process: async (resource): Promise<SyncStep> => {
      try {
        counts[(await process(ctx, resource)).outcome]++;
        return 'done';
      } catch (err) {
        counts.failed++;
        if (failures.length < MAX_REPORTED_FAILURES) {
          failures.push({
            id: `${type}/${String(resource.id)}`,
            error: err instanceof Error ? err.message : String(err),
          });
        }
        return 'failed';
      }
    },
  });
  return { counts, complete: walked.complete };
}
