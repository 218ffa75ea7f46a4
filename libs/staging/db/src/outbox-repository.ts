import { and, asc, eq, inArray, isNull, lt, lte, notExists, or, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { type Clock, systemClock } from './clock';
import { type OUTBOX_STATES, outbox } from './schema/index';
import type { StagingDb } from './staging-db';
import { bounded, checkText, isoTimestamp } from './values';

/** State of an outbox entry: `pending` → `in_progress` → `done`, or back to `pending` (retry), or `dead`. */
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** A stored outbox entry (`payload` and `result` are parsed JSON). */
export type OutboxEntry = typeof outbox.$inferSelect;

/** Input of {@link OutboxRepository.enqueue}. */
export interface NewOutboxEntry {
  /** What to do, e.g. `openimis.paymentNotice`. */
  readonly kind: string;
  /** Deterministic per logical operation (e.g. `payment-notice:<invoice uuid>`). */
  readonly idempotencyKey: string;
  /** JSON-serialisable work description (identifiers, amounts as strings; no personal data). */
  readonly payload: unknown;
  /** The aggregate it belongs to (e.g. `invoice:<uuid>`): its entries are processed strictly in order. */
  readonly aggregateRef?: string | null;
  /** Not before this instant (default: now). */
  readonly notBefore?: Date;
}

/** Result of {@link OutboxRepository.enqueue}. */
export interface EnqueueResult {
  readonly entry: OutboxEntry;
  /** False when an entry with the same idempotency key already existed (it is returned unchanged). */
  readonly created: boolean;
}

/** Input of {@link OutboxRepository.claimDue}. */
export interface ClaimOptions {
  /** The current instant. */
  readonly now: Date;
  /** At most this many entries. */
  readonly limit: number;
  /** How long the claim is exclusive; after that a crashed worker's entry is claimed again. */
  readonly leaseMs: number;
  /** Only these kinds (default: all). */
  readonly kinds?: readonly string[];
  /** Claim only this entry (see {@link OutboxRepository.claim}). */
  readonly only?: number;
}

/**
 * The claim a worker holds: the entry's `attempts` when it was claimed. Every claim counts one more attempt, so a
 * worker whose lease expired and was claimed again by another finds its token stale: its renewal, completion or
 * failure is refused instead of overwriting the newer claim's work.
 */
export interface ClaimToken {
  readonly attempt: number;
}

/** Filter of {@link OutboxRepository.list}. */
export interface OutboxFilter {
  readonly state?: OutboxState | readonly OutboxState[];
  readonly kind?: string;
  readonly aggregateRef?: string;
  /** Default 100. */
  readonly limit?: number;
}

// An earlier entry of the same aggregate that is not finished holds the later ones back: replays keep their order
// (a premium is never recorded before the PaymentNotice it depends on). A dead entry holds them back too, until
// an operator retries or closes it.
const BLOCKING_STATES: readonly OutboxState[] = ['pending', 'in_progress', 'dead'];

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The transactional outbox: work to finish after a commit, with leases, retries and a dead-letter state. */
export class OutboxRepository {
  constructor(
    private readonly db: StagingDb,
    private readonly clock: Clock = systemClock,
  ) {}

  // Enqueued with every paid invoice: prepared once, since building and compiling a query costs more than running it.
  private statements: ReturnType<typeof prepareOutboxStatements> | undefined;

  private get q(): ReturnType<typeof prepareOutboxStatements> {
    return (this.statements ??= prepareOutboxStatements(this.db));
  }

  /**
   * Adds an entry unless one with the same idempotency key exists (insert-or-ignore).
   *
   * @param input - the work
   * @returns the new or the existing entry
   */
  enqueue(input: NewOutboxEntry): EnqueueResult {
    const kind = checkText(input.kind, 'kind', 100);
    const idempotencyKey = checkText(input.idempotencyKey, 'idempotencyKey', 200);
    if (input.payload === undefined) {
      throw new ValidationError('outbox payload is required');
    }
    return this.db.transaction(() => {
      const now = isoTimestamp(this.clock());
      const inserted = this.q.insertIfAbsent.get({
        kind,
        idempotencyKey,
        aggregateRef: input.aggregateRef ?? null,
        payload: input.payload,
        nextAttemptAt: input.notBefore === undefined ? now : isoTimestamp(input.notBefore),
        now,
      });
      if (inserted !== undefined) {
        return { entry: inserted, created: true };
      }
      const existing = this.q.byKey.get({ idempotencyKey });
      if (existing === undefined) {
        throw new ConflictError(`outbox entry ${idempotencyKey} vanished`);
      }
      return { entry: existing, created: false };
    });
  }

  /**
   * Atomically claims due work: `pending` entries whose time has come and `in_progress` entries whose lease
   * expired (their worker crashed). Each claimed entry becomes `in_progress` with a lease until `now + leaseMs`
   * and one more attempt. Entries of an aggregate with an earlier unfinished entry are skipped.
   *
   * @param options - now, limit, lease and kinds
   * @returns the claimed entries, oldest due first
   */
  claimDue(options: ClaimOptions): OutboxEntry[] {
    if (!Number.isSafeInteger(options.limit) || options.limit <= 0) {
      throw new ValidationError('limit must be a positive integer');
    }
    if (!Number.isSafeInteger(options.leaseMs) || options.leaseMs <= 0) {
      throw new ValidationError('leaseMs must be a positive integer');
    }
    const now = isoTimestamp(options.now);
    const leaseUntil = isoTimestamp(new Date(options.now.getTime() + options.leaseMs));
    const earlier = alias(outbox, 'earlier');
    const conditions: SQL[] = [
      or(
        and(eq(outbox.state, 'pending'), lte(outbox.nextAttemptAt, now)),
        and(eq(outbox.state, 'in_progress'), lte(outbox.leaseExpiresAt, now)),
      ) as SQL,
      or(
        isNull(outbox.aggregateRef),
        notExists(
          this.db.orm
            .select({ one: sql`1` })
            .from(earlier)
            .where(
              and(
                eq(earlier.aggregateRef, outbox.aggregateRef),
                lt(earlier.id, outbox.id),
                inArray(earlier.state, [...BLOCKING_STATES]),
              ),
            ),
        ),
      ) as SQL,
    ];
    if (options.kinds !== undefined) {
      if (options.kinds.length === 0) {
        return [];
      }
      conditions.push(inArray(outbox.kind, [...options.kinds]));
    }
    if (options.only !== undefined) {
      conditions.push(eq(outbox.id, options.only));
    }
    return this.db.transaction(() => {
      const due = this.db.orm
        .select({ id: outbox.id })
        .from(outbox)
        .where(and(...conditions))
        .orderBy(asc(outbox.nextAttemptAt), asc(outbox.id))
        .limit(options.limit)
        .all();
      if (due.length === 0) {
        return [];
      }
      const claimed = this.db.orm
        .update(outbox)
        .set({
          state: 'in_progress',
          attempts: sql`${outbox.attempts} + 1`,
          leaseExpiresAt: leaseUntil,
          updatedAt: now,
        })
        .where(
          inArray(
            outbox.id,
            due.map((d) => d.id),
          ),
        )
        .returning()
        .all();
      return claimed.sort((a, b) => compareText(a.nextAttemptAt, b.nextAttemptAt) || a.id - b.id);
    });
  }

  /**
   * Claims one entry right away (the request that enqueued it does the work inline), under the same rules as
   * {@link claimDue}: it must be due (or its lease expired) and not held back by an earlier entry of its aggregate.
   *
   * @param id - the entry
   * @param options - now and lease
   * @returns the claimed entry, or undefined when it is not claimable now (done, leased, not due, held back)
   */
  claim(id: number, options: { readonly now: Date; readonly leaseMs: number }): OutboxEntry | undefined {
    return this.claimDue({ now: options.now, leaseMs: options.leaseMs, limit: 1, only: id })[0];
  }

  /**
   * Marks claimed work as done. An operator may also close a `dead` entry whose work was done by hand.
   *
   * @param id - the entry
   * @param result - JSON-serialisable outcome (e.g. the openIMIS PaymentNotice id)
   * @param claim - the worker's claim: refused when the entry was claimed again since
   * @returns the updated entry
   * @throws ConflictError when the entry is not `in_progress` or `dead`, or the claim is stale
   */
  complete(id: number, result: unknown = null, claim?: ClaimToken): OutboxEntry {
    const now = isoTimestamp(this.clock());
    return this.transition(
      id,
      claim === undefined ? ['in_progress', 'dead'] : ['in_progress'],
      {
        state: 'done',
        result,
        leaseExpiresAt: null,
        completedAt: now,
        updatedAt: now,
      },
      claim,
    );
  }

  /**
   * Extends the lease of claimed work that is still running (the worker renews a short lease while the step runs,
   * so a crashed worker's entry is claimed again soon, and a slow step is never claimed twice).
   *
   * @param id - the entry
   * @param claim - the worker's claim
   * @param options - now and the new lease length
   * @returns false when the entry is no longer this worker's (done, failed, or claimed again after the lease ran out)
   */
  renewLease(
    id: number,
    claim: ClaimToken,
    options: { readonly now: Date; readonly leaseMs: number },
  ): boolean {
    const now = isoTimestamp(options.now);
    const updated = this.db.orm
      .update(outbox)
      .set({
        leaseExpiresAt: isoTimestamp(new Date(options.now.getTime() + options.leaseMs)),
        updatedAt: now,
      })
      .where(and(eq(outbox.id, id), eq(outbox.state, 'in_progress'), eq(outbox.attempts, claim.attempt)))
      .returning({ id: outbox.id })
      .get();
    return updated !== undefined;
  }

  /**
   * Records what claimed work has done so far, before a step with an outside effect (e.g. "PaymentNotice posted
   * at …"), so whoever runs the entry next — after a crash or a retry — knows it. Kept in `result` until the entry
   * is done.
   *
   * @param id - the entry
   * @param claim - the worker's claim
   * @param progress - JSON-serialisable notes (replaces the previous ones)
   * @returns the updated entry
   * @throws ConflictError when the entry is not `in_progress` or the claim is stale
   */
  saveProgress(id: number, claim: ClaimToken, progress: unknown): OutboxEntry {
    return this.transition(
      id,
      ['in_progress'],
      { result: progress, updatedAt: isoTimestamp(this.clock()) },
      claim,
    );
  }

  /**
   * Makes `pending` entries due now that wait out a back-off (e.g. after an upstream outage, once the upstream
   * answers again). Entries of other states are left alone.
   *
   * @param ids - the entries
   * @param now - the current instant
   * @returns how many became due
   */
  wake(ids: readonly number[], now: Date): number {
    if (ids.length === 0) {
      return 0;
    }
    const at = isoTimestamp(now);
    return this.db.orm
      .update(outbox)
      .set({ nextAttemptAt: at, updatedAt: at })
      .where(
        and(inArray(outbox.id, [...ids]), eq(outbox.state, 'pending'), sql`${outbox.nextAttemptAt} > ${at}`),
      )
      .returning({ id: outbox.id })
      .all().length;
  }

  /**
   * Gives claimed work back for a later retry.
   *
   * @param id - the entry
   * @param error - what went wrong (no secrets or personal data; cut to 2 000 characters)
   * @param nextAttemptAt - not before this instant (see {@link nextAttemptDelayMs})
   * @param options - the worker's claim (refused when stale) and progress notes to keep (see {@link saveProgress})
   * @returns the updated entry
   * @throws ConflictError when the entry is not `in_progress`, or the claim is stale
   */
  fail(
    id: number,
    error: string,
    nextAttemptAt: Date,
    options: { readonly claim?: ClaimToken; readonly progress?: unknown } = {},
  ): OutboxEntry {
    return this.transition(
      id,
      ['in_progress'],
      {
        state: 'pending',
        lastError: bounded(error),
        nextAttemptAt: isoTimestamp(nextAttemptAt),
        leaseExpiresAt: null,
        updatedAt: isoTimestamp(this.clock()),
        ...(options.progress !== undefined ? { result: options.progress } : {}),
      },
      options.claim,
    );
  }

  /**
   * Moves an entry to the dead-letter state for manual review.
   *
   * @param id - the entry
   * @param error - why it was given up
   * @param claim - the worker's claim (refused when stale)
   * @returns the updated entry
   * @throws ConflictError when the entry is already `done` or `dead`, or the claim is stale
   */
  markDead(id: number, error: string, claim?: ClaimToken): OutboxEntry {
    return this.transition(
      id,
      claim === undefined ? ['pending', 'in_progress'] : ['in_progress'],
      {
        state: 'dead',
        lastError: bounded(error),
        leaseExpiresAt: null,
        updatedAt: isoTimestamp(this.clock()),
      },
      claim,
    );
  }

  /**
   * Makes a `dead` or `pending` entry due now (operator replay). `attempts` is kept unless asked, because
   * callers may derive idempotency keys from it.
   *
   * @param id - the entry
   * @param options - `resetAttempts` to start the attempt count again; `clearProgress` to forget the progress notes
   * @returns the updated entry
   * @throws ConflictError when the entry is `in_progress` or `done`
   */
  retryNow(
    id: number,
    options: { readonly resetAttempts?: boolean; readonly clearProgress?: boolean } = {},
  ): OutboxEntry {
    const now = isoTimestamp(this.clock());
    return this.transition(id, ['dead', 'pending'], {
      state: 'pending',
      nextAttemptAt: now,
      leaseExpiresAt: null,
      updatedAt: now,
      ...(options.resetAttempts === true ? { attempts: 0 } : {}),
      ...(options.clearProgress === true ? { result: null } : {}),
    });
  }

  /**
   * One entry.
   *
   * @param id - the entry
   * @returns the entry, or undefined
   */
  get(id: number): OutboxEntry | undefined {
    return this.db.orm.select().from(outbox).where(eq(outbox.id, id)).get();
  }

  /**
   * One entry by idempotency key.
   *
   * @param idempotencyKey - the key
   * @returns the entry, or undefined
   */
  getByKey(idempotencyKey: string): OutboxEntry | undefined {
    return this.db.orm.select().from(outbox).where(eq(outbox.idempotencyKey, idempotencyKey)).get();
  }

  /**
   * Entries by state, kind and aggregate, oldest first.
   *
   * @param filter - what to list
   * @returns the entries
   */
  list(filter: OutboxFilter = {}): OutboxEntry[] {
    const conditions: SQL[] = [];
    if (filter.state !== undefined) {
      const states: OutboxState[] = typeof filter.state === 'string' ? [filter.state] : [...filter.state];
      conditions.push(inArray(outbox.state, states));
    }
    if (filter.kind !== undefined) {
      conditions.push(eq(outbox.kind, filter.kind));
    }
    if (filter.aggregateRef !== undefined) {
      conditions.push(eq(outbox.aggregateRef, filter.aggregateRef));
    }
    return this.db.orm
      .select()
      .from(outbox)
      .where(and(...conditions))
      .orderBy(asc(outbox.id))
      .limit(filter.limit ?? 100)
      .all();
  }

  /**
   * `pending` entries that wait out a back-off and carry progress notes (see {@link saveProgress}): what a worker
   * looks at to make them due early, e.g. once the upstream they wait for answers again.
   *
   * @param options - now, kinds and limit (default 1 000)
   * @returns the entries, oldest first
   */
  listBackingOff(options: {
    readonly now: Date;
    readonly kinds?: readonly string[];
    readonly limit?: number;
  }): OutboxEntry[] {
    const conditions: SQL[] = [
      eq(outbox.state, 'pending'),
      sql`${outbox.nextAttemptAt} > ${isoTimestamp(options.now)}`,
      sql`${outbox.result} is not null`,
    ];
    if (options.kinds !== undefined) {
      conditions.push(inArray(outbox.kind, [...options.kinds]));
    }
    return this.db.orm
      .select()
      .from(outbox)
      .where(and(...conditions))
      .orderBy(asc(outbox.id))
      .limit(options.limit ?? 1000)
      .all();
  }

  /**
   * How many entries are in each state (for health and metrics).
   *
   * @returns counts per state
   */
  countByState(): Record<OutboxState, number> {
    const counts: Record<OutboxState, number> = { pending: 0, in_progress: 0, done: 0, dead: 0 };
    const rows = this.db.orm
      .select({ state: outbox.state, n: sql<number>`count(*)` })
      .from(outbox)
      .groupBy(outbox.state)
      .all();
    for (const row of rows) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  private transition(
    id: number,
    from: readonly OutboxState[],
    set: Partial<typeof outbox.$inferInsert>,
    claim?: ClaimToken,
  ): OutboxEntry {
    return this.db.transaction(() => {
      const updated = this.db.orm
        .update(outbox)
        .set(set)
        .where(
          and(
            eq(outbox.id, id),
            inArray(outbox.state, [...from]),
            ...(claim !== undefined ? [eq(outbox.attempts, claim.attempt)] : []),
          ),
        )
        .returning()
        .get();
      if (updated !== undefined) {
        return updated;
      }
      const current = this.get(id);
      if (current === undefined) {
        throw new NotFoundError(`no outbox entry ${id}`);
      }
      if (claim !== undefined && current.attempts !== claim.attempt && from.includes(current.state)) {
        throw new ConflictError(
          `outbox entry ${id} was claimed again (attempt ${current.attempts}, this worker holds ${claim.attempt})`,
        );
      }
      throw new ConflictError(`outbox entry ${id} is ${current.state}, expected ${from.join(' or ')}`);
    });
  }
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the prepared-query types are inferred from the queries
function prepareOutboxStatements(db: StagingDb) {
  return {
    insertIfAbsent: db.orm
      .insert(outbox)
      .values({
        kind: sql.placeholder('kind'),
        idempotencyKey: sql.placeholder('idempotencyKey'),
        aggregateRef: sql.placeholder('aggregateRef'),
        payload: sql.placeholder('payload'),
        state: 'pending',
        attempts: 0,
        nextAttemptAt: sql.placeholder('nextAttemptAt'),
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
      })
      .onConflictDoNothing({ target: outbox.idempotencyKey })
      .returning()
      .prepare(),
    byKey: db.orm
      .select()
      .from(outbox)
      .where(eq(outbox.idempotencyKey, sql.placeholder('idempotencyKey')))
      .prepare(),
  };
}
