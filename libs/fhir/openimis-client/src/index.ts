/**
 * Client of the openIMIS FHIR R4 API and GraphQL endpoint: JWT login, reads, paged searches, incremental
 * `_lastUpdated` sync, PaymentNotice creation, invoice status and premium mutations.
 */
export {
  OpenImisClient,
  type OpenImisClientOptions,
  type OpenImisResource,
  type SearchPage,
  type SearchParams,
  type SyncSinceOptions,
  type WaitForMutationOptions,
} from './openimis-client';
export { ResourceSync, type SyncCursor, type SyncItem } from './sync';
export {
  INVOICE_STATUS_NAMES,
  OpenImisMutationError,
  OpenImisMutationPendingError,
  type CreatePremiumInput,
  type InvoiceLineStatus,
  type InvoiceStatus,
  type InvoiceStatusName,
  type MutationAccepted,
  type MutationSucceeded,
  type PaymentDetailRecord,
  type PaymentRecord,
} from './graphql';
export {
  LAST_UPDATED_PATTERN,
  formatLastUpdated,
  lastUpdatedParam,
  shiftLastUpdated,
  type LastUpdatedPrefix,
} from './last-updated';
export { decodeBundleLink } from './responses';
