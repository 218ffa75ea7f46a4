// Public API of the staging store: open and migrate the SQLite file, then work through the repositories.
export {
  openStagingDb,
  StagingDb,
  STAGING_MIGRATIONS_FOLDER,
  type MigrationResult,
  type OpenStagingDbOptions,
  type StagingOrm,
} from './staging-db';
export { createRepositories, type RepositoryOptions, type StagingRepositories } from './repositories';
export { type Clock, systemClock } from './clock';
export {
  LinkRepository,
  type EntityLink,
  type FineractEntityType,
  type LinkInput,
  type OpenimisResourceType,
  type UpsertLinkResult,
} from './link-repository';
export {
  INVOICE_STATE_TRANSITIONS,
  LedgerRepository,
  type InvoiceChange,
  type InvoiceFilter,
  type InvoiceInput,
  type InvoiceKind,
  type InvoiceState,
  type InvoiceUpdate,
  type LedgerInvoice,
  type NewPayment,
  type PaymentFilter,
  type PaymentSource,
  type PaymentState,
  type ReceivedPayment,
  type RecordPaymentInput,
  type RecordPaymentResult,
  type UpsertInvoiceResult,
} from './ledger-repository';
export {
  OutboxRepository,
  type ClaimOptions,
  type ClaimToken,
  type EnqueueResult,
  type NewOutboxEntry,
  type OutboxEntry,
  type OutboxFilter,
  type OutboxState,
} from './outbox-repository';
export {
  CursorRepository,
  type AdvanceCursorResult,
  type SyncCursor,
  type SyncRunInput,
  type SyncRunOutcome,
} from './cursor-repository';
export {
  AuditRepository,
  type AuditEntry,
  type AuditFilter,
  type AuditInput,
  type AuditOutcome,
} from './audit-repository';
export {
  parseRailProgress,
  PayoutLeaseLostError,
  PayoutRepository,
  type NewPayout,
  type Payout,
  type PayoutClaimOptions,
  type PayoutFilter,
  type PayoutKind,
  type PayoutLease,
  type PayoutRailName,
  type PayoutState,
  type RecordPayoutResult,
} from './payout-repository';
export { nextAttemptDelayMs, type BackoffOptions } from './backoff';
export {
  AUDIT_OUTCOMES,
  INVOICE_KINDS,
  INVOICE_STATES,
  OUTBOX_STATES,
  PAYMENT_SOURCES,
  PAYMENT_STATES,
  PAYOUT_KINDS,
  PAYOUT_RAILS,
  PAYOUT_STATES,
} from './schema/index';
