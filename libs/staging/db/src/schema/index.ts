// The whole staging schema, as drizzle-kit reads it (drizzle.config.ts) and as the ORM is typed with.
export * from './links';
export * from './ledger';
export * from './outbox';
export * from './cursors';
export * from './audit';
export * from './payouts';
