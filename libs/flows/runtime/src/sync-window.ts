import type { FhirResource } from 'fhir/r4';
import type { OpenImisClient, SyncCursor } from '@payment-layer/fhir-openimis-client';
import type { StagingRepositories } from '@payment-layer/staging-db';

/**
 * The stored position of a window sync (see `ResourceSync` in the openIMIS client), as the client takes it back.
 *
 * @param repos - staging repositories
 * @param key - the cursor's key in `sync_cursors` (e.g. `Invoice:invoice`)
 * @returns the cursor, or undefined before the first run
 */
export function loadSyncCursor(repos: StagingRepositories, key: string): SyncCursor | undefined {
  const stored = repos.cursors.getCursor(key);
  return stored
    ? {
        ...(stored.cursorValue ? { since: stored.cursorValue } : {}),
        seen: stored.seenIds,
        ...(stored.walkStartedAt ? { walkStartedAt: stored.walkStartedAt } : {}),
      }
    : undefined;
}

/**
 * Stores a window sync's position, replacing the stored one (the next window once a walk completed).
 *
 * @param repos - staging repositories
 * @param key - the cursor's key
 * @param cursor - the position the client reports
 */
export function saveSyncCursor(repos: StagingRepositories, key: string, cursor: SyncCursor): void {
  repos.cursors.saveSyncState(key, {
    cursorValue: cursor.since ?? null,
    seenIds: [...cursor.seen],
    walkStartedAt: cursor.walkStartedAt ?? null,
  });
}

/**
 * Records how a sync run went, for operators (`ops attention` lists a sync whose last run failed): `failed` when
 * nothing succeeded or the walk itself broke (`error`), `partial` when some resources failed, else `succeeded`.
 *
 * @param repos - staging repositories
 * @param key - the cursor's key
 * @param run - start, resources processed and failed, and the error that stopped the walk
 */
export function recordSyncRun(
  repos: StagingRepositories,
  key: string,
  run: {
    readonly startedAt: Date;
    readonly processed: number;
    readonly failed: number;
    readonly error?: unknown;
  },
): void {
  const broken = run.error !== undefined;
  repos.cursors.recordRun(key, {
    startedAt: run.startedAt,
    finishedAt: new Date(),
    outcome:
      broken || (run.failed > 0 && run.processed <= run.failed)
        ? 'failed'
        : run.failed > 0
          ? 'partial'
          : 'succeeded',
    processed: run.processed,
    ...(broken ? { error: errorText(run.error) } : {}),
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  return typeof err === 'string' ? err : 'the sync walk failed';
}

/** What one resource of a walk came to. `failed` holds the cursor there; `set-aside` (flagged for an operator) does not. */
export type SyncStep = 'done' | 'failed' | 'set-aside';

/** Options of {@link walkSyncWindow}. */
export interface SyncWalkOptions {
  /** The cursor's key in `sync_cursors`. */
  readonly key: string;
  /** The FHIR type searched. */
  readonly type: FhirResource['resourceType'];
  /** Extra search parameters (e.g. `{ resourceType: 'invoice' }`). */
  readonly params?: Readonly<Record<string, string>>;
  readonly pageSize: number;
  /** Stops the walk between resources (shutdown); the cursor stays where processing stopped. */
  readonly signal?: AbortSignal;
  /** Stop after this many resources. */
  readonly limit?: number;
  /**
   * Takes one resource in; never throws for a resource's own failure (count it and answer `failed`).
   *
   * @param resource - the resource as openIMIS served it
   */
  process(resource: FhirResource): Promise<SyncStep>;
}

/** Result of {@link walkSyncWindow}. */
export interface SyncWalkResult {
  readonly processed: number;
  readonly failed: number;
  /** Whether the window was walked to its end (false when stopped early). */
  readonly complete: boolean;
}

/**
 * One run of a resumable window sync over openIMIS, one resource at a time: resumes from the stored cursor, appends
 * each processed resource's key to the window (only through the unbroken run of successes, so everything after a
 * failure is pulled again next time), moves to the next window once a walk completes with nothing failed, and
 * records the run. A walk that breaks (openIMIS down, a page it cannot serve) is recorded as failed with its reason
 * and rethrown: the resources after that point are not processed, and an operator must be able to see it.
 *
 * @param deps - the openIMIS client and the staging repositories
 * @param options - what to walk and how to take each resource in
 * @returns counts and whether the window was completed
 */
export async function walkSyncWindow(
  deps: { readonly openimis: OpenImisClient; readonly repos: StagingRepositories },
  options: SyncWalkOptions,
): Promise<SyncWalkResult> {
  const { repos } = deps;
  const startedAt = new Date();
  const cursor = loadSyncCursor(repos, options.key);
  const sync = deps.openimis.syncSince(options.type, {
    ...(cursor ? { cursor } : {}),
    pageSize: options.pageSize,
    ...(options.params ? { params: options.params } : {}),
  });
  let blocked = false;
  let processed = 0;
  let failed = 0;
  let stoppedEarly = false;
  try {
    for await (const item of sync) {
      const step = await options.process(item.resource);
      if (step === 'failed') {
        failed++;
        blocked = true;
      }
      if (!blocked) {
        // Appends this resource's key: the window's key list is never rewritten while walking.
        const { since, walkStartedAt } = sync.window;
        repos.cursors.extendSyncWindow(options.key, {
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
    recordSyncRun(repos, options.key, { startedAt, processed, failed, error: err });
    throw err;
  }
  if (!stoppedEarly && !blocked && sync.complete) {
    saveSyncCursor(repos, options.key, sync.cursor);
  }
  recordSyncRun(repos, options.key, { startedAt, processed, failed });
  return { processed, failed, complete: !stoppedEarly && sync.complete };
}
