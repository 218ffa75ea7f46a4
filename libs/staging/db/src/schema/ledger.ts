import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Kinds of payable documents openIMIS serves as FHIR `Invoice`. */
export const INVOICE_KINDS = ['invoice', 'bill'] as const;

/** Life cycle of a ledger invoice, from "awaiting payment" to "premium recorded" (see the ledger repository). */
export const INVOICE_STATES = [
  'awaiting_payment',
  'partially_paid',
  'paid',
  'notified',
  'verified',
  'premium_recorded',
  'cancelled',
  'needs_attention',
] as const;

/** Where a received payment was reported from. */
export const PAYMENT_SOURCES = ['fineract-charge', 'fineract-savings', 'mojaloop', 'fhir'] as const;

/** What became of a received payment. */
export const PAYMENT_STATES = ['matched', 'needs_attention', 'ignored'] as const;

// CHECK constraints with IN lists are plain SQL and carry over to PostgreSQL unchanged.
function inList(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}

/**
 * Invoices and bills awaiting payment. Amounts are decimal strings (TEXT): exact, and the same in PostgreSQL
 * (`numeric` or `text`). Dates (`invoiceDate`, `dueDate`) are `YYYY-MM-DD`; timestamps are ISO-8601 UTC.
 */
export const ledgerInvoices = sqliteTable(
  'ledger_invoices',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    openimisInvoiceId: text('openimis_invoice_id').notNull(),
    code: text('code').notNull(),
    kind: text('kind', { enum: INVOICE_KINDS }).notNull(),
    /** FHIR type of `Invoice.recipient`: `Patient`, `Organization` (or the legacy `Group`). */
    recipientType: text('recipient_type').notNull(),
    recipientId: text('recipient_id').notNull(),
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    invoiceDate: text('invoice_date'),
    dueDate: text('due_date'),
    fineractClientId: integer('fineract_client_id'),
    fineractChargeId: integer('fineract_charge_id'),
    /**
     * Idempotency attempt the next client-charge write starts with: 0 before the first write; set to n before
     * attempt n is sent (its outcome may be unknown) and to n + 1 after Fineract refused n. Never goes down, so a
     * rerun after a crash resumes at the key that may have succeeded instead of restarting at 1.
     */
    chargeAttempt: integer('charge_attempt').notNull().default(0),
    paidAmount: text('paid_amount').notNull().default('0'),
    state: text('state', { enum: INVOICE_STATES }).notNull(),
    attentionReason: text('attention_reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('ledger_invoices_openimis_invoice_id_uq').on(t.openimisInvoiceId),
    uniqueIndex('ledger_invoices_code_uq').on(t.code),
    // A Fineract charge pays exactly one invoice (NULLs do not collide, in SQLite and PostgreSQL alike).
    uniqueIndex('ledger_invoices_fineract_charge_uq').on(t.fineractChargeId),
    index('ledger_invoices_state_idx').on(t.state),
    check('ledger_invoices_kind_ck', sql.raw(`"kind" IN (${inList(INVOICE_KINDS)})`)),
    check('ledger_invoices_state_ck', sql.raw(`"state" IN (${inList(INVOICE_STATES)})`)),
  ],
);

/**
 * Every payment we were told about, exactly once per `(source, sourceTxnId)`, matched or not: partial,
 * over- and unmatched payments are kept, never dropped.
 */
export const paymentsReceived = sqliteTable(
  'payments_received',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    source: text('source', { enum: PAYMENT_SOURCES }).notNull(),
    /** The source's own transaction id (Fineract transaction id, Mojaloop transferId, PaymentNotice id). */
    sourceTxnId: text('source_txn_id').notNull(),
    invoiceId: integer('invoice_id').references(() => ledgerInvoices.id),
    amount: text('amount').notNull(),
    currency: text('currency').notNull(),
    /** Payer reference (account or wallet id); never a name. */
    payerRef: text('payer_ref'),
    /** Reference the payer gave (receipt number, invoice code). */
    reference: text('reference'),
    /** SHA-256 of the canonical inbound request: a replay with another body under the same id is a conflict. */
    requestHash: text('request_hash'),
    receivedAt: text('received_at').notNull(),
    state: text('state', { enum: PAYMENT_STATES }).notNull(),
    reason: text('reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('payments_received_source_txn_uq').on(t.source, t.sourceTxnId),
    index('payments_received_invoice_idx').on(t.invoiceId),
    check('payments_received_source_ck', sql.raw(`"source" IN (${inList(PAYMENT_SOURCES)})`)),
    check('payments_received_state_ck', sql.raw(`"state" IN (${inList(PAYMENT_STATES)})`)),
  ],
);
