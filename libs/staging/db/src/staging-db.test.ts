import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '@payment-layer/shared-errors';
import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, openStagingDb, STAGING_MIGRATIONS_FOLDER, type StagingDb } from './index';

const TABLES = [
  'audit_log',
  'entity_links',
  'ledger_invoices',
  'outbox',
  'payments_received',
  'payouts',
  'sync_cursors',
  'sync_window_keys',
];

function tableNames(db: StagingDb): string[] {
  return (
    db.sqlite
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

describe('openStagingDb and migrate()', () => {
  let dir: string;
  const opened: StagingDb[] = [];
  const open = (file: string, busyTimeoutMs?: number): StagingDb => {
    const db = openStagingDb({ path: path.join(dir, file), busyTimeoutMs });
    opened.push(db);
    return db;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staging-db-test-'));
  });
  afterEach(() => {
    opened.splice(0).forEach((db) => {
      db.close();
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates every table on a fresh file with the committed migrations', () => {
    const db = open('a.db');
    expect(tableNames(db)).toEqual([]);
    const result = db.migrate();
    expect(result.applied).toEqual([
      '0000_init',
      '0001_sync_walk_started_at',
      '0002_sync_window_keys',
      '0003_charge_attempt',
      '0004_payouts',
    ]);
    expect(tableNames(db)).toEqual(['__drizzle_migrations', ...TABLES]);
    const recorded = db.sqlite
      .prepare('SELECT hash, created_at AS createdAt FROM __drizzle_migrations')
      .all();
    expect(recorded).toHaveLength(5);
  });

  it('is a no-op the second time, also from another connection', () => {
    const db = open('a.db');
    db.migrate();
    expect(db.migrate().applied).toEqual([]);
    db.close();
    const again = open('a.db');
    expect(again.migrate().applied).toEqual([]);
    expect(again.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get()).toEqual({ n: 5 });
  });

  it('sets WAL, busy_timeout, foreign_keys and synchronous=NORMAL on every connection', () => {
    const db = open('a.db', 1234);
    db.migrate();
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('opens with synchronous=FULL when asked', () => {
    const db = openStagingDb({ path: path.join(dir, 'full.db'), synchronous: 'FULL' });
    opened.push(db);
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('enforces foreign keys after migrating', () => {
    const db = open('a.db');
    db.migrate();
    expect(() =>
      db.sqlite
        .prepare(
          `INSERT INTO payments_received (source, source_txn_id, invoice_id, amount, currency, received_at, state, created_at, updated_at)
           VALUES ('fhir', 't1', 999, '1', 'USD', 'x', 'matched', 'x', 'x')`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('enforces the state CHECK constraints in SQL', () => {
    const db = open('a.db');
    db.migrate();
    expect(() =>
      db.sqlite
        .prepare(
          `INSERT INTO outbox (kind, idempotency_key, payload, state, next_attempt_at, created_at, updated_at)
           VALUES ('k', 'key', '{}', 'bogus', 'x', 'x', 'x')`,
        )
        .run(),
    ).toThrow(/CHECK/);
  });

  it('refuses :memory: and unusable paths with a ConfigError', () => {
    expect(() => openStagingDb({ path: ':memory:' })).toThrow(ConfigError);
    expect(() => openStagingDb({ path: '' })).toThrow(ConfigError);
    expect(() => openStagingDb({ path: path.join(dir, 'missing-folder', 'a.db') })).toThrow(ConfigError);
  });

  it('refuses a migration that was edited after it was applied', () => {
    const folder = path.join(dir, 'migrations');
    fs.cpSync(STAGING_MIGRATIONS_FOLDER, folder, { recursive: true });
    const first = openStagingDb({ path: path.join(dir, 'b.db'), migrationsFolder: folder });
    opened.push(first);
    first.migrate();
    fs.appendFileSync(path.join(folder, '0000_init.sql'), '\n-- edited\n');
    expect(() => first.migrate()).toThrow(/0000_init was changed/);
  });

  it('moves the window keys of a database migrated by an older build into sync_window_keys', () => {
    // The build before 0002: its migrations only.
    const folder = path.join(dir, 'old-migrations');
    fs.cpSync(STAGING_MIGRATIONS_FOLDER, folder, { recursive: true });
    fs.rmSync(path.join(folder, '0002_sync_window_keys.sql'));
    fs.rmSync(path.join(folder, '0003_charge_attempt.sql'));
    const journalPath = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(fs.readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0002');
    fs.writeFileSync(journalPath, JSON.stringify(journal));
    const old = openStagingDb({ path: path.join(dir, 'old.db'), migrationsFolder: folder });
    opened.push(old);
    old.migrate();
    old.sqlite
      .prepare(
        "INSERT INTO sync_cursors (resource_type, cursor_value, seen_ids, walk_started_at, updated_at) VALUES ('Patient', NULL, ?, '2026-05-17T10:00:00', '2026-05-17T10:00:00.000Z')",
      )
      .run(JSON.stringify(['p1@2026-05-17T09:00:00', 'p2']));
    old.close();

    const db = open('old.db');
    expect(db.migrate().applied).toEqual(['0002_sync_window_keys', '0003_charge_attempt', '0004_payouts']);
    expect(db.sqlite.prepare('SELECT key FROM sync_window_keys ORDER BY key').pluck().all()).toEqual([
      'p1@2026-05-17T09:00:00',
      'p2',
    ]);
    const cursor = createRepositories(db).cursors.getCursor('Patient');
    expect(cursor?.seenIds.sort()).toEqual(['p1@2026-05-17T09:00:00', 'p2']);
    expect(
      db.sqlite.prepare("SELECT seen_ids FROM sync_cursors WHERE resource_type = 'Patient'").pluck().get(),
    ).toBe('[]');
  });

  it('refuses a database migrated by a newer build', () => {
    const db = open('a.db');
    db.migrate();
    db.sqlite
      .prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)')
      .run('future', 99999999999999);
    expect(() => db.migrate()).toThrow(/newer than this build/);
  });

  it('fails with a ConfigError when the migrations folder is missing', () => {
    const db = openStagingDb({ path: path.join(dir, 'c.db'), migrationsFolder: path.join(dir, 'nowhere') });
    opened.push(db);
    expect(() => db.migrate()).toThrow(ConfigError);
  });

  it('close() is idempotent', () => {
    const db = open('a.db');
    db.close();
    expect(db.isOpen).toBe(false);
    expect(() => {
      db.close();
    }).not.toThrow();
  });
});

describe('two connections to one file (WAL)', () => {
  let temp: TempStagingDb;
  let other: StagingDb;

  beforeEach(() => {
    temp = createTempStagingDb();
    other = openStagingDb({ path: temp.path });
  });
  afterEach(() => {
    other.close();
    temp.cleanup();
  });

  it("see each other's committed writes, and not uncommitted ones", () => {
    const a = createRepositories(temp.db);
    const b = createRepositories(other);
    a.outbox.enqueue({ kind: 'k', idempotencyKey: 'one', payload: { n: 1 } });
    expect(b.outbox.getByKey('one')?.payload).toEqual({ n: 1 });

    b.cursors.advanceCursor('Patient', '2026-01-01T00:00:00', ['x']);
    expect(a.cursors.getCursor('Patient')?.cursorValue).toBe('2026-01-01T00:00:00');

    // A reader keeps going while the other connection holds an open write transaction.
    temp.db.sqlite.exec('BEGIN IMMEDIATE');
    a.outbox.enqueue({ kind: 'k', idempotencyKey: 'two', payload: {} });
    expect(b.outbox.getByKey('two')).toBeUndefined();
    temp.db.sqlite.exec('COMMIT');
    expect(b.outbox.getByKey('two')).toBeDefined();
  });

  it('a second writer waits for busy_timeout and then fails cleanly instead of corrupting anything', () => {
    const impatient = openStagingDb({ path: temp.path, busyTimeoutMs: 0 });
    try {
      temp.db.sqlite.exec('BEGIN IMMEDIATE');
      expect(() =>
        createRepositories(impatient).outbox.enqueue({ kind: 'k', idempotencyKey: 'blocked', payload: {} }),
      ).toThrow(/busy|locked/i);
      temp.db.sqlite.exec('COMMIT');
      expect(createRepositories(impatient).outbox.getByKey('blocked')).toBeUndefined();
    } finally {
      impatient.close();
    }
  });
});

describe('createTempStagingDb', () => {
  it('gives a migrated file in its own folder and removes it on cleanup', () => {
    const temp = createTempStagingDb();
    expect(fs.existsSync(temp.path)).toBe(true);
    expect(path.dirname(temp.path)).toBe(temp.dir);
    expect(tableNames(temp.db)).toEqual(expect.arrayContaining(TABLES));
    temp.cleanup();
    expect(fs.existsSync(temp.dir)).toBe(false);
    expect(() => {
      temp.cleanup();
    }).not.toThrow();
  });
});

describe('StagingDb.transaction', () => {
  let temp: TempStagingDb;
  beforeEach(() => {
    temp = createTempStagingDb();
  });
  afterEach(() => {
    temp.cleanup();
  });

  it('rolls back every repository call inside it when one fails', () => {
    const repos = createRepositories(temp.db);
    expect(() =>
      temp.db.transaction(() => {
        repos.outbox.enqueue({ kind: 'k', idempotencyKey: 'a', payload: {} });
        repos.links.upsertLink({
          openimisType: 'Patient',
          openimisId: '0b0e1d3a-6a0c-4f4e-9f59-111111111111',
          fineractType: 'client',
          fineractId: 1,
        });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(repos.outbox.getByKey('a')).toBeUndefined();
    expect(repos.links.findByFineract('client', 1)).toBeUndefined();
  });

  it('refuses an async function (it would commit before the awaits)', () => {
    expect(() => temp.db.transaction(() => Promise.resolve(1))).toThrow(/promise/i);
  });
});
