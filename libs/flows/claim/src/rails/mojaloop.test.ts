// The Mojaloop payer rail against the strict SDK simulator and the Fineract simulator (real servers on 127.0.0.1).
// The "worker" is a tiny in-memory progress store: every call of pay gets only what was saved (as JSON), and a
// crash is a save that throws — before or after the progress reached the store.
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { MojaloopClient } from '@payment-layer/mifos-mojaloop-client';
import {
  startFineractSimulator,
  startMojaloopSimulator,
  type FineractSimulator,
  type MojaloopSimulator,
} from '@payment-layer/sandbox';
import { parseAmount, subtractMoney } from '@payment-layer/shared-money';
import pino from 'pino';
import type { PayoutInstruction, RailContext, RailResult } from '../rail';
import { mojaloopProgress, mojaloopRail, releaseLostPost, type MojaloopRailOptions } from './mojaloop';

const FLOAT_START = '1000000.00';
const WALLET = { idType: 'MSISDN', idValue: '255700000001' };
const FEE_WALLET = { idType: 'MSISDN', idValue: '255700000002' };

class Crash extends Error {}

/** The payout row as the worker keeps it: only the saved progress survives a call. */
class Store {
  progress: Record<string, unknown> | null = null;
  readonly stages: string[] = [];
  /** Throw on the `nth` (default first) save of this stage; `kept`: whether that save reached the store first. */
  crashOn: { stage: string; kept: boolean; nth?: number } | undefined;
  private seen = 0;

  ctx(now: () => Date): RailContext {
    return {
      progress: this.progress === null ? null : (JSON.parse(JSON.stringify(this.progress)) as never),
      save: (p) => {
        let crash = false;
        if (this.crashOn !== undefined && p['stage'] === this.crashOn.stage) {
          this.seen += 1;
          crash = this.seen >= (this.crashOn.nth ?? 1);
        }
        if (crash && !this.crashOn!.kept) {
          this.crashOn = undefined;
          this.seen = 0;
          throw new Crash(`crash before saving ${String(p['stage'])}`);
        }
        this.progress = JSON.parse(JSON.stringify(p)) as Record<string, unknown>;
        this.stages.push(String(p['stage']));
        if (crash) {
          this.crashOn = undefined;
          this.seen = 0;
          throw new Crash(`crash after saving ${String(p['stage'])}`);
        }
      },
      log: pino({ level: 'silent' }),
      now,
    };
  }
}

