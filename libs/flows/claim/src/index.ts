/**
 * The claim payout flow: valuated ClaimResponses and claim-batch bills from openIMIS become payouts to health
 * facilities, recorded once in the payout ledger and paid by a rail exactly once — a Fineract deposit, or a Mojaloop
 * transfer (payer side of the SDK scheme adapter, money withdrawn from the scheme's float in Fineract before the
 * quote is accepted); paid bills are reported to openIMIS through the payment flow's outbox.
 *
 * @see ../README.md
 */
export * from './context';
export * from './facility';
export * from './intake';
export * from './payout';
export * from './rail';
export * from './rails/fineract';
export * from './rails/mojaloop';
export * from './sync';
export * from './worker';
