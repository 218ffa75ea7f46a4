import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** States of an outbox entry. */
export const OUTBOX_STATES = ['pending', 'in_progress', 'done', 'dead'] as const;

/**
 * Work that must happen after a commit (post a PaymentNotice, verify, record a premium), kept until done.
 * JSON columns are TEXT here and `jsonb` in PostgreSQL.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** What to do, e.g. `openimis.paymentNotice`. */
    kind: text('kind').notNull(),
    /** Deterministic per logical operation: enqueuing the same operation twice yields one entry. */
    idempotencyKey: text('idempotency_key').notNull(),
    /** The thing the work is about (e.g. `invoice:<uuid>`); entries of one aggregate run in order. */
    aggregateRef: text('aggregate_ref'),
    payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
    state: text('state', { enum: OUTBOX_STATES }).notNull(),
    /** How many times the entry was claimed. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    leaseExpiresAt: text('lease_expires_at'),
    lastError: text('last_error'),
    result: text('result', { mode: 'json' }).$type<unknown>(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    completedAt: text('completed_at'),
  },
  (t) => [
    uniqueIndex('outbox_idempotency_key_uq').on(t.idempotencyKey),
    index('outbox_state_next_attempt_idx').on(t.state, t.nextAttemptAt),
    index('outbox_aggregate_idx').on(t.aggregateRef, t.id),
    check('outbox_state_ck', sql.raw(`"state" IN (${OUTBOX_STATES.map((s) => `'${s}'`).join(', ')})`)),
  ],
);
