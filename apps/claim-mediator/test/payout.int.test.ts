import type { ClaimResponse } from 'fhir/r4';
import { getBusinessCode } from '@payment-layer/fhir-util';
import { runDuePayouts } from '@payment-layer/flows-claim';
import { handleFineractHook, type PaymentFlowContext } from '@payment-layer/flows-payment';
import { savingsDepositHook } from '@payment-layer/mifos-fineract-client/testing';
import { buildApp } from '../src/app';
import { loadClaimEnv } from '../src/config';
import { AUTH, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  status?: string;
  properties?: Record<string, unknown>;
}

describe('claim mediator: valuated claims pay their health facility exactly once', () => {
  let h: Harness;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  async function post(body: unknown, url = '/fhir/ClaimResponse') {
    const res = await h.app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    const envelope = res.json<Envelope>();
    return {
      status: res.statusCode,
      envelope,
      body: JSON.parse(envelope.response.body) as Record<string, unknown>,
    };
  }

  function valuated(): ClaimResponse {
    const claim = h.claims(16).find((c) => c.total?.some((t) => (t.amount?.value ?? 0) > 0));
    if (!claim) {
      throw new Error('the simulator generated no valuated claim');
    }
    return claim;
  }

  it('deposits the valuated amount once into the facility account, and a duplicate POST pays nothing more', async () => {
    const claim = valuated();
    const code = getBusinessCode(claim) ?? '';
    const first = await post(claim);
    expect(first.status).toBe(201);
    expect(first.envelope.properties).toMatchObject({
      outcome: 'queued',
      payoutState: 'paid',
      rail: 'fineract',
    });
    expect(h.deposits(code)).toBe(1);
    const deposit = [...h.fineract.state.savingsTransactions.values()].find(
      (t) => t.paymentDetail?.receiptNumber === code,
    );
    const total = claim.total?.find((t) => t.category.coding?.some((c) => c.code === '16'));
    expect(Number(deposit?.amount)).toBe(total?.amount?.value);
    // The facility is an active entity client (legalFormId 2) with the account the money went to.
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`);
    expect(payout).toMatchObject({ state: 'paid', reference: String(deposit?.id) });
    const account = h.fineract.state.savingsAccounts.get(deposit?.savingsId ?? -1);
    const client = h.fineract.state.clients.get(account?.clientId ?? -1);
    expect(client?.legalFormId).toBe(2);
    expect(client?.externalId).toBe(payout?.facilityId);

    const again = await post(claim);
    expect(again.status).toBe(200);
    expect(again.envelope.properties).toMatchObject({ outcome: 'known', payoutState: 'paid' });
    await runDuePayouts(h.app.claim);
    expect(h.deposits(code)).toBe(1);
    expect(h.repos.payouts.list()).toHaveLength(1);
  });

  it('pays a checked (not valuated) claim nothing and says why', async () => {
    const checked = h.claims(4)[0] ?? h.claims(8)[0] ?? h.claims(2)[0];
    if (!checked) {
      throw new Error('the simulator generated no claim short of valuation');
    }
    const r = await post(checked);
    expect(r.status).toBe(200);
    expect(r.envelope.properties?.outcome).toBe('skipped');
    expect(String(r.envelope.properties?.reason)).toMatch(/not valuated/);
    expect(JSON.stringify(r.body)).toMatch(/not valuated/);
    expect(h.repos.payouts.list()).toHaveLength(0);
    expect(h.fineract.state.savingsTransactions.size).toBe(0);
  });

  it('pays a rejected claim nothing', async () => {
    const rejected = h.claims(1)[0];
    if (!rejected) {
      throw new Error('the simulator generated no rejected claim');
    }
    const r = await post(rejected);
    expect(r.envelope.properties?.outcome).toBe('skipped');
    expect(h.repos.payouts.list()).toHaveLength(0);
  });

  it('answers 400 for a ClaimResponse that is not valid FHIR, and records nothing', async () => {
    const r = await post({ resourceType: 'ClaimResponse', status: 42 });
    expect(r.status).toBe(400);
    expect(h.repos.payouts.list()).toHaveLength(0);
  });

  it('deposits once when Fineract commits the deposit and its answer is lost', async () => {
    const claim = valuated();
    const code = getBusinessCode(claim) ?? '';
    h.fineract.faults.timeoutAfterCommit(
      { method: 'POST', path: /^\/savingsaccounts\/\d+\/transactions\?command=deposit/ },
      { count: 1, then: { status: 500 } },
    );
    const started = Date.now();
    const r = await post(claim);
    // The fault fired: the first deposit went unanswered for the whole client time limit (1.5 s).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(h.deposits(code)).toBe(1);
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`);
    if (payout?.state !== 'paid') {
      // Still unknown in this request (retries spent): the next run reads the deposit back instead of paying again.
      expect(r.status).toBe(202);
      h.fineract.faults.reset();
      await runDuePayouts({ ...h.app.claim, now: () => new Date(Date.now() + 3_600_000) });
    }
    expect(h.repos.payouts.getByKey(`claim:${claim.id}`)?.state).toBe('paid');
    expect(h.deposits(code)).toBe(1);
    await post(claim);
    expect(h.deposits(code)).toBe(1);
  });

  it('keeps a payout routed to Mojaloop waiting, visibly, when no Mojaloop rail is configured', async () => {
    await h.app.close();
    h.app = await buildApp({
      env: loadClaimEnv({ ...h.env, PAYOUT_RAIL: 'mojaloop' }),
      logLevel: 'silent',
      payoutWorker: false,
    });
    const claim = valuated();
    const r = await post(claim);
    expect(r.status).toBe(202);
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`);
    expect(payout).toMatchObject({ rail: 'mojaloop', state: 'pending' });
    expect(payout?.lastError).toMatch(/no mojaloop rail/);
    expect(h.fineract.state.savingsTransactions.size).toBe(0);
  });
});

describe('the payment mediator and the claim payout deposits', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('keeps the Fineract hook of a claim payout deposit as ignored, not as unexplained money', async () => {
    const claim = h.claims(16).find((c) => c.total?.some((t) => (t.amount?.value ?? 0) > 0));
    if (!claim) {
      throw new Error('the simulator generated no valuated claim');
    }
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/ClaimResponse',
      headers: { authorization: AUTH, 'x-openhim-transactionid': 'tx-hook' },
      payload: claim as object,
    });
    expect(res.statusCode).toBe(201);
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`)!;
    const tx = h.fineract.state.savingsTransactions.get(Number(payout.reference))!;
    const delivery = savingsDepositHook({
      request: {
        transactionDate: tx.date,
        transactionAmount: payout.amount,
        paymentTypeId: 1,
        receiptNumber: payout.code,
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
      },
      response: { savingsId: tx.savingsId, resourceId: tx.id, changes: {} },
    });
    const payments = {
      ...h.app.claim,
      settings: () => {
        throw new Error('unused');
      },
    } as unknown as PaymentFlowContext;
    const outcome = handleFineractHook(payments, {
      headers: delivery.headers,
      body: JSON.stringify(delivery.body),
    });
    expect(outcome.outcome).toBe('ignored');
    expect(outcome.payment.reason).toMatch(/claim payout/);

    // The refund of a failed payout into the scheme's float (receipt `refund-<code>`) is not money in either.
    const refund = savingsDepositHook({
      request: {
        transactionDate: tx.date,
        transactionAmount: payout.amount,
        paymentTypeId: 1,
        receiptNumber: `refund-${payout.code}`,
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
      },
      response: { savingsId: 999, resourceId: tx.id + 1000, changes: {} },
    });
    const refunded = handleFineractHook(payments, {
      headers: refund.headers,
      body: JSON.stringify(refund.body),
    });
    expect(refunded.outcome).toBe('ignored');
    expect(refunded.payment.reason).toMatch(/refund of payout/);
    expect(h.repos.ledger.listPayments({ state: 'needs_attention' })).toHaveLength(0);
  });
});
