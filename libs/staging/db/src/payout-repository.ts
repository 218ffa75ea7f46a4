import { and, asc, desc, eq, gt, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { type Clock, systemClock } from './clock';
import { type PAYOUT_KINDS, type PAYOUT_RAILS, type PAYOUT_STATES, payouts } from './schema/index';
import type { StagingDb } from './staging-db';
import {
  bounded,
  canonicalUuid,
  checkAmount,
  checkCurrency,
  checkText,
  isoTimestamp,
  sameAmount,
} from './values';

/** `claim` or `bill`. */
export type PayoutKind = (typeof PAYOUT_KINDS)[number];
/** `fineract` or `mojaloop`. */
export type PayoutRailName = (typeof PAYOUT_RAILS)[number];
/** `pending`, `in_flight`, `paid`, `failed` or `needs_attention`. */
export type PayoutState = (typeof PAYOUT_STATES)[number];
/** A stored payout (`railProgress` is JSON text; use {@link parseRailProgress}). */
export type Payout = typeof payouts.$inferSelect;

/** Input of {@link PayoutRepository.recordPayout}. */
export interface NewPayout {
  readonly kind: PayoutKind;
  /** openIMIS UUID of the claim or bill. */
  readonly sourceId: string;
  readonly code: string;
  readonly facilityId: string;
  readonly facilityCode: string;
  /** Decimal string > 0. */
  readonly amount: string;
  readonly currency: string;
  readonly rail: PayoutRailName;
}

/** Result of {@link PayoutRepository.recordPayout}. */
export interface RecordPayoutResult {
  readonly payout: Payout;
  /** False when the payout was known already (it is returned as stored, never changed). */
  readonly created: boolean;
  /** For a known payout: the fields whose incoming value differs from the stored one. */
  readonly changed: readonly ('amount' | 'currency' | 'facilityId' | 'code')[];
}

/** Input of {@link PayoutRepository.claimDue}. */
export interface PayoutClaimOptions {
  readonly now: Date;
  /** At most this many rows (one per facility). */
  readonly limit: number;
  /** How long the lease is exclusive; an expired lease (crashed worker) is claimed again. */
  readonly leaseMs: number;
  /** Only rows of these rails (the rails configured in this process). */
  readonly rails: readonly PayoutRailName[];
}

/** The lease a worker holds: the row's `attempts` once claimed. A newer claim makes it stale. */
export interface PayoutLease {
  readonly id: number;
  readonly attempt: number;
}

/** Filter of {@link PayoutRepository.list}. */
export interface PayoutFilter {
  readonly state?: PayoutState | readonly PayoutState[];
  readonly facilityId?: string;
  readonly kind?: PayoutKind;
  /** Default 100. */
  readonly limit?: number;
}

/** Thrown when a worker's lease was taken over by a newer claim: it must stop touching the row. */
export class PayoutLeaseLostError extends ConflictError {
  constructor(id: number) {
    super(`payout ${id}: the lease was taken over by another worker`);
  }
}

/**
 * The rail progress of a payout, parsed.
 *
 * @param payout - a stored payout
 * @returns the saved JSON object, or null before the rail's first save
 */
export function parseRailProgress(payout: Payout): Record<string, unknown> | null {
  if (payout.railProgress === null) {
    return null;
  }
  const parsed: unknown = JSON.parse(payout.railProgress);
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

/**
 * The payout ledger: one row per claim or bill paid to a health facility, the rail's progress saved before each of
 * its external writes, and leases fenced by the claim count (as the outbox's), so a worker whose lease expired can
 * never overwrite the newer worker's progress or result.
 */
export class PayoutRepository {
  constructor(
    private readonly db: StagingDb,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Records a payout once per `payoutKey` (`<kind>:<source uuid>`), `pending` and due now. A known key is returned
   * unchanged, with the fields that differ from the stored row (a claim whose amount changed after it was paid is
   * an operator's matter, never a second payout).
   *
   * @param input - the payout
   * @returns the stored payout and whether it was new
   */
  recordPayout(input: NewPayout): RecordPayoutResult {
    const sourceId = canonicalUuid(input.sourceId, 'sourceId');
    const facilityId = canonicalUuid(input.facilityId, 'facilityId');
    const amount = checkAmount(input.amount, 'amount');
    if (/^0*(\.0*)?$/.test(amount)) {
      throw new ValidationError('a payout amount must be greater than zero');
    }
    const row = {
      payoutKey: `${input.kind}:${sourceId}`,
      kind: input.kind,
      sourceId,
      code: checkText(input.code, 'code', 100),
      facilityId,
      facilityCode: checkText(input.facilityCode, 'facilityCode', 100),
      amount,
      currency: checkCurrency(input.currency, 'currency'),
      rail: input.rail,
    };
    return this.db.transaction(() => {
      const now = isoTimestamp(this.clock());
      const inserted = this.db.orm
        .insert(payouts)
        .values({ ...row, state: 'pending', nextAttemptAt: now, createdAt: now, updatedAt: now })
        .onConflictDoNothing({ target: payouts.payoutKey })
        .returning()
        .get();
      if (inserted !== undefined) {
        return { payout: inserted, created: true, changed: [] };
      }
      const stored = this.getByKey(row.payoutKey);
      if (stored === undefined) {
        throw new ConflictError(`payout ${row.payoutKey} vanished`);
      }
      const changed: RecordPayoutResult['changed'][number][] = [];
      if (!sameAmount(stored.amount, row.amount)) {
        changed.push('amount');
      }
      if (stored.currency !== row.currency) {
        changed.push('currency');
      }
      if (stored.facilityId !== row.facilityId) {
        changed.push('facilityId');
      }
      if (stored.code !== row.code) {
        changed.push('code');
      }
      return { payout: stored, created: false, changed };
    });
  }

  /**
   * Atomically leases due payouts of the given rails: `pending` rows whose time has come and `in_flight` rows whose
   * lease expired (their worker died). At most ONE row per facility is ever in flight: a facility with a live lease
   * gets nothing, and of a facility's due rows only the oldest is leased. Each lease counts one more attempt.
   *
   * @param options - now, limit, lease length and rails
   * @returns the leased rows, oldest first
   */
  claimDue(options: PayoutClaimOptions): Payout[] {
    if (!Number.isSafeInteger(options.limit) || options.limit <= 0) {
      throw new ValidationError('limit must be a positive integer');
    }
    if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs <= 0) {
      throw new ValidationError('leaseMs must be a positive integer');
    }
    if (options.rails.length === 0) {
      return [];
    }
    const now = isoTimestamp(options.now);
    const leaseUntil = isoTimestamp(new Date(options.now.getTime() + options.leaseMs));
    return this.db.transaction(() => {
      const busy = new Set(
        this.db.orm
          .select({ facilityId: payouts.facilityId })
          .from(payouts)
          .where(and(eq(payouts.state, 'in_flight'), gt(payouts.leaseExpiresAt, now)))
          .all()
          .map((r) => r.facilityId),
      );
      const due = this.db.orm
        .select({ id: payouts.id, facilityId: payouts.facilityId })
        .from(payouts)
        .where(
          and(
            inArray(payouts.rail, [...options.rails]),
            or(
              and(eq(payouts.state, 'pending'), lte(payouts.nextAttemptAt, now)),
              and(eq(payouts.state, 'in_flight'), lte(payouts.leaseExpiresAt, now)),
            ),
          ),
        )
        .orderBy(asc(payouts.id))
        .all();
      const picked: number[] = [];
      for (const d of due) {
        if (picked.length >= options.limit) {
          break;
        }
        if (!busy.has(d.facilityId)) {
          busy.add(d.facilityId);
          picked.push(d.id);
        }
      }
      if (picked.length === 0) {
        return [];
      }
      return this.db.orm
        .update(payouts)
        .set({
          state: 'in_flight',
          attempts: sql`${payouts.attempts} + 1`,
          leaseExpiresAt: leaseUntil,
          updatedAt: now,
        })
        .where(inArray(payouts.id, picked))
        .returning()
        .all()
        .sort((a, b) => a.id - b.id);
    });
  }

  /**
   * Extends a held lease.
   *
   * @param lease - the worker's lease
   * @param options - now and lease length
   * @returns false when the lease was lost (the worker must stop)
   */
  renewLease(lease: PayoutLease, options: { readonly now: Date; readonly leaseMs: number }): boolean {
    const now = isoTimestamp(options.now);
    return (
      this.db.orm
        .update(payouts)
        .set({
          leaseExpiresAt: isoTimestamp(new Date(options.now.getTime() + options.leaseMs)),
          updatedAt: now,
        })
        .where(this.held(lease))
        .run().changes === 1
    );
  }

  /**
   * Durably stores the rail's progress (JSON) under the worker's lease.
   *
   * @param lease - the worker's lease
   * @param progress - JSON-serialisable object
   * @throws PayoutLeaseLostError when another worker holds the row now
   */
  saveProgress(lease: PayoutLease, progress: Record<string, unknown>): void {
    const changes = this.db.orm
      .update(payouts)
      .set({ railProgress: JSON.stringify(progress), updatedAt: isoTimestamp(this.clock()) })
      .where(this.held(lease))
      .run().changes;
    if (changes !== 1) {
      throw new PayoutLeaseLostError(lease.id);
    }
  }

  /**
   * Ends a lease with the rail's answer: `paid` (with its reference), `failed` (with the reason), `pending` again
   * at `retryAt`, or `needs_attention`.
   *
   * @param lease - the worker's lease
   * @param outcome - the new state and what goes with it
   * @returns the updated row
   * @throws PayoutLeaseLostError when another worker holds the row now
   */
  finish(
    lease: PayoutLease,
    outcome:
      | { readonly state: 'paid'; readonly reference: string }
      | { readonly state: 'failed' | 'needs_attention'; readonly reason: string }
      | { readonly state: 'pending'; readonly reason: string; readonly retryAt: Date },
  ): Payout {
    const now = isoTimestamp(this.clock());
    const set =
      outcome.state === 'paid'
        ? { state: outcome.state, reference: outcome.reference, lastError: null, paidAt: now }
        : outcome.state === 'pending'
          ? {
              state: outcome.state,
              lastError: bounded(outcome.reason),
              nextAttemptAt: isoTimestamp(outcome.retryAt),
            }
          : { state: outcome.state, lastError: bounded(outcome.reason) };
    const updated = this.db.orm
      .update(payouts)
      .set({ ...set, leaseExpiresAt: null, updatedAt: now })
      .where(this.held(lease))
      .returning()
      .get();
    if (updated === undefined) {
      throw new PayoutLeaseLostError(lease.id);
    }
    return updated;
  }

  /**
   * Notes why waiting payouts of a rail are not taken (e.g. the rail is not configured in this mediator), so the
   * reason is visible while they wait. Rows keep their state and are never moved to another rail.
   *
   * @param rail - the rail
   * @param reason - shown to operators
   * @returns how many rows got the note
   */
  noteWaiting(rail: PayoutRailName, reason: string): number {
    const text = bounded(reason);
    return this.db.orm
      .update(payouts)
      .set({ lastError: text, updatedAt: isoTimestamp(this.clock()) })
      .where(
        and(
          eq(payouts.rail, rail),
          eq(payouts.state, 'pending'),
          or(sql`${payouts.lastError} IS NULL`, sql`${payouts.lastError} <> ${text}`),
        ),
      )
      .run().changes;
  }

  /**
   * Flags a payout that is not in flight for an operator (a known claim that came back with another amount).
   *
   * @param id - payout id
   * @param reason - shown to operators
   * @returns the row (unchanged when it is paid or in flight)
   */
  flag(id: number, reason: string): Payout {
    const updated = this.db.orm
      .update(payouts)
      .set({ state: 'needs_attention', lastError: bounded(reason), updatedAt: isoTimestamp(this.clock()) })
      .where(and(eq(payouts.id, id), inArray(payouts.state, ['pending', 'failed'])))
      .returning()
      .get();
    return updated ?? this.require(id);
  }

  /**
   * Puts a failed or flagged payout back in the queue (an operator's retry); its saved progress is kept, so the rail
   * resumes instead of paying twice.
   *
   * @param id - payout id
   * @returns the row
   * @throws ConflictError when it is not failed or flagged
   */
  retry(id: number): Payout {
    const now = isoTimestamp(this.clock());
    const updated = this.db.orm
      .update(payouts)
      .set({ state: 'pending', nextAttemptAt: now, updatedAt: now })
      .where(and(eq(payouts.id, id), inArray(payouts.state, ['failed', 'needs_attention'])))
      .returning()
      .get();
    if (updated === undefined) {
      throw new ConflictError(
        `payout ${id} is ${this.require(id).state}: only failed or flagged payouts retry`,
      );
    }
    return updated;
  }

  /**
   * @param id - payout id
   * @returns the row, or undefined
   */
  getById(id: number): Payout | undefined {
    return this.db.orm.select().from(payouts).where(eq(payouts.id, id)).get();
  }

  /**
   * @param payoutKey - `claim:<uuid>` or `bill:<uuid>`
   * @returns the row, or undefined
   */
  getByKey(payoutKey: string): Payout | undefined {
    return this.db.orm.select().from(payouts).where(eq(payouts.payoutKey, payoutKey)).get();
  }

  /**
   * The payouts with this claim or bill code (the receipt number of their deposits).
   *
   * @param code - claim or bill code
   * @returns the rows, oldest first
   */
  findByCode(code: string): Payout[] {
    return this.db.orm.select().from(payouts).where(eq(payouts.code, code)).orderBy(asc(payouts.id)).all();
  }

  /**
   * Lists payouts, newest first.
   *
   * @param filter - state, facility, kind, limit
   * @returns the rows
   */
  list(filter: PayoutFilter = {}): Payout[] {
    const conditions: SQL[] = [];
    if (filter.state !== undefined) {
      conditions.push(
        typeof filter.state === 'string'
          ? eq(payouts.state, filter.state)
          : inArray(payouts.state, [...filter.state]),
      );
    }
    if (filter.facilityId !== undefined) {
      conditions.push(eq(payouts.facilityId, filter.facilityId.toLowerCase()));
    }
    if (filter.kind !== undefined) {
      conditions.push(eq(payouts.kind, filter.kind));
    }
    return this.db.orm
      .select()
      .from(payouts)
      .where(conditions.length > 0 ? and(...conditions) : undefined)
      .orderBy(desc(payouts.id))
      .limit(filter.limit ?? 100)
      .all();
  }

  private held(lease: PayoutLease): SQL {
    return and(
      eq(payouts.id, lease.id),
      eq(payouts.state, 'in_flight'),
      eq(payouts.attempts, lease.attempt),
    ) as SQL;
  }

  private require(id: number): Payout {
    const row = this.getById(id);
    if (row === undefined) {
      throw new NotFoundError(`payout ${id} not found`);
    }
    return row;
  }
}