describe('mojaloopRail against the SDK and Fineract simulators', () => {
  let clock: Date;
  let fineractSim: FineractSimulator;
  let sdk: MojaloopSimulator;
  let fineract: FineractClient;
  let mojaloop: MojaloopClient;
  let floatId: number;
  let store: Store;
  let seq = 0;

  const now = (): Date => clock;
  const later = (ms: number): void => {
    clock = new Date(clock.getTime() + ms);
  };

  const rail = (overrides: Partial<MojaloopRailOptions> = {}) =>
    mojaloopRail({
      mojaloop,
      fineract,
      floatSavingsAccountId: floatId,
      paymentTypeId: 2,
      payer: { idType: 'BUSINESS', idValue: 'SCHEME' },
      retryAfterMs: 10,
      ...overrides,
    });

  const instruction = (over: Partial<PayoutInstruction> = {}): PayoutInstruction => {
    seq += 1;
    return {
      payoutKey: `claim:00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      code: `CLM-${seq}`,
      amount: '150.50',
      currency: 'USD',
      facility: { id: 'hf-1', code: 'HF1', wallet: WALLET },
      ...over,
    };
  };

  const pay = (ins: PayoutInstruction, r = rail()): Promise<RailResult> => r.pay(ins, store.ctx(now));

  const floatBalance = (): string =>
    parseAmount(fineractSim.state.savingsAccounts.get(floatId)!.accountBalance, 'USD').amount;
  const floatTransactions = (receipt: string) =>
    [...fineractSim.state.savingsTransactions.values()].filter(
      (t) => t.savingsId === floatId && t.paymentDetail?.receiptNumber === receipt && !t.reversed,
    );
  const received = (w = WALLET): string | undefined => sdk.wallet(w.idType, w.idValue)?.balances.get('USD');
  const minus = (a: string, b: string): string =>
    subtractMoney(parseAmount(a, 'USD'), parseAmount(b, 'USD')).amount;

  beforeEach(async () => {
    clock = new Date();
    fineractSim = await startFineractSimulator({ clock: now });
    sdk = await startMojaloopSimulator({
      clock: now,
      wallets: [
        { ...WALLET, currencies: ['USD'] },
        { ...FEE_WALLET, currencies: ['USD'], payeeFspFee: '1.5' },
      ],
    });
    fineract = new FineractClient({
      baseUrl: fineractSim.baseUrl,
      tenantId: fineractSim.tenantId,
      username: fineractSim.username,
      password: fineractSim.password,
      timeoutMs: 2_000,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    mojaloop = new MojaloopClient({
      baseUrl: sdk.url,
      timeouts: { requestMs: 3_000, commitMs: 1_000, queryMs: 3_000 },
    });
    const today = clock.toISOString().slice(0, 10);
    const scheme = await fineract.createClient(
      {
        officeId: 1,
        legalFormId: 2,
        fullname: 'Scheme payout float',
        externalId: 'scheme-float',
        active: true,
        activationDate: today,
        submittedOnDate: today,
        savingsProductId: 1,
      },
      { operationKey: 'client:scheme-float' },
    );
    floatId = scheme.savingsId!;
    await fineract.depositToSavingsAccount(
      floatId,
      {
        transactionDate: today,
        transactionAmount: FLOAT_START,
        paymentTypeId: 1,
        receiptNumber: 'float-top-up',
      },
      { operationKey: 'deposit:float-top-up' },
    );
    store = new Store();
  });

  afterEach(async () => {
    await mojaloop.close();
    await fineract.close();
    await sdk.close();
    await fineractSim.close();
  });

  it('pays once: one transfer, one withdrawal of the approved amount, and a repeat call changes nothing', async () => {
    const ins = instruction();
    const result = await pay(ins);
    const transferId = mojaloopProgress(store.progress)?.transferId;
    expect(result).toEqual({ status: 'paid', reference: transferId });
    expect(sdk.postCount).toBe(1);
    expect(sdk.transfers.get(transferId!)?.homeTransactionId).toBe(ins.payoutKey);
    expect(received()).toBe('150.50');
    expect(floatTransactions(ins.code)).toHaveLength(1);
    expect(floatBalance()).toBe(minus(FLOAT_START, '150.50'));
    // Progress was saved before each external write, in order.
    expect(store.stages).toEqual(
      expect.arrayContaining(['posting', 'quoted', 'withdrawing', 'withdrawn', 'accepting', 'done']),
    );
    expect(store.stages.indexOf('withdrawing')).toBeLessThan(store.stages.indexOf('accepting'));

    expect(await pay(ins)).toEqual(result);
    expect(sdk.postCount).toBe(1);
    expect(floatTransactions(ins.code)).toHaveLength(1);
  });

  it('504 on acceptQuote after the switch committed: queried, paid once, no second transfer', async () => {
    const ins = instruction();
    sdk.faults.timeoutAfterCommit();
    // The first query gets no answer either: pending, and the next call queries again.
    sdk.faults.queryTimeout();
    const first = await pay(ins);
    expect(first).toMatchObject({ status: 'pending' });
    expect(mojaloopProgress(store.progress)?.stage).toBe('accepting');
    const second = await pay(ins);
    expect(second).toEqual({ status: 'paid', reference: mojaloopProgress(store.progress)?.transferId });
    expect(sdk.postCount).toBe(1);
    expect(received()).toBe('150.50');
    expect(floatTransactions(ins.code)).toHaveLength(1);
    expect(floatBalance()).toBe(minus(FLOAT_START, '150.50'));
  });

  it('no answer at all to acceptQuote (timeout after commit): the query finds COMMITTED, one transfer', async () => {
    const ins = instruction();
    sdk.faults.timeoutAfterCommit({ mode: 'hang' });
    const result = await pay(ins);
    expect(result).toMatchObject({ status: 'paid' });
    expect(sdk.postCount).toBe(1);
    expect(received()).toBe('150.50');
    expect(floatTransactions(ins.code)).toHaveLength(1);
  });

  it('a transfer the payee FSP rejects (500 5105, switch ABORTED) is refunded into the float once', async () => {
    const ins = instruction();
    sdk.faults.failNext('transfer', '5105', 'Payee FSP rejected transaction');
    const result = await pay(ins);
    expect(result).toMatchObject({ status: 'failed', compensated: true });
    expect(floatTransactions(ins.code)).toHaveLength(1);
    expect(floatTransactions(`refund-${ins.code}`)).toHaveLength(1);
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, 'USD').amount);
    expect(received()).toBeUndefined();
    expect(await pay(ins)).toEqual(result);
    expect(floatTransactions(`refund-${ins.code}`)).toHaveLength(1);
    expect(sdk.postCount).toBe(1);
  });

  it('500 3204 on acceptQuote is not taken as final: nothing is refunded until a query confirms the abort', async () => {
    const ins = instruction();
    sdk.faults.failNext('transfer', '3204', 'Party not found');
    sdk.faults.queryTimeout();
    const first = await pay(ins);
    expect(first).toMatchObject({ status: 'pending' });
    expect(floatTransactions(`refund-${ins.code}`)).toHaveLength(0);
    expect(floatBalance()).toBe(minus(FLOAT_START, '150.50'));
    expect(await pay(ins)).toMatchObject({ status: 'failed', compensated: true });
    expect(floatTransactions(`refund-${ins.code}`)).toHaveLength(1);
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, 'USD').amount);
    expect(sdk.postCount).toBe(1);
  });

  it('a prepare the switch expires (504, then ABORTED on query) is refunded; a crash mid-refund refunds once', async () => {
    const ins = instruction();
    sdk.faults.timeoutBeforeCommit();
    // Saves of `refunding`: before the deposit, its Idempotency-Key attempt, its transaction id (lost here).
    store.crashOn = { stage: 'refunding', kept: false, nth: 3 };
    await expect(pay(ins)).rejects.toThrow(Crash);
    expect(floatTransactions(`refund-${ins.code}`)).toHaveLength(1);
    // The refund was booked but not recorded: the next call reads the float back by receipt.
    expect(mojaloopProgress(store.progress)?.stage).toBe('refunding');
    expect(await pay(ins)).toMatchObject({ status: 'failed', compensated: true });
    expect(floatTransactions(`refund-${ins.code}`)).toHaveLength(1);
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, 'USD').amount);
  });

  it('a quote with a payee FSP fee is not accepted and nothing is withdrawn', async () => {
    const ins = instruction({ facility: { id: 'hf-2', code: 'HF2', wallet: FEE_WALLET } });
    const result = await pay(ins);
    expect(result).toMatchObject({ status: 'failed', compensated: false });
    expect((result as { reason: string }).reason).toMatch(/fee 1\.50 USD exceeds/);
    const transferId = mojaloopProgress(store.progress)?.transferId;
    expect(sdk.transfers.get(transferId!)?.currentState).toBe('ABORTED');
    expect(floatTransactions(ins.code)).toHaveLength(0);
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, 'USD').amount);
    expect(received(FEE_WALLET)).toBeUndefined();
  });

  it('a fee within maxFee is paid by the scheme: the float gives amount + fee, the payee gets the amount', async () => {
    const ins = instruction({ facility: { id: 'hf-2', code: 'HF2', wallet: FEE_WALLET } });
    const result = await pay(ins, rail({ maxFee: '2' }));
    expect(result).toMatchObject({ status: 'paid' });
    expect(received(FEE_WALLET)).toBe('150.50');
    expect(floatBalance()).toBe(minus(FLOAT_START, '152.00'));
  });

  it('an expired quote is not accepted and nothing is withdrawn', async () => {
    const ins = instruction();
    store.crashOn = { stage: 'quoted', kept: true };
    await expect(pay(ins)).rejects.toThrow(Crash);
    later(61_000);
    const result = await pay(ins);
    expect(result).toMatchObject({ status: 'failed', compensated: false });
    expect((result as { reason: string }).reason).toMatch(/expired/);
    expect(floatTransactions(ins.code)).toHaveLength(0);
  });

  it('crash after the withdrawal before acceptQuote: resumes and pays, one withdrawal', async () => {
    const ins = instruction();
    store.crashOn = { stage: 'withdrawn', kept: true };
    await expect(pay(ins)).rejects.toThrow(Crash);
    expect(floatTransactions(ins.code)).toHaveLength(1);
    expect(await pay(ins)).toMatchObject({ status: 'paid' });
    expect(floatTransactions(ins.code)).toHaveLength(1);
    expect(sdk.postCount).toBe(1);
    expect(received()).toBe('150.50');
  });

  it('crash after Fineract booked the withdrawal but before it was recorded: read back by receipt, one withdrawal', async () => {
    const ins = instruction();
    store.crashOn = { stage: 'withdrawn', kept: false };
    await expect(pay(ins)).rejects.toThrow(Crash);
    expect(mojaloopProgress(store.progress)?.stage).toBe('withdrawing');
    expect(await pay(ins)).toMatchObject({ status: 'paid' });
    expect(floatTransactions(ins.code)).toHaveLength(1);
    expect(floatBalance()).toBe(minus(FLOAT_START, '150.50'));
  });

  it('a Fineract timeout after the withdrawal committed: same key on retry, one withdrawal', async () => {
    const ins = instruction();
    fineractSim.faults.timeoutAfterCommit(
      { method: 'POST', path: /^\/savingsaccounts\/\d+\/transactions\?command=withdrawal$/ },
      { delayMs: 3_000 },
    );
    expect(await pay(ins)).toMatchObject({ status: 'paid' });
    expect(floatTransactions(ins.code)).toHaveLength(1);
  });

  it('crash after acceptQuote was saved but before it was sent: 3208 waits for the prepare expiry, then refunds', async () => {
    const ins = instruction();
    store.crashOn = { stage: 'accepting', kept: true };
    await expect(pay(ins)).rejects.toThrow(Crash);
    const waiting = await pay(ins);
    expect(waiting).toMatchObject({ status: 'pending' });
    expect((waiting as { reason: string }).reason).toMatch(/not known to the switch/);
    later(91_000);
    expect(await pay(ins)).toMatchObject({ status: 'failed', compensated: true });
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, 'USD').amount);
    expect(received()).toBeUndefined();
    expect(sdk.postCount).toBe(1);
  });

  it('500 3204 (payee not found) on POST: failed, nothing withdrawn', async () => {
    const ins = instruction({
      facility: { id: 'hf-3', code: 'HF3', wallet: { idType: 'MSISDN', idValue: '255799999999' } },
    });
    const result = await pay(ins);
    expect(result).toMatchObject({ status: 'failed', compensated: false });
    expect((result as { reason: string }).reason).toMatch(/3204/);
    expect(floatTransactions(ins.code)).toHaveLength(0);
  });

  it('an SDK 504 on POST naming a transfer the switch never saw: posted again under the same homeTransactionId', async () => {
    const ins = instruction();
    sdk.faults.postTimeout();
    expect(await pay(ins)).toMatchObject({ status: 'paid' });
    expect(sdk.postCount).toBe(2);
    const p = mojaloopProgress(store.progress)!;
    expect(p.abandoned).toHaveLength(1);
    expect([...sdk.transfers.values()].map((t) => t.homeTransactionId)).toEqual([
      ins.payoutKey,
      ins.payoutKey,
    ]);
    expect(received()).toBe('150.50');
    expect(floatTransactions(ins.code)).toHaveLength(1);
  });

  it('a POST whose answer is lost waits for an operator; never re-posted until released', async () => {
    const ins = instruction();
    sdk.faults.postTimeout({ mode: 'hang' });
    const first = await pay(ins);
    expect(first).toMatchObject({ status: 'pending' });
    expect(await pay(ins)).toMatchObject({ status: 'pending' });
    expect(sdk.postCount).toBe(1);
    expect(floatTransactions(ins.code)).toHaveLength(0);
    store.progress = releaseLostPost(store.progress);
    expect(await pay(ins)).toMatchObject({ status: 'paid' });
    expect(sdk.postCount).toBe(2);
    expect(received()).toBe('150.50');
  });

  it('a payout in another currency than the float is refused before any transfer', async () => {
    const ins = instruction({ currency: 'TZS' });
    expect(await pay(ins)).toMatchObject({ status: 'failed', compensated: false });
    expect(sdk.postCount).toBe(0);
  });

  it('a payout whose amount changes after the transfer started is held for an operator, its progress kept', async () => {
    const ins = instruction();
    store.crashOn = { stage: 'withdrawn', kept: true };
    await expect(pay(ins)).rejects.toThrow(Crash);
    const saved = JSON.stringify(store.progress);
    const result = await pay({ ...ins, amount: '200.00' });
    expect(result).toMatchObject({ status: 'pending' });
    expect((result as { reason: string }).reason).toMatch(/changed/);
    expect(JSON.stringify(store.progress)).toBe(saved);
    expect(await pay(ins)).toMatchObject({ status: 'paid' });
    expect(floatTransactions(ins.code)).toHaveLength(1);
  });

  it('insufficient float: Fineract refuses the withdrawal, the quote is rejected, nothing moves', async () => {
    const ins = instruction({ amount: '2000000' });
    const result = await pay(ins);
    expect(result).toMatchObject({ status: 'failed', compensated: false });
    expect((result as { reason: string }).reason).toMatch(/insufficient/);
    expect(sdk.transfers.get(mojaloopProgress(store.progress)!.transferId!)?.currentState).toBe('ABORTED');
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, 'USD').amount);
  });
});
