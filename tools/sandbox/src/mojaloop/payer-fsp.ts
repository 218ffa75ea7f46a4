// A fake payer FSP as a payee's SDK scheme adapter relays it: it calls the payee's **backend API** (payments.md §4)
// in the order and with the bodies the SDK uses (party lookup, quote request, transfer prepare, final notification)
// and checks every answer against the api-snippets backend schemas, so a backend that the SDK would not understand
// fails here.

import { randomBytes, randomUUID } from 'node:crypto';
import { sdkSchemas } from './schemas';

/** The payee identifier a payer enters in the wallet app. */
export interface PayeeId {
  readonly idType: string;
  readonly idValue: string;
  /** Sub-identifier, e.g. the invoice code. */
  readonly idSubValue?: string;
}

/** Options of {@link FakePayerFsp}. */
export interface FakePayerFspOptions {
  /** The payee's backend API base URL (the SDK's `BACKEND_ENDPOINT`), e.g. `http://127.0.0.1:3003/mojaloop`. */
  readonly backendUrl: string;
  /** Headers on every call (the route credentials the payee requires). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The payer FSP's id (default `payerfsp`). */
  readonly fspId?: string;
  /** The payee FSP's id, i.e. the DFSP_ID of the payee's SDK (default `payeefsp`). */
  readonly payeeFspId?: string;
  /** Clock (default: the system clock). */
  readonly clock?: () => Date;
}

/** One payment from a mobile-money wallet. */
export interface PayOptions {
  readonly payee: PayeeId;
  /** Mojaloop `Amount` string. */
  readonly amount: string;
  readonly currency: string;
  /** The payer's wallet (default an MSISDN). */
  readonly payer?: PayeeId & { readonly displayName?: string };
  readonly amountType?: 'SEND' | 'RECEIVE';
  readonly note?: string;
  /** The switch's final decision (default `COMMITTED`). */
  readonly outcome?: 'COMMITTED' | 'ABORTED';
}

/** One backend call as made and answered. */
export interface BackendExchange {
  readonly method: string;
  readonly path: string;
  readonly requestBody?: unknown;
  readonly status: number;
  readonly body: unknown;
}

/** Result of {@link FakePayerFsp.pay}. */
export type PayResult =
  | {
      readonly ok: true;
      readonly transferId: string;
      readonly quoteId: string;
      readonly homeTransactionId: string;
      /** The final notification sent, to replay it. */
      readonly notification: Record<string, unknown>;
      readonly exchanges: readonly BackendExchange[];
    }
  | {
      readonly ok: false;
      /** Where the payee's backend refused: the SDK turns its answer into an FSPIOP error callback. */
      readonly stage: 'party' | 'quote' | 'transfer' | 'notification';
      readonly status: number;
      readonly body: unknown;
      readonly exchanges: readonly BackendExchange[];
    };

/** The backend's answer broke the SDK backend API contract. */
export class BackendContractError extends Error {
  override readonly name = 'BackendContractError';
}

/**
 * Drives a payee's SDK backend API the way the SDK does when a payer FSP pays one of its parties.
 */
export class FakePayerFsp {
  private readonly base: string;
  private readonly fspId: string;
  private readonly payeeFspId: string;
  private readonly clock: () => Date;

