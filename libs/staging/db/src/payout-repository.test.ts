import { createTempStagingDb, type TempStagingDb } from './testing';
import { createRepositories, PayoutLeaseLostError, type NewPayout, type StagingRepositories } from './index';

const HF_A = '11111111-1111-4111-8111-111111111111';
const HF_B = '22222222-2222-4222-8222-222222222222';

function payout(n: number, facilityId: string, extra: Partial<NewPayout> = {}): NewPayout {
  return {
    kind: 'claim',
    sourceId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    code: `CLM${n}`,
    facilityId,
    facilityCode: facilityId === HF_A ? 'HFA' : 'HFB',
    amount: '150.50',
    currency: 'USD',
    rail: 'fineract',
    ...extra,
  };
}

describe('PayoutRepository', () => {
  let temp: TempStagingDb;
  let repos: StagingRepositories;
  const now = new Date('2026-12-04T10:00:00Z');
  const claim = (at: Date = now) =>
    repos.payouts.claimDue({ now: at, limit: 10, leaseMs: 30_000, rails: ['fineract'] });

  beforeEach(() => {
    temp = createTempStagingDb();
    repos = createRepositories(temp.db, { clock: () => now });
  });

  afterEach(() => {
    temp.cleanup();
  });

  it('records one payout per claim and reports what changed on a repeat', () => {
    expect(repos.payouts.recordPayout(payout(1, HF_A)).created).toBe(true);
    const again = repos.payouts.recordPayout(payout(1, HF_A, { amount: '150.5' }));
    expect(again).toMatchObject({ created: false, changed: [] });
    expect(repos.payouts.recordPayout(payout(1, HF_A, { amount: '99.00' })).changed).toEqual(['amount']);
    expect(repos.payouts.list()).toHaveLength(1);
    expect(() => repos.payouts.recordPayout(payout(2, HF_A, { amount: '0.00' }))).toThrow(
      /greater than zero/,
    );
  });

  it('leases at most one payout per facility, and the next only once the first is finished', () => {
    repos.payouts.recordPayout(payout(1, HF_A));
    repos.payouts.recordPayout(payout(2, HF_A));
    repos.payouts.recordPayout(payout(3, HF_B));
    const first = claim();
    expect(first.map((p) => p.code)).toEqual(['CLM1', 'CLM3']);
    expect(claim()).toEqual([]);
    const a = first[0]!;
    repos.payouts.finish({ id: a.id, attempt: a.attempts }, { state: 'paid', reference: '42' });
    expect(claim().map((p) => p.code)).toEqual(['CLM2']);
  });

  it('fences a worker whose lease expired and was taken over', () => {
    repos.payouts.recordPayout(payout(1, HF_A));
    const [old] = claim();
    const stale = { id: old!.id, attempt: old!.attempts };
    repos.payouts.saveProgress(stale, { attempt: 1 });
    const [taken] = claim(new Date(now.getTime() + 31_000));
    expect(taken?.attempts).toBe(2);
    expect(() => {
      repos.payouts.saveProgress(stale, { attempt: 2 });
    }).toThrow(PayoutLeaseLostError);
    expect(() => repos.payouts.finish(stale, { state: 'paid', reference: 'x' })).toThrow(
      PayoutLeaseLostError,
    );
    expect(repos.payouts.getById(old!.id)).toMatchObject({
      state: 'in_flight',
      railProgress: '{"attempt":1}',
    });
  });

  it('leaves payouts of a rail that is not configured waiting, with the reason noted', () => {
    repos.payouts.recordPayout(payout(1, HF_A, { rail: 'mojaloop' }));
    expect(claim()).toEqual([]);
    expect(repos.payouts.noteWaiting('mojaloop', 'no mojaloop rail')).toBe(1);
    expect(repos.payouts.noteWaiting('mojaloop', 'no mojaloop rail')).toBe(0);
    expect(repos.payouts.list()[0]).toMatchObject({ state: 'pending', lastError: 'no mojaloop rail' });
  });
});
