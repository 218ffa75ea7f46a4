// openIMIS backend simulator: FHIR R4 (api_fhir_r4), JWT login, PaymentNotice and GraphQL, with a seeded population.
// Names that could clash with the other simulators' exports in the sandbox index carry an OpenImis/OPENIMIS prefix.
export {
  startOpenImisSimulator,
  type OpenImisSimulator,
  type OpenImisSimulatorOptions,
  type DownMode as OpenImisDownMode,
} from './server';
export { type IdentityMode as OpenImisIdentityMode } from './identity-mode';
export {
  VARIANT_HOUSEHOLD as OPENIMIS_VARIANT_HOUSEHOLD,
  loadVariantFixtures as loadOpenImisVariantFixtures,
} from './variants';
export {
  generatePopulation,
  INVOICE_STATUS as OPENIMIS_INVOICE_STATUS,
  POLICY_STATUS as OPENIMIS_POLICY_STATUS,
  type PopulationOptions as OpenImisPopulationOptions,
  type OpenImisPopulation,
  type GeneratedInvoice as OpenImisGeneratedInvoice,
  type GeneratedLineItem as OpenImisGeneratedLineItem,
  type GeneratedPolicy as OpenImisGeneratedPolicy,
  type InvoiceStatusCode as OpenImisInvoiceStatusCode,
} from './population';
export {
  OpenImisStore,
  RESOURCE_TYPES as OPENIMIS_RESOURCE_TYPES,
  type OpenImisResourceType,
  type InvoiceState as OpenImisInvoiceState,
  type StoredPayment as OpenImisStoredPayment,
  type StoredPremium as OpenImisStoredPremium,
  type PolicyState as OpenImisPolicyState,
  type MutationLogEntry as OpenImisMutationLogEntry,
} from './store';
export { PAYMENT_NOTICE_FIXTURE_INVOICE_ID as OPENIMIS_PAYMENT_NOTICE_FIXTURE_INVOICE_ID } from './fixtures';
export {
  type SubscriptionSignals as OpenImisSubscriptionSignals,
  type SubscriptionDelivery as OpenImisSubscriptionDelivery,
} from './subscriptions';
export type { StoreWriteEvent as OpenImisStoreWriteEvent } from './store';
