import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStagingDb, type StagingDb } from './staging-db';

/** A migrated staging database in a fresh temporary folder. */
export interface TempStagingDb {
  readonly db: StagingDb;
  /** The temporary folder. */
  readonly dir: string;
  /** The database file. */
  readonly path: string;
  /** Closes the database and removes the folder (idempotent). */
  cleanup(): void;
}

/**
 * Creates a real SQLite file in `fs.mkdtempSync(os.tmpdir())`, opened and migrated by the real migrator.
 *
 * @param options - `busyTimeoutMs` for the connection
 * @returns the database, its folder and path, and `cleanup()`
 */
export function createTempStagingDb(options: { readonly busyTimeoutMs?: number } = {}): TempStagingDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staging-db-'));
  const file = path.join(dir, 'staging.db');
  const db = openStagingDb({ path: file, ...options });
  try {
    db.migrate();
  } catch (err) {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    db,
    dir,
    path: file,
    cleanup: () => {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
