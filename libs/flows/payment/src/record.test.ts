import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import { assertValidResource } from '@payment-layer/fhir-util';
import { clientChargePaidHook } from '@payment-layer/mifos-fineract-client/testing';
import { createRepositories, openStagingDb, type StagingDb } from '@payment-layer/staging-db';
import type { PaymentFlowContext, PaymentFlowSettings } from './context';
import { handleFineractHook } from './hook';
import { buildPaymentReconciliations } from './reconciliation';
import { paidInvoiceSteps, recordIncomingPayment } from './record';

const SETTINGS: PaymentFlowSettings = {
  verifyPaid: true,
  recordPremium: false,
  premiumPayType: 'M',
  noticeRecipient: 'Organization/openIMIS-Implementation',
  mutationTimeoutMs: 1000,
  maxVerifyAttempts: 3,
};
const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

describe('recording payments in the ledger (no upstream calls)', () => {
  let dir: string;
  let db: StagingDb;
  let ctx: PaymentFlowContext;
  let settings: PaymentFlowSettings;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flows-payment-'));
    db = openStagingDb({ path: join(dir, 'staging.sqlite') });
    db.migrate();
    settings = SETTINGS;
    // The clients are never called here: every test stays inside the staging transaction.
    ctx = {
      fineract: new FineractClient({
        baseUrl: 'http://127.0.0.1:9/fineract-provider/api/v1',
        tenantId: 'default',
        username: 'u',
        password: 'p',
      }),
      openimis: new OpenImisClient({
        fhirBaseUrl: 'http://127.0.0.1:9/api/api_fhir_r4/',
        graphqlUrl: 'http://127.0.0.1:9/api/graphql',
        username: 'u',
        password: 'p',
      }),
      repos: createRepositories(db),
      settings: () => settings,
      log: silent,
    };
  });

  afterEach(async () => {
    await Promise.all([ctx.fineract.close(), ctx.openimis.close()]);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const invoice = (
    amount: string,
    chargeId = 31,
  ): ReturnType<typeof ctx.repos.ledger.attachFineractCharge> => {
    const { invoice: inv } = ctx.repos.ledger.upsertInvoice({
      openimisInvoiceId: 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f',
      code: 'IV-2024-0042',
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '7c0d7a3e-2f41-4c55-9a8e-1c2b3d4e5f61',
      amount,
      currency: 'USD',
    });
    return ctx.repos.ledger.attachFineractCharge(inv.id, { clientId: 12, chargeId });
  };

  it('adds decimals exactly: 0.10 + 0.20 pays an invoice of 0.30', () => {
    const inv = invoice('0.30');
    const pay = (id: string, amount: string): string =>
      recordIncomingPayment(ctx, {
        source: 'fhir',
        sourceTxnId: id,
        invoice: inv,
        amount,
        currency: 'USD',
        requestText: id,
      }).outcome;
    expect(pay('a', '0.10')).toBe('matched');
    expect(pay('b', '0.20')).toBe('paid');
    expect(ctx.repos.ledger.getInvoiceById(inv.id)).toMatchObject({ state: 'paid', paidAmount: '0.30' });
    expect(ctx.repos.outbox.list().map((e) => e.idempotencyKey)).toEqual([
      'payment-notice:bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f',
      'verify-paid:bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f',
      'premium:bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f',
    ]);
    expect(pay('a', '0.10')).toBe('duplicate');
  });

  it('matches a charge payment hook by the Fineract charge id, once', () => {
    const inv = invoice('5000.00');
    const d = clientChargePaidHook();
    const first = handleFineractHook(ctx, { headers: d.headers, body: JSON.stringify(d.body) });
    expect(first).toMatchObject({ outcome: 'paid', event: 'CLIENTCHARGE/PAY', fineractTransactionId: '88' });
    expect(first.payment).toMatchObject({ source: 'fineract-charge', sourceTxnId: '88', invoiceId: inv.id });
    expect(handleFineractHook(ctx, { headers: d.headers, body: JSON.stringify(d.body) }).outcome).toBe(
      'duplicate',
    );
    expect(ctx.repos.ledger.listPayments()).toHaveLength(1);
  });

  it('queues every step of a paid invoice in order, whatever the settings (each decides when it runs)', () => {
    expect(paidInvoiceSteps(invoice('1.00')).map((s) => s.kind)).toEqual([
      'openimis.paymentNotice',
      'openimis.verifyPaid',
      'openimis.premium',
    ]);
    // A bill (claim batch) has no premium.
    expect(paidInvoiceSteps({ ...invoice('1.00'), kind: 'bill' }).map((s) => s.kind)).toEqual([
      'openimis.paymentNotice',
      'openimis.verifyPaid',
    ]);
  });

  it('builds schema-valid PaymentReconciliation resources, unmatched payments included', () => {
    const inv = invoice('10.00');
    recordIncomingPayment(ctx, {
      source: 'fineract-charge',
      sourceTxnId: '1',
      invoice: inv,
      amount: '4.00',
      currency: undefined,
      requestText: '1',
    });
    recordIncomingPayment(ctx, {
      source: 'fineract-savings',
      sourceTxnId: '2',
      invoice: undefined,
      amount: '3.50',
      currency: undefined,
      requestText: '2',
    });
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const resources = buildPaymentReconciliations(ctx, { from: today, to: tomorrow });
    expect(resources).toHaveLength(2);
    for (const r of resources) {
      assertValidResource(r, 'PaymentReconciliation');
    }
    expect(resources[0]).toMatchObject({ outcome: 'partial', paymentAmount: { value: 4, currency: 'USD' } });
    expect(resources[1]?.detail?.[0]?.amount).toEqual({ value: 3.5 });
  });
});
