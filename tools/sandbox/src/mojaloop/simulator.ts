// A strict, in-memory stand-in for the Mojaloop SDK scheme adapter's outbound API (payments.md §3) together with
// the switch and payee FSPs behind it: a payer mediator posts transfers here exactly as it would to the SDK.

import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  addMoney,
  currencyMinorUnits,
  MOJALOOP_AMOUNT_PATTERN,
  parseAmount,
  subtractMoney,
  toMojaloopAmount,
} from '@payment-layer/shared-money';
import { MojaloopFaults, type MojaloopStage } from './faults';
import { sdkSchemas } from './schemas';

/** A payee wallet the simulated switch can resolve and pay. */
export interface SimWallet {
  readonly idType: string;
  readonly idValue: string;
  readonly idSubValue?: string;
  /** The payee FSP (default `payeefsp`). */
  readonly fspId?: string;
  readonly displayName?: string;
  /** Currencies the wallet takes (default: any). */
  readonly currencies?: readonly string[];
  /** Fee the payee FSP quotes on every transfer, in the transfer currency (default none). */
  readonly payeeFspFee?: string;
}

/** Live state of a registered wallet. */
export interface SimWalletState extends SimWallet {
  /** Money received, per currency, as canonical decimal strings. */
  readonly balances: Map<string, string>;
}

/** The SDK-side states a simulated transfer goes through (including the undocumented `ABORTED`). */
export type SimSdkState =
  | 'WAITING_FOR_PARTY_ACCEPTANCE'
  | 'WAITING_FOR_QUOTE_ACCEPTANCE'
  | 'COMPLETED'
  | 'ABORTED'
  | 'ERROR_OCCURRED';

/** One transfer as the simulator knows it (SDK cache and switch ledger together). */
export interface SimTransfer {
  readonly transferId: string;
  readonly homeTransactionId: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly initiatedTimestamp: string;
  currentState: SimSdkState;
  wallet?: SimWalletState;
  quoteId?: string;
  quote?: Record<string, unknown>;
  /** The switch's ledger state; undefined while no prepare was sent. */
  switchState?: 'COMMITTED' | 'ABORTED';
  completedTimestamp?: string;
  lastError?: Record<string, unknown>;
}

/** Options of {@link startMojaloopSimulator}. */
export interface MojaloopSimulatorOptions {
  host?: string;
  port?: number;
  /** Wallets registered at start. */
  wallets?: readonly SimWallet[];
  /** `AUTO_ACCEPT_PARTY` (default true). */
  autoAcceptParty?: boolean;
  /** `AUTO_ACCEPT_QUOTES` (default false: what the claim payout uses). */
  autoAcceptQuotes?: boolean;
  /** Our DFSP id (default `payerfsp`). */
  dfspId?: string;
  /** Clock (default: the system clock). */
  clock?: () => Date;
}

