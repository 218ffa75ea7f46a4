import { Decimal } from 'decimal.js';
import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { createTempStagingDb, type TempStagingDb } from './testing';
import {
  createRepositories,
  INVOICE_STATE_TRANSITIONS,
  type InvoiceInput,
  type LedgerInvoice,
  type NewPayment,
  type StagingRepositories,
} from './index';

const INVOICE_UUID = 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f';
const HEAD_UUID = '7d4c9a1e-2b3f-4c5d-8e6f-0a1b2c3d4e5f';

function invoiceInput(overrides: Partial<InvoiceInput> = {}): InvoiceInput {
  return {
    openimisInvoiceId: INVOICE_UUID,
    code: 'IV-PROD1-070707070-2026-05',
    kind: 'invoice',
    recipientType: 'Patient',
    recipientId: HEAD_UUID,
    amount: '10000.00',
    currency: 'USD',
    invoiceDate: '2026-05-01',
    dueDate: '2026-05-31',
    ...overrides,
  };
}

function payment(overrides: Partial<NewPayment> = {}): NewPayment {
  return {
    source: 'fineract-charge',
    sourceTxnId: 'txn-1',
    amount: '4000.00',
    currency: 'USD',
    reference: 'IV-PROD1-070707070-2026-05',
    receivedAt: new Date('2026-05-17T10:58:46.000Z'),
    state: 'matched',
    ...overrides,
  };
}

/** The payment flow's invoice update: accumulate, and call it paid only on the exact total. */
function accumulate(invoice: LedgerInvoice, p: { amount: string }) {
  const paid = new Decimal(invoice.paidAmount).plus(p.amount);
  const cmp = paid.comparedTo(invoice.amount);
  return cmp === 0
    ? { paidAmount: paid.toFixed(2), state: 'paid' as const }
    : cmp < 0
      ? { paidAmount: paid.toFixed(2), state: 'partially_paid' as const }
      : { paidAmount: paid.toFixed(2), state: 'needs_attention' as const, attentionReason: 'over-payment' };
}

