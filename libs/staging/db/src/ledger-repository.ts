import { Decimal } from 'decimal.js';
import { and, asc, eq, gt, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { type Clock, systemClock } from './clock';
import { type NewOutboxEntry, type OutboxEntry, OutboxRepository } from './outbox-repository';
import {
  INVOICE_KINDS,
  INVOICE_STATES,
  ledgerInvoices,
  PAYMENT_SOURCES,
  PAYMENT_STATES,
  paymentsReceived,
} from './schema/index';
import type { StagingDb } from './staging-db';
import {
  bounded,
  isAbsent,
  canonicalUuid,
  checkAmount,
  checkCurrency,
  checkDate,
  checkId,
  checkText,
  isoTimestamp,
  sameAmount,
} from './values';

/** `invoice` (contribution, contract) or `bill` (claim batch, commission, fees). */
export type InvoiceKind = (typeof INVOICE_KINDS)[number];
/** Life-cycle state of a ledger invoice. */
export type InvoiceState = (typeof INVOICE_STATES)[number];
/** Where a payment was reported from. */
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];
/** What became of a received payment. */
export type PaymentState = (typeof PAYMENT_STATES)[number];

/** A stored ledger invoice. */
export type LedgerInvoice = typeof ledgerInvoices.$inferSelect;
/** A stored received payment. */
export type ReceivedPayment = typeof paymentsReceived.$inferSelect;

/**
 * Allowed state changes of a ledger invoice (staying in the same state is always allowed). Money moves forward
 * only; `needs_attention` is reachable from everywhere and may go anywhere, as an operator decides.
 */
export const INVOICE_STATE_TRANSITIONS: Readonly<Record<InvoiceState, readonly InvoiceState[]>> = {
  awaiting_payment: ['partially_paid', 'paid', 'cancelled', 'needs_attention'],
  partially_paid: ['paid', 'cancelled', 'needs_attention'],
  paid: ['notified', 'needs_attention'],
  notified: ['verified', 'needs_attention'],
  verified: ['premium_recorded', 'needs_attention'],
  premium_recorded: ['needs_attention'],
  cancelled: ['needs_attention'],
  needs_attention: INVOICE_STATES,
};

/** An invoice or bill as the invoice flow reads it from openIMIS. */
export interface InvoiceInput {
  /** openIMIS invoice/bill UUID. */
  readonly openimisInvoiceId: string;
  /** Invoice code (e.g. `IV-<product>-<chfid>-<YYYY-MM>`), the payer's reference. */
  readonly code: string;
  readonly kind: InvoiceKind;
  /** FHIR type of `Invoice.recipient` (`Patient`, `Organization`, or the legacy `Group`). */
  readonly recipientType: string;
  /** UUID of the recipient. */
  readonly recipientId: string;
  /** Total (`totalGross`) as a decimal string. */
  readonly amount: string;
  /** ISO 4217 code. */
  readonly currency: string;
  readonly invoiceDate?: string | null;
  readonly dueDate?: string | null;
  readonly fineractClientId?: number | null;
  readonly fineractChargeId?: number | null;
}

/** One difference found by {@link LedgerRepository.upsertInvoice}. */
export interface InvoiceChange {
  readonly field: keyof InvoiceInput;
  readonly stored: string | number | null;
  readonly incoming: string | number | null;
  /** False for money and identity fields, which are never overwritten by an upsert. */
  readonly applied: boolean;
}

/** Result of {@link LedgerRepository.upsertInvoice}. */
export type UpsertInvoiceResult =
  | { readonly status: 'new'; readonly invoice: LedgerInvoice }
  | { readonly status: 'unchanged'; readonly invoice: LedgerInvoice }
  | {
      readonly status: 'changed';
      readonly invoice: LedgerInvoice;
      readonly changes: readonly InvoiceChange[];
      /** True when a protected field (amount, currency, code, kind, recipient, Fineract ids) differs: the invoice
       * was moved to `needs_attention` and the stored values kept. */
      readonly flagged: boolean;
    };

