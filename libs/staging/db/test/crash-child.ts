// Child process of crash.test.ts: opens the staging file, starts the payment write and dies with SIGKILL inside
// the transaction at the point named on the command line ("none" commits normally, as the control case).
import { createRepositories, openStagingDb } from '../src/index';

const [dbPath, point, invoiceId] = process.argv.slice(2);
if (dbPath === undefined || point === undefined || invoiceId === undefined) {
  throw new Error('usage: crash-child <db> <point> <invoiceId>');
}

const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const db = openStagingDb({ path: dbPath });
// A one-page cache makes SQLite spill the uncommitted pages into the WAL before the kill, so recovery has real
// uncommitted frames to discard rather than nothing on disk at all.
db.sqlite.pragma('cache_size = 1');
db.migrate();
const { ledger } = createRepositories(db);

db.transaction(() => {
  ledger.recordPayment({
    payment: {
      source: 'mojaloop',
      sourceTxnId: 'transfer-1',
      invoiceId: Number(invoiceId),
      amount: '10000.00',
      currency: 'USD',
      receivedAt: new Date('2026-05-17T10:58:46.000Z'),
      state: 'matched',
    },
    invoiceUpdate: () => (point === 'after-payment' ? die() : { paidAmount: '10000.00', state: 'paid' }),
    outbox: () => {
      if (point === 'after-invoice-update') {
        die();
      }
      return [
        {
          kind: 'openimis.paymentNotice',
          idempotencyKey: 'payment-notice:1',
          payload: { pad: 'x'.repeat(20_000) },
        },
      ];
    },
  });
  if (point === 'before-commit') {
    die();
  }
});
db.close();
