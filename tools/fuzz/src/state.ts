import type { FineractSimulator, OpenImisSimulator } from '@payment-layer/sandbox';
import type { StagingDb } from '@payment-layer/staging-db';

/**
 * Tables whose rows a rejected request may legitimately add: the audit trail records every answered request,
 * accepted or not (its content is checked for secrets and personal data instead).
 */
export const TABLES_WRITTEN_ON_EVERY_REQUEST: ReadonlySet<string> = new Set(['audit_log']);

/** A comparable picture of everything a request could change. */
export interface StateSnapshot {
  /**
   * Serialised state of the Fineract simulator's first tenant (clients, charges, transactions, idempotency records
   * of commands that ran, …).
   */
  readonly fineract: string;
  /**
   * Idempotency records of commands Fineract refused (state `ERROR`). Fineract keeps one for every rejected
   * command (its command-source table): a request whose data only Fineract can judge (an e-mail address over 100
   * characters) leaves one behind with its 422 — a record of the refusal, not a change of any client or account.
   * Counted apart, not compared.
   */
  readonly fineractRejectedCommands: number;
  /** Serialised openIMIS simulator store (resources, invoices, payments, policies, premiums, mutation logs). */
  readonly openimis: string;
  /** Row count of every staging table (but {@link TABLES_WRITTEN_ON_EVERY_REQUEST}). */
  readonly staging: Readonly<Record<string, number>>;
}

/** What a snapshot reads. */
export interface StateSources {
  readonly fineract: FineractSimulator;
  readonly openimis: OpenImisSimulator;
  /** A second handle on the app's staging file. */
  readonly staging: StagingDb;
}

function serialise(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Map) {
      return { map: [...(v as Map<unknown, unknown>).entries()] };
    }
    if (v instanceof Set) {
      return { set: [...(v as Set<unknown>).values()] };
    }
    return typeof v === 'function' ? undefined : v;
  });
}

/**
 * Takes a snapshot of the simulators and the staging database.
 *
 * @param sources - simulators and staging handle
 * @returns the snapshot
 */
export function snapshotState(sources: StateSources): StateSnapshot {
  const tables = sources.staging.sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    .all() as { name: string }[];
  const staging: Record<string, number> = {};
  for (const { name } of tables) {
    if (!TABLES_WRITTEN_ON_EVERY_REQUEST.has(name)) {
      const row = sources.staging.sqlite.prepare(`select count(*) as n from "${name}"`).get() as {
        n: number;
      };
      staging[name] = row.n;
    }
  }
  const tenant = sources.fineract.state.tenant();
  const refused = [...tenant.idempotency.values()].filter((e) => e.state === 'ERROR');
  return {
    fineract: serialise({
      ...tenant,
      idempotency: [...tenant.idempotency.entries()].filter(([, e]) => e.state !== 'ERROR'),
    }),
    fineractRejectedCommands: refused.length,
    openimis: serialise(sources.openimis.store),
    staging,
  };
}

/**
 * What differs between two snapshots.
 *
 * @param before - taken before the request
 * @param after - taken after it
 * @returns names of the changed parts (`fineract`, `openimis`, `staging.<table>`); empty when nothing changed
 */
export function stateChanges(before: StateSnapshot, after: StateSnapshot): string[] {
  const changed: string[] = [];
  if (before.fineract !== after.fineract) {
    changed.push('fineract');
  }
  if (before.openimis !== after.openimis) {
    changed.push('openimis');
  }
  for (const table of new Set([...Object.keys(before.staging), ...Object.keys(after.staging)])) {
    if (before.staging[table] !== after.staging[table]) {
      changed.push(`staging.${table}`);
    }
  }
  return changed;
}

/**
 * Every row of the audit trail as text (checked for secrets and personal data).
 *
 * @param staging - staging handle
 * @returns JSON lines
 */
export function auditText(staging: StagingDb): string {
  const rows = staging.sqlite.prepare('select * from audit_log').all();
  return rows.map((r) => JSON.stringify(r)).join('\n');
}