/** A change to a ledger invoice, checked against {@link INVOICE_STATE_TRANSITIONS}. */
export interface InvoiceUpdate {
  readonly paidAmount?: string;
  readonly state?: InvoiceState;
  /** Why the invoice needs attention; `null` clears it. */
  readonly attentionReason?: string | null;
  /** Operator correction of the total (never done by an upsert). */
  readonly amount?: string;
  readonly currency?: string;
  /** Guard: fail with ConflictError unless the invoice is in one of these states. */
  readonly expectedState?: InvoiceState | readonly InvoiceState[];
  /** Guard: fail with ConflictError unless the stored paid amount equals this. */
  readonly expectedPaidAmount?: string;
}

/** Filter of {@link LedgerRepository.listInvoices}. */
export interface InvoiceFilter {
  readonly state?: InvoiceState | readonly InvoiceState[];
  /**
   * `from` (inclusive) and `to` (exclusive), as `YYYY-MM-DD` or ISO-8601 UTC timestamps, applied to `field`
   * (default `createdAt`; rows whose field is null are left out).
   */
  readonly period?: {
    readonly from?: string;
    readonly to?: string;
    readonly field?: 'invoiceDate' | 'dueDate' | 'createdAt' | 'updatedAt';
  };
  /** Keyset paging: only ids greater than this. */
  readonly afterId?: number;
  /** Default 100, at most 1 000. */
  readonly limit?: number;
}

/** A payment as reported by its source. */
export interface NewPayment {
  readonly source: PaymentSource;
  /** The source's own id for the transaction; `(source, sourceTxnId)` is recorded once. */
  readonly sourceTxnId: string;
  /** The ledger invoice it pays, when matched. */
  readonly invoiceId?: number | null;
  readonly amount: string;
  readonly currency: string;
  /** Payer account or wallet reference — never a name. */
  readonly payerRef?: string | null;
  /** Reference given with the payment (receipt number, invoice code). */
  readonly reference?: string | null;
  /** SHA-256 of the canonical inbound request, to tell a replay from a modified request. */
  readonly requestHash?: string | null;
  readonly receivedAt: Date;
  readonly state: PaymentState;
  readonly reason?: string | null;
}

/** Input of {@link LedgerRepository.recordPayment}. */
export interface RecordPaymentInput {
  readonly payment: NewPayment;
  /**
   * How the invoice changes. The function form runs inside the write transaction with the invoice of
   * `payment.invoiceId` as stored at that moment — use it to add to `paidAmount` without a lost update.
   */
  readonly invoiceUpdate?:
    | (InvoiceUpdate & { readonly invoiceId: number })
    | ((invoice: LedgerInvoice, payment: ReceivedPayment) => InvoiceUpdate | undefined);
  /** Work to enqueue in the same transaction; the function form sees the invoice after the update. */
  readonly outbox?:
    | readonly NewOutboxEntry[]
    | ((context: {
        readonly payment: ReceivedPayment;
        readonly invoice: LedgerInvoice | undefined;
      }) => readonly NewOutboxEntry[]);
}

/** Result of {@link LedgerRepository.recordPayment}. */
export type RecordPaymentResult =
  | {
      readonly duplicate: false;
      readonly payment: ReceivedPayment;
      /** The payment's invoice after the update (undefined when unmatched). */
      readonly invoice: LedgerInvoice | undefined;
      /** Outbox entries enqueued (or found by idempotency key). */
      readonly outbox: readonly OutboxEntry[];
    }
  | {
      readonly duplicate: true;
      /** The payment recorded the first time. */
      readonly payment: ReceivedPayment;
      /** True when both requests carry a hash and they differ: the same id with another body (answer 409). */
      readonly modified: boolean;
    };

/** Filter of {@link LedgerRepository.listPayments}. */
export interface PaymentFilter {
  readonly invoiceId?: number;
  readonly state?: PaymentState | readonly PaymentState[];
  readonly source?: PaymentSource;
  readonly afterId?: number;
  /** Default 100, at most 1 000. */
  readonly limit?: number;
}

