import { getBusinessCode } from '@payment-layer/fhir-util';
import { AUTH, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  properties?: Record<string, unknown>;
}

describe('claim mediator: POST /sync/claims', () => {
  let h: Harness;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  const sync = async (): Promise<Envelope> =>
    (
      await h.app.inject({
        method: 'POST',
        url: '/sync/claims',
        headers: { authorization: AUTH, 'x-openhim-transactionid': `sync-${++tx}` },
      })
    ).json<Envelope>();

  it('pays every valuated claim once, pays nothing else, and a rerun pays nothing more', async () => {
    const valuated = h.claims(16).filter((c) => c.total?.some((t) => (t.amount?.value ?? 0) > 0));
    expect(valuated.length).toBeGreaterThan(1);
    const first = await sync();
    expect(first.properties).toMatchObject({
      claimsQueued: valuated.length,
      failed: 0,
      paid: valuated.length,
    });
    expect(first.properties?.claimsSkipped).toBe(
      h.openimis.store.list('ClaimResponse').length - valuated.length,
    );
    for (const claim of valuated) {
      expect(h.deposits(getBusinessCode(claim) ?? '')).toBe(1);
    }
    expect(h.fineract.state.savingsTransactions.size).toBe(valuated.length);
    // Bills are skipped under the default payout basis (claims).
    expect(h.repos.payouts.list({ kind: 'bill' })).toHaveLength(0);

    const again = await sync();
    expect(again.properties).toMatchObject({ claimsQueued: 0, paid: 0, failed: 0 });
    expect(h.fineract.state.savingsTransactions.size).toBe(valuated.length);
    // Two health facilities: each has one entity client and one payout account, however many claims it has.
    const facilities = new Set(h.repos.payouts.list({ limit: 1000 }).map((p) => p.facilityId));
    expect([...h.fineract.state.clients.values()].filter((c) => c.legalFormId === 2)).toHaveLength(
      facilities.size,
    );
    expect(h.fineract.state.savingsAccounts.size).toBe(facilities.size);
  });
});