  constructor(private readonly options: FakePayerFspOptions) {
    this.base = options.backendUrl.replace(/\/$/, '');
    this.fspId = options.fspId ?? 'payerfsp';
    this.payeeFspId = options.payeeFspId ?? 'payeefsp';
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * Pays a party: lookup, quote, prepare (the payee must answer `RESERVED` or `COMMITTED`) and, unless a step was
   * refused, the final notification with the switch's decision.
   *
   * @param p - payee, amount, outcome
   * @returns every exchange, and the ids or the refusing stage
   * @throws BackendContractError when an answer does not follow the backend API
   */
  async pay(p: PayOptions): Promise<PayResult> {
    const schemas = sdkSchemas();
    const exchanges: BackendExchange[] = [];
    const payer = p.payer ?? { idType: 'MSISDN', idValue: '255711000001', displayName: 'Wallet holder' };
    const party = await this.call('GET', partyPath(p.payee));
    exchanges.push(party);
    if (party.status !== 200) {
      this.expectError(party);
      return { ok: false, stage: 'party', status: party.status, body: party.body, exchanges };
    }
    this.expectValid(schemas.backendParty(party.body), party);

    const quoteId = randomUUID();
    // The SDK assumes transferId = transactionId (InboundTransfersModel.quoteRequest).
    const transactionId = randomUUID();
    const to = { ...(party.body as Record<string, unknown>), ...p.payee, fspId: this.payeeFspId };
    const from = { ...payer, fspId: this.fspId };
    const quoteRequest = {
      quoteId,
      transactionId,
      to,
      from,
      amountType: p.amountType ?? 'SEND',
      amount: p.amount,
      currency: p.currency,
      transactionType: 'TRANSFER',
      initiator: 'PAYER',
      initiatorType: 'CONSUMER',
      expiration: new Date(this.clock().getTime() + 60_000).toISOString(),
      ...(p.note ? { note: p.note } : {}),
    };
    this.selfCheck(schemas.backendQuoteRequest(quoteRequest), 'quoteRequest');
    const quote = await this.call('POST', '/quoterequests', quoteRequest);
    exchanges.push(quote);
    if (quote.status !== 200) {
      this.expectError(quote);
      return { ok: false, stage: 'quote', status: quote.status, body: quote.body, exchanges };
    }
    this.expectValid(schemas.backendQuoteResponse(quote.body), quote);
    const quoteResponse = quote.body as Record<string, unknown>;
    if (quoteResponse['quoteId'] !== quoteId || quoteResponse['transactionId'] !== transactionId) {
      throw new BackendContractError('quote response does not echo quoteId and transactionId');
    }

    const transferId = transactionId;
    const fspiopAmount = {
      amount: quoteResponse['transferAmount'],
      currency: quoteResponse['transferAmountCurrency'],
    };
    const fspiopPayee = fspiopParty(to);
    const fspiopPayer = fspiopParty(from);
    const transactionType = { scenario: 'TRANSFER', initiator: 'PAYER', initiatorType: 'CONSUMER' };
    const transferRequest = {
      transferId,
      quote: quoteResponse,
      from,
      to,
      amountType: quoteRequest.amountType,
      currency: p.currency,
      amount: p.amount,
      transactionType: 'TRANSFER',
      ilpPacket: {
        data: {
          amount: fspiopAmount,
          payee: fspiopPayee,
          payer: fspiopPayer,
          quoteId,
          transactionId,
          transactionType,
        },
      },
      ...(p.note ? { note: p.note } : {}),
    };
    this.selfCheck(schemas.backendTransferRequest(transferRequest), 'transferRequest');
    const prepare = await this.call('POST', '/transfers', transferRequest);
    exchanges.push(prepare);
    if (prepare.status !== 200) {
      this.expectError(prepare);
      return { ok: false, stage: 'transfer', status: prepare.status, body: prepare.body, exchanges };
    }
    this.expectValid(schemas.backendTransferResponse(prepare.body), prepare);
    const prepared = prepare.body as { homeTransactionId: string; transferState?: string };
    if (
      prepared.transferState !== undefined &&
      prepared.transferState !== 'RESERVED' &&
      prepared.transferState !== 'COMMITTED'
    ) {
      throw new BackendContractError(`POST /transfers answered transferState ${prepared.transferState}`);
    }

    const now = this.clock().toISOString();
    const outcome = p.outcome ?? 'COMMITTED';
    // What sendNotificationToPayee sends: the SDK's whole cached model plus the final notification.
    const notification: Record<string, unknown> = {
      transferId,
      direction: 'INBOUND',
      currentState: outcome === 'COMMITTED' ? 'COMPLETED' : 'ABORTED',
      initiatedTimestamp: now,
      quoteRequest: {
        body: {
          quoteId,
          transactionId,
          payee: fspiopPayee,
          payer: fspiopPayer,
          amountType: quoteRequest.amountType,
          amount: { amount: p.amount, currency: p.currency },
          transactionType,
        },
        headers: {},
      },
      quote: {
        internalRequest: quoteRequest,
        response: quoteResponse,
        fulfilment: randomBytes(32).toString('base64url'),
      },
      prepare: {
        body: {
          transferId,
          payeeFsp: this.payeeFspId,
          payerFsp: this.fspId,
          amount: fspiopAmount,
          ilpPacket: randomBytes(96).toString('base64url'),
          condition: randomBytes(32).toString('base64url'),
          expiration: new Date(this.clock().getTime() + 60_000).toISOString(),
        },
        headers: {},
      },
      finalNotification: { transferState: outcome, completedTimestamp: now },
    };
    // The SDK sends currentState ABORTED for an aborted transfer although the backend schema's enum lacks it
    // (sendNotificationToPayee): check the rest of the body against the schema.
    const { currentState: _state, ...checked } = notification;
    this.selfCheck(
      schemas.backendFulfilNotification(outcome === 'ABORTED' ? checked : notification),
      'fulfilNotification',
    );
    const notify = await this.notify(transferId, notification);
    exchanges.push(notify);
    if (notify.status !== 200) {
      return { ok: false, stage: 'notification', status: notify.status, body: notify.body, exchanges };
    }
    return {
      ok: true,
      transferId,
      quoteId,
      homeTransactionId: prepared.homeTransactionId,
      notification,
      exchanges,
    };
  }

  /**
   * Sends a final notification (`PUT /transfers/{id}`) again, as a replay or a second delivery would.
   *
   * @param transferId - the transfer
   * @param notification - the body
   * @returns the exchange
   */
  async notify(transferId: string, notification: Record<string, unknown>): Promise<BackendExchange> {
    return this.call('PUT', `/transfers/${encodeURIComponent(transferId)}`, notification);
  }

  /**
   * One raw backend call.
   *
   * @param method - HTTP method
   * @param path - path under the backend URL
   * @param body - JSON body
   * @returns the exchange (body parsed when JSON)
   */
  async call(method: string, path: string, body?: unknown): Promise<BackendExchange> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...this.options.headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
    } catch {
      // not JSON: kept as text
    }
    return {
      method,
      path,
      ...(body !== undefined ? { requestBody: body } : {}),
      status: res.status,
      body: parsed,
    };
  }

  private expectValid(problems: string[], x: BackendExchange): void {
    if (problems.length > 0) {
      throw new BackendContractError(
        `${x.method} ${x.path} answer breaks the backend API: ${problems.join('; ')}`,
      );
    }
  }

  private expectError(x: BackendExchange): void {
    // The SDK reads {statusCode, message}; anything else becomes a generic FSPIOP error.
    const problems = sdkSchemas().backendErrorResponse(x.body);
    if (
      problems.length > 0 ||
      typeof (x.body as { statusCode?: unknown } | undefined)?.statusCode !== 'string'
    ) {
      throw new BackendContractError(
        `${x.method} ${x.path} error answer ${x.status} is not an errorResponse {statusCode, message}: ${JSON.stringify(x.body)}`,
      );
    }
  }

  private selfCheck(problems: string[], what: string): void {
    if (problems.length > 0) {
      throw new Error(`fake payer FSP built an invalid ${what}: ${problems.join('; ')}`);
    }
  }
}

function partyPath(p: PayeeId): string {
  const parts = [p.idType, p.idValue, ...(p.idSubValue ? [p.idSubValue] : [])];
  return `/parties/${parts.map(encodeURIComponent).join('/')}`;
}

function fspiopParty(p: Record<string, unknown>): Record<string, unknown> {
  return {
    partyIdInfo: {
      partyIdType: p['idType'],
      partyIdentifier: p['idValue'],
      ...(p['idSubValue'] ? { partySubIdOrType: p['idSubValue'] } : {}),
      fspId: p['fspId'],
    },
  };
}