const PROTECTED_FIELDS = ['code', 'kind', 'recipientType', 'recipientId', 'currency'] as const;
const PERIOD_BOUND_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}\.\d{3}Z)?$/;

function toList<T extends string>(value: T | readonly T[]): T[] {
  return typeof value === 'string' ? [value] : [...value];
}

function pageLimit(limit: number | undefined): number {
  const n = limit ?? 100;
  if (!Number.isSafeInteger(n) || n <= 0 || n > 1000) {
    throw new ValidationError('limit must be 1 to 1000');
  }
  return n;
}

/** The payment ledger: invoices awaiting payment and every payment received, recorded exactly once. */
export class LedgerRepository {
  private readonly outbox: OutboxRepository;

  constructor(
    private readonly db: StagingDb,
    private readonly clock: Clock = systemClock,
  ) {
    this.outbox = new OutboxRepository(db, clock);
  }

  // Every hook delivery runs these: prepared once, since building and compiling a query costs more than running it.
  private statements: ReturnType<typeof prepareLedgerStatements> | undefined;

  private get q(): ReturnType<typeof prepareLedgerStatements> {
    return (this.statements ??= prepareLedgerStatements(this.db));
  }

  /**
   * Records an invoice read from openIMIS. A new invoice starts `awaiting_payment`. For a known one, dates are
   * refreshed and missing Fineract ids filled in; a different amount, currency, code, kind, recipient or
   * Fineract id is **not** applied: the invoice goes to `needs_attention` with the reason.
   *
   * @param input - the invoice as openIMIS has it now
   * @returns `new`, `unchanged` or `changed` (with the differences and whether they were flagged)
   * @throws ConflictError when the code belongs to another invoice
   */
  upsertInvoice(input: InvoiceInput): UpsertInvoiceResult {
    const incoming = {
      openimisInvoiceId: canonicalUuid(input.openimisInvoiceId, 'openimisInvoiceId'),
      code: checkText(input.code, 'code'),
      kind: input.kind,
      recipientType: checkText(input.recipientType, 'recipientType', 64),
      recipientId: canonicalUuid(input.recipientId, 'recipientId'),
      amount: checkAmount(input.amount, 'amount'),
      currency: checkCurrency(input.currency, 'currency'),
      invoiceDate: checkDate(input.invoiceDate, 'invoiceDate'),
      dueDate: checkDate(input.dueDate, 'dueDate'),
      fineractClientId: isAbsent(input.fineractClientId)
        ? null
        : checkId(input.fineractClientId, 'fineractClientId'),
      fineractChargeId: isAbsent(input.fineractChargeId)
        ? null
        : checkId(input.fineractChargeId, 'fineractChargeId'),
    };
    if (!(INVOICE_KINDS as readonly string[]).includes(incoming.kind)) {
      throw new ValidationError('kind must be invoice or bill');
    }
    return this.db.transaction((): UpsertInvoiceResult => {
      const now = isoTimestamp(this.clock());
      const stored = this.getInvoiceByOpenimisId(incoming.openimisInvoiceId);
      if (stored === undefined) {
        const byCode = this.getInvoiceByCode(incoming.code);
        if (byCode !== undefined) {
          throw new ConflictError(`invoice code ${incoming.code} belongs to another invoice`);
        }
        if (
          incoming.fineractChargeId !== null &&
          this.getInvoiceByFineractCharge(incoming.fineractChargeId) !== undefined
        ) {
          throw new ConflictError(
            `Fineract charge ${incoming.fineractChargeId} already pays another invoice`,
          );
        }
        const invoice = this.db.orm
          .insert(ledgerInvoices)
          .values({ ...incoming, paidAmount: '0', state: 'awaiting_payment', createdAt: now, updatedAt: now })
          .returning()
          .get();
        return { status: 'new', invoice };
      }

      const changes: InvoiceChange[] = [];
      const patch: Partial<typeof ledgerInvoices.$inferInsert> = {};
      if (!sameAmount(stored.amount, incoming.amount)) {
        changes.push({ field: 'amount', stored: stored.amount, incoming: incoming.amount, applied: false });
      }
      for (const field of PROTECTED_FIELDS) {
        if (stored[field] !== incoming[field]) {
          changes.push({ field, stored: stored[field], incoming: incoming[field], applied: false });
        }
      }
      for (const field of ['fineractClientId', 'fineractChargeId'] as const) {
        const value = incoming[field];
        if (value === null || stored[field] === value) {
          continue;
        }
        const fill = stored[field] === null;
        changes.push({ field, stored: stored[field], incoming: value, applied: fill });
        if (fill) {
          patch[field] = value;
        }
      }
      for (const field of ['invoiceDate', 'dueDate'] as const) {
        if (input[field] !== undefined && stored[field] !== incoming[field]) {
          changes.push({ field, stored: stored[field], incoming: incoming[field], applied: true });
          patch[field] = incoming[field];
        }
      }
      if (changes.length === 0) {
        return { status: 'unchanged', invoice: stored };
      }
      const flagged = changes.some((c) => !c.applied);
      if (flagged) {
        const what = changes
          .filter((c) => !c.applied)
          .map((c) => `${c.field} ${String(c.stored)} → ${String(c.incoming)}`)
          .join(', ');
        patch.state = 'needs_attention';
        // A re-sync of an invoice already flagged keeps the first reason (which names the state it was in).
        const previous = stored.state === 'needs_attention' ? stored.attentionReason : null;
        if (previous === null) {
          patch.attentionReason = bounded(`changed in openIMIS while ${stored.state}: ${what}`);
        } else if (!previous.includes(what)) {
          patch.attentionReason = bounded(`${previous}; changed in openIMIS: ${what}`);
        }
      }
      if (!isAbsent(patch.fineractChargeId)) {
        const other = this.getInvoiceByFineractCharge(patch.fineractChargeId);
        if (other !== undefined && other.id !== stored.id) {
          throw new ConflictError(`Fineract charge ${patch.fineractChargeId} already pays another invoice`);
        }
      }
      const invoice = this.db.orm
        .update(ledgerInvoices)
        .set({ ...patch, updatedAt: now })
        .where(eq(ledgerInvoices.id, stored.id))
        .returning()
        .get();
      if (invoice === undefined) {
        throw new NotFoundError(`no ledger invoice ${stored.id}`);
      }
      return { status: 'changed', invoice, changes, flagged };
    });
  }

