/**
 * Claim payouts: the rail interface every payout rail implements, and the Mojaloop rail (payer side of the SDK
 * scheme adapter, money withdrawn from the scheme's float in Fineract before the quote is accepted).
 *
 * @see ../README.md
 */
export * from './rail';
export * from './rails/mojaloop';
