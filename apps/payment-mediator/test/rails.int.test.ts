import { retryOutboxEntry } from '@payment-layer/flows-payment';
import { clientChargePaidHook } from '@payment-layer/mifos-fineract-client/testing';
import { AUTH, HOOK_PATH, startHarness, type Harness } from './harness';

const TODAY = new Date().toISOString().slice(0, 10);

describe('savings deposits and openIMIS refusing to mark PAID', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('a savings deposit in Fineract whose receipt is the invoice code pays the invoice', async () => {
    h = await startHarness();
    await h.listen();
    const inv = await h.seedInvoice(0);
    const client = await h.fineractClient.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        firstname: 'Saver',
        lastname: 'One',
        active: true,
        activationDate: TODAY,
        externalId: 'saver-one',
        savingsProductId: 1,
      },
      { operationKey: 'client:saver-one' },
    );
    const savingsId = (await h.fineractClient.getClient(Number(client.clientId ?? client.resourceId)))
      .savingsAccountId;
    expect(savingsId).toBeDefined();
    await h.fineractClient.depositToSavingsAccount(
      Number(savingsId),
      { transactionDate: TODAY, transactionAmount: inv.amount, paymentTypeId: 2, receiptNumber: inv.code },
      { operationKey: 'deposit:saver-one-1' },
    );
    await h.fineract.hooksIdle();
    expect(h.fineract.hookDeliveries.map((d) => [d.entityName, d.status])).toContainEqual([
      'SAVINGSACCOUNT',
      200,
    ]);
    expect(h.repos.ledger.listPayments()[0]).toMatchObject({
      source: 'fineract-savings',
      state: 'matched',
      invoiceId: inv.ledger.id,
    });
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
    expect(h.openimis.store.invoice(inv.uuid)?.status).toBe(2);
  }, 30_000);

  it('a notice openIMIS stores without marking PAID is retried, then handed to an operator; a retry never posts twice', async () => {
    h = await startHarness({ config: { maxVerifyAttempts: 2 } });
    const sim = h.openimis.store.invoices().filter((i) => i.kind === 'invoice')[2];
    if (!sim) {
      throw new Error('no invoice');
    }
    // The ledger believes the invoice is 1.00: openIMIS answers 201 to the notice but keeps it unpaid (§9.4).
    const { invoice } = h.repos.ledger.upsertInvoice({
      openimisInvoiceId: sim.id,
      code: sim.code,
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: sim.thirdpartyId ?? sim.id,
      amount: '1.00',
      currency: 'USD',
      // Only a charged invoice is payable; this one's charge is never read.
      fineractClientId: 9001,
      fineractChargeId: 9001,
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/PaymentNotice',
      headers: { authorization: AUTH, 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({
        resourceType: 'PaymentNotice',
        identifier: [{ value: 'bank-1' }],
        status: 'active',
        request: { reference: `Invoice/${sim.id}` },
        created: '2026-05-17T10:00:00Z',
        payment: { reference: 'bank-1' },
        recipient: { reference: 'Organization/openIMIS-Implementation' },
        amount: { value: 1, currency: 'USD' },
      }),
    });
    expect(res.statusCode).toBe(200);
    const first = await h.drain();
    expect(first.map((r) => [r.kind, r.state])).toEqual([
      ['openimis.paymentNotice', 'done'],
      ['openimis.verifyPaid', 'retry'],
    ]);
    expect(h.openimis.store.paymentNotices()[0]?.outcome.error).toContain('not matching');
    h.advance(60 * 60 * 1000);
    const second = await h.drain();
    expect(second.map((r) => r.state)).toEqual(['dead']);
    expect(h.repos.ledger.getInvoiceById(invoice.id)).toMatchObject({
      state: 'needs_attention',
      attentionReason: expect.stringContaining('not PAID'),
    });

    // An operator retries the verification (e.g. after fixing the invoice in openIMIS): no second notice.
    h.openimis.store.setInvoiceStatus(sim.id, 2);
    const dead = h.repos.outbox.list({ state: 'dead' })[0];
    retryOutboxEntry(h.repos, dead?.id ?? 0);
    const third = await h.drain();
    // Verified; then the premium step skips itself (premiums are off).
    expect(third.map((r) => [r.kind, r.state])).toEqual([
      ['openimis.verifyPaid', 'done'],
      ['openimis.premium', 'done'],
    ]);
    expect(h.repos.ledger.getInvoiceById(invoice.id)?.state).toBe('verified');
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
  });

  it('an invoice openIMIS already reads PAID (paid elsewhere) gets no second payment: handed to an operator', async () => {
    h = await startHarness({ config: { recordPremium: true } });
    await h.listen();
    const inv = await h.seedInvoice(0);
    h.openimis.store.setInvoiceStatus(inv.uuid, 2);
    await h.pay(inv, inv.amount, 'pay-elsewhere-1');
    await h.fineract.hooksIdle();
    const ran = await h.drain();
    expect(ran.map((r) => [r.kind, r.state])).toEqual([['openimis.paymentNotice', 'dead']]);
    expect(h.openimis.store.paymentNotices()).toHaveLength(0);
    expect(h.openimis.store.premiums()).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'needs_attention',
      attentionReason: expect.stringContaining('already reads'),
    });
    // The later steps of the invoice wait behind the dead one.
    expect(h.repos.outbox.list({ state: 'pending' }).map((e) => e.kind)).toEqual([
      'openimis.verifyPaid',
      'openimis.premium',
    ]);
  });

  it('a hook for money Fineract never committed is not reported to openIMIS: retried, then handed to an operator', async () => {
    h = await startHarness({ config: { maxVerifyAttempts: 2 } });
    const inv = await h.seedInvoice(0);
    // A delivery for the real charge, as Fineract sends it before a command that then rolls back.
    const d = clientChargePaidHook({
      clientId: inv.clientId,
      request: { amount: inv.amount, transactionDate: TODAY, dateFormat: 'yyyy-MM-dd', locale: 'en' },
      response: { clientId: inv.clientId, resourceId: inv.chargeId, subResourceId: 9_999 },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: HOOK_PATH,
      headers: d.headers,
      payload: JSON.stringify(d.body),
    });
    expect(res.statusCode).toBe(200);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('paid');

    expect((await h.drain()).map((r) => r.state)).toEqual(['retry']);
    h.advance(60 * 60 * 1000);
    expect((await h.drain()).map((r) => r.state)).toEqual(['dead']);
    expect(h.openimis.store.paymentNotices()).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.attentionReason).toContain('hooks announced');

    // The money arrives after all (the cashier pays for real): an operator retry now reports it, once.
    await h.pay(inv, inv.amount, 'pay-late-1');
    retryOutboxEntry(h.repos, h.repos.outbox.list({ state: 'dead' })[0]?.id ?? 0);
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
  });
});