/** A running SDK simulator. */
export interface MojaloopSimulator {
  /** Base URL of the outbound API (what `MojaloopClient` takes). */
  readonly url: string;
  readonly faults: MojaloopFaults;
  /** Every transfer, by id, in creation order. */
  readonly transfers: ReadonlyMap<string, SimTransfer>;
  /** Registers (or replaces) a payee wallet. */
  addWallet(wallet: SimWallet): SimWalletState;
  /** A registered wallet. */
  wallet(idType: string, idValue: string, idSubValue?: string): SimWalletState | undefined;
  /** Number of `POST /transfers` received (every one makes a new transfer). */
  readonly postCount: number;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json';

interface Answer {
  readonly status: number;
  readonly body?: unknown;
  /** Never answer (a lost response); the socket is cut on close. */
  readonly hang?: boolean;
}

function walletKey(idType: string, idValue: string, idSubValue?: string): string {
  return `${idType}/${idValue}${idSubValue ? `/${idSubValue}` : ''}`;
}

function ilpToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Starts the SDK simulator: `POST /transfers`, `PUT /transfers/{id}`, `GET /transfers/{id}` of the outbound API,
 * validated against the api-snippets schemas, with the SDK's behaviour where it differs from its spec.
 *
 * @param options - see {@link MojaloopSimulatorOptions}
 * @returns the running simulator
 */
export async function startMojaloopSimulator(
  options: MojaloopSimulatorOptions = {},
): Promise<MojaloopSimulator> {
  const schemas = sdkSchemas();
  const faults = new MojaloopFaults();
  const clock = options.clock ?? (() => new Date());
  const autoAcceptParty = options.autoAcceptParty ?? true;
  const autoAcceptQuotes = options.autoAcceptQuotes ?? false;
  const wallets = new Map<string, SimWalletState>();
  const transfers = new Map<string, SimTransfer>();
  let postCount = 0;

  const addWallet = (w: SimWallet): SimWalletState => {
    const state: SimWalletState = { ...w, balances: new Map() };
    wallets.set(walletKey(w.idType, w.idValue, w.idSubValue), state);
    return state;
  };
  for (const w of options.wallets ?? []) {
    addWallet(w);
  }

  const view = (t: SimTransfer, overrides: Record<string, unknown> = {}): Record<string, unknown> => {
    const w = t.wallet;
    return {
      ...t.request,
      transferId: t.transferId,
      // Real answers carry fields the schema does not list (payments.md §3.4).
      direction: 'OUTBOUND',
      initiatedTimestamp: t.initiatedTimestamp,
      currentState: t.currentState,
      ...(w
        ? {
            getPartiesResponse: {
              body: {
                party: {
                  partyIdInfo: {
                    partyIdType: w.idType,
                    partyIdentifier: w.idValue,
                    ...(w.idSubValue ? { partySubIdOrType: w.idSubValue } : {}),
                    fspId: w.fspId ?? 'payeefsp',
                  },
                  ...(w.displayName ? { name: w.displayName } : {}),
                  ...(w.currencies ? { supportedCurrencies: w.currencies } : {}),
                },
              },
              headers: {},
            },
          }
        : {}),
      ...(t.quoteId ? { quoteId: t.quoteId, quoteResponse: { body: t.quote, headers: {} } } : {}),
      ...(t.quoteId ? { quoteResponseSource: w?.fspId ?? 'payeefsp' } : {}),
      ...(t.switchState && t.currentState !== 'ERROR_OCCURRED'
        ? { fulfil: { body: fulfilBody(t), headers: {} } }
        : {}),
      ...(t.lastError ? { lastError: t.lastError } : {}),
      ...overrides,
    };
  };

  const fulfilBody = (t: SimTransfer): Record<string, unknown> => ({
    transferState: t.switchState,
    completedTimestamp: t.completedTimestamp,
    ...(t.switchState === 'COMMITTED' ? { fulfilment: ilpToken(32) } : {}),
  });

  const fail = (t: SimTransfer, httpStatus: number, errorCode: string, description: string): Answer => {
    t.currentState = 'ERROR_OCCURRED';
    t.lastError = {
      httpStatusCode: httpStatus,
      mojaloopError: { errorInformation: { errorCode, errorDescription: description } },
    };
    // handleError of the SDK's outbound handlers: statusCode is the Mojaloop code when there is one.
    return {
      status: httpStatus,
      body: { message: description, statusCode: errorCode, transferState: view(t) },
    };
  };

  const scripted = (t: SimTransfer, stage: MojaloopStage): Answer | undefined => {
    const e = faults.takeError(stage);
    return e ? fail(t, 500, e.errorCode, e.description) : undefined;
  };

  const lookup = (t: SimTransfer): Answer | undefined => {
    const to = t.request['to'] as { idType: string; idValue: string; idSubValue?: string };
    const injected = scripted(t, 'lookup');
    if (injected) {
      return injected;
    }
    const w = wallets.get(walletKey(to.idType, to.idValue, to.idSubValue));
    if (!w) {
      return fail(t, 500, '3204', 'Party not found');
    }
    t.wallet = w;
    return undefined;
  };

  const quote = (t: SimTransfer): Answer | undefined => {
    const injected = scripted(t, 'quote');
    if (injected) {
      return injected;
    }
    const w = t.wallet;
    const currency = t.request['currency'] as string;
    if (!w || (w.currencies && !w.currencies.includes(currency))) {
      return fail(t, 500, '5106', 'Payee unsupported currency');
    }
    const amount = parseAmount(t.request['amount'], currency);
    const fee = parseAmount(w.payeeFspFee ?? '0', currency);
    // RECEIVE: the payee gets the amount and the fee comes on top; SEND: the fee comes out of the amount.
    const receive = t.request['amountType'] === 'RECEIVE' ? amount : subtractMoney(amount, fee);
    const transfer = t.request['amountType'] === 'RECEIVE' ? addMoney(amount, fee) : amount;
    t.quoteId = randomUUID();
    t.quote = {
      transferAmount: { currency, amount: toMojaloopAmount(transfer) },
      payeeReceiveAmount: { currency, amount: toMojaloopAmount(receive) },
      ...(w.payeeFspFee ? { payeeFspFee: { currency, amount: toMojaloopAmount(fee) } } : {}),
      expiration: new Date(clock().getTime() + 60_000).toISOString(),
      ilpPacket: ilpToken(96),
      condition: ilpToken(32),
    };
    return undefined;
  };

  const execute = (t: SimTransfer): Answer => {
    const injected = scripted(t, 'transfer');
    const now = clock().toISOString();
    if (injected) {
      t.switchState = 'ABORTED';
      t.completedTimestamp = now;
      return injected;
    }
    const timeout = faults.takeCommitTimeout();
    if (timeout?.when === 'before') {
      // No fulfil came back: the switch expires the prepare; nothing moved.
      t.switchState = 'ABORTED';
      t.completedTimestamp = now;
      return sdkTimeout(t, timeout.mode);
    }
    commit(t, now);
    if (timeout?.when === 'after') {
      return sdkTimeout(t, timeout.mode);
    }
    t.currentState = 'COMPLETED';
    return { status: 200, body: view(t) };
  };

  const commit = (t: SimTransfer, now: string): void => {
    const w = t.wallet;
    const q = t.quote as { payeeReceiveAmount: { currency: string; amount: string } };
    if (w) {
      const { currency, amount } = q.payeeReceiveAmount;
      const before = w.balances.get(currency) ?? '0';
      w.balances.set(currency, addMoney(parseAmount(before, currency), parseAmount(amount, currency)).amount);
    }
    t.switchState = 'COMMITTED';
    t.completedTimestamp = now;
  };

  const sdkTimeout = (
    t: SimTransfer,
    mode: 'sdk504' | 'hang',
    message = `Timeout waiting for fulfil for transfer ${t.transferId}`,
  ): Answer => {
    t.currentState = 'ERROR_OCCURRED';
    t.lastError = { httpStatusCode: 504 };
    if (mode === 'hang') {
      return { status: 0, hang: true };
    }
    return {
      status: 504,
      body: {
        message,
        statusCode: '504',
        transferState: view(t),
      },
    };
  };

  /** Runs the transfer as far as the SDK's settings let it go (OutboundTransfersModel.run). */
  const advance = (t: SimTransfer, from: 'start' | 'party' | 'quote'): Answer => {
    if (from === 'start') {
      const err = lookup(t);
      if (err) {
        return err;
      }
      if (!autoAcceptParty) {
        t.currentState = 'WAITING_FOR_PARTY_ACCEPTANCE';
        return { status: 200, body: view(t) };
      }
    }
    if (from === 'start' || from === 'party') {
      const err = quote(t);
      if (err) {
        return err;
      }
      if (!autoAcceptQuotes) {
        t.currentState = 'WAITING_FOR_QUOTE_ACCEPTANCE';
        return { status: 200, body: view(t) };
      }
    }
    return execute(t);
  };

  const postTransfers = (body: unknown): Answer => {
    const problems = schemas.outboundTransferRequest(body);
    if (problems.length > 0) {
      return { status: 400, body: { message: problems.join('; '), statusCode: '400' } };
    }
    const request = body as Record<string, unknown>;
    const currency = request['currency'] as string;
    try {
      currencyMinorUnits(currency);
      parseAmount(request['amount'], currency);
    } catch (err) {
      return {
        status: 400,
        body: { message: err instanceof Error ? err.message : 'bad amount', statusCode: '400' },
      };
    }
    postCount += 1;
    // No de-duplication of homeTransactionId (payments.md §3.5): every post is a new transfer.
    const t: SimTransfer = {
      transferId: randomUUID(),
      homeTransactionId: request['homeTransactionId'] as string,
      request,
      initiatedTimestamp: clock().toISOString(),
      currentState: 'ERROR_OCCURRED',
    };
    transfers.set(t.transferId, t);
    const lost = faults.takePostTimeout();
    if (lost === 'hang') {
      // The SDK ran the transfer up to the quote; only the answer is lost.
      advance(t, 'start');
      return { status: 0, hang: true };
    }
    if (lost === 'sdk504') {
      // OutboundTransfersModel: no quote callback before its timeout → 504 with the model (handleError).
      const err = lookup(t);
      return err ?? sdkTimeout(t, 'sdk504', `Timeout requesting quote for transfer ${t.transferId}`);
    }
    return advance(t, 'start');
  };

  const putTransfer = (id: string, body: unknown): Answer => {
    const problems = schemas.outboundContinuation(body);
    if (problems.length > 0) {
      return { status: 400, body: { message: problems.join('; '), statusCode: '400' } };
    }
    const t = transfers.get(id);
    if (!t) {
      return {
        status: 500,
        body: { message: `No cached data found for transferId: ${id}`, statusCode: '500', transferState: {} },
      };
    }
    const b = body as Record<string, boolean>;
    switch (t.currentState) {
      case 'WAITING_FOR_PARTY_ACCEPTANCE':
        if (b['acceptParty'] !== true) {
          t.currentState = 'ABORTED';
          return { status: 200, body: view(t) };
        }
        return advance(t, 'party');
      case 'WAITING_FOR_QUOTE_ACCEPTANCE':
        if (b['acceptQuote'] !== true) {
          // Undocumented: the SDK answers 200 ABORTED (payments.md §3.4).
          t.currentState = 'ABORTED';
          return { status: 200, body: view(t) };
        }
        return execute(t);
      case 'COMPLETED':
      case 'ABORTED':
        // Terminal: the SDK answers the stored state again; nothing moves twice.
        return { status: 200, body: view(t) };
      case 'ERROR_OCCURRED':
        // The SDK's run() returns nothing for an errored model: Koa answers 204 without a body.
        return { status: 204 };
    }
  };

  const getTransfer = (id: string): Answer => {
    const t = transfers.get(id);
    // The SDK asks the switch: only a prepared transfer is known there.
    if (faults.takeQueryTimeout()) {
      return {
        status: 504,
        body: {
          message: `Timeout getting transfer ${id}`,
          statusCode: '504',
          transferState: {
            transferId: id,
            currentState: 'ERROR_OCCURRED',
            lastError: { httpStatusCode: 504 },
          },
        },
      };
    }
    if (!t || t.switchState === undefined) {
      return {
        status: 500,
        body: {
          message: 'Transfer ID not found',
          statusCode: '3208',
          transferState: {
            transferId: id,
            currentState: 'ERROR_OCCURRED',
            lastError: {
              httpStatusCode: 500,
              mojaloopError: {
                errorInformation: { errorCode: '3208', errorDescription: 'Transfer ID not found' },
              },
            },
          },
        },
      };
    }
    // GET reports COMPLETED for any answer of the switch; the ledger state is in fulfil (payments.md §3.4).
    return {
      status: 200,
      body: {
        transferId: id,
        currentState: 'COMPLETED',
        direction: 'OUTBOUND',
        fulfil: { body: fulfilBody(t), headers: {} },
      },
    };
  };

  const route = (method: string, path: string, text: string): Answer => {
    let body: unknown;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        return { status: 400, body: { message: 'request body is not JSON', statusCode: '400' } };
      }
    }
    if (path === '/transfers' && method === 'POST') {
      return postTransfers(body);
    }
    const m = /^\/transfers\/([^/]+)$/.exec(path);
    if (m?.[1] !== undefined) {
      const id = decodeURIComponent(m[1]);
      if (method === 'PUT') {
        return putTransfer(id, body);
      }
      if (method === 'GET') {
        return getTransfer(id);
      }
    }
    return { status: 404, body: { message: 'Not Found', statusCode: '404' } };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (faults.latencyMs > 0) {
          await new Promise((r) => setTimeout(r, faults.latencyMs));
        }
        const url = new URL(req.url ?? '/', 'http://localhost');
        const answer = route(
          (req.method ?? 'GET').toUpperCase(),
          url.pathname,
          Buffer.concat(chunks).toString('utf8'),
        );
        if (answer.hang || res.destroyed) {
          return;
        }
        if (answer.body === undefined) {
          res.writeHead(answer.status).end();
          return;
        }
        res.writeHead(answer.status, { 'content-type': JSON_TYPE }).end(JSON.stringify(answer.body));
      })();
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const { address, port } = server.address() as AddressInfo;

  return {
    url: `http://${address}:${port}`,
    faults,
    transfers,
    addWallet,
    wallet: (idType, idValue, idSubValue) => wallets.get(walletKey(idType, idValue, idSubValue)),
    get postCount() {
      return postCount;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          if (err) {
            reject(err);
          } else {
            resolve();
          }
        });
      }),
  };
}

/**
 * Whether a string is a Mojaloop `Amount`.
 *
 * @param value - candidate
 * @returns true when it matches the pattern
 */
export function isMojaloopAmount(value: unknown): value is string {
  return typeof value === 'string' && MOJALOOP_AMOUNT_PATTERN.test(value);
}
