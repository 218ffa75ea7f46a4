// Mojaloop SDK scheme adapter simulator: the outbound API with the switch and payee FSPs behind it, and a fake
// payer FSP that drives a payee's backend API.
export {
  isMojaloopAmount,
  startMojaloopSimulator,
  type MojaloopSimulator,
  type MojaloopSimulatorOptions,
  type SimSdkState,
  type SimTransfer,
  type SimWallet,
  type SimWalletState,
} from './simulator';
export { MojaloopFaults, type CommitTimeoutOptions, type MojaloopStage } from './faults';
export {
  BackendContractError,
  FakePayerFsp,
  type BackendExchange,
  type FakePayerFspOptions,
  type PayeeId,
  type PayOptions,
  type PayResult,
} from './payer-fsp';
export { sdkSchemas, type SchemaCheck, type SdkSchemas } from './schemas';
