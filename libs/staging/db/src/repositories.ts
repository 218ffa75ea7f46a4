import { AuditRepository } from './audit-repository';
import { type Clock, systemClock } from './clock';
import { CursorRepository } from './cursor-repository';
import { LedgerRepository } from './ledger-repository';
import { LinkRepository } from './link-repository';
import { OutboxRepository } from './outbox-repository';
import { PayoutRepository } from './payout-repository';
import type { StagingDb } from './staging-db';

/** Every repository of the staging database. */
export interface StagingRepositories {
  readonly links: LinkRepository;
  readonly ledger: LedgerRepository;
  readonly outbox: OutboxRepository;
  readonly cursors: CursorRepository;
  readonly audit: AuditRepository;
  readonly payouts: PayoutRepository;
}

/** Options of {@link createRepositories}. */
export interface RepositoryOptions {
  /** Source of "now" for the timestamps the repositories write (default: the wall clock). */
  readonly clock?: Clock;
}

/**
 * Builds the repositories over one open staging database. Combine calls atomically with
 * {@link StagingDb.transaction}.
 *
 * @param db - an open, migrated staging database
 * @param options - clock
 * @returns the repositories
 */
export function createRepositories(db: StagingDb, options: RepositoryOptions = {}): StagingRepositories {
  const clock = options.clock ?? systemClock;
  return {
    links: new LinkRepository(db, clock),
    ledger: new LedgerRepository(db, clock),
    outbox: new OutboxRepository(db, clock),
    cursors: new CursorRepository(db, clock),
    audit: new AuditRepository(db),
    payouts: new PayoutRepository(db, clock),
  };
}
