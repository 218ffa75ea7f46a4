/**
 * Mojaloop SDK scheme adapter client (outbound API, payer side) on undici: typed verbs, `MojaloopError` with the
 * SDK's error codes, the `Amount` format, the transfer-state → outcome mapping and the quote check. Types of both
 * SDK APIs (outbound and backend) come from `@mojaloop/api-snippets` (types only).
 *
 * @see ../../../../docs/contracts/payments.md
 */
export * from './amount';
export * from './errors';
export * from './mojaloop-client';
export * from './outcome';
export * from './types';
