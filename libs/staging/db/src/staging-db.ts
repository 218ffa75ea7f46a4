import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { ConfigError } from '@payment-layer/shared-errors';
import * as schema from './schema/index';

/** The drizzle database type of the staging schema. */
export type StagingOrm = BetterSQLite3Database<typeof schema>;

/**
 * Folder holding the committed drizzle-kit migrations. Resolved from this file, so it is right under jest, tsx
 * and from any working directory; a bundled build must copy `libs/staging/db/drizzle/` and pass
 * {@link OpenStagingDbOptions.migrationsFolder}.
 */
export const STAGING_MIGRATIONS_FOLDER = path.resolve(__dirname, '..', 'drizzle');

/** drizzle's own bookkeeping table: kept, so `drizzle-kit migrate` and this runner agree on what is applied. */
const MIGRATIONS_TABLE = '__drizzle_migrations';

/** Options of {@link openStagingDb}. */
export interface OpenStagingDbOptions {
  /** Path of the SQLite file (created when missing; its folder must exist). `:memory:` is refused. */
  readonly path: string;
  /** How long a writer waits for another connection's lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * `NORMAL` (default) is safe from corruption in WAL mode and loses nothing on a process crash; `FULL` also keeps
   * the last commits through a power loss, at the cost of an fsync per commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Where the migrations are (default {@link STAGING_MIGRATIONS_FOLDER}). */
  readonly migrationsFolder?: string;
}

/** What {@link StagingDb.migrate} did. */
export interface MigrationResult {
  /** Tags of the migrations applied by this call (e.g. `0000_init`); empty when already up to date. */
  readonly applied: readonly string[];
}

interface JournalEntry {
  readonly tag: string;
  readonly when: number;
}

/**
 * An open staging database: one better-sqlite3 connection in WAL mode with foreign keys on. Several processes
 * (or connections) may open the same file; writers are serialised by SQLite and wait up to `busyTimeoutMs`.
 */
export class StagingDb {
  /** Path of the database file. */
  readonly path: string;
  /** The raw connection (pragmas, backups). Prefer the repositories. */
  readonly sqlite: Database.Database;
  /** The typed drizzle handle used by the repositories. */
  readonly orm: StagingOrm;
  private readonly migrationsFolder: string;

  /** @internal use {@link openStagingDb} */
  constructor(sqlite: Database.Database, filePath: string, migrationsFolder: string) {
    this.sqlite = sqlite;
    this.path = filePath;
    this.migrationsFolder = migrationsFolder;
    this.orm = drizzle({ client: sqlite, schema });
  }

  /** Whether the connection is still open. */
  get isOpen(): boolean {
    return this.sqlite.open;
  }

