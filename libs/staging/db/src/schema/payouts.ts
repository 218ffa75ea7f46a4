import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** What a payout pays: one valuated claim, or one claim-batch bill. */
export const PAYOUT_KINDS = ['claim', 'bill'] as const;

/** The rails a payout can go over. */
export const PAYOUT_RAILS = ['fineract', 'mojaloop'] as const;

/**
 * Life cycle of a payout: `pending` (due, or waiting out a back-off) → `in_flight` (a worker holds its lease) →
 * `paid`; or `failed` (the rail refused it, nothing was paid) or `needs_attention` (an operator must decide).
 */
export const PAYOUT_STATES = ['pending', 'in_flight', 'paid', 'failed', 'needs_attention'] as const;

function inList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

/**
 * Money the layer pays out to health facilities, one row per claim or bill (`payout_key` unique), with the rail's
 * private progress (JSON text) saved before each external write, and a lease fenced by `attempts` like the outbox.
 */
export const payouts = sqliteTable(
  'payouts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** `claim:<uuid>` or `bill:<uuid>`: one payout per claim or bill, ever. */
    payoutKey: text('payout_key').notNull(),
    kind: text('kind', { enum: PAYOUT_KINDS }).notNull(),
    /** openIMIS UUID of the claim or bill. */
    sourceId: text('source_id').notNull(),
    /** Claim or bill code (the deposit's receipt number). */
    code: text('code').notNull(),
    /** openIMIS UUID of the health facility paid. */
    facilityId: text('facility_id').notNull(),
    facilityCode: text('facility_code').notNull(),
    /** Decimal string, > 0. */
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    rail: text('rail', { enum: PAYOUT_RAILS }).notNull(),
    state: text('state', { enum: PAYOUT_STATES }).notNull(),
    /** JSON the rail saved (rail-private), null before its first save. */
    railProgress: text('rail_progress'),
    /** The rail's reference of the money movement once paid (e.g. the Fineract transaction id). */
    reference: text('reference'),
    /** How many times the row was leased: the fencing token of the lease. */
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: text('next_attempt_at').notNull(),
    leaseExpiresAt: text('lease_expires_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    paidAt: text('paid_at'),
  },
  (t) => [
    uniqueIndex('payouts_payout_key_uq').on(t.payoutKey),
    index('payouts_state_next_attempt_idx').on(t.state, t.nextAttemptAt),
    index('payouts_facility_idx').on(t.facilityId, t.state),
    // The payment mediator tells our own payout deposits (receipt = claim code) from contributions.
    index('payouts_code_idx').on(t.code),
    check('payouts_kind_ck', sql.raw(`"kind" IN (${inList(PAYOUT_KINDS)})`)),
    check('payouts_rail_ck', sql.raw(`"rail" IN (${inList(PAYOUT_RAILS)})`)),
    check('payouts_state_ck', sql.raw(`"state" IN (${inList(PAYOUT_STATES)})`)),
  ],
);
