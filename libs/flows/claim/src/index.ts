/**
 * The claim payout flow: valuated ClaimResponses and claim-batch bills from openIMIS become payouts to health
 * facilities, recorded once in the payout ledger and paid by a rail (Fineract deposit, or Mojaloop) exactly once;
 * paid bills are reported to openIMIS through the payment flow's outbox.
 */
export * from './context';
export * from './facility';
export * from './intake';
export * from './payout';
export * from './rail';
export * from './rails/fineract';
export * from './sync';
export * from './worker';
