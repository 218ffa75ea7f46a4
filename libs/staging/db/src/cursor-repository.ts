import { eq, sql } from 'drizzle-orm';
import { ValidationError } from '@payment-layer/shared-errors';
import { type Clock, systemClock } from './clock';
import { syncCursors, syncWindowKeys } from './schema/index';
import type { StagingDb } from './staging-db';
import { bounded, checkText, isAbsent, isoTimestamp } from './values';

/** A stored sync cursor. */
export type SyncCursor = typeof syncCursors.$inferSelect;

/** Outcome of a sync run. */
export type SyncRunOutcome = 'succeeded' | 'partial' | 'failed';

/** Result of {@link CursorRepository.advanceCursor}. */
export interface AdvanceCursorResult {
  readonly cursor: SyncCursor;
  /** False when the value was older than the stored one (nothing changed) or added nothing new. */
  readonly moved: boolean;
}

/** Details of a sync run, for operators. */
export interface SyncRunInput {
  readonly startedAt: Date;
  readonly finishedAt?: Date;
  readonly outcome: SyncRunOutcome;
  /** Resources processed. */
  readonly processed?: number;
  /** What failed (no personal data). */
  readonly error?: string | null;
}

// Bound the seen-id set: it only holds the ids sharing the cursor's single second.
const MAX_SEEN_IDS = 10_000;
// A window walk lists every resource processed in the window (a first sync sees the whole population).
const MAX_WINDOW_KEYS = 1_000_000;

/**
 * Incremental-sync cursors. Values are compared as text, so they must be fixed-width and sortable (openIMIS
 * `_lastUpdated` values `YYYY-MM-DDTHH:MM:SS` are); a cursor never moves backwards.
 */
export class CursorRepository {
  constructor(
    private readonly db: StagingDb,
    private readonly clock: Clock = systemClock,
  ) {}

  private statements: ReturnType<typeof prepareWindowStatements> | undefined;

  private get q(): ReturnType<typeof prepareWindowStatements> {
    return (this.statements ??= prepareWindowStatements(this.db));
  }

  /**
   * @param resourceType - the synced resource type (e.g. `Patient`, `Invoice`)
   * @returns the cursor, or undefined before the first run; `seenIds` lists the ids seen at the cursor value
   *   and, for a window sync, the keys processed in the current window
   */
  getCursor(resourceType: string): SyncCursor | undefined {
    const row = this.db.orm
      .select()
      .from(syncCursors)
      .where(eq(syncCursors.resourceType, resourceType))
      .get();
    if (row === undefined) {
      return undefined;
    }
    const keys = this.q.windowKeys.all({ resourceType }).map((k) => k.key);
    return keys.length === 0 ? row : { ...row, seenIds: [...row.seenIds, ...keys] };
  }

  /**
   * @returns every stored cursor (one per synced resource type) with its last run, in key order; window keys are
   *   not loaded (use {@link getCursor} for one cursor's full position)
   */
  listCursors(): SyncCursor[] {
    return this.db.orm.select().from(syncCursors).orderBy(syncCursors.resourceType).all();
  }

  /**
   * Moves the cursor forward to `value`, remembering the ids already processed at exactly that value. At the
   * same value the ids are added to those already seen; an older value changes nothing.
   *
   * @param resourceType - the synced resource type
   * @param value - the last-updated value of the newest resource processed
   * @param seenIdsAtValue - ids processed whose last-updated value equals `value`
   * @returns the cursor and whether it moved
   * @throws ValidationError when `value` has another width than the stored value (a different format)
   */
  advanceCursor(resourceType: string, value: string, seenIdsAtValue: readonly string[]): AdvanceCursorResult {
    checkText(resourceType, 'resourceType', 64);
    checkText(value, 'value', 64);
    return this.db.transaction((): AdvanceCursorResult => {
      const now = isoTimestamp(this.clock());
      const current = this.getCursor(resourceType);
      const incoming = [...new Set(seenIdsAtValue)].sort();
      if (current === undefined) {
        const cursor = this.db.orm
          .insert(syncCursors)
          .values({ resourceType, cursorValue: value, seenIds: cap(incoming), updatedAt: now })
          .returning()
          .get();
        return { cursor, moved: true };
      }
      const stored = current.cursorValue;
      let seenIds: string[];
      if (stored === null || value > stored) {
        if (stored !== null && stored.length !== value.length) {
          throw new ValidationError(`cursor value ${value} does not have the format of ${stored}`);
        }
        seenIds = incoming;
      } else if (value === stored) {
        const merged = [...new Set([...current.seenIds, ...incoming])].sort();
        if (merged.length === current.seenIds.length) {
          return { cursor: current, moved: false };
        }
        seenIds = merged;
      } else {
        return { cursor: current, moved: false };
      }
      const cursor = this.db.orm
        .update(syncCursors)
        .set({ cursorValue: value, seenIds: cap(seenIds), updatedAt: now })
        .where(eq(syncCursors.resourceType, resourceType))
        .returning()
        .get();
      return { cursor: cursor ?? current, moved: true };
    });
  }

