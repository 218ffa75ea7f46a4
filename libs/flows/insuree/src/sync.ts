import type { Group, Patient } from 'fhir/r4';
import { loadSyncCursor, recordSyncRun, saveSyncCursor } from '@payment-layer/flows-runtime';
import { isDuplicateError, withDates } from '@payment-layer/mifos-fineract-client';
import {
  preparePatient,
  upsertGroup,
  upsertPreparedPatient,
  type InsureeFlowContext,
  type UpsertOutcome,
} from '@payment-layer/flows-parties';

/** Counts of one resource type in a sync run. */
export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
  linked: number;
  failed: number;
}

/** Result of {@link syncInsurees}. */
export interface SyncReport {
  readonly patients: SyncCounts;
  readonly groups: SyncCounts;
  /** Whether every window was walked to its end (false when stopped early). */
  readonly complete: boolean;
  /** First failures (id + message), for the operator. */
  readonly failures: readonly {
    readonly resourceType: string;
    readonly id: string;
    readonly error: string;
  }[];
  readonly durationMs: number;
}

/** Options of {@link syncInsurees}. */
export interface SyncOptions {
  /** Stop after this many resources (per type); the cursor stays where processing stopped. */
  readonly limit?: number;
  /** Stops the run between chunks (shutdown). */
  readonly signal?: AbortSignal;
}

const MAX_REPORTED_FAILURES = 20;
const CLIENT_DATE_FIELDS = ['activationDate', 'submittedOnDate', 'dateOfBirth'];

const emptyCounts = (): SyncCounts => ({ created: 0, updated: 0, unchanged: 0, linked: 0, failed: 0 });

/**
 * Pulls insurees (Patients) and then families (Groups) changed in openIMIS since the stored cursor, page by page,
 * and upserts them into Fineract. New clients are created with Fineract batches (one request per `batchSize`
 * insurees); each item succeeds or fails on its own. The cursor is saved after every chunk and only past what
 * succeeded: after a failure it stops moving for the rest of the run, so the failed resource is pulled again next
 * time. A rerun with nothing new does no writes (unchanged insurees are recognised by the hash of their mapped
 * payload), and a run killed half-way resumes from the last saved cursor without duplicates.
 *
 * @param ctx - flow context
 * @param options - limit and abort signal
 * @returns counts per type
 */
