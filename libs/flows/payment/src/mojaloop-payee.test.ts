import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import {
  createRepositories,
  openStagingDb,
  type LedgerInvoice,
  type StagingDb,
} from '@payment-layer/staging-db';
import type { PaymentFlowContext } from './context';
import {
  handleMojaloopNotification,
  lookupMojaloopParty,
  prepareMojaloopTransfer,
  quoteMojaloopPayment,
  type MojaloopPayeeSettings,
} from './mojaloop-payee';
import { recordIncomingPayment } from './record';

const PAYEE: MojaloopPayeeSettings = {
  idType: 'BUSINESS',
  idValue: 'NHIF',
  displayName: 'NHIF contributions',
};
const TRANSFER_ID = '6b1f0c3a-2d4e-4f5a-9b6c-7d8e9f0a1b2c';
const silent = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  debug: () => undefined,
};

describe('Mojaloop payee functions (SDK backend API) on a real staging file', () => {
  let dir: string;
  let db: StagingDb;
  let ctx: PaymentFlowContext;
  let inv: LedgerInvoice;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flows-mojaloop-'));
    db = openStagingDb({ path: join(dir, 'staging.sqlite') });
    db.migrate();
    // The clients are never called: the payee side only reads and writes the ledger.
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
      settings: () => ({
        verifyPaid: false,
        recordPremium: false,
        premiumPayType: 'M',
        noticeRecipient: 'Organization/openIMIS-Implementation',
        mutationTimeoutMs: 1000,
        maxVerifyAttempts: 3,
      }),
      log: silent,
    };
    inv = ctx.repos.ledger.upsertInvoice({
      openimisInvoiceId: '0f7f6d6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      code: 'IV-CONTRIB-1',
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d',
      amount: '10000.50',
      currency: 'TZS',
    }).invoice;
  });

  afterEach(async () => {
    await Promise.all([ctx.fineract.close(), ctx.openimis.close()]);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const quoteRequest = (amount: string, currency = 'TZS', code = inv.code): Record<string, unknown> => ({
    quoteId: '11111111-2222-4333-8444-555555555555',
    transactionId: TRANSFER_ID,
    to: { ...PAYEE, idSubValue: code },
    from: { idType: 'MSISDN', idValue: '255711000001' },
    amountType: 'SEND',
    amount,
    currency,
    transactionType: 'TRANSFER',
    initiator: 'PAYER',
    initiatorType: 'CONSUMER',
  });

  const transferRequest = (transferAmount: string, ilpAmount = transferAmount): Record<string, unknown> => ({
    transferId: TRANSFER_ID,
    quote: { quoteId: 'q', transactionId: TRANSFER_ID, transferAmount, transferAmountCurrency: 'TZS' },
    to: { ...PAYEE, idSubValue: inv.code },
    from: { idType: 'MSISDN', idValue: '255711000001' },
    amountType: 'SEND',
    currency: 'TZS',
    amount: transferAmount,
    transactionType: 'TRANSFER',
    ilpPacket: { data: { amount: { amount: ilpAmount, currency: 'TZS' } } },
  });

  const committed = (amount: string): Record<string, unknown> => ({
    transferId: TRANSFER_ID,
    currentState: 'COMPLETED',
    quote: { internalRequest: { to: { ...PAYEE, idSubValue: inv.code } } },
    prepare: {
      body: { transferId: TRANSFER_ID, payerFsp: 'walletfsp', amount: { amount, currency: 'TZS' } },
    },
    finalNotification: { transferState: 'COMMITTED', completedTimestamp: '2026-01-01T00:00:00.000Z' },
  });

  it('quotes only the open balance of a partly paid invoice', () => {
    recordIncomingPayment(ctx, {
      source: 'fhir',
      sourceTxnId: 'bank-1',
      invoice: inv,
      amount: '4000.50',
      currency: 'TZS',
      requestText: 'bank-1',
    });
    expect(quoteMojaloopPayment(ctx, PAYEE, quoteRequest('10000.5'))).toMatchObject({
      httpStatus: 400,
      body: { statusCode: '5103', message: expect.stringContaining('6000 TZS') },
    });
    expect(quoteMojaloopPayment(ctx, PAYEE, quoteRequest('6000'))).toMatchObject({
      httpStatus: 200,
      body: { transferAmount: '6000', transferAmountCurrency: 'TZS', payeeReceiveAmount: '6000' },
    });
  });

  it('refuses an amount outside the Amount pattern instead of reading it loosely', () => {
    expect(quoteMojaloopPayment(ctx, PAYEE, quoteRequest('10000.50'))).toMatchObject({
      httpStatus: 400,
      body: { statusCode: '3100' },
    });
  });

  it('rejects a prepare whose ILP amount differs from the quote (5105) and records nothing', () => {
    expect(prepareMojaloopTransfer(ctx, PAYEE, transferRequest('10000.5', '1'))).toMatchObject({
      httpStatus: 400,
      body: { statusCode: '5105' },
    });
    expect(prepareMojaloopTransfer(ctx, PAYEE, transferRequest('10000.5'))).toMatchObject({
      httpStatus: 200,
      body: { transferState: 'RESERVED' },
    });
    expect(ctx.repos.ledger.listPayments()).toHaveLength(0);
  });

  it('records COMMITTED once, the invoice becomes paid and the lookup stops finding it', () => {
    const first = handleMojaloopNotification(ctx, TRANSFER_ID, committed('10000.5'));
    expect(first.payment?.outcome).toBe('paid');
    expect(first.payment?.payment).toMatchObject({
      source: 'mojaloop',
      amount: '10000.50',
      payerRef: 'mojaloop-fsp:walletfsp',
    });
    expect(handleMojaloopNotification(ctx, TRANSFER_ID, committed('10000.5')).payment?.outcome).toBe(
      'duplicate',
    );
    expect(ctx.repos.ledger.getInvoiceById(inv.id)?.state).toBe('paid');
    expect(lookupMojaloopParty(ctx, PAYEE, { ...PAYEE, idSubValue: inv.code }).httpStatus).toBe(404);
  });

  it('refuses a notification whose body names another transfer than the path', () => {
    const other = handleMojaloopNotification(
      ctx,
      '7c2e1d4b-3e5f-4a6b-8c7d-9e0f1a2b3c4d',
      committed('10000.5'),
    );
    expect(other).toMatchObject({ httpStatus: 400, body: { statusCode: '3100' } });
    expect(ctx.repos.ledger.listPayments()).toHaveLength(0);
  });

  it('a COMMITTED notification whose currentState contradicts it is kept for an operator, not applied', () => {
    const odd = handleMojaloopNotification(ctx, TRANSFER_ID, {
      ...committed('10000.5'),
      currentState: 'ERROR_OCCURRED',
    });
    expect(odd).toMatchObject({ httpStatus: 200, payment: { outcome: 'needs_attention' } });
    expect(ctx.repos.ledger.listPayments()).toEqual([
      expect.objectContaining({ sourceTxnId: TRANSFER_ID, state: 'needs_attention', amount: '10000.50' }),
    ]);
    expect(ctx.repos.ledger.getInvoiceById(inv.id)?.state).toBe('awaiting_payment');
  });
});
