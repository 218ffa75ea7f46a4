import { money } from '@payment-layer/shared-money';
import { parseMojaloopAmount, toMojaloopAmountString } from './amount';
import { checkQuote, transferOutcome } from './outcome';
import type { TransferState } from './types';

describe('transferOutcome', () => {
  it.each<[string, TransferState, number | undefined, string]>([
    [
      'COMPLETED + COMMITTED',
      { currentState: 'COMPLETED', fulfil: { body: { transferState: 'COMMITTED' } } },
      undefined,
      'paid',
    ],
    [
      'COMPLETED + ABORTED (GET after the switch aborted)',
      { currentState: 'COMPLETED', fulfil: { body: { transferState: 'ABORTED' } } },
      undefined,
      'failed',
    ],
    [
      'COMPLETED + RESERVED',
      { currentState: 'COMPLETED', fulfil: { body: { transferState: 'RESERVED' } } },
      undefined,
      'unknown',
    ],
    ['COMPLETED without fulfil', { currentState: 'COMPLETED' }, undefined, 'unknown'],
    ['ABORTED (quote rejected)', { currentState: 'ABORTED' }, undefined, 'failed'],
    [
      'ERROR_OCCURRED with a Mojaloop error',
      {
        currentState: 'ERROR_OCCURRED',
        lastError: {
          httpStatusCode: 500,
          mojaloopError: { errorInformation: { errorCode: '5105', errorDescription: 'x' } },
        },
      },
      500,
      'failed',
    ],
    [
      'ERROR_OCCURRED on a 504',
      { currentState: 'ERROR_OCCURRED', lastError: { httpStatusCode: 504 } },
      504,
      'unknown',
    ],
    ['a 504 answer without state', {}, 504, 'unknown'],
    [
      'ERROR_OCCURRED after a COMMITTED fulfil',
      { currentState: 'ERROR_OCCURRED', fulfil: { body: { transferState: 'COMMITTED' } } },
      500,
      'unknown',
    ],
    ['WAITING_FOR_QUOTE_ACCEPTANCE', { currentState: 'WAITING_FOR_QUOTE_ACCEPTANCE' }, undefined, 'pending'],
    ['WAITING_FOR_PARTY_ACCEPTANCE', { currentState: 'WAITING_FOR_PARTY_ACCEPTANCE' }, undefined, 'pending'],
    ['an undocumented state', { currentState: 'PAYEE_RESOLVED' }, undefined, 'unknown'],
    ['no state (204 answer)', {}, undefined, 'unknown'],
  ])('%s → %s', (_name, state, status, expected) => {
    expect(transferOutcome(state, status).outcome).toBe(expected);
  });
});

describe('checkQuote', () => {
  const future = '2099-01-01T00:00:00.000Z';
  const waiting = (body: Record<string, unknown>): TransferState =>
    ({ currentState: 'WAITING_FOR_QUOTE_ACCEPTANCE', quoteResponse: { body } }) as TransferState;
  const approved = { amount: money('150000.50', 'TZS') };

  it('accepts a quote that pays exactly the approved amount without fee', () => {
    const r = checkQuote(
      waiting({
        transferAmount: { currency: 'TZS', amount: '150000.5' },
        expiration: future,
        ilpPacket: 'x',
        condition: 'y',
      }),
      approved,
    );
    expect(r).toEqual({
      ok: true,
      transferAmount: money('150000.5', 'TZS'),
      payeeReceiveAmount: money('150000.5', 'TZS'),
      fee: money('0', 'TZS'),
    });
  });

  it('refuses another currency, an expired quote and a fee over the limit', () => {
    expect(
      checkQuote(
        waiting({ transferAmount: { currency: 'KES', amount: '150000.5' }, expiration: future }),
        approved,
      ).ok,
    ).toBe(false);
    expect(
      checkQuote(
        waiting({
          transferAmount: { currency: 'TZS', amount: '150000.5' },
          expiration: '2000-01-01T00:00:00.000Z',
        }),
        approved,
      ),
    ).toMatchObject({ ok: false, reasons: [expect.stringMatching(/expired/)] });
    const withFee = waiting({
      transferAmount: { currency: 'TZS', amount: '150100.5' },
      payeeReceiveAmount: { currency: 'TZS', amount: '150000.5' },
      payeeFspFee: { currency: 'TZS', amount: '100' },
      expiration: future,
    });
    expect(checkQuote(withFee, approved)).toMatchObject({
      ok: false,
      reasons: [expect.stringMatching(/fee 100.00 TZS exceeds/)],
    });
    expect(checkQuote(withFee, { ...approved, maxFee: money('100', 'TZS') })).toMatchObject({
      ok: true,
      fee: money('100', 'TZS'),
    });
  });

  it('refuses a quote where the payee would receive less than approved', () => {
    const r = checkQuote(
      waiting({
        transferAmount: { currency: 'TZS', amount: '150000.5' },
        payeeReceiveAmount: { currency: 'TZS', amount: '149000.5' },
        expiration: future,
      }),
      { ...approved, maxFee: money('5000', 'TZS') },
    );
    expect(r).toMatchObject({ ok: false, reasons: [expect.stringMatching(/would receive 149000.50/)] });
  });

  it('refuses amounts that break the Amount pattern and a transfer not waiting for acceptance', () => {
    expect(
      checkQuote(waiting({ transferAmount: { currency: 'TZS', amount: '150000.50' } }), approved).ok,
    ).toBe(false);
    expect(checkQuote({ currentState: 'COMPLETED' }, approved).ok).toBe(false);
  });
});

describe('Amount format', () => {
  it.each([
    ['150000.50', 'TZS', '150000.5'],
    ['100.00', 'USD', '100'],
    ['0.0001', 'CLF', '0.0001'],
    ['500', 'UGX', '500'],
  ])('%s %s → %s', (input, currency, expected) => {
    expect(toMojaloopAmountString(input, currency)).toBe(expected);
  });

  it('reads only canonical Amount strings within the currency scale', () => {
    expect(parseMojaloopAmount('100.5', 'TZS')).toEqual(money('100.5', 'TZS'));
    for (const bad of ['100.50', '0100', '-5', '1e3', '100.', 100.5]) {
      expect(() => parseMojaloopAmount(bad, 'TZS')).toThrow(/pattern/);
    }
    expect(() => parseMojaloopAmount('1.5', 'UGX')).toThrow(/decimals/);
  });
});
