import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Outcome of a mediated transaction (the OpenHIM envelope statuses). */
export const AUDIT_OUTCOMES = [
  'successful',
  'completed',
  'completed_with_errors',
  'failed',
  'processing',
] as const;

/**
 * One row per mediated transaction. Identifiers only (OpenHIM transaction id, openIMIS UUID): no names,
 * no personal data, so the table can be kept and exported without a privacy review.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    transactionId: text('transaction_id'),
    mediator: text('mediator').notNull(),
    resourceType: text('resource_type'),
    resourceId: text('resource_id'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    httpStatus: integer('http_status'),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [
    index('audit_log_transaction_idx').on(t.transactionId),
    index('audit_log_started_idx').on(t.startedAt),
    check(
      'audit_log_outcome_ck',
      sql.raw(`"outcome" IN (${AUDIT_OUTCOMES.map((s) => `'${s}'`).join(', ')})`),
    ),
  ],
);
