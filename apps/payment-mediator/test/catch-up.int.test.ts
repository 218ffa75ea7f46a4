import {
  catchUpFineractPayments,
  catchUpRequestText,
  recordIncomingPayment,
  type PaymentFlowContext,
} from '@payment-layer/flows-payment';
import { HOOK_PATH, startHarness, type Harness } from './harness';

async function waitFor(what: string, condition: () => boolean, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('hooks lost while the payment mediator is down', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('finds the paid charge in Fineract once the mediator is back: one payment, one PaymentNotice, no manual step', async () => {
    h = await startHarness({ families: 2, env: { FINERACT_CATCH_UP_INTERVAL_MS: '200' } });
    const url = await h.listen();
    const port = Number(new URL(url).port);
    const inv = await h.seedInvoice(0);
    const other = await h.seedInvoice(1);

    // The mediator is down while the charge is paid: Fineract's only hook delivery fails and is never resent.
    await h.restart();
    await h.pay(inv, inv.amount, 'pay-while-down-1');
    await h.fineract.hooksIdle();
    const lost = h.fineract.hookDeliveries.filter((d) => d.entityName === 'CLIENTCHARGE');
    expect(lost).toHaveLength(1);
    expect(lost[0]?.status).toBeUndefined();
    expect(h.repos.ledger.listPayments()).toHaveLength(0);

    // Back up: the catch-up runs at start and records the payment the hook would have.
    await h.listen(port);
    await waitFor('the catch-up to record the payment', () => h.repos.ledger.listPayments().length === 1);
    await h.drain();

    const payments = h.repos.ledger.listPayments();
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({
      source: 'fineract-charge',
      state: 'matched',
      invoiceId: inv.ledger.id,
      amount: inv.amount,
    });
    expect(h.openimis.store.paymentNotices().filter((n) => n.subjectId === inv.uuid)).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('verified');
    // The unpaid invoice is left alone.
    expect(h.repos.ledger.getInvoiceById(other.ledger.id)?.state).toBe('awaiting_payment');

    // The lost delivery turning up after all (replayed by hand) is the same payment: a duplicate, not a conflict.
    const delivery = lost[0]!;
    const replay = await h.app.inject({
      method: 'POST',
      url: HOOK_PATH,
      headers: { ...delivery.headers, 'content-type': 'application/json' },
      payload: delivery.body,
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({
      issue: [{ diagnostics: expect.stringContaining('already recorded') }],
    });
    // Later runs find nothing more to do.
    const again = await catchUpFineractPayments(h.app.payment);
    expect(again).toMatchObject({ recorded: 0, unexplained: 0 });
    expect(h.repos.ledger.listPayments()).toHaveLength(1);
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
  }, 60_000);

  it("finds a savings deposit naming the invoice on the recipient's linked account: one payment, the hook a duplicate", async () => {
    h = await startHarness({ families: 2, env: { FINERACT_CATCH_UP_INTERVAL_MS: '200' } });
    const url = await h.listen();
    const port = Number(new URL(url).port);
    const inv = await h.seedInvoice(0);
    const today = new Date().toISOString().slice(0, 10);
    const saver = await h.fineractClient.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        firstname: 'Saver',
        lastname: 'Down',
        active: true,
        activationDate: today,
        externalId: 'saver-down',
        savingsProductId: 1,
      },
      { operationKey: 'client:saver-down' },
    );
    const savingsId = Number(
      (await h.fineractClient.getClient(Number(saver.clientId ?? saver.resourceId))).savingsAccountId,
    );
    h.repos.links.upsertLink({
      openimisType: 'Patient',
      openimisId: inv.ledger.recipientId,
      fineractType: 'savingsAccount',
      fineractId: savingsId,
    });
    // A deposit that names no invoice is the saver's own: the catch-up leaves it alone.
    await h.fineractClient.depositToSavingsAccount(
      savingsId,
      { transactionDate: today, transactionAmount: '3.00', paymentTypeId: 2, receiptNumber: 'pocket-money' },
      { operationKey: 'deposit:saver-down-0' },
    );
    await h.fineract.hooksIdle();
    const before = h.repos.ledger.listPayments().length;

    await h.restart();
    await h.fineractClient.depositToSavingsAccount(
      savingsId,
      { transactionDate: today, transactionAmount: inv.amount, paymentTypeId: 2, receiptNumber: inv.code },
      { operationKey: 'deposit:saver-down-1' },
    );
    await h.fineract.hooksIdle();
    const lost = h.fineract.hookDeliveries.filter((d) => d.entityName === 'SAVINGSACCOUNT').at(-1);
    expect(lost?.status).toBeUndefined();

    await h.listen(port);
    await waitFor('the catch-up to record the deposit', () =>
      h.repos.ledger.listPayments().some((p) => p.invoiceId === inv.ledger.id),
    );
    await h.drain();
    const paid = h.repos.ledger.listPayments().filter((p) => p.invoiceId === inv.ledger.id);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ source: 'fineract-savings', state: 'matched', amount: inv.amount });
    expect(h.repos.ledger.listPayments()).toHaveLength(before + 1);
    expect(h.openimis.store.paymentNotices().filter((n) => n.subjectId === inv.uuid)).toHaveLength(1);

    const replay = await h.app.inject({
      method: 'POST',
      url: HOOK_PATH,
      headers: { ...lost!.headers, 'content-type': 'application/json' },
      payload: lost!.body,
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({
      issue: [{ diagnostics: expect.stringContaining('already recorded') }],
    });
    expect(await catchUpFineractPayments(h.app.payment)).toMatchObject({ recorded: 0 });
    expect(h.repos.ledger.listPayments()).toHaveLength(before + 1);
  }, 60_000);

  it('flags the invoices whose charges show money that no unrecorded transaction can be given to', async () => {
    h = await startHarness({ families: 2 });
    // No hook registered: Fineract tells the mediator nothing.
    const a = await h.seedInvoice(0);
    // A second open invoice of the same client, with its own charge.
    const sim = h.openimis.store.invoices().filter((i) => i.kind === 'invoice')[1]!;
    const today = new Date().toISOString().slice(0, 10);
    const second = await h.fineractClient.applyClientCharge(
      a.clientId,
      { chargeId: 1, amount: sim.amountTotal, dueDate: today },
      { operationKey: `charge:second:${sim.id}` },
    );
    const b = h.repos.ledger.upsertInvoice({
      openimisInvoiceId: sim.id,
      code: sim.code,
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: sim.thirdpartyId ?? sim.id,
      amount: sim.amountTotal,
      currency: sim.currency,
      invoiceDate: today,
    }).invoice;
    h.repos.ledger.attachFineractCharge(b.id, { clientId: a.clientId, chargeId: Number(second.resourceId) });
    // Both charges get a payment without receipt: which transaction pays which invoice cannot be told.
    for (const [chargeId, key] of [
      [a.chargeId, 'anon-a'],
      [Number(second.resourceId), 'anon-b'],
    ] as const) {
      await h.fineractClient.payClientCharge(
        a.clientId,
        chargeId,
        { amount: '1.00', transactionDate: today, paymentTypeId: 2 },
        { operationKey: `pay:${key}` },
      );
    }

    const report = await catchUpFineractPayments(h.app.payment);

    expect(report).toMatchObject({ checked: 2, recorded: 0, unexplained: 2 });
    expect(h.repos.ledger.listPayments()).toHaveLength(0);
    for (const id of [a.ledger.id, b.id]) {
      expect(h.repos.ledger.getInvoiceById(id)).toMatchObject({
        state: 'needs_attention',
        attentionReason: expect.stringContaining('neither the ledger nor an unrecorded charge payment'),
      });
    }
  }, 60_000);
  it('two catch-up runs at once (the interval and a reconciliation) record each lost payment once and flag nothing', async () => {
    h = await startHarness({ families: 3 });
    // No hook registered: the payments reach the ledger only through the catch-up.
    const seeded = [await h.seedInvoice(0), await h.seedInvoice(1), await h.seedInvoice(2)];
    for (const [i, inv] of seeded.entries()) {
      await h.pay(inv, inv.amount, `lost-${i}`);
    }

    // Both runs read the charges before either records: the one that loses the race finds the transactions
    // already in the ledger, which explains the money — it is not an unexplained payment.
    const [first, second] = await Promise.all([
      catchUpFineractPayments(h.app.payment),
      catchUpFineractPayments(h.app.payment),
    ]);

    expect(first.recorded + second.recorded).toBe(3);
    expect(first.unexplained + second.unexplained).toBe(0);
    const payments = h.repos.ledger.listPayments();
    expect(payments).toHaveLength(3);
    for (const inv of seeded) {
      expect(payments.filter((p) => p.invoiceId === inv.ledger.id && p.state === 'matched')).toHaveLength(1);
      expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
        state: 'paid',
        attentionReason: null,
      });
    }
  });

  it('does not flag an invoice whose hook recorded the payment while the catch-up read Fineract', async () => {
    h = await startHarness({ families: 1 });
    // No hook registered: the payment below reaches the ledger only as this test records it.
    const inv = await h.seedInvoice(0);
    const today = new Date().toISOString().slice(0, 10);
    await h.fineractClient.payClientCharge(
      inv.clientId,
      inv.chargeId,
      { amount: inv.amount, transactionDate: today, paymentTypeId: 2 },
      { operationKey: 'pay:race' },
    );
    const ctx = h.app.payment;
    // A restarted mediator catches up while Fineract's hook arrives: the hook records the payment after the catch-up
    // read the charge (money missing) and before it reads the client's transactions (none unrecorded any more).
    const racing: PaymentFlowContext = {
      ...ctx,
      fineract: Object.assign(Object.create(ctx.fineract) as PaymentFlowContext['fineract'], {
        listClientTransactions: async (
          ...args: Parameters<PaymentFlowContext['fineract']['listClientTransactions']>
        ) => {
          const page = await ctx.fineract.listClientTransactions(...args);
          for (const tx of page.pageItems ?? []) {
            if (ctx.repos.ledger.getPaymentBySource('fineract-charge', String(tx.id)) === undefined) {
              recordIncomingPayment(ctx, {
                source: 'fineract-charge',
                sourceTxnId: String(tx.id),
                invoice: ctx.repos.ledger.getInvoiceById(inv.ledger.id),
                amount: inv.amount,
                currency: undefined,
                requestText: catchUpRequestText(inv.chargeId, String(tx.id), inv.amount),
              });
            }
          }
          return page;
        },
      }),
    };

    const report = await catchUpFineractPayments(racing);

    expect(h.repos.ledger.listPayments({ invoiceId: inv.ledger.id })).toHaveLength(1);
    expect(report).toMatchObject({ checked: 1, recorded: 0, unexplained: 0 });
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)).toMatchObject({
      state: 'paid',
      attentionReason: null,
    });
  }, 60_000);
});
