import fs from 'node:fs';
import path from 'node:path';
import {
  generateSQLiteDrizzleJson,
  generateSQLiteMigration,
  type DrizzleSQLiteSnapshotJSON,
} from 'drizzle-kit/api';
import { STAGING_MIGRATIONS_FOLDER } from './staging-db';
import * as schema from './schema/index';

// The committed migrations must describe exactly the TypeScript schema: an edit to src/schema without
// `drizzle-kit generate` (or a hand-edited snapshot) fails here, before it can reach a database.

interface Journal {
  entries: { idx: number; tag: string; when: number }[];
}

function readJson(...parts: string[]): unknown {
  return JSON.parse(fs.readFileSync(path.join(STAGING_MIGRATIONS_FOLDER, ...parts), 'utf8'));
}

describe('committed migrations', () => {
  const journal = readJson('meta', '_journal.json') as Journal;
  const latest = journal.entries.at(-1)!;
  const snapshot = readJson('meta', `${latest.tag.slice(0, 4)}_snapshot.json`) as DrizzleSQLiteSnapshotJSON;

  it('has one SQL file and one snapshot per journal entry, in order', () => {
    journal.entries.forEach((entry, i) => {
      expect(entry.idx).toBe(i);
      expect(fs.existsSync(path.join(STAGING_MIGRATIONS_FOLDER, `${entry.tag}.sql`))).toBe(true);
      expect(
        fs.existsSync(path.join(STAGING_MIGRATIONS_FOLDER, 'meta', `${entry.tag.slice(0, 4)}_snapshot.json`)),
      ).toBe(true);
      if (i > 0) {
        expect(entry.when).toBeGreaterThan(journal.entries[i - 1]!.when);
      }
    });
  });

  it('match the schema: generating a migration from the latest snapshot yields nothing', async () => {
    const current = await generateSQLiteDrizzleJson(schema);
    const statements = await generateSQLiteMigration(snapshot, current);
    expect(statements).toEqual([]);
  });

  it('would notice a schema change (the check can fail)', async () => {
    const current = await generateSQLiteDrizzleJson(schema);
    const { entity_links: links, ...others } = current.tables;
    const edited = {
      ...current,
      tables: {
        ...others,
        entity_links: {
          ...links!,
          columns: {
            ...links!.columns,
            extra: { name: 'extra', type: 'text', primaryKey: false, notNull: false, autoincrement: false },
          },
        },
      },
    } as DrizzleSQLiteSnapshotJSON;
    const statements = await generateSQLiteMigration(snapshot, edited);
    expect(statements.join('\n')).toMatch(/ALTER TABLE `entity_links` ADD `extra` text/);
  });

  it('lists the same tables and columns as the schema objects', () => {
    const tables = Object.values(
      snapshot.tables as Record<string, { name: string; columns: Record<string, unknown> }>,
    )
      .map((t) => `${t.name}(${Object.keys(t.columns).sort().join(',')})`)
      .sort();
    expect(tables).toEqual([
      'audit_log(duration_ms,finished_at,http_status,id,mediator,outcome,resource_id,resource_type,started_at,transaction_id)',
      'entity_links(created_at,fineract_id,fineract_type,id,mapped_hash,openimis_id,openimis_type,updated_at)',
      'ledger_invoices(amount,attention_reason,charge_attempt,code,created_at,currency,due_date,fineract_charge_id,fineract_client_id,id,invoice_date,kind,openimis_invoice_id,paid_amount,recipient_id,recipient_type,state,updated_at)',
      'outbox(aggregate_ref,attempts,completed_at,created_at,id,idempotency_key,kind,last_error,lease_expires_at,next_attempt_at,payload,result,state,updated_at)',
      'payments_received(amount,created_at,currency,id,invoice_id,payer_ref,reason,received_at,reference,request_hash,source,source_txn_id,state,updated_at)',
      'payouts(amount,attempts,code,created_at,currency,facility_code,facility_id,id,kind,last_error,lease_expires_at,next_attempt_at,paid_at,payout_key,rail,rail_progress,reference,source_id,state,updated_at)',
      'sync_cursors(cursor_value,last_run_error,last_run_finished_at,last_run_outcome,last_run_processed,last_run_started_at,resource_type,seen_ids,updated_at,walk_started_at)',
      'sync_window_keys(key,resource_type)',
    ]);
  });
});
