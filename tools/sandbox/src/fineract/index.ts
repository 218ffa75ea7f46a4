// Fineract simulator: a strict in-memory stand-in for Apache Fineract's REST API (tests, benchmarks, demo).
export {
  FINERACT_PARAMETER_WHITELISTS,
  FINERACT_REQUIRED_PARAMETERS,
  type FineractOperation,
} from './whitelists';
export {
  FINERACT_API_PATH,
  startFineractSimulator,
  type FineractSimulator,
  type FineractSimulatorOptions,
  type FineractSimulatorState,
} from './simulator';
export {
  FineractFaults,
  type FaultMatcher,
  type FineractFaultOptions,
  type TimeoutAfterCommitOptions,
} from './faults';
export type { HookDelivery } from './hooks';
export type { FineractErrorBody, FineractParameterError } from './errors';
export type {
  FineractSeed,
  SimChargeDefinition,
  SimClient,
  SimClientCharge,
  SimClientTransaction,
  SimCodeValue,
  SimCurrency,
  SimGroup,
  SimHook,
  SimIdempotencyEntry,
  SimOffice,
  SimPaymentDetail,
  SimPaymentType,
  SimSavingsAccount,
  SimSavingsProduct,
  SimSavingsTransaction,
  TenantState,
} from './state';