  /**
   * Applies the committed migrations that this file does not have yet, all in one `BEGIN IMMEDIATE`
   * transaction, so two processes starting together never apply one twice. Running it again is a no-op.
   *
   * Foreign keys are switched off for the duration (SQLite ignores that pragma inside a transaction, and
   * drizzle-kit's table rebuilds need it) and checked with `foreign_key_check` before the commit.
   *
   * @returns the tags of the migrations applied
   * @throws ConfigError when an applied migration was edited afterwards, or the file is newer than this build
   */
  migrate(): MigrationResult {
    const journal = this.readJournal();
    const migrations = readMigrationFiles({ migrationsFolder: this.migrationsFolder });
    // Same DDL as drizzle's migrator, so either tool can take over.
    this.sqlite.exec(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
    );
    const applied: string[] = [];
    this.sqlite.pragma('foreign_keys = OFF');
    try {
      this.sqlite
        .transaction(() => {
          const done = this.sqlite
            .prepare(`SELECT hash, created_at AS createdAt FROM "${MIGRATIONS_TABLE}" ORDER BY created_at`)
            .all() as { hash: string; createdAt: number | string }[];
          const known = new Map(
            migrations.map((m, i) => [m.folderMillis, { m, tag: journal[i]?.tag ?? '' }]),
          );
          const lastKnown = migrations.at(-1)?.folderMillis ?? 0;
          let last = 0;
          for (const row of done) {
            const when = Number(row.createdAt);
            const entry = known.get(when);
            if (when > lastKnown) {
              throw new ConfigError(
                `staging database ${this.path} has migrations newer than this build; upgrade the mediator`,
              );
            }
            if (entry !== undefined && entry.m.hash !== row.hash) {
              throw new ConfigError(`staging migration ${entry.tag} was changed after it was applied`);
            }
            last = Math.max(last, when);
          }
          const insert = this.sqlite.prepare(
            `INSERT INTO "${MIGRATIONS_TABLE}" ("hash", "created_at") VALUES (?, ?)`,
          );
          migrations.forEach((migration, i) => {
            if (migration.folderMillis <= last) {
              return;
            }
            for (const statement of migration.sql) {
              if (statement.trim() !== '') {
                this.sqlite.exec(statement);
              }
            }
            insert.run(migration.hash, migration.folderMillis);
            applied.push(journal[i]?.tag ?? String(migration.folderMillis));
          });
          const broken = this.sqlite.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) {
            throw new ConfigError(`staging migration left ${broken.length} broken foreign key(s)`);
          }
        })
        .immediate();
    } finally {
      this.sqlite.pragma('foreign_keys = ON');
    }
    return { applied };
  }

  /**
   * Runs `fn` in one write transaction (`BEGIN IMMEDIATE`: the write lock is taken up front, so a concurrent
   * writer waits instead of failing half-way). Repository calls inside join it (as savepoints). `fn` must be
   * synchronous; a thrown error rolls everything back.
   *
   * @param fn - the work
   * @returns what `fn` returned
   */
  transaction<T>(fn: () => T): T {
    return this.sqlite.transaction(fn).immediate();
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.sqlite.open) {
      this.sqlite.close();
    }
  }

  private readJournal(): JournalEntry[] {
    const file = path.join(this.migrationsFolder, 'meta', '_journal.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`staging migrations not found at ${this.migrationsFolder}`, { cause: err });
    }
    const journal = JSON.parse(text) as { entries: JournalEntry[] };
    return journal.entries;
  }
}

/**
 * Opens (creating when missing) the staging database and sets the pragmas every connection needs:
 * `journal_mode=WAL` (readers never block the writer), `busy_timeout`, `foreign_keys=ON` and
 * `synchronous=NORMAL` (WAL keeps the file consistent after any crash; see {@link OpenStagingDbOptions.synchronous}).
 * Call {@link StagingDb.migrate} once at boot.
 *
 * @param options - file path and tuning
 * @returns the open database
 * @throws ConfigError when the path is unusable or the file system does not support WAL
 */
export function openStagingDb(options: OpenStagingDbOptions): StagingDb {
  const filePath = options.path;
  if (filePath === '' || filePath === ':memory:' || filePath.startsWith('file::memory:')) {
    throw new ConfigError('the staging database needs a file path (WAL does not work in memory)');
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new ConfigError('busyTimeoutMs must be a non-negative integer');
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(filePath, { timeout: busyTimeoutMs });
  } catch (err) {
    throw new ConfigError(`cannot open the staging database at ${filePath}`, { cause: err });
  }
  try {
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const mode = sqlite.pragma('journal_mode = WAL', { simple: true }) as string;
    if (mode.toLowerCase() !== 'wal') {
      throw new ConfigError(`the staging database at ${filePath} cannot use WAL (journal_mode=${mode})`);
    }
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  } catch (err) {
    sqlite.close();
    throw err instanceof ConfigError
      ? err
      : new ConfigError(`cannot configure the staging database at ${filePath}`, { cause: err });
  }
  return new StagingDb(sqlite, filePath, options.migrationsFolder ?? STAGING_MIGRATIONS_FOLDER);
}