export async function syncInsurees(ctx: InsureeFlowContext, options: SyncOptions = {}): Promise<SyncReport> {
  const started = Date.now();
  const failures: { resourceType: string; id: string; error: string }[] = [];
  const fail = (resourceType: string, id: string, err: unknown): void => {
    if (failures.length < MAX_REPORTED_FAILURES) {
      failures.push({ resourceType, id, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const patients = await syncType(ctx, 'Patient', options, fail, processPatientChunk);
  // Families wait until the insurees' window is walked to its end (a stopped run resumes insurees first).
  const groups = !patients.complete
    ? { counts: emptyCounts(), complete: false }
    : await syncType(ctx, 'Group', options, fail, processGroupChunk);
  return {
    patients: patients.counts,
    groups: groups.counts,
    complete: patients.complete && groups.complete,
    failures,
    durationMs: Date.now() - started,
  };
}

type ChunkItem<T> = { resource: T; key: string };
type ChunkResult = { ok: boolean; outcome?: UpsertOutcome }[];
type ChunkProcessor<T> = (
  ctx: InsureeFlowContext,
  chunk: readonly ChunkItem<T>[],
  fail: (type: string, id: string, err: unknown) => void,
) => Promise<ChunkResult>;

async function syncType<T extends Patient | Group>(
  ctx: InsureeFlowContext,
  type: T['resourceType'],
  options: SyncOptions,
  fail: (type: string, id: string, err: unknown) => void,
  processChunk: ChunkProcessor<T>,
): Promise<{ counts: SyncCounts; complete: boolean }> {
  const settings = ctx.settings();
  const counts = emptyCounts();
  const startedAt = new Date();
  const cursor = loadSyncCursor(ctx.repos, type);
  const sync = ctx.openimis.syncSince(type, {
    ...(cursor ? { cursor } : {}),
    pageSize: settings.syncPageSize,
  });
  const chunkSize = Math.max(1, settings.batchSize);
  let chunk: ChunkItem<T>[] = [];
  let blocked = false;
  let processed = 0;
  let stoppedEarly = false;

  const flush = async (): Promise<void> => {
    if (chunk.length === 0) {
      return;
    }
    const results = await processChunk(ctx, chunk, fail);
    const done: string[] = [];
    results.forEach((r, i) => {
      if (r.ok && r.outcome) {
        counts[r.outcome]++;
      } else {
        counts.failed++;
      }
      // Advance only through the unbroken run of successes: everything after a failure is pulled again next time.
      if (!r.ok) {
        blocked = true;
      } else if (!blocked) {
        const item = chunk[i];
        if (item) {
          done.push(item.key);
        }
      }
    });
    if (done.length > 0) {
      // One write per chunk, appending its keys: the window's key list is never rewritten while walking.
      const { since, walkStartedAt } = sync.window;
      ctx.repos.cursors.extendSyncWindow(type, {
        cursorValue: since ?? null,
        walkStartedAt: walkStartedAt ?? null,
        addedKeys: done,
      });
    }
    processed += chunk.length;
    ctx.log.info({ resourceType: type, processed, ...counts }, 'insuree sync progress');
    chunk = [];
  };

  try {
    for await (const item of sync) {
      chunk.push({ resource: item.resource as T, key: item.key });
      if (chunk.length >= chunkSize) {
        await flush();
        if (options.signal?.aborted || (options.limit !== undefined && processed >= options.limit)) {
          stoppedEarly = true;
          break;
        }
      }
    }
  } catch (err) {
    // The walk itself failed (openIMIS down, a page it cannot serve): what follows is not synced, so the run is
    // recorded as failed with its reason for `ops attention`, not only logged.
    recordSyncRun(ctx.repos, type, { startedAt, processed, failed: counts.failed, error: err });
    throw err;
  }
  if (!stoppedEarly) {
    await flush();
    if (!blocked && sync.complete) {
      saveSyncCursor(ctx.repos, type, sync.cursor);
    }
  }
  recordSyncRun(ctx.repos, type, { startedAt, processed, failed: counts.failed });
  return { counts, complete: !stoppedEarly && sync.complete };
}

/** Patients: linked ones one by one (usually unchanged, no call), new ones created through Fineract batches. */
const processPatientChunk: ChunkProcessor<Patient> = async (ctx, chunk, fail) => {
  const settings = ctx.settings();
  const results: ChunkResult = chunk.map(() => ({ ok: false }));
  const prepared = chunk.map((item, i) => {
    try {
      return preparePatient(ctx, item.resource);
    } catch (err) {
      fail('Patient', String(item.resource.id), err);
      results[i] = { ok: false };
      return undefined;
    }
  });
  const known = new Map<number, { clientId: number; outcome: UpsertOutcome; savingsId?: number }>();
  const fresh = prepared
    .map((p, i) => ({ p, i }))
    .filter((x): x is { p: NonNullable<typeof x.p>; i: number } => x.p !== undefined)
    .filter(({ p }) => !ctx.repos.links.findByOpenimis('Patient', p.uuid, 'client'));
  if (settings.batchSize > 1 && fresh.length > 1) {
    const batch = ctx.fineract.batch();
    fresh.forEach(({ p }, n) => {
      batch.add({
        requestId: n + 1,
        relativeUrl: 'clients',
        method: 'POST',
        body: withDates(p.payload, CLIENT_DATE_FIELDS),
        operationKey: `client:${p.uuid}`,
      });
    });
    try {
      const answer = await batch.send();
      answer.items.forEach((item) => {
        const target = fresh[item.requestId - 1];
        if (!target) {
          return;
        }
        const body = item.body as { clientId?: number; resourceId?: number; savingsId?: number } | undefined;
        const id = body?.clientId ?? body?.resourceId;
        if (item.statusCode === 200 && id !== undefined) {
          // A replay from Fineract's idempotency cache is a client an earlier, interrupted run created.
          known.set(target.i, {
            clientId: id,
            outcome: item.servedFromCache ? 'linked' : 'created',
            ...(body?.savingsId !== undefined ? { savingsId: body.savingsId } : {}),
          });
        }
        // Duplicates and failures fall through to the one-by-one path, which reads back or reports the error.
        else if (item.error && !isDuplicateError(item.error)) {
          ctx.log.debug(
            { openimisId: target.p.uuid, status: item.statusCode },
            'batch item failed; retrying alone',
          );
        }
      });
    } catch (err) {
      ctx.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'Fineract batch failed; upserting one by one',
      );
    }
  }
  await runPool(
    prepared.map((p, i) => ({ p, i })),
    settings.syncConcurrency,
    async ({ p, i }) => {
      if (!p) {
        return;
      }
      try {
        const r = await upsertPreparedPatient(ctx, p, known.get(i));
        results[i] = { ok: true, outcome: r.outcome };
      } catch (err) {
        fail('Patient', p.uuid, err);
        results[i] = { ok: false };
      }
    },
  );
  return results;
};

/** Groups: one by one (members were synced before them). */
const processGroupChunk: ChunkProcessor<Group> = async (ctx, chunk, fail) => {
  const results: ChunkResult = chunk.map(() => ({ ok: false }));
  await runPool(
    chunk.map((item, i) => ({ item, i })),
    ctx.settings().syncConcurrency,
    async ({ item, i }) => {
      try {
        const r = await upsertGroup(ctx, item.resource);
        results[i] = { ok: true, outcome: r.outcome };
      } catch (err) {
        fail('Group', String(item.resource.id), err);
        results[i] = { ok: false };
      }
    },
  );
  return results;
};

async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
