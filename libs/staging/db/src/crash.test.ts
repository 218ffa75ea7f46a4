import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, openStagingDb } from './index';

// A process killed in the middle of recordPayment must leave nothing half-written: after reopening the file
// there is no payment, no invoice change and no outbox entry. The child is a real process running the real code.

const CHILD = path.resolve(__dirname, '..', 'test', 'crash-child.ts');
// tsx is resolved from here, not from the child's working directory.
const TSX = pathToFileURL(require.resolve('tsx')).href;
const TSCONFIG = path.resolve(__dirname, '..', '..', '..', '..', 'tsconfig.base.json');

const POINTS = ['after-payment', 'after-invoice-update', 'before-commit', 'none'] as const;

interface Run {
  readonly temp: TempStagingDb;
  readonly invoiceId: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  /** Size of the WAL right after the child died: uncommitted frames it left behind. */
  readonly walBytes: number;
}

function prepare(): { temp: TempStagingDb; invoiceId: number } {
  const temp = createTempStagingDb();
  const invoiceId = createRepositories(temp.db).ledger.upsertInvoice({
    openimisInvoiceId: 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f',
    code: 'IV-1',
    kind: 'invoice',
    recipientType: 'Patient',
    recipientId: '7d4c9a1e-2b3f-4c5d-8e6f-0a1b2c3d4e5f',
    amount: '10000.00',
    currency: 'USD',
  }).invoice.id;
  // The test's own connection is closed while the child writes, as another process's would be.
  temp.db.close();
  return { temp, invoiceId };
}

function runChild(point: string): Promise<Run> {
  const { temp, invoiceId } = prepare();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, temp.path, point, String(invoiceId)], {
      // Any working directory: the migrations folder is resolved from the library, not from cwd.
      cwd: temp.dir,
      env: { ...process.env, TSX_TSCONFIG_PATH: TSCONFIG },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wal = `${temp.path}-wal`;
      const walBytes = fs.existsSync(wal) ? fs.statSync(wal).size : 0;
      resolve({ temp, invoiceId, code, signal, stderr, walBytes });
    });
  });
}

function stateOf(run: Run) {
  const db = openStagingDb({ path: run.temp.path });
  try {
    const repos = createRepositories(db);
    return {
      payments: repos.ledger.listPayments().length,
      invoice: repos.ledger.getInvoiceById(run.invoiceId),
      outbox: repos.outbox.list().length,
      integrity: db.sqlite.pragma('integrity_check', { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe('a crash inside recordPayment', () => {
  const runs = new Map<string, Run>();

  // The children run side by side: each needs a second or two to start tsx.
  beforeAll(async () => {
    const done = await Promise.all(POINTS.map(runChild));
    done.forEach((run, i) => runs.set(POINTS[i]!, run));
  }, 60_000);
  afterAll(() => {
    runs.forEach((run) => {
      run.temp.cleanup();
    });
  });

  it.each(['after-payment', 'after-invoice-update', 'before-commit'])(
    'killed %s: nothing is written',
    (point) => {
      const run = runs.get(point)!;
      expect(run.stderr).toBe('');
      expect(run.signal).toBe('SIGKILL');
      const after = stateOf(run);
      expect(after).toMatchObject({ payments: 0, outbox: 0, integrity: 'ok' });
      expect(after.invoice).toMatchObject({ paidAmount: '0', state: 'awaiting_payment' });
    },
  );

  it('killed before commit, the uncommitted pages were already in the WAL and recovery discarded them', () => {
    expect(runs.get('before-commit')!.walBytes).toBeGreaterThan(0);
  });

  it('control: the same child without a crash commits all three writes', () => {
    const run = runs.get('none')!;
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const after = stateOf(run);
    expect(after).toMatchObject({ payments: 1, outbox: 1, integrity: 'ok' });
    expect(after.invoice).toMatchObject({ paidAmount: '10000.00', state: 'paid' });
  });
});
