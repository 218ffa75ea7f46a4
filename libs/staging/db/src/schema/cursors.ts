import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * One incremental-sync cursor per resource type. openIMIS `_lastUpdated` has one-second resolution, so the ids
 * already processed at exactly the cursor's second are kept to de-duplicate a `ge` query.
 */
export const syncCursors = sqliteTable('sync_cursors', {
  resourceType: text('resource_type').primaryKey(),
  /** Sortable fixed-width value, e.g. openIMIS `YYYY-MM-DDTHH:MM:SS`; null until the first advance. */
  cursorValue: text('cursor_value'),
  /**
   * JSON array of ids already processed whose last update equals `cursorValue` ({@link CursorRepository}'s
   * `advanceCursor`). Window syncs keep their keys in `sync_window_keys` instead.
   */
  seenIds: text('seen_ids', { mode: 'json' }).$type<string[]>().notNull(),
  /**
   * Server time at which an unfinished walk over the window starting at `cursorValue` began (openIMIS window
   * sync); null once the window is complete.
   */
  walkStartedAt: text('walk_started_at'),
  lastRunStartedAt: text('last_run_started_at'),
  lastRunFinishedAt: text('last_run_finished_at'),
  lastRunOutcome: text('last_run_outcome'),
  lastRunProcessed: integer('last_run_processed'),
  lastRunError: text('last_run_error'),
  updatedAt: text('updated_at').notNull(),
});

/**
 * The keys a window sync has processed in its current window, one row each. A first sync walks the whole
 * population, so progress is appended per chunk rather than rewriting one growing list (which made saving the
 * cursor quadratic in the population).
 */
export const syncWindowKeys = sqliteTable(
  'sync_window_keys',
  {
    resourceType: text('resource_type')
      .notNull()
      .references(() => syncCursors.resourceType, { onDelete: 'cascade' }),
    key: text('key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resourceType, t.key] })],
);
