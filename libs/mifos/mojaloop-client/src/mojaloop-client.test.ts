import { createMockAgent } from '@payment-layer/shared-http/testing';
import { ConfigError, UpstreamTimeoutError, ValidationError } from '@payment-layer/shared-errors';
import type { MockAgent } from 'undici';
import { isUnknownOutcome, MojaloopError } from './errors';
import { MojaloopClient } from './mojaloop-client';
import type { TransferRequest } from './types';

const ORIGIN = 'http://sdk.test:4001';
const TRANSFER_ID = 'b51ec534-ee48-4575-b6a9-ead2955b8069';

function request(overrides: Partial<TransferRequest> = {}): TransferRequest {
  return {
    homeTransactionId: 'claim:CLM-1:1',
    from: { idType: 'BUSINESS', idValue: 'NHIF' },
    to: { idType: 'MSISDN', idValue: '255700000001' },
    amountType: 'RECEIVE',
    currency: 'TZS',
    amount: '150000.50',
    transactionType: 'TRANSFER',
    ...overrides,
  };
}

describe('MojaloopClient', () => {
  let agent: MockAgent;
  let client: MojaloopClient;
  beforeEach(() => {
    agent = createMockAgent();
    client = new MojaloopClient({ baseUrl: ORIGIN, dispatcher: agent, timeouts: { commitMs: 200 } });
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await client.close();
    await agent.close();
  });

  it('refuses a bad base URL or time limit at construction', () => {
    expect(() => new MojaloopClient({ baseUrl: 'sdk:4001' })).toThrow(ConfigError);
    expect(() => new MojaloopClient({ baseUrl: ORIGIN, timeouts: { requestMs: 0 } })).toThrow(ConfigError);
  });

  it('posts the transfer with the amount in the Amount format', async () => {
    let sent: Record<string, unknown> | undefined;
    agent
      .get(ORIGIN)
      .intercept({ path: '/transfers', method: 'POST' })
      .reply(200, (opts) => {
        sent = JSON.parse(opts.body as string) as Record<string, unknown>;
        return { transferId: TRANSFER_ID, currentState: 'WAITING_FOR_QUOTE_ACCEPTANCE' };
      });
    const state = await client.postTransfer(request());
    expect(sent?.['amount']).toBe('150000.5');
    expect(sent?.['homeTransactionId']).toBe('claim:CLM-1:1');
    expect(state.currentState).toBe('WAITING_FOR_QUOTE_ACCEPTANCE');
  });

  it.each([
    ['more decimals than the currency has', { amount: '1.234' }],
    ['more than 4 decimals', { currency: 'CLF', amount: '1.00001' }],
    ['zero', { amount: '0' }],
    ['a negative amount', { amount: '-5' }],
    ['an exponent', { amount: '1e3' }],
    ['an unknown currency', { currency: 'ZZZ' }],
    ['a transaction type other than TRANSFER', { transactionType: 'PAYMENT' as 'TRANSFER' }],
    ['an empty homeTransactionId', { homeTransactionId: ' ' }],
    ['a note over 128 characters', { note: 'x'.repeat(129) }],
    ['skipPartyLookup without to.fspId', { skipPartyLookup: true }],
  ])('refuses %s before sending anything', async (_name, overrides) => {
    await expect(client.postTransfer(request(overrides as Partial<TransferRequest>))).rejects.toThrow(
      ValidationError,
    );
  });

  it('refuses fields the transferRequest schema does not have (a transferId of our own)', async () => {
    const body = { ...request(), transferId: TRANSFER_ID } as TransferRequest;
    await expect(client.postTransfer(body)).rejects.toThrow(/not a transferRequest field/);
  });

  it('turns a 500 with a Mojaloop error code into a MojaloopError with that code', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/transfers', method: 'POST' })
      .reply(500, {
        message: 'Got an error response resolving party',
        statusCode: '3204',
        transferState: {
          transferId: TRANSFER_ID,
          currentState: 'ERROR_OCCURRED',
          lastError: {
            httpStatusCode: 500,
            mojaloopError: { errorInformation: { errorCode: '3204', errorDescription: 'Party not found' } },
          },
        },
      });
    const err = (await client.postTransfer(request()).catch((e: unknown) => e)) as MojaloopError;
    expect(err).toBeInstanceOf(MojaloopError);
    expect(err.errorCode).toBe('3204');
    expect(err.mojaloopErrorCode).toBe('3204');
    expect(err.transferId).toBe(TRANSFER_ID);
    expect(err.unknownOutcome).toBe(false);
    expect(isUnknownOutcome(err)).toBe(false);
    expect(err.statusCode).toBe(502);
  });

  it('marks a 504 as an unknown outcome and keeps the transfer id to query', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `/transfers/${TRANSFER_ID}`, method: 'PUT' })
      .reply(504, {
        message: `Timeout waiting for fulfil for transfer ${TRANSFER_ID}`,
        statusCode: '504',
        transferState: {
          transferId: TRANSFER_ID,
          currentState: 'ERROR_OCCURRED',
          lastError: { httpStatusCode: 504 },
        },
      });
    const err = (await client.acceptQuote(TRANSFER_ID).catch((e: unknown) => e)) as MojaloopError;
    expect(err).toBeInstanceOf(MojaloopError);
    expect(err.unknownOutcome).toBe(true);
    expect(isUnknownOutcome(err)).toBe(true);
    expect(err.transferId).toBe(TRANSFER_ID);
  });

  it('gives up on acceptQuote after the commit time limit: unknown outcome', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `/transfers/${TRANSFER_ID}`, method: 'PUT' })
      .reply(200, { transferId: TRANSFER_ID, currentState: 'COMPLETED' })
      .delay(1_000);
    const err = await client.acceptQuote(TRANSFER_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(isUnknownOutcome(err)).toBe(true);
  });

  it('sends exactly one continuation property', async () => {
    const bodies: unknown[] = [];
    const pool = agent.get(ORIGIN);
    for (let i = 0; i < 2; i++) {
      pool.intercept({ path: `/transfers/${TRANSFER_ID}`, method: 'PUT' }).reply(200, (opts) => {
        bodies.push(JSON.parse(opts.body as string));
        return { transferId: TRANSFER_ID, currentState: 'ABORTED' };
      });
    }
    await client.acceptQuote(TRANSFER_ID, false);
    await client.acceptParty(TRANSFER_ID);
    expect(bodies).toEqual([{ acceptQuote: false }, { acceptParty: true }]);
  });

  it('keeps the transfer id when the SDK answers an errored transfer with 204', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: `/transfers/${TRANSFER_ID}`, method: 'PUT' })
      .reply(204, '');
    const state = await client.acceptQuote(TRANSFER_ID);
    expect(state).toEqual({ transferId: TRANSFER_ID });
  });

  it('refuses a transfer id that is neither a UUID nor a ULID', async () => {
    await expect(client.getTransfer('../parties/MSISDN/1')).rejects.toThrow(ValidationError);
  });
});