  /**
   * Stores the Fineract client and charge that collect an invoice (once; a different value is a conflict).
   *
   * @param invoiceId - ledger id
   * @param ids - Fineract client id and charge id
   * @returns the updated invoice
   * @throws ConflictError when other ids are already stored or the charge pays another invoice
   */
  attachFineractCharge(
    invoiceId: number,
    ids: { readonly clientId: number; readonly chargeId: number },
  ): LedgerInvoice {
    const clientId = checkId(ids.clientId, 'clientId');
    const chargeId = checkId(ids.chargeId, 'chargeId');
    return this.db.transaction(() => {
      const stored = this.requireInvoice(invoiceId);
      if (
        (stored.fineractClientId !== null && stored.fineractClientId !== clientId) ||
        (stored.fineractChargeId !== null && stored.fineractChargeId !== chargeId)
      ) {
        throw new ConflictError(`invoice ${stored.code} is already collected by another Fineract charge`);
      }
      const other = this.getInvoiceByFineractCharge(chargeId);
      if (other !== undefined && other.id !== invoiceId) {
        throw new ConflictError(`Fineract charge ${chargeId} already pays another invoice`);
      }
      return this.writeInvoice(invoiceId, {
        fineractClientId: clientId,
        fineractChargeId: chargeId,
        updatedAt: isoTimestamp(this.clock()),
      });
    });
  }

