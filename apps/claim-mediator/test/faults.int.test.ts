import type { ClaimResponse } from 'fhir/r4';
import { getBusinessCode } from '@payment-layer/fhir-util';
import { runDuePayouts } from '@payment-layer/flows-claim';
import { AUTH, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  status?: string;
  properties?: Record<string, unknown>;
}

describe('claim mediator: upstream failures', () => {
  let h: Harness;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  async function post(body: unknown) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/ClaimResponse',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    const envelope = res.json<Envelope>();
    return { status: res.statusCode, envelope };
  }

  function valuated(): ClaimResponse {
    const claim = h.claims(16).find((c) => c.total?.some((t) => (t.amount?.value ?? 0) > 0));
    if (!claim) {
      throw new Error('the simulator generated no valuated claim');
    }
    return claim;
  }

  const later = () => new Date(Date.now() + 3_600_000);
  const deposit = /^\/savingsaccounts\/\d+\/transactions\?command=deposit/;

  it('fails a payout Fineract refuses (403), says why, and an operator retry pays it once', async () => {
    const claim = valuated();
    const code = getBusinessCode(claim) ?? '';
    h.fineract.faults.failNext({ method: 'POST', path: deposit }, 403);
    const r = await post(claim);
    expect(r.status).toBe(422);
    expect(r.envelope.properties).toMatchObject({ payoutState: 'failed' });
    expect(JSON.parse(r.envelope.response.body)).toMatchObject({ issue: [{ severity: 'error' }] });
    expect(h.deposits(code)).toBe(0);
    // Failed stays failed (visible), the worker does not pick it up again on its own.
    expect(await runDuePayouts({ ...h.app.claim, now: later })).toEqual([]);

    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`)!;
    h.repos.payouts.retry(payout.id);
    expect(await runDuePayouts(h.app.claim)).toEqual([expect.objectContaining({ state: 'paid' })]);
    expect(h.deposits(code)).toBe(1);
  });

  it('keeps a payout pending while Fineract answers 503, and pays it once when Fineract is back', async () => {
    const claim = valuated();
    const code = getBusinessCode(claim) ?? '';
    // Only the deposit meets the outage (client and account writes go through).
    h.fineract.faults.failNext({ method: 'POST', path: deposit }, 503, undefined, 100);
    const r = await post(claim);
    expect(r.status).toBe(202);
    expect(r.envelope.status).toBe('Processing');
    expect(h.repos.payouts.getByKey(`claim:${claim.id}`)?.lastError).toMatch(/unavailable|503/);
    expect(h.deposits(code)).toBe(0);
    h.fineract.faults.reset();
    await runDuePayouts({ ...h.app.claim, now: later });
    expect(h.repos.payouts.getByKey(`claim:${claim.id}`)?.state).toBe('paid');
    expect(h.deposits(code)).toBe(1);
  });

  it('answers 502/503 when openIMIS is down while the facility is looked up, and records nothing', async () => {
    await h.openimis.setDown(true, '503');
    const r = await post(valuated());
    expect([502, 503]).toContain(r.status);
    expect(h.repos.payouts.list()).toHaveLength(0);
    expect(h.fineract.state.savingsTransactions.size).toBe(0);
  });
});