function count(temp: TempStagingDb, table: string): number {
  return (temp.db.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('LedgerRepository', () => {
  let temp: TempStagingDb;
  let repos: StagingRepositories;
  let now: Date;

  beforeEach(() => {
    temp = createTempStagingDb();
    now = new Date('2026-05-10T08:00:00.000Z');
    repos = createRepositories(temp.db, { clock: () => now });
  });
  afterEach(() => {
    temp.cleanup();
  });

  describe('upsertInvoice', () => {
    it('inserts a new invoice awaiting payment, amount kept as a string', () => {
      const result = repos.ledger.upsertInvoice(invoiceInput());
      expect(result.status).toBe('new');
      expect(result.invoice).toMatchObject({
        openimisInvoiceId: INVOICE_UUID,
        amount: '10000.00',
        paidAmount: '0',
        state: 'awaiting_payment',
        createdAt: '2026-05-10T08:00:00.000Z',
      });
      expect(typeof result.invoice.amount).toBe('string');
    });

    it('reports unchanged for the same invoice, also when the amount is written differently', () => {
      repos.ledger.upsertInvoice(invoiceInput());
      const again = repos.ledger.upsertInvoice(
        invoiceInput({ amount: '10000', openimisInvoiceId: INVOICE_UUID.toUpperCase() }),
      );
      expect(again.status).toBe('unchanged');
      expect(again.invoice.amount).toBe('10000.00');
      expect(count(temp, 'ledger_invoices')).toBe(1);
    });

    it('updates dates and fills in missing Fineract ids without flagging', () => {
      repos.ledger.upsertInvoice(invoiceInput());
      const result = repos.ledger.upsertInvoice(
        invoiceInput({ dueDate: '2026-06-30', fineractClientId: 5, fineractChargeId: 77 }),
      );
      expect(result.status).toBe('changed');
      if (result.status !== 'changed') {
        throw new Error('unreachable');
      }
      expect(result.flagged).toBe(false);
      expect(result.invoice).toMatchObject({
        dueDate: '2026-06-30',
        fineractClientId: 5,
        fineractChargeId: 77,
        state: 'awaiting_payment',
      });
    });

    it('flags an amount or currency change and never overwrites the stored amount', () => {
      repos.ledger.upsertInvoice(invoiceInput());
      const result = repos.ledger.upsertInvoice(invoiceInput({ amount: '12000.00', currency: 'EUR' }));
      expect(result.status).toBe('changed');
      if (result.status !== 'changed') {
        throw new Error('unreachable');
      }
      expect(result.flagged).toBe(true);
      expect(result.changes).toEqual([
        { field: 'amount', stored: '10000.00', incoming: '12000.00', applied: false },
        { field: 'currency', stored: 'USD', incoming: 'EUR', applied: false },
      ]);
      const stored = repos.ledger.getInvoiceByOpenimisId(INVOICE_UUID)!;
      expect(stored).toMatchObject({ amount: '10000.00', currency: 'USD', state: 'needs_attention' });
      expect(stored.attentionReason).toContain('amount 10000.00 → 12000.00');
      expect(stored.attentionReason).toContain('awaiting_payment');

      const resync = repos.ledger.upsertInvoice(invoiceInput({ amount: '12000.00', currency: 'EUR' }));
      expect(resync.status === 'changed' && resync.flagged).toBe(true);
      expect(resync.invoice.attentionReason).toBe(stored.attentionReason);
      expect(resync.invoice.amount).toBe('10000.00');
    });

    it('flags a different Fineract charge instead of replacing it', () => {
      repos.ledger.upsertInvoice(invoiceInput({ fineractClientId: 5, fineractChargeId: 77 }));
      const result = repos.ledger.upsertInvoice(invoiceInput({ fineractClientId: 5, fineractChargeId: 78 }));
      expect(result.status === 'changed' && result.flagged).toBe(true);
      expect(repos.ledger.getInvoiceByFineractCharge(77)?.state).toBe('needs_attention');
    });

    it('refuses a code or a Fineract charge that belongs to another invoice', () => {
      repos.ledger.upsertInvoice(invoiceInput({ fineractChargeId: 77 }));
      expect(() => repos.ledger.upsertInvoice(invoiceInput({ openimisInvoiceId: HEAD_UUID }))).toThrow(
        ConflictError,
      );
      expect(() =>
        repos.ledger.upsertInvoice(
          invoiceInput({ openimisInvoiceId: HEAD_UUID, code: 'IV-2', fineractChargeId: 77 }),
        ),
      ).toThrow(ConflictError);
      expect(count(temp, 'ledger_invoices')).toBe(1);
    });

    it('rejects float-looking, negative or exponent amounts and bad currencies', () => {
      for (const amount of ['-1', '1e5', '10,00', '', ' 1']) {
        expect(() => repos.ledger.upsertInvoice(invoiceInput({ amount }))).toThrow(ValidationError);
      }
      expect(() => repos.ledger.upsertInvoice(invoiceInput({ currency: 'usd' }))).toThrow(ValidationError);
      expect(() => repos.ledger.upsertInvoice(invoiceInput({ dueDate: '31/05/2026' }))).toThrow(
        ValidationError,
      );
      expect(count(temp, 'ledger_invoices')).toBe(0);
    });
  });

  describe('look-ups and listing', () => {
    it('finds an invoice by ledger id, openIMIS id, code and Fineract charge', () => {
      const { invoice } = repos.ledger.upsertInvoice(invoiceInput({ fineractChargeId: 9 }));
      expect(repos.ledger.getInvoiceById(invoice.id)?.code).toBe(invoice.code);
      expect(repos.ledger.getInvoiceByOpenimisId(INVOICE_UUID)?.id).toBe(invoice.id);
      expect(repos.ledger.getInvoiceByCode('IV-PROD1-070707070-2026-05')?.id).toBe(invoice.id);
      expect(repos.ledger.getInvoiceByFineractCharge(9)?.id).toBe(invoice.id);
      expect(repos.ledger.getInvoiceByCode('nope')).toBeUndefined();
      expect(repos.ledger.getInvoiceById(999)).toBeUndefined();
    });

    it('lists by state and period', () => {
      const a = repos.ledger.upsertInvoice(invoiceInput()).invoice;
      now = new Date('2026-06-02T00:00:00.000Z');
      const b = repos.ledger.upsertInvoice(
        invoiceInput({ openimisInvoiceId: HEAD_UUID, code: 'IV-2', invoiceDate: '2026-06-01' }),
      ).invoice;
      repos.ledger.updateInvoice(b.id, { state: 'cancelled' });

      expect(repos.ledger.listInvoices().map((i) => i.id)).toEqual([a.id, b.id]);
      expect(repos.ledger.listInvoices({ state: 'awaiting_payment' }).map((i) => i.id)).toEqual([a.id]);
      expect(repos.ledger.listInvoices({ state: ['cancelled', 'paid'] }).map((i) => i.id)).toEqual([b.id]);
      expect(
        repos.ledger.listInvoices({ period: { from: '2026-05-01', to: '2026-06-01' } }).map((i) => i.id),
      ).toEqual([a.id]);
      expect(
        repos.ledger
          .listInvoices({ period: { from: '2026-06-01', to: '2026-07-01', field: 'invoiceDate' } })
          .map((i) => i.id),
      ).toEqual([b.id]);
      expect(repos.ledger.listInvoices({ afterId: a.id }).map((i) => i.id)).toEqual([b.id]);
      expect(() => repos.ledger.listInvoices({ period: { from: 'May' } })).toThrow(ValidationError);
    });
  });

  describe('updateInvoice and attachFineractCharge', () => {
    it('allows only forward state changes', () => {
      const { invoice } = repos.ledger.upsertInvoice(invoiceInput());
      repos.ledger.updateInvoice(invoice.id, { state: 'paid', paidAmount: '10000.00' });
      expect(() => repos.ledger.updateInvoice(invoice.id, { state: 'awaiting_payment' })).toThrow(
        ConflictError,
      );
      repos.ledger.updateInvoice(invoice.id, { state: 'notified' });
      repos.ledger.updateInvoice(invoice.id, { state: 'verified' });
      expect(repos.ledger.updateInvoice(invoice.id, { state: 'premium_recorded' }).state).toBe(
        'premium_recorded',
      );
      expect(INVOICE_STATE_TRANSITIONS.needs_attention).toContain('awaiting_payment');
    });

    it('checks the guards', () => {
      const { invoice } = repos.ledger.upsertInvoice(invoiceInput());
      expect(() =>
        repos.ledger.updateInvoice(invoice.id, { state: 'paid', expectedState: 'partially_paid' }),
      ).toThrow(ConflictError);
      expect(() =>
        repos.ledger.updateInvoice(invoice.id, { paidAmount: '5', expectedPaidAmount: '1.00' }),
      ).toThrow(ConflictError);
      expect(
        repos.ledger.updateInvoice(invoice.id, { paidAmount: '5', expectedPaidAmount: '0.00' }).paidAmount,
      ).toBe('5');
      expect(() => repos.ledger.updateInvoice(999, { state: 'paid' })).toThrow(NotFoundError);
    });

    it('attaches the Fineract charge once', () => {
      const { invoice } = repos.ledger.upsertInvoice(invoiceInput());
      expect(repos.ledger.attachFineractCharge(invoice.id, { clientId: 5, chargeId: 77 })).toMatchObject({
        fineractClientId: 5,
        fineractChargeId: 77,
      });
      expect(
        repos.ledger.attachFineractCharge(invoice.id, { clientId: 5, chargeId: 77 }).fineractChargeId,
      ).toBe(77);
      expect(() => repos.ledger.attachFineractCharge(invoice.id, { clientId: 5, chargeId: 78 })).toThrow(
        ConflictError,
      );
    });
  });

  describe('charge attempts', () => {
    it('keeps the highest attempt, survives a reopen, and stops once the charge is attached', () => {
      const { invoice } = repos.ledger.upsertInvoice(invoiceInput());
      expect(invoice.chargeAttempt).toBe(0);
      expect(repos.ledger.recordChargeAttempt(invoice.id, 2).chargeAttempt).toBe(2);
      expect(repos.ledger.recordChargeAttempt(invoice.id, 1).chargeAttempt).toBe(2);
      const reopened = createRepositories(temp.db);
      expect(reopened.ledger.getInvoiceById(invoice.id)?.chargeAttempt).toBe(2);
      repos.ledger.attachFineractCharge(invoice.id, { clientId: 5, chargeId: 77 });
      expect(() => repos.ledger.recordChargeAttempt(invoice.id, 3)).toThrow(ConflictError);
      expect(() => repos.ledger.recordChargeAttempt(invoice.id, 0)).toThrow(ValidationError);
    });

    it('discards only a row that was never charged, never paid and not moved on by another attempt', () => {
      const a = repos.ledger.upsertInvoice(invoiceInput()).invoice;
      repos.ledger.recordChargeAttempt(a.id, 1);
      expect(repos.ledger.discardUnchargedInvoice(a.id, 0)).toBe(false);
      expect(repos.ledger.discardUnchargedInvoice(a.id, 1)).toBe(true);
      expect(repos.ledger.getInvoiceById(a.id)).toBeUndefined();

      const charged = repos.ledger.upsertInvoice(invoiceInput()).invoice;
      repos.ledger.attachFineractCharge(charged.id, { clientId: 5, chargeId: 77 });
      expect(repos.ledger.discardUnchargedInvoice(charged.id, 1)).toBe(false);

      const paid = repos.ledger.upsertInvoice(
        invoiceInput({ openimisInvoiceId: HEAD_UUID, code: 'IV-OTHER' }),
      ).invoice;
      repos.ledger.recordPayment({ payment: payment({ invoiceId: paid.id }) });
      expect(repos.ledger.discardUnchargedInvoice(paid.id, 1)).toBe(false);
      expect(count(temp, 'ledger_invoices')).toBe(2);
    });
  });

  describe('recordPayment', () => {
    let invoice: LedgerInvoice;
    beforeEach(() => {
      invoice = repos.ledger.upsertInvoice(
        invoiceInput({ fineractClientId: 5, fineractChargeId: 77 }),
      ).invoice;
    });

    it('records the payment, updates the invoice and enqueues the work in one go', () => {
      const result = repos.ledger.recordPayment({
        payment: payment({ invoiceId: invoice.id, amount: '10000.00' }),
        invoiceUpdate: { invoiceId: invoice.id, paidAmount: '10000.00', state: 'paid' },
        outbox: [
          {
            kind: 'openimis.paymentNotice',
            idempotencyKey: `payment-notice:${INVOICE_UUID}`,
            aggregateRef: `invoice:${INVOICE_UUID}`,
            payload: { invoiceId: INVOICE_UUID, amount: '10000.00', currency: 'USD' },
          },
        ],
      });
      expect(result.duplicate).toBe(false);
      if (result.duplicate) {
        throw new Error('unreachable');
      }
      expect(result.payment).toMatchObject({
        source: 'fineract-charge',
        sourceTxnId: 'txn-1',
        invoiceId: invoice.id,
      });
      expect(result.invoice).toMatchObject({ paidAmount: '10000.00', state: 'paid' });
      expect(result.outbox).toHaveLength(1);
      expect(repos.outbox.getByKey(`payment-notice:${INVOICE_UUID}`)?.state).toBe('pending');
    });

    it('a duplicate (source, sourceTxnId) changes nothing and returns the first record', () => {
      const first = repos.ledger.recordPayment({
        payment: payment({ invoiceId: invoice.id, requestHash: 'h1' }),
        invoiceUpdate: (inv, p) => accumulate(inv, p),
        outbox: [{ kind: 'k', idempotencyKey: 'first', payload: {} }],
      });
      const before = {
        invoice: repos.ledger.getInvoiceById(invoice.id),
        outbox: repos.outbox.list(),
        payments: repos.ledger.listPayments(),
      };
      const update = jest.fn(accumulate);
      const again = repos.ledger.recordPayment({
        payment: payment({ invoiceId: invoice.id, amount: '9999.00', requestHash: 'h1' }),
        invoiceUpdate: update,
        outbox: [{ kind: 'k', idempotencyKey: 'second', payload: {} }],
      });
      expect(again).toEqual({ duplicate: true, payment: first.payment, modified: false });
      expect(update).not.toHaveBeenCalled();
      expect({
        invoice: repos.ledger.getInvoiceById(invoice.id),
        outbox: repos.outbox.list(),
        payments: repos.ledger.listPayments(),
      }).toEqual(before);
    });

    it('tells a replay with a different body apart (modified)', () => {
      repos.ledger.recordPayment({ payment: payment({ requestHash: 'h1', state: 'needs_attention' }) });
      const again = repos.ledger.recordPayment({
        payment: payment({ requestHash: 'h2', state: 'needs_attention' }),
      });
      expect(again.duplicate && again.modified).toBe(true);
    });

    it('the same transaction id from another source is another payment', () => {
      repos.ledger.recordPayment({ payment: payment({ state: 'needs_attention' }) });
      const other = repos.ledger.recordPayment({
        payment: payment({ source: 'mojaloop', state: 'needs_attention' }),
      });
      expect(other.duplicate).toBe(false);
      expect(count(temp, 'payments_received')).toBe(2);
    });

    it('accumulates partial payments with the update function and pays on the exact total', () => {
      const one = repos.ledger.recordPayment({
        payment: payment({ invoiceId: invoice.id, sourceTxnId: 'a', amount: '4000.00' }),
        invoiceUpdate: accumulate,
        outbox: ({ invoice: inv }) =>
          inv?.state === 'paid'
            ? [{ kind: 'openimis.paymentNotice', idempotencyKey: 'pn', payload: {} }]
            : [],
      });
      expect(!one.duplicate && one.invoice).toMatchObject({ paidAmount: '4000.00', state: 'partially_paid' });
      expect(repos.outbox.list()).toHaveLength(0);
      const two = repos.ledger.recordPayment({
        payment: payment({ invoiceId: invoice.id, sourceTxnId: 'b', amount: '6000.00' }),
        invoiceUpdate: accumulate,
        outbox: ({ invoice: inv }) =>
          inv?.state === 'paid'
            ? [{ kind: 'openimis.paymentNotice', idempotencyKey: 'pn', payload: {} }]
            : [],
      });
      expect(!two.duplicate && two.invoice).toMatchObject({ paidAmount: '10000.00', state: 'paid' });
      expect(repos.outbox.list().map((e) => e.idempotencyKey)).toEqual(['pn']);
      expect(repos.ledger.matchedTotal(invoice.id)).toBe('10000');
      expect(repos.ledger.listPayments({ invoiceId: invoice.id }).map((p) => p.sourceTxnId)).toEqual([
        'a',
        'b',
      ]);
    });

    it('keeps an unmatched payment without touching any invoice', () => {
      const result = repos.ledger.recordPayment({
        payment: payment({
          sourceTxnId: 'orphan',
          state: 'needs_attention',
          reason: 'no invoice with this reference',
        }),
      });
      expect(!result.duplicate && result.invoice).toBeUndefined();
      expect(repos.ledger.listPayments({ state: 'needs_attention' })).toHaveLength(1);
      expect(repos.ledger.getInvoiceById(invoice.id)?.paidAmount).toBe('0');
    });

    it('rolls everything back when the invoice update is refused', () => {
      repos.ledger.updateInvoice(invoice.id, { state: 'cancelled' });
      expect(() =>
        repos.ledger.recordPayment({
          payment: payment({ invoiceId: invoice.id }),
          invoiceUpdate: { invoiceId: invoice.id, paidAmount: '4000.00', state: 'partially_paid' },
          outbox: [{ kind: 'k', idempotencyKey: 'x', payload: {} }],
        }),
      ).toThrow(ConflictError);
      expect(count(temp, 'payments_received')).toBe(0);
      expect(count(temp, 'outbox')).toBe(0);
    });

    it('rolls everything back when the outbox step throws', () => {
      expect(() =>
        repos.ledger.recordPayment({
          payment: payment({ invoiceId: invoice.id }),
          invoiceUpdate: accumulate,
          outbox: () => {
            throw new Error('boom');
          },
        }),
      ).toThrow('boom');
      expect(count(temp, 'payments_received')).toBe(0);
      expect(repos.ledger.getInvoiceById(invoice.id)?.paidAmount).toBe('0');
    });

    it('refuses a matched payment without an invoice', () => {
      expect(() => repos.ledger.recordPayment({ payment: payment({ state: 'matched' }) })).toThrow(
        ValidationError,
      );
      const kept = repos.ledger.recordPayment({ payment: payment({ state: 'needs_attention' }) });
      expect(() => repos.ledger.updatePayment(kept.payment.id, { state: 'matched' })).toThrow(
        ValidationError,
      );
      expect(count(temp, 'payments_received')).toBe(1);
    });

    it('refuses a payment for an unknown invoice', () => {
      expect(() => repos.ledger.recordPayment({ payment: payment({ invoiceId: 999 }) })).toThrow(
        NotFoundError,
      );
      expect(count(temp, 'payments_received')).toBe(0);
    });

    it('updates a payment when an operator resolves it', () => {
      const recorded = repos.ledger.recordPayment({
        payment: payment({ state: 'needs_attention', reason: 'unmatched' }),
      });
      const resolved = repos.ledger.updatePayment(recorded.payment.id, {
        state: 'matched',
        reason: null,
        invoiceId: invoice.id,
      });
      expect(resolved).toMatchObject({ state: 'matched', reason: null, invoiceId: invoice.id });
      expect(repos.ledger.getPaymentBySource('fineract-charge', 'txn-1')?.state).toBe('matched');
      expect(() => repos.ledger.updatePayment(999, { state: 'ignored' })).toThrow(NotFoundError);
    });
  });
});