  /**
   * Records the idempotency attempt the invoice's charge write is at, before that attempt is sent (or, after
   * Fineract refused an attempt, the next one). The value only grows: a late or repeated call never lowers it.
   *
   * @param invoiceId - ledger id
   * @param attempt - 1-based attempt number
   * @returns the updated invoice
   * @throws ConflictError when the invoice already has its charge
   */
  recordChargeAttempt(invoiceId: number, attempt: number): LedgerInvoice {
    const next = checkId(attempt, 'attempt');
    return this.db.transaction(() => {
      const stored = this.requireInvoice(invoiceId);
      if (stored.fineractChargeId !== null) {
        throw new ConflictError(
          `invoice ${stored.code} already has Fineract charge ${stored.fineractChargeId}`,
        );
      }
      if (stored.chargeAttempt >= next) {
        return stored;
      }
      return this.writeInvoice(invoiceId, { chargeAttempt: next, updatedAt: isoTimestamp(this.clock()) });
    });
  }

  /**
   * Removes an invoice that was recorded but never charged and never paid — for an invoice Fineract refused on the
   * first try, so a refused invoice leaves no row behind. Anything else (a charge, an attempt beyond `maxAttempt`
   * — another process went on —, a paid amount, a payment pointing at it) keeps the row.
   *
   * @param invoiceId - ledger id
   * @param maxAttempt - the highest charge attempt the caller sent and knows was not applied
   * @returns whether the row was removed
   */
  discardUnchargedInvoice(invoiceId: number, maxAttempt: number): boolean {
    return this.db.transaction(() => {
      const stored = this.getInvoiceById(invoiceId);
      if (
        stored === undefined ||
        stored.fineractChargeId !== null ||
        stored.chargeAttempt > maxAttempt ||
        !sameAmount(stored.paidAmount, '0')
      ) {
        return false;
      }
      const payment = this.db.orm
        .select({ id: paymentsReceived.id })
        .from(paymentsReceived)
        .where(eq(paymentsReceived.invoiceId, invoiceId))
        .get();
      if (payment !== undefined) {
        return false;
      }
      this.db.orm.delete(ledgerInvoices).where(eq(ledgerInvoices.id, invoiceId)).run();
      return true;
    });
  }

  /**
   * Changes an invoice's paid amount, state or reason, checked against {@link INVOICE_STATE_TRANSITIONS}.
   *
   * @param invoiceId - ledger id
   * @param update - the change and its guards
   * @returns the updated invoice
   * @throws ConflictError when a guard fails or the state change is not allowed
   */
  updateInvoice(invoiceId: number, update: InvoiceUpdate): LedgerInvoice {
    return this.db.transaction(() => this.applyUpdate(this.requireInvoice(invoiceId), update));
  }

  /**
   * @param id - ledger id
   * @returns the invoice, or undefined
   */
  getInvoiceById(id: number): LedgerInvoice | undefined {
    return this.q.invoiceById.get({ id });
  }

  /**
   * @param openimisInvoiceId - openIMIS invoice/bill UUID (any case)
   * @returns the invoice, or undefined
   */
  getInvoiceByOpenimisId(openimisInvoiceId: string): LedgerInvoice | undefined {
    const id = canonicalUuid(openimisInvoiceId, 'openimisInvoiceId');
    return this.db.orm.select().from(ledgerInvoices).where(eq(ledgerInvoices.openimisInvoiceId, id)).get();
  }

  /**
   * @param code - invoice code (exact)
   * @returns the invoice, or undefined
   */
  getInvoiceByCode(code: string): LedgerInvoice | undefined {
    return this.db.orm.select().from(ledgerInvoices).where(eq(ledgerInvoices.code, code)).get();
  }

  /**
   * @param chargeId - Fineract client charge id
   * @returns the invoice that charge collects, or undefined
   */
  getInvoiceByFineractCharge(chargeId: number): LedgerInvoice | undefined {
    return this.q.invoiceByCharge.get({ chargeId });
  }

