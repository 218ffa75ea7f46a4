import { type FineractSimulator, startFineractSimulator } from './index';
import { call, codes, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');
const deposit = (amount: string): Record<string, unknown> => ({
  transactionDate: '2024-02-01',
  dateFormat: 'yyyy-MM-dd',
  locale: 'en',
  transactionAmount: amount,
  paymentTypeId: 1,
});

describe('Fineract simulator: Idempotency-Key', () => {
  let sim: FineractSimulator;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock });
    await call(sim, 'POST', '/clients', personClient({ savingsProductId: 1 }));
    await call(sim, 'POST', '/clients', personClient({ firstname: 'B', savingsProductId: 1 }));
  });

  afterEach(async () => {
    await sim.close();
  });

  it('replays a processed command with its stored answer and x-served-from-cache, without running it again', async () => {
    const key = { 'idempotency-key': 'deposit:abc:1' };
    const first = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit('10'),
      key,
    );
    const second = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit('10'),
      key,
    );
    expect(first.status).toBe(200);
    expect(first.headers['x-served-from-cache']).toBeUndefined();
    expect(second.status).toBe(200);
    expect(second.headers['x-served-from-cache']).toBe('true');
    expect(second.text).toBe(first.text);
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('10.00');
  });

  it('ignores the resource id and the body: same action + entity + key returns the first answer', async () => {
    const key = { 'idempotency-key': 'deposit:reused' };
    const first = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit('10'),
      key,
    );
    const other = await call(
      sim,
      'POST',
      '/savingsaccounts/2/transactions?command=deposit',
      deposit('99'),
      key,
    );
    expect(other.status).toBe(200);
    expect(other.text).toBe(first.text);
    expect(sim.state.savingsAccounts.get(2)?.accountBalance).toBe('0.00');
  });

  it('keeps keys of different actions apart', async () => {
    const key = { 'idempotency-key': 'shared-key' };
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', deposit('10'), key);
    const withdrawal = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=withdrawal',
      deposit('4'),
      key,
    );
    expect(withdrawal.headers['x-served-from-cache']).toBeUndefined();
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('6.00');
  });

  it('replays a stored error even after the data would allow the command', async () => {
    const key = { 'idempotency-key': 'withdraw:1' };
    const failed = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=withdrawal',
      deposit('5'),
      key,
    );
    expect(failed.status).toBe(403);
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', deposit('50'));
    const replay = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=withdrawal',
      deposit('5'),
      key,
    );
    expect(replay.status).toBe(403);
    expect(replay.headers['x-served-from-cache']).toBe('true');
    expect(codes(replay)).toEqual(['error.msg.savingsaccount.transaction.insufficient.account.balance']);
    const fresh = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=withdrawal',
      deposit('5'),
      { 'idempotency-key': 'withdraw:2' },
    );
    expect(fresh.status).toBe(200);
  });

  it('replays stored validation errors too', async () => {
    const key = { 'idempotency-key': 'client-create:x:1' };
    const first = await call(sim, 'POST', '/clients', { officeId: 1 }, key);
    const second = await call(sim, 'POST', '/clients', personClient(), key);
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.text).toBe(first.text);
    expect(second.headers['x-served-from-cache']).toBe('true');
  });

  it('answers 425 with x-served-from-cache while the first request is still being processed', async () => {
    sim.faults.latencyMs = 300;
    const key = { 'idempotency-key': 'deposit:slow:1' };
    const slow = call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', deposit('10'), key);
    await new Promise((r) => setTimeout(r, 100));
    sim.faults.latencyMs = 0;
    const early = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit('10'),
      key,
    );
    expect(early.status).toBe(425);
    expect(early.headers['x-served-from-cache']).toBe('true');
    expect(early.text).toBe('');
    expect((await slow).status).toBe(200);
    const late = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit('10'),
      key,
    );
    expect(late.status).toBe(200);
    expect(late.headers['x-served-from-cache']).toBe('true');
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('10.00');
  });

  it('keeps no record of a request whose body is not JSON (parsed before the command is stored)', async () => {
    const key = { 'idempotency-key': 'deposit:broken:1' };
    const broken = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      '{"transactionAmount": ',
      key,
    );
    expect(broken.status).toBe(400);
    expect(sim.state.idempotency.size).toBe(0);
    const fixed = await call(
      sim,
      'POST',
      '/savingsaccounts/1/transactions?command=deposit',
      deposit('10'),
      key,
    );
    expect(fixed.status).toBe(200);
    expect(fixed.headers['x-served-from-cache']).toBeUndefined();
  });

  it('processes every request without a key', async () => {
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', deposit('10'));
    await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', deposit('10'));
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('20.00');
    expect(sim.state.idempotency.size).toBe(0);
  });

  it('refuses a key longer than the 50-character column', async () => {
    const res = await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', deposit('10'), {
      'idempotency-key': 'k'.repeat(51),
    });
    expect(res.status).toBe(500);
    expect(sim.state.savingsTransactions.size).toBe(0);
  });
});
