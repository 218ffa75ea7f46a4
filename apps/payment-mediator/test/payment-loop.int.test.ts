import { runPaymentStep } from '@payment-layer/flows-payment';
import { AUTH, HOOK_PATH, startHarness, type Harness } from './harness';

describe('contribution payment loop (Fineract hook → openIMIS PaymentNotice → PAID → premium)', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('pays a client charge, reports it once to openIMIS, verifies PAID and records the premium', async () => {
    h = await startHarness({ config: { recordPremium: true, premiumEnforce: true } });
    await h.listen();
    const inv = await h.seedInvoice(0);

    await h.pay(inv, inv.amount, 'pay-loop-1');
    await h.fineract.hooksIdle();
    const delivery = h.fineract.hookDeliveries.find((d) => d.entityName === 'CLIENTCHARGE');
    expect(delivery?.status).toBe(200);

    const [payment] = h.repos.ledger.listPayments();
    expect(payment).toMatchObject({ source: 'fineract-charge', state: 'matched', amount: inv.amount });
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'paid',
      paidAmount: inv.amount,
    });
    // Nothing was sent to openIMIS inside the hook request: the steps wait in the outbox.
    expect(h.openimis.store.paymentNotices()).toHaveLength(0);

    const ran = await h.drain();
    expect(ran.map((r) => [r.kind, r.state])).toEqual([
      ['openimis.paymentNotice', 'done'],
      ['openimis.verifyPaid', 'done'],
      ['openimis.premium', 'done'],
    ]);
    const notices = h.openimis.store.paymentNotices();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      subjectId: inv.uuid,
      amountReceived: expect.stringMatching(/^\d+(\.\d+)?$/),
      payerRef: `PaymentReconciliation/${inv.ledger.id}`,
      detailStatus: 1,
      reconciliationStatus: 0,
      outcome: { action: 'paid' },
    });
    expect(h.openimis.store.invoice(inv.uuid)?.status).toBe(2);
    const premiums = h.openimis.store.premiums();
    expect(premiums).toHaveLength(1);
    expect(premiums[0]).toMatchObject({ receipt: inv.code, payType: 'M' });
    expect(h.openimis.store.policy(premiums[0]?.policyUuid ?? '')?.status).toBe(2);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('premium_recorded');
  });

  it('the same hook delivered 3 times gives one payment and one PaymentNotice', async () => {
    h = await startHarness();
    await h.listen();
    const inv = await h.seedInvoice(0);
    await h.pay(inv, inv.amount, 'pay-dup-1');
    await h.fineract.hooksIdle();
    const delivery = h.fineract.hookDeliveries[0];
    if (!delivery) {
      throw new Error('no hook delivery');
    }
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({
        method: 'POST',
        url: HOOK_PATH,
        headers: delivery.headers,
        payload: delivery.body,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        issue: [{ diagnostics: expect.stringContaining('already recorded') }],
      });
    }
    expect(h.repos.ledger.listPayments()).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.paidAmount).toBe(inv.amount);
    await h.drain();
    // A replay after the notice went out changes nothing either.
    await h.app.inject({ method: 'POST', url: HOOK_PATH, headers: delivery.headers, payload: delivery.body });
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');
  });

  it('a restart between recording and the outbox run still sends exactly one PaymentNotice', async () => {
    h = await startHarness();
    await h.listen();
    const inv = await h.seedInvoice(1);
    await h.pay(inv, inv.amount, 'pay-restart-1');
    await h.fineract.hooksIdle();
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('paid');

    // The worker claimed the step and crashed after openIMIS stored the notice, before it completed the entry.
    const [claimed] = h.repos.outbox.claimDue({ now: new Date(), limit: 1, leaseMs: 1000 });
    expect(claimed?.kind).toBe('openimis.paymentNotice');
    await h.restart();
    // The half-finished attempt: the notice reaches openIMIS, the process dies before the outbox hears of it.
    if (!claimed) {
      throw new Error('nothing claimed');
    }
    await expect(
      runPaymentStep(
        {
          ...h.app.payment,
          repos: Object.assign(Object.create(h.app.payment.repos) as typeof h.app.payment.repos, {
            outbox: Object.assign(
              Object.create(h.app.payment.repos.outbox) as typeof h.app.payment.repos.outbox,
              {
                complete: (): never => {
                  throw new Error('crashed before completing');
                },
                fail: (): never => {
                  throw new Error('crashed before failing');
                },
              },
            ),
          }),
        },
        claimed,
      ),
    ).rejects.toThrow('crashed');
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);

    // After the lease expires the rebuilt app's worker claims the step again and reads the notice back.
    h.advance(5_000);
    const ran = await h.drain();
    expect(ran[0]).toMatchObject({ kind: 'openimis.paymentNotice', state: 'done' });
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
    expect(h.repos.outbox.get(claimed.id)?.result).toMatchObject({ readBack: true });
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');

    const res = await h.app.inject({ method: 'GET', url: '/health', headers: { authorization: AUTH } });
    expect(res.statusCode).toBe(200);
  });
});