  /**
   * Invoices by state and period, in ledger order.
   *
   * @param filter - states, period, paging
   * @returns the invoices
   */
  listInvoices(filter: InvoiceFilter = {}): LedgerInvoice[] {
    const conditions: SQL[] = [];
    if (filter.state !== undefined) {
      conditions.push(inArray(ledgerInvoices.state, toList(filter.state)));
    }
    if (filter.period !== undefined) {
      const column = ledgerInvoices[filter.period.field ?? 'createdAt'];
      for (const bound of [filter.period.from, filter.period.to]) {
        if (bound !== undefined && !PERIOD_BOUND_RE.test(bound)) {
          throw new ValidationError('period bounds must be YYYY-MM-DD or ISO-8601 UTC timestamps');
        }
      }
      if (filter.period.from !== undefined) {
        conditions.push(gte(column, filter.period.from));
      }
      if (filter.period.to !== undefined) {
        conditions.push(lt(column, filter.period.to));
      }
    }
    if (filter.afterId !== undefined) {
      conditions.push(gt(ledgerInvoices.id, filter.afterId));
    }
    return this.db.orm
      .select()
      .from(ledgerInvoices)
      .where(and(...conditions))
      .orderBy(asc(ledgerInvoices.id))
      .limit(pageLimit(filter.limit))
      .all();
  }

  /**
   * Records a payment exactly once, in ONE transaction with its effects: insert the payment, apply the invoice
   * update, enqueue the outbox entries. When `(source, sourceTxnId)` is already recorded nothing at all changes
   * and the first record is returned. A crash at any point leaves either everything or nothing.
   *
   * @param input - the payment, the invoice update and the follow-up work
   * @returns the outcome, `duplicate: true` for a replay
   * @throws ConflictError when an invoice update guard or state transition fails (nothing is recorded)
   */
  recordPayment(input: RecordPaymentInput): RecordPaymentResult {
    const p = input.payment;
    if (!(PAYMENT_SOURCES as readonly string[]).includes(p.source)) {
      throw new ValidationError(`unknown payment source ${JSON.stringify(p.source)}`);
    }
    if (!(PAYMENT_STATES as readonly string[]).includes(p.state)) {
      throw new ValidationError(`unknown payment state ${JSON.stringify(p.state)}`);
    }
    const values = {
      source: p.source,
      sourceTxnId: checkText(p.sourceTxnId, 'sourceTxnId'),
      invoiceId: isAbsent(p.invoiceId) ? null : checkId(p.invoiceId, 'invoiceId'),
      amount: checkAmount(p.amount, 'amount'),
      currency: checkCurrency(p.currency, 'currency'),
      payerRef: p.payerRef ?? null,
      reference: p.reference ?? null,
      requestHash: p.requestHash ?? null,
      receivedAt: isoTimestamp(p.receivedAt),
      state: p.state,
      reason: isAbsent(p.reason) ? null : bounded(p.reason),
    };
    if (values.state === 'matched' && values.invoiceId === null) {
      throw new ValidationError('a matched payment needs its invoiceId');
    }
    return this.db.transaction((): RecordPaymentResult => {
      const existing = this.getPaymentBySource(values.source, values.sourceTxnId);
      if (existing !== undefined) {
        const modified =
          existing.requestHash !== null &&
          values.requestHash !== null &&
          existing.requestHash !== values.requestHash;
        return { duplicate: true, payment: existing, modified };
      }
      let invoice = values.invoiceId === null ? undefined : this.requireInvoice(values.invoiceId);
      const now = isoTimestamp(this.clock());
      const payment = this.q.insertPayment.get({ ...values, now });
      if (payment === undefined) {
        throw new ConflictError(`payment ${values.source}/${values.sourceTxnId} could not be stored`);
      }

      const update = input.invoiceUpdate;
      if (typeof update === 'function') {
        if (invoice === undefined) {
          throw new ValidationError('an invoice update function needs payment.invoiceId');
        }
        const change = update(invoice, payment);
        if (change !== undefined) {
          invoice = this.applyUpdate(invoice, change);
        }
      } else if (update !== undefined) {
        invoice = this.applyUpdate(this.requireInvoice(update.invoiceId), update);
      }

      const work =
        typeof input.outbox === 'function' ? input.outbox({ payment, invoice }) : (input.outbox ?? []);
      const outbox = work.map((entry) => this.outbox.enqueue(entry).entry);
      return { duplicate: false, payment, invoice, outbox };
    });
  }

