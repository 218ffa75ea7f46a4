// openIMIS backend simulator: FHIR R4 (api_fhir_r4), JWT login, PaymentNotice and GraphQL, with a seeded population.
export {
  startOpenImisSimulator,
  type OpenImisSimulator,
  type OpenImisSimulatorOptions,
  type DownMode,
} from './server';
export {
  generatePopulation,
  INVOICE_STATUS,
  POLICY_STATUS,
  type PopulationOptions,
  type OpenImisPopulation,
  type GeneratedInvoice,
  type GeneratedLineItem,
  type GeneratedPolicy,
  type InvoiceStatusCode,
} from './population';
export {
  OpenImisStore,
  RESOURCE_TYPES,
  type OpenImisResourceType,
  type InvoiceState,
  type StoredPayment,
  type StoredPremium,
  type PolicyState,
  type MutationLogEntry,
} from './store';
export { createRandom, uuidFromName, type SeededRandom } from './random';
export { quotePlus } from './search';
export { PAYMENT_NOTICE_FIXTURE_INVOICE_ID, findFixturesDir } from './fixtures';