  /**
   * Stores a window-sync position as the openIMIS client reports it (window start, keys already processed in the
   * window, start time of the unfinished walk), replacing the stored one. The client's cursor only ever moves
   * forward, so this overwrites. While walking a window, prefer {@link extendSyncWindow}, which only appends.
   *
   * @param resourceType - the synced resource type
   * @param state - the position to store
   * @returns the cursor
   */
  saveSyncState(
    resourceType: string,
    state: {
      readonly cursorValue: string | null;
      readonly seenIds: readonly string[];
      readonly walkStartedAt: string | null;
    },
  ): SyncCursor {
    checkText(resourceType, 'resourceType', 64);
    if (state.seenIds.length > MAX_WINDOW_KEYS) {
      throw new ValidationError(`a sync window may hold at most ${MAX_WINDOW_KEYS} keys`);
    }
    return this.db.transaction(() => {
      const row = this.upsertPosition(resourceType, state.cursorValue, state.walkStartedAt);
      this.db.orm.delete(syncWindowKeys).where(eq(syncWindowKeys.resourceType, resourceType)).run();
      for (const key of state.seenIds) {
        this.q.addKey.run({ resourceType, key: checkText(key, 'window key', 512) });
      }
      return { ...row, seenIds: [...row.seenIds, ...state.seenIds] };
    });
  }

  /**
   * Records progress of a window walk: the window position and the keys processed since the last call, appended
   * (a key already stored is ignored). Costs what was added, not the size of the window.
   *
   * @param resourceType - the synced resource type
   * @param progress - window start, walk start, and the keys just processed
   */
  extendSyncWindow(
    resourceType: string,
    progress: {
      readonly cursorValue: string | null;
      readonly walkStartedAt: string | null;
      readonly addedKeys: readonly string[];
    },
  ): void {
    checkText(resourceType, 'resourceType', 64);
    this.db.transaction(() => {
      this.upsertPosition(resourceType, progress.cursorValue, progress.walkStartedAt);
      for (const key of progress.addedKeys) {
        this.q.addKey.run({ resourceType, key: checkText(key, 'window key', 512) });
      }
    });
  }

  private upsertPosition(
    resourceType: string,
    cursorValue: string | null,
    walkStartedAt: string | null,
  ): SyncCursor {
    const values = { cursorValue, walkStartedAt, updatedAt: isoTimestamp(this.clock()) };
    return this.db.orm
      .insert(syncCursors)
      .values({ resourceType, seenIds: [], ...values })
      .onConflictDoUpdate({ target: syncCursors.resourceType, set: { ...values, seenIds: [] } })
      .returning()
      .get();
  }

  /**
   * Records how the last sync run went (the cursor value is not touched).
   *
   * @param resourceType - the synced resource type
   * @param run - timing, outcome, count and error
   * @returns the cursor
   */
  recordRun(resourceType: string, run: SyncRunInput): SyncCursor {
    checkText(resourceType, 'resourceType', 64);
    const set = {
      lastRunStartedAt: isoTimestamp(run.startedAt),
      lastRunFinishedAt: run.finishedAt === undefined ? null : isoTimestamp(run.finishedAt),
      lastRunOutcome: run.outcome,
      lastRunProcessed: run.processed ?? null,
      lastRunError: isAbsent(run.error) ? null : bounded(run.error),
      updatedAt: isoTimestamp(this.clock()),
    };
    return this.db.orm
      .insert(syncCursors)
      .values({ resourceType, cursorValue: null, seenIds: [], ...set })
      .onConflictDoUpdate({ target: syncCursors.resourceType, set })
      .returning()
      .get();
  }
}

function cap(ids: string[]): string[] {
  if (ids.length > MAX_SEEN_IDS) {
    throw new ValidationError(`more than ${MAX_SEEN_IDS} ids share one cursor value`);
  }
  return ids;
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the prepared-query types are inferred from the queries
function prepareWindowStatements(db: StagingDb) {
  return {
    windowKeys: db.orm
      .select({ key: syncWindowKeys.key })
      .from(syncWindowKeys)
      .where(eq(syncWindowKeys.resourceType, sql.placeholder('resourceType')))
      .prepare(),
    addKey: db.orm
      .insert(syncWindowKeys)
      .values({ resourceType: sql.placeholder('resourceType'), key: sql.placeholder('key') })
      .onConflictDoNothing()
      .prepare(),
  };
}
