/**
 * The contribution payment flow: Fineract hook deliveries, Mojaloop transfers (SDK backend API) and FHIR
 * PaymentNotices in, recorded exactly once in the staging ledger; PaymentNotice, verification and premium out to
 * openIMIS through the outbox; the ledger as FHIR PaymentReconciliation; and the reconciliation run.
 */
export * from './catch-up';
export * from './context';
export * from './hook';
export * from './invoice-code';
export * from './mojaloop-payee';
export * from './payment-notice-in';
export * from './reconcile';
export * from './reconciliation';
export * from './record';
export * from './steps';