  /**
   * @param id - payment id
   * @returns the payment, or undefined
   */
  getPayment(id: number): ReceivedPayment | undefined {
    return this.db.orm.select().from(paymentsReceived).where(eq(paymentsReceived.id, id)).get();
  }

  /**
   * @param source - where it came from
   * @param sourceTxnId - the source's transaction id
   * @returns the payment, or undefined
   */
  getPaymentBySource(source: PaymentSource, sourceTxnId: string): ReceivedPayment | undefined {
    return this.q.paymentBySource.get({ source, sourceTxnId });
  }

  /**
   * Payments by invoice, state and source, in arrival order.
   *
   * @param filter - what to list
   * @returns the payments
   */
  listPayments(filter: PaymentFilter = {}): ReceivedPayment[] {
    const conditions: SQL[] = [];
    if (filter.invoiceId !== undefined) {
      conditions.push(eq(paymentsReceived.invoiceId, filter.invoiceId));
    }
    if (filter.state !== undefined) {
      conditions.push(inArray(paymentsReceived.state, toList(filter.state)));
    }
    if (filter.source !== undefined) {
      conditions.push(eq(paymentsReceived.source, filter.source));
    }
    if (filter.afterId !== undefined) {
      conditions.push(gt(paymentsReceived.id, filter.afterId));
    }
    return this.db.orm
      .select()
      .from(paymentsReceived)
      .where(and(...conditions))
      .orderBy(asc(paymentsReceived.id))
      .limit(pageLimit(filter.limit))
      .all();
  }

  /**
   * Sum of an invoice's `matched` payments, computed in decimals (for reconciliation against `paidAmount`).
   *
   * @param invoiceId - ledger id
   * @returns the total as a decimal string
   */
  matchedTotal(invoiceId: number): string {
    const rows = this.db.orm
      .select({ amount: paymentsReceived.amount })
      .from(paymentsReceived)
      .where(and(eq(paymentsReceived.invoiceId, invoiceId), eq(paymentsReceived.state, 'matched')))
      .all();
    return rows.reduce((sum, r) => sum.plus(r.amount), new Decimal(0)).toFixed();
  }

  /**
   * Resolves a payment (an operator matching or ignoring it), optionally with an invoice update, atomically.
   *
   * @param id - payment id
   * @param change - new state, reason and invoice
   * @returns the updated payment
   * @throws NotFoundError when there is no such payment
   */
  updatePayment(
    id: number,
    change: {
      readonly state: PaymentState;
      readonly reason?: string | null;
      readonly invoiceId?: number | null;
    },
  ): ReceivedPayment {
    if (!(PAYMENT_STATES as readonly string[]).includes(change.state)) {
      throw new ValidationError(`unknown payment state ${JSON.stringify(change.state)}`);
    }
    return this.db.transaction(() => {
      if (!isAbsent(change.invoiceId)) {
        this.requireInvoice(change.invoiceId);
      }
      const invoiceId = change.invoiceId === undefined ? this.getPayment(id)?.invoiceId : change.invoiceId;
      if (change.state === 'matched' && isAbsent(invoiceId)) {
        throw new ValidationError('a matched payment needs its invoiceId');
      }
      const payment = this.db.orm
        .update(paymentsReceived)
        .set({
          state: change.state,
          ...(change.reason === undefined
            ? {}
            : { reason: change.reason === null ? null : bounded(change.reason) }),
          ...(change.invoiceId === undefined ? {} : { invoiceId: change.invoiceId }),
          updatedAt: isoTimestamp(this.clock()),
        })
        .where(eq(paymentsReceived.id, id))
        .returning()
        .get();
      if (payment === undefined) {
        throw new NotFoundError(`no payment ${id}`);
      }
      return payment;
    });
  }

