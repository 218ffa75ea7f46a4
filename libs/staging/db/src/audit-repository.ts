import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import { ValidationError } from '@payment-layer/shared-errors';
import { AUDIT_OUTCOMES, auditLog } from './schema/index';
import type { StagingDb } from './staging-db';
import { canonicalUuid, checkText, isAbsent, isoTimestamp } from './values';

/** Outcome of a mediated transaction. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** A stored audit row. */
export type AuditEntry = typeof auditLog.$inferSelect;

/** Input of {@link AuditRepository.recordAudit}. */
export interface AuditInput {
  /** OpenHIM transaction id (`X-OpenHIM-TransactionID`), when called through OpenHIM. */
  readonly transactionId?: string | null;
  /** Mediator name, e.g. `payment-mediator`. */
  readonly mediator: string;
  readonly resourceType?: string | null;
  /** openIMIS UUID of the resource — identifiers only, never names or other personal data. */
  readonly resourceId?: string | null;
  readonly outcome: AuditOutcome;
  readonly httpStatus?: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** Filter of {@link AuditRepository.listAudit}. */
export interface AuditFilter {
  readonly transactionId?: string;
  readonly mediator?: string;
  readonly resourceId?: string;
  /** Default 100, at most 1 000. */
  readonly limit?: number;
}

/** The audit trail: one row per mediated transaction. */
export class AuditRepository {
  constructor(private readonly db: StagingDb) {}

  // One row per mediated request: prepared once, since building the insert costs more than running it.
  private insertStatement: ReturnType<typeof prepareAuditInsert> | undefined;

  /**
   * Appends one audit row.
   *
   * @param input - what was mediated and how it ended
   * @returns the stored row
   * @throws ValidationError when `resourceId` is not a UUID or the times are reversed
   */
  recordAudit(input: AuditInput): AuditEntry {
    return this.insertAudit(input);
  }

  /**
   * Appends several audit rows in one transaction (one commit instead of one per row). A row that is refused
   * (invalid input) does not keep the others out.
   *
   * @param inputs - the rows
   * @returns how many were stored, and the refused ones with the reason
   */
  recordAudits(inputs: readonly AuditInput[]): {
    readonly stored: number;
    readonly refused: readonly { readonly index: number; readonly error: Error }[];
  } {
    return this.db.transaction(() => {
      const refused: { index: number; error: Error }[] = [];
      inputs.forEach((input, index) => {
        try {
          this.insertAudit(input);
        } catch (err) {
          refused.push({ index, error: err instanceof Error ? err : new Error(String(err)) });
        }
      });
      return { stored: inputs.length - refused.length, refused };
    });
  }

  private insertAudit(input: AuditInput): AuditEntry {
    if (!(AUDIT_OUTCOMES as readonly string[]).includes(input.outcome)) {
      throw new ValidationError(`unknown audit outcome ${JSON.stringify(input.outcome)}`);
    }
    const durationMs = input.finishedAt.getTime() - input.startedAt.getTime();
    if (!(durationMs >= 0)) {
      throw new ValidationError('finishedAt is before startedAt');
    }
    if (!isAbsent(input.httpStatus) && !(Number.isInteger(input.httpStatus) && input.httpStatus >= 100)) {
      throw new ValidationError('httpStatus must be an HTTP status code');
    }
    const row = (this.insertStatement ??= prepareAuditInsert(this.db)).get({
      transactionId: isAbsent(input.transactionId)
        ? null
        : checkText(input.transactionId, 'transactionId', 64),
      mediator: checkText(input.mediator, 'mediator', 100),
      resourceType: isAbsent(input.resourceType) ? null : checkText(input.resourceType, 'resourceType', 64),
      resourceId: isAbsent(input.resourceId) ? null : canonicalUuid(input.resourceId, 'resourceId'),
      outcome: input.outcome,
      httpStatus: input.httpStatus ?? null,
      startedAt: isoTimestamp(input.startedAt),
      finishedAt: isoTimestamp(input.finishedAt),
      durationMs,
    });
    if (row === undefined) {
      throw new ValidationError('the audit row could not be read back');
    }
    return row;
  }

  /**
   * Audit rows, newest first.
   *
   * @param filter - transaction, mediator or resource
   * @returns the rows
   */
  listAudit(filter: AuditFilter = {}): AuditEntry[] {
    const conditions: SQL[] = [];
    if (filter.transactionId !== undefined) {
      conditions.push(eq(auditLog.transactionId, filter.transactionId));
    }
    if (filter.mediator !== undefined) {
      conditions.push(eq(auditLog.mediator, filter.mediator));
    }
    if (filter.resourceId !== undefined) {
      conditions.push(eq(auditLog.resourceId, canonicalUuid(filter.resourceId, 'resourceId')));
    }
    const limit = filter.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit <= 0 || limit > 1000) {
      throw new ValidationError('limit must be 1 to 1000');
    }
    return this.db.orm
      .select()
      .from(auditLog)
      .where(and(...conditions))
      .orderBy(desc(auditLog.startedAt), desc(auditLog.id))
      .limit(limit)
      .all();
  }

  /**
   * Deletes rows that started before a point in time (bounded retention).
   *
   * @param before - rows with `startedAt` earlier than this go
   * @returns how many rows were deleted
   */
  pruneAudit(before: Date): number {
    return this.db.orm
      .delete(auditLog)
      .where(lt(auditLog.startedAt, isoTimestamp(before)))
      .run().changes;
  }
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the prepared-query type is inferred from the query
function prepareAuditInsert(db: StagingDb) {
  return db.orm
    .insert(auditLog)
    .values({
      transactionId: sql.placeholder('transactionId'),
      mediator: sql.placeholder('mediator'),
      resourceType: sql.placeholder('resourceType'),
      resourceId: sql.placeholder('resourceId'),
      outcome: sql.placeholder('outcome'),
      httpStatus: sql.placeholder('httpStatus'),
      startedAt: sql.placeholder('startedAt'),
      finishedAt: sql.placeholder('finishedAt'),
      durationMs: sql.placeholder('durationMs'),
    })
    .returning()
    .prepare();
}
