import type { FhirResource } from 'fhir/r4';
import {
  LAST_UPDATED_PATTERN,
  assertLastUpdated,
  formatLastUpdated,
  shiftLastUpdated,
  truncateToSecond,
} from './last-updated';

/**
 * Where an incremental sync of one resource type stands. Plain JSON: store it as is (e.g. in the staging
 * database) and pass it back to resume.
 */
export interface SyncCursor {
  /** Lower bound of the window, sent as `_lastUpdated=ge<since>` (server-local `YYYY-MM-DDTHH:MM:SS`); absent = everything. */
  readonly since?: string;
  /**
   * Resources of this window already processed, skipped when the server returns them again: `<id>@<lastUpdated>`
   * when openIMIS gives `meta.lastUpdated`, else `<id>` (only within an unfinished window).
   */
  readonly seen: readonly string[];
  /**
   * Server time at which the unfinished walk over this window began. The next window starts there (minus the
   * overlap), so anything changed while the walk was running — or interrupted — is fetched again. Absent once
   * a window is complete.
   */
  readonly walkStartedAt?: string;
}

/** One resource of a sync, with the cursor to persist once it has been processed successfully. */
export interface SyncItem<T> {
  readonly resource: T;
  /** `meta.lastUpdated` at second resolution, when openIMIS sends it (its converters usually do not). */
  readonly lastUpdated: string | undefined;
  /** The de-duplication key recorded for this resource. */
  readonly key: string;
  /**
   * Cursor covering this item and every item before it (built on access: it copies the window's keys, so a
   * consumer saving progress often should store {@link key}s incrementally with {@link ResourceSync.window}).
   */
  readonly cursor: SyncCursor;
}

/** A page of a search as the sync needs it. */
export interface SyncPage<T> {
  readonly resources: readonly T[];
  /** Server clock when it answered (HTTP `Date` header), if given. */
  readonly serverDate: Date | undefined;
}

/** What {@link ResourceSync} needs from the client. */
export interface SyncSource<T> {
  pages(params: Readonly<Record<string, string | number | undefined>>): AsyncIterable<SyncPage<T>>;
  /** Local clock, used only when the server sends no `Date` header. */
  now(): number;
  readonly serverTimeZone: string;
}

/** Options of {@link ResourceSync}. */
export interface ResourceSyncOptions {
  /** FHIR resource type synced; other entries (e.g. an OperationOutcome with search mode `outcome`) are ignored. */
  readonly type: string;
  readonly cursor?: SyncCursor;
  readonly pageSize: number;
  /** Extra search parameters (e.g. `resourceType: 'invoice'`). */
  readonly params?: Readonly<Record<string, string | number | undefined>>;
  /** Seconds the next window reaches back before this walk's start (late commits, clock steps). */
  readonly overlapSeconds: number;
}

/**
 * An incremental sync of one resource type over `_lastUpdated=ge<since>`, following every page.
 *
 * openIMIS orders searches by creation, not by update time, and its converters do not emit `meta.lastUpdated`,
 * so a cursor cannot simply be the newest time seen. Instead a window `[since, now)` is walked completely; each
 * item carries a cursor listing what was processed so far in the window (so a restart skips it), and when the
 * walk completes {@link cursor} moves to the walk's start time minus the overlap. Updates made during the walk
 * or during an interruption therefore land in the next window; items seen twice across windows are only
 * de-duplicated when openIMIS provides `meta.lastUpdated` (key `id@lastUpdated`), so consumers must be
 * idempotent (upsert by id).
 *
 * Usage: `for await (const item of sync) { await handle(item.resource); await save(item.cursor); }` then, after
 * the loop completes, `await save(sync.cursor)`.
 */
export class ResourceSync<T extends FhirResource> implements AsyncIterable<SyncItem<T>> {
  private readonly source: SyncSource<T>;
  private readonly options: ResourceSyncOptions;
  private readonly since: string | undefined;
  private readonly seen: string[];
  private readonly seenSet: Set<string>;
  private walkStartedAt: string | undefined;
  private finalCursor: SyncCursor | undefined;
  private started = false;

