/**
 * Apache Fineract / Mifos X client: typed verbs over undici with HTTP Basic + tenant, `Idempotency-Key` on every
 * write and the retry rules of fineract.md §8, batches, `FineractError`, and the web-hook delivery parser.
 *
 * @see ../../../../docs/contracts/fineract.md
 */
export * from './amount';
export * from './batch';
export * from './dates';
export * from './errors';
export * from './fineract-client';
export * from './hooks';
export * from './idempotency';
export * from './types';