  private requireInvoice(id: number): LedgerInvoice {
    const invoice = this.getInvoiceById(id);
    if (invoice === undefined) {
      throw new NotFoundError(`no ledger invoice ${id}`);
    }
    return invoice;
  }

  private writeInvoice(id: number, set: Partial<typeof ledgerInvoices.$inferInsert>): LedgerInvoice {
    const invoice = this.db.orm
      .update(ledgerInvoices)
      .set(set)
      .where(eq(ledgerInvoices.id, id))
      .returning()
      .get();
    if (invoice === undefined) {
      throw new NotFoundError(`no ledger invoice ${id}`);
    }
    return invoice;
  }

  private applyUpdate(current: LedgerInvoice, update: InvoiceUpdate): LedgerInvoice {
    if (update.expectedState !== undefined && !toList(update.expectedState).includes(current.state)) {
      throw new ConflictError(`invoice ${current.code} is ${current.state}`);
    }
    if (
      update.expectedPaidAmount !== undefined &&
      !sameAmount(current.paidAmount, update.expectedPaidAmount)
    ) {
      throw new ConflictError(`invoice ${current.code} paid amount changed concurrently`);
    }
    const set: Partial<typeof ledgerInvoices.$inferInsert> = {};
    if (update.state !== undefined && update.state !== current.state) {
      if (!(INVOICE_STATES as readonly string[]).includes(update.state)) {
        throw new ValidationError(`unknown invoice state ${JSON.stringify(update.state)}`);
      }
      if (!INVOICE_STATE_TRANSITIONS[current.state].includes(update.state)) {
        throw new ConflictError(`invoice ${current.code} cannot go from ${current.state} to ${update.state}`);
      }
      set.state = update.state;
    }
    if (update.paidAmount !== undefined) {
      set.paidAmount = checkAmount(update.paidAmount, 'paidAmount');
    }
    if (update.amount !== undefined) {
      set.amount = checkAmount(update.amount, 'amount');
    }
    if (update.currency !== undefined) {
      set.currency = checkCurrency(update.currency, 'currency');
    }
    if (update.attentionReason !== undefined) {
      set.attentionReason = update.attentionReason === null ? null : bounded(update.attentionReason);
    }
    if (Object.keys(set).length === 0) {
      return current;
    }
    return this.writeInvoice(current.id, { ...set, updatedAt: isoTimestamp(this.clock()) });
  }
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- the prepared-query types are inferred from the queries
function prepareLedgerStatements(db: StagingDb) {
  return {
    invoiceById: db.orm
      .select()
      .from(ledgerInvoices)
      .where(eq(ledgerInvoices.id, sql.placeholder('id')))
      .prepare(),
    invoiceByCharge: db.orm
      .select()
      .from(ledgerInvoices)
      .where(eq(ledgerInvoices.fineractChargeId, sql.placeholder('chargeId')))
      .prepare(),
    paymentBySource: db.orm
      .select()
      .from(paymentsReceived)
      .where(
        and(
          eq(paymentsReceived.source, sql.placeholder('source')),
          eq(paymentsReceived.sourceTxnId, sql.placeholder('sourceTxnId')),
        ),
      )
      .prepare(),
    insertPayment: db.orm
      .insert(paymentsReceived)
      .values({
        source: sql.placeholder('source'),
        sourceTxnId: sql.placeholder('sourceTxnId'),
        invoiceId: sql.placeholder('invoiceId'),
        amount: sql.placeholder('amount'),
        currency: sql.placeholder('currency'),
        payerRef: sql.placeholder('payerRef'),
        reference: sql.placeholder('reference'),
        requestHash: sql.placeholder('requestHash'),
        receivedAt: sql.placeholder('receivedAt'),
        state: sql.placeholder('state'),
        reason: sql.placeholder('reason'),
        createdAt: sql.placeholder('now'),
        updatedAt: sql.placeholder('now'),
      })
      .returning()
      .prepare(),
  };
}