  constructor(source: SyncSource<T>, options: ResourceSyncOptions) {
    this.source = source;
    this.options = options;
    const cursor = options.cursor;
    if (cursor?.since !== undefined) {
      assertLastUpdated(cursor.since);
    }
    if (cursor?.walkStartedAt !== undefined) {
      assertLastUpdated(cursor.walkStartedAt);
    }
    this.since = cursor?.since;
    this.walkStartedAt = cursor?.walkStartedAt;
    this.seen = [...(cursor?.seen ?? [])];
    this.seenSet = new Set(this.seen);
  }

  /**
   * The cursor after everything yielded so far; once iteration has completed, the cursor of the next window.
   * To advance only past successfully processed resources, persist {@link SyncItem.cursor} instead while iterating.
   *
   * @returns a JSON-serialisable cursor
   */
  get cursor(): SyncCursor {
    return this.finalCursor ?? this.snapshot(this.seen.length);
  }

  /**
   * The window being walked, without its keys: with the {@link SyncItem.key}s processed since the last save, it
   * is the cursor stored incrementally (the keys appended), which costs what was added rather than the window.
   *
   * @returns the window start and the start time of the walk (once the first page arrived)
   */
  get window(): { readonly since?: string; readonly walkStartedAt?: string } {
    return {
      ...(this.since !== undefined ? { since: this.since } : {}),
      ...(this.walkStartedAt !== undefined ? { walkStartedAt: this.walkStartedAt } : {}),
    };
  }

  /** Whether the window has been walked to its last page. */
  get complete(): boolean {
    return this.finalCursor !== undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SyncItem<T>> {
    if (this.started) {
      throw new Error('a ResourceSync can be iterated once; start a new one from its cursor');
    }
    this.started = true;
    const params = {
      ...this.options.params,
      ...(this.since !== undefined ? { _lastUpdated: `ge${this.since}` } : {}),
      _count: this.options.pageSize,
    };
    const type = this.options.type;
    for await (const page of this.source.pages(params)) {
      this.walkStartedAt ??= formatLastUpdated(
        page.serverDate ?? new Date(this.source.now()),
        this.source.serverTimeZone,
      );
      for (const resource of page.resources) {
        const lastUpdated = truncateToSecond(resource.meta?.lastUpdated);
        const key = lastUpdated === undefined ? String(resource.id) : `${String(resource.id)}@${lastUpdated}`;
        if (resource.resourceType !== type || this.seenSet.has(key)) {
          continue;
        }
        this.seenSet.add(key);
        this.seen.push(key);
        const count = this.seen.length;
        const snapshot = (): SyncCursor => this.snapshot(count);
        yield {
          resource,
          lastUpdated,
          key,
          get cursor() {
            return snapshot();
          },
        };
      }
    }
    this.finalCursor = this.nextWindow();
  }

  private snapshot(count: number): SyncCursor {
    return {
      ...(this.since !== undefined ? { since: this.since } : {}),
      seen: this.seen.slice(0, count),
      ...(this.walkStartedAt !== undefined ? { walkStartedAt: this.walkStartedAt } : {}),
    };
  }

  private nextWindow(): SyncCursor {
    const started =
      this.walkStartedAt ?? formatLastUpdated(new Date(this.source.now()), this.source.serverTimeZone);
    let since = shiftLastUpdated(started, -this.options.overlapSeconds);
    if (this.since !== undefined && since < this.since) {
      since = this.since; // never move a cursor backwards (fixed-width format: string order is time order)
    }
    // Only keys that carry their own lastUpdated can be recognised again in the next window.
    const carried = this.seen.filter((key) => {
      const at = key.lastIndexOf('@');
      const time = at > 0 ? key.slice(at + 1) : '';
      return LAST_UPDATED_PATTERN.test(time) && time >= since;
    });
    return { since, seen: carried };
  }
}
