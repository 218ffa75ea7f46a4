import { getBusinessCode } from '@payment-layer/fhir-util';
import { createFineractClient, createOpenImisClient } from '@payment-layer/flows-runtime';
import { runDuePayouts } from '@payment-layer/flows-claim';
import { runDuePaymentSteps, type PaymentFlowContext } from '@payment-layer/flows-payment';
import { loadClaimEnv } from '../src/config';
import { AUTH, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  properties?: Record<string, unknown>;
}

// A claim-batch bill paid to its health facility is reported to openIMIS with exactly one PaymentNotice: the claim
// mediator records the paid bill in the shared payment ledger, and the payment flow's outbox (the payment mediator's
// worker, run here on the same staging file) posts the notice.

describe('claim mediator: claim-batch bills', () => {
  let h: Harness;
  let payments: PaymentFlowContext;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness({ config: { payoutBasis: 'bill' } });
    const env = loadClaimEnv(h.env);
    payments = {
      fineract: createFineractClient(env),
      openimis: createOpenImisClient(env),
      repos: h.repos,
      settings: () => ({
        verifyPaid: false,
        recordPremium: false,
        premiumPayType: 'C',
        noticeRecipient: 'Organization/openIMIS-Implementation',
        mutationTimeoutMs: 2_000,
        maxVerifyAttempts: 1,
      }),
      log: h.app.log,
    };
  });

  afterEach(async () => {
    await Promise.all([payments.fineract.close(), payments.openimis.close()]);
    await h.close();
  });

  async function post(body: unknown, url: string) {
    const res = await h.app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    return { status: res.statusCode, envelope: res.json<Envelope>() };
  }

  it('pays the bill once and sends exactly one PaymentNotice for its exact total, also after reruns', async () => {
    const bill = h.bills()[0];
    if (!bill?.id) {
      throw new Error('the simulator generated no claim-batch bill');
    }
    const code = getBusinessCode(bill) ?? '';
    const first = await post(bill, '/fhir/Invoice');
    expect(first.status).toBe(201);
    expect(first.envelope.properties).toMatchObject({ outcome: 'queued', payoutState: 'paid' });
    expect(h.deposits(code)).toBe(1);

    await runDuePaymentSteps(payments);
    const notices = () => h.openimis.store.paymentNotices().filter((p) => p.subjectId === bill.id);
    expect(notices()).toHaveLength(1);
    expect(h.openimis.store.invoice(bill.id)?.status).toBe(2);
    expect(h.repos.ledger.getInvoiceByOpenimisId(bill.id)).toMatchObject({ kind: 'bill', state: 'notified' });

    // Reruns: the same bill again, a worker run, the payment outbox again.
    expect((await post(bill, '/fhir/Invoice')).envelope.properties?.outcome).toBe('known');
    await runDuePayouts(h.app.claim);
    await runDuePaymentSteps(payments);
    expect(h.deposits(code)).toBe(1);
    expect(notices()).toHaveLength(1);
    expect(
      h.repos.ledger.listPayments({ invoiceId: h.repos.ledger.getInvoiceByOpenimisId(bill.id)!.id }),
    ).toHaveLength(1);
  });

  it('skips valuated claims when bills are the payout basis (a bill covers its claims)', async () => {
    const claim = h.claims(16)[0];
    const r = await post(claim, '/fhir/ClaimResponse');
    expect(r.envelope.properties?.outcome).toBe('skipped');
    expect(String(r.envelope.properties?.reason)).toMatch(/bill/);
    expect(h.fineract.state.savingsTransactions.size).toBe(0);
  });

  it('skips a contribution invoice', async () => {
    const invoice = h.openimis.store
      .list('Invoice')
      .find((i) => i.resourceType === 'Invoice' && i.type?.coding?.some((c) => c.code === 'contribution'));
    const r = await post(invoice, '/fhir/Invoice');
    expect(r.status).toBe(200);
    expect(r.envelope.properties?.outcome).toBe('skipped');
    expect(h.repos.payouts.list()).toHaveLength(0);
  });
});
