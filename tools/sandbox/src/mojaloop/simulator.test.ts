import {
  checkQuote,
  isUnknownOutcome,
  MojaloopClient,
  MojaloopError,
  transferOutcome,
  type TransferRequest,
} from '@payment-layer/mifos-mojaloop-client';
import { UpstreamTimeoutError } from '@payment-layer/shared-errors';
import { money } from '@payment-layer/shared-money';
import { startMojaloopSimulator, type MojaloopSimulator } from './simulator';

const FACILITY = {
  idType: 'MSISDN',
  idValue: '255700000001',
  displayName: 'Dispensary',
  currencies: ['TZS'],
};

function payout(overrides: Partial<TransferRequest> = {}): TransferRequest {
  return {
    homeTransactionId: 'claim:CLM-1:1',
    from: { idType: 'BUSINESS', idValue: 'NHIF' },
    to: { idType: 'MSISDN', idValue: FACILITY.idValue },
    amountType: 'RECEIVE',
    currency: 'TZS',
    amount: '150000.50',
    transactionType: 'TRANSFER',
    ...overrides,
  };
}

async function rawPost(
  sim: MojaloopSimulator,
  path: string,
  body: unknown,
  method = 'POST',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Mojaloop SDK simulator (outbound API)', () => {
  let sim: MojaloopSimulator;
  let client: MojaloopClient;
  beforeEach(async () => {
    sim = await startMojaloopSimulator({ wallets: [FACILITY] });
    client = new MojaloopClient({ baseUrl: sim.url, timeouts: { commitMs: 500 } });
  });
  afterEach(async () => {
    await client.close();
    await sim.close();
  });

  it('stops at WAITING_FOR_QUOTE_ACCEPTANCE, then commits on acceptQuote and credits the payee once', async () => {
    const waiting = await client.postTransfer(payout());
    expect(waiting.currentState).toBe('WAITING_FOR_QUOTE_ACCEPTANCE');
    expect(transferOutcome(waiting).outcome).toBe('pending');
    expect(checkQuote(waiting, { amount: money('150000.50', 'TZS') }).ok).toBe(true);
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.get('TZS')).toBeUndefined();

    const done = await client.acceptQuote(waiting.transferId!);
    expect(done.currentState).toBe('COMPLETED');
    expect(done.fulfil?.body?.transferState).toBe('COMMITTED');
    expect(transferOutcome(done).outcome).toBe('paid');
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.get('TZS')).toBe('150000.50');

    // A repeated accept answers the stored state: nothing moves twice.
    await client.acceptQuote(waiting.transferId!);
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.get('TZS')).toBe('150000.50');
    expect(transferOutcome(await client.getTransfer(waiting.transferId!)).outcome).toBe('paid');
  });

  it('rejects amounts outside the Amount pattern, JSON numbers and unknown fields with 400', async () => {
    const bad = await rawPost(sim, '/transfers', { ...payout(), amount: '100.50' });
    expect(bad.status).toBe(400);
    expect(String(bad.body['message'])).toMatch(/must match pattern/);
    expect((await rawPost(sim, '/transfers', { ...payout(), amount: 100.5 })).status).toBe(400);
    expect(
      (await rawPost(sim, '/transfers', { ...payout(), amount: '150000.5', transferId: 'x' })).status,
    ).toBe(400);
    expect((await rawPost(sim, '/transfers', { ...payout(), amount: '1.234' })).status).toBe(400);
    expect(sim.postCount).toBe(0);
  });

  it('answers 500 with statusCode 3204 for an unknown payee', async () => {
    const err = (await client
      .postTransfer(payout({ to: { idType: 'MSISDN', idValue: '255799999999' } }))
      .catch((e: unknown) => e)) as MojaloopError;
    expect(err).toBeInstanceOf(MojaloopError);
    expect(err.httpStatus).toBe(500);
    expect(err.errorCode).toBe('3204');
    expect(transferOutcome(err.transferState, err.httpStatus).outcome).toBe('failed');
  });

  it('answers the undocumented ABORTED to a rejected quote; the switch never saw the transfer', async () => {
    const waiting = await client.postTransfer(payout());
    const aborted = await client.acceptQuote(waiting.transferId!, false);
    expect(aborted.currentState).toBe('ABORTED');
    expect(transferOutcome(aborted).outcome).toBe('failed');
    const err = (await client.getTransfer(waiting.transferId!).catch((e: unknown) => e)) as MojaloopError;
    expect(err.errorCode).toBe('3208');
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.size).toBe(0);
  });

  it('does not de-duplicate homeTransactionId: a re-post is a second transfer', async () => {
    const a = await client.postTransfer(payout());
    const b = await client.postTransfer(payout());
    expect(a.transferId).not.toBe(b.transferId);
    expect(sim.postCount).toBe(2);
    await client.acceptQuote(a.transferId!);
    await client.acceptQuote(b.transferId!);
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.get('TZS')).toBe('300001.00');
  });

  it('commits but answers 504 (timeout after commit): unknown until queried, then paid', async () => {
    const waiting = await client.postTransfer(payout());
    sim.faults.timeoutAfterCommit();
    const err = (await client.acceptQuote(waiting.transferId!).catch((e: unknown) => e)) as MojaloopError;
    expect(err.httpStatus).toBe(504);
    expect(isUnknownOutcome(err)).toBe(true);
    expect(transferOutcome(err.transferState, 504).outcome).toBe('unknown');
    expect(err.transferId).toBe(waiting.transferId);
    // The SDK's model is errored: a PUT now answers 204 without a body.
    expect(transferOutcome(await client.acceptQuote(waiting.transferId!)).outcome).toBe('unknown');
    expect(transferOutcome(await client.getTransfer(waiting.transferId!)).outcome).toBe('paid');
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.get('TZS')).toBe('150000.50');
  });

  it('times out before the commit: the switch expires the transfer and a query shows it failed', async () => {
    const waiting = await client.postTransfer(payout());
    sim.faults.timeoutBeforeCommit();
    const err = await client.acceptQuote(waiting.transferId!).catch((e: unknown) => e);
    expect(isUnknownOutcome(err)).toBe(true);
    const state = await client.getTransfer(waiting.transferId!);
    expect(state.currentState).toBe('COMPLETED');
    expect(state.fulfil?.body?.transferState).toBe('ABORTED');
    expect(transferOutcome(state).outcome).toBe('failed');
  });

  it('can lose the answer entirely: the client time limit fires and the money moved anyway', async () => {
    const waiting = await client.postTransfer(payout());
    sim.faults.timeoutAfterCommit({ mode: 'hang' });
    const err = await client.acceptQuote(waiting.transferId!).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(transferOutcome(await client.getTransfer(waiting.transferId!)).outcome).toBe('paid');
  });

  it('times out a POST before the quote: 504 naming the transfer, which the switch never saw', async () => {
    sim.faults.postTimeout();
    const err = (await client.postTransfer(payout()).catch((e: unknown) => e)) as MojaloopError;
    expect(err.httpStatus).toBe(504);
    expect(isUnknownOutcome(err)).toBe(true);
    expect(err.transferId).toBeDefined();
    expect(err.transferState?.currentState).toBe('ERROR_OCCURRED');
    const query = (await client.getTransfer(err.transferId!).catch((e: unknown) => e)) as MojaloopError;
    expect(query.errorCode).toBe('3208');
    expect(sim.postCount).toBe(1);
  });

  it('can lose the answer of a POST: the transfer waits for quote acceptance, the caller has no id', async () => {
    const quick = new MojaloopClient({ baseUrl: sim.url, timeouts: { requestMs: 200 } });
    sim.faults.postTimeout({ mode: 'hang' });
    const err = await quick.postTransfer(payout()).catch((e: unknown) => e);
    await quick.close();
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect([...sim.transfers.values()].map((t) => t.currentState)).toEqual(['WAITING_FOR_QUOTE_ACCEPTANCE']);
    expect(sim.wallet('MSISDN', FACILITY.idValue)?.balances.get('TZS')).toBeUndefined();
  });

  it('reports a payee rejection at the transfer stage as 500 with its code; the switch aborted', async () => {
    const waiting = await client.postTransfer(payout());
    sim.faults.failNext('transfer', '5105', 'Payee FSP rejected transaction');
    const err = (await client.acceptQuote(waiting.transferId!).catch((e: unknown) => e)) as MojaloopError;
    expect(err.errorCode).toBe('5105');
    expect(transferOutcome(err.transferState, err.httpStatus).outcome).toBe('failed');
    expect(transferOutcome(await client.getTransfer(waiting.transferId!)).outcome).toBe('failed');
  });

  it('answers a query the switch does not answer with 504', async () => {
    const waiting = await client.postTransfer(payout());
    await client.acceptQuote(waiting.transferId!);
    sim.faults.queryTimeout();
    const err = (await client.getTransfer(waiting.transferId!).catch((e: unknown) => e)) as MojaloopError;
    expect(err.unknownOutcome).toBe(true);
  });

  it('refuses a continuation that is not exactly one property, and an unknown transfer', async () => {
    const waiting = await client.postTransfer(payout());
    expect(
      (
        await rawPost(
          sim,
          `/transfers/${waiting.transferId!}`,
          { acceptQuote: true, acceptParty: true },
          'PUT',
        )
      ).status,
    ).toBe(400);
    expect(
      (await rawPost(sim, `/transfers/${waiting.transferId!}`, { acceptQuote: 'yes' }, 'PUT')).status,
    ).toBe(400);
    const unknown = await rawPost(
      sim,
      '/transfers/b51ec534-ee48-4575-b6a9-ead2955b8069',
      { acceptQuote: true },
      'PUT',
    );
    expect(unknown.status).toBe(500);
    expect(sim.transfers.get(waiting.transferId!)?.currentState).toBe('WAITING_FOR_QUOTE_ACCEPTANCE');
  });

  it('with AUTO_ACCEPT_PARTY=false waits for the party, then for the quote', async () => {
    const strict = await startMojaloopSimulator({ wallets: [FACILITY], autoAcceptParty: false });
    const c = new MojaloopClient({ baseUrl: strict.url });
    try {
      const party = await c.postTransfer(payout());
      expect(party.currentState).toBe('WAITING_FOR_PARTY_ACCEPTANCE');
      const quoted = await c.acceptParty(party.transferId!);
      expect(quoted.currentState).toBe('WAITING_FOR_QUOTE_ACCEPTANCE');
    } finally {
      await c.close();
      await strict.close();
    }
  });

  it('quotes the payee FSP fee on top of a RECEIVE amount, which the quote check refuses by default', async () => {
    sim.addWallet({ ...FACILITY, payeeFspFee: '100' });
    const waiting = await client.postTransfer(payout());
    expect(waiting.quoteResponse?.body?.transferAmount).toEqual({ currency: 'TZS', amount: '150100.5' });
    expect(checkQuote(waiting, { amount: money('150000.5', 'TZS') }).ok).toBe(false);
  });
});
