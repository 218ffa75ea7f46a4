import { ConfigError, UpstreamUnavailableError, ValidationError } from '@payment-layer/shared-errors';
import { HttpClient, type HttpRequest, type TlsOptions } from '@payment-layer/shared-http';
import { currencyMinorUnits } from '@payment-layer/shared-money';
import type { Dispatcher } from 'undici';
import { toPositiveMojaloopAmount } from './amount';
import { parseMojaloopError } from './errors';
import type { TransferContinuation, TransferParty, TransferRequest, TransferState } from './types';

/** Time limits of the client's calls. */
export interface MojaloopTimeouts {
  /**
   * `POST /transfers` and `PUT {acceptParty}`: party lookup and quote round trips through the switch
   * (default 30 s).
   */
  readonly requestMs?: number;
  /**
   * `PUT {acceptQuote: true}`: prepare and fulfil through the switch. Keep it below the switch expiry
   * (`EXPIRY_SECONDS`, 60 s by default) so an answer that never comes is unknown before the switch decides
   * (default 55 s).
   */
  readonly commitMs?: number;
  /** `GET /transfers/{id}`: the SDK asks the switch and waits for its callback (default 30 s). */
  readonly queryMs?: number;
}

/** Construction options of {@link MojaloopClient}. */
export interface MojaloopClientOptions {
  /** Base URL of the SDK's outbound API, e.g. `http://sdk-scheme-adapter:4001`. */
  readonly baseUrl: string;
  /** Injected dispatcher (undici `MockAgent` in tests); otherwise a pooled agent is created and owned. */
  readonly dispatcher?: Dispatcher;
  /** TLS verification is on; `caFile` adds trusted CAs. */
  readonly tls?: TlsOptions;
  readonly timeouts?: MojaloopTimeouts;
}

const DEFAULT_TIMEOUTS: Required<MojaloopTimeouts> = { requestMs: 30_000, commitMs: 55_000, queryMs: 30_000 };

/** `transferRequest` properties (the schema has `additionalProperties: false`; the SDK answers 400 to others). */
const REQUEST_FIELDS = new Set([
  'homeTransactionId',
  'from',
  'to',
  'amountType',
  'currency',
  'amount',
  'transactionType',
  'subScenario',
  'note',
  'quoteRequestExtensions',
  'transferRequestExtensions',
  'skipPartyLookup',
  'prepareExpirySeconds',
  'fxPrepareExpirySeconds',
  'quoteExpirySeconds',
  'fxQuoteExpirySeconds',
]);
/** The party id types of the FSPIOP API (`PartyIdType`), as the SDK accepts them. */
export const MOJALOOP_PARTY_ID_TYPES: readonly TransferParty['idType'][] = [
  'MSISDN',
  'EMAIL',
  'PERSONAL_ID',
  'BUSINESS',
  'DEVICE',
  'ACCOUNT_ID',
  'IBAN',
  'ALIAS',
];
const PARTY_ID_TYPES = new Set<string>(MOJALOOP_PARTY_ID_TYPES);
/** `transferId`: a lower-case UUID or an upper-case ULID (CorrelationId). */
const CORRELATION_ID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26})$/;

function invalid(location: string, message: string): ValidationError {
  return new ValidationError(`${location}: ${message}`, {
    issues: [{ message, location, code: 'value' }],
  });
}

function checkParty(p: TransferParty | undefined, location: string): void {
  if (p === undefined || p === null || typeof p !== 'object') {
    throw invalid(location, 'required');
  }
  if (!PARTY_ID_TYPES.has(p.idType)) {
    throw invalid(`${location}.idType`, `must be one of ${[...PARTY_ID_TYPES].join(', ')}`);
  }
  if (typeof p.idValue !== 'string' || p.idValue.length < 1 || p.idValue.length > 128) {
    throw invalid(`${location}.idValue`, 'must be 1-128 characters');
  }
  if (p.idSubValue !== undefined && (p.idSubValue.length < 1 || p.idSubValue.length > 128)) {
    throw invalid(`${location}.idSubValue`, 'must be 1-128 characters');
  }
}

/**
 * Client of the Mojaloop SDK scheme adapter's **outbound** API (v2.1.0), for the payer side, with the SDK set to
 * `AUTO_ACCEPT_QUOTES=false`: `postTransfer` stops at `WAITING_FOR_QUOTE_ACCEPTANCE` (nothing has moved yet),
 * the caller checks the quote and reserves the money, then `acceptQuote` commits. Requests are checked strictly
 * before they leave (the SDK rejects unknown fields and amounts outside the `Amount` pattern); answers are read
 * leniently. Every error answer is a {@link MojaloopError}; a 504 or our own time limit means the outcome is
 * unknown: query with {@link MojaloopClient.getTransfer}, never post the transfer again. The SDK does not
 * de-duplicate `homeTransactionId`: the caller keeps its own `homeTransactionId ↔ transferId` record.
 *
 * @see ../../../../docs/contracts/payments.md §3
 */
export class MojaloopClient {
  private readonly http: HttpClient;
  private readonly timeouts: Required<MojaloopTimeouts>;

  /**
   * @param options - base URL, dispatcher, TLS, time limits
   * @throws ConfigError on a malformed URL or time limit
   */
  constructor(options: MojaloopClientOptions) {
    if (!/^https?:\/\/[^/]/i.test(options.baseUrl)) {
      throw new ConfigError('Mojaloop SDK baseUrl must be an http(s) URL (the outbound API, port 4001)');
    }
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    for (const [name, ms] of Object.entries(this.timeouts)) {
      if (!Number.isSafeInteger(ms) || ms < 1) {
        throw new ConfigError(`Mojaloop timeouts.${name} must be a positive integer (ms)`);
      }
    }
    try {
      this.http = new HttpClient({
        system: 'mojaloop',
        baseUrl: options.baseUrl,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        timeoutMs: this.timeouts.requestMs,
      });
    } catch (err) {
      throw new ConfigError('invalid Mojaloop SDK connection settings (baseUrl, tls.caFile)', { cause: err });
    }
  }

  /** Closes the connections this client opened. */
  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * Starts a transfer (`POST /transfers`). With `AUTO_ACCEPT_QUOTES=false` the answer is
   * `WAITING_FOR_QUOTE_ACCEPTANCE` with `transferId`, `quoteId` and `quoteResponse` (or
   * `WAITING_FOR_PARTY_ACCEPTANCE` with `AUTO_ACCEPT_PARTY=false`); no money has moved. The amount is written in
   * the `Amount` format and checked against the currency's minor units.
   *
   * @param request - the transfer; `amount` may be any exact decimal spelling (`"150000.50"`)
   * @returns the transfer as the SDK answered
   * @throws ValidationError before sending anything the SDK would refuse
   * @throws MojaloopError on an error answer (e.g. 500 with `errorCode` `3204`: payee not found)
   * @throws UpstreamTimeoutError when no answer came in time (nothing was accepted: no money moved)
   */
  async postTransfer(request: TransferRequest): Promise<TransferState> {
    const body = MojaloopClient.transferBody(request);
    return this.send({ method: 'POST', path: 'transfers', body }, 'POST /transfers', this.timeouts.requestMs);
  }

  /**
   * Accepts (`true`) or rejects (`false`) the quote of a transfer in `WAITING_FOR_QUOTE_ACCEPTANCE`
   * (`PUT /transfers/{id}` `{acceptQuote}`). Accepting sends the prepare: from here on a missing answer is an
   * unknown outcome. Rejecting answers `ABORTED` (undocumented).
   *
   * @param transferId - from the `postTransfer` answer
   * @param accept - false abandons the transfer
   * @returns the transfer (`COMPLETED` with `fulfil`, or `ABORTED`)
   * @throws MojaloopError on an error answer; `unknownOutcome` for a 504
   * @throws UpstreamTimeoutError when no answer came in time (outcome unknown: query)
   */
  async acceptQuote(transferId: string, accept = true): Promise<TransferState> {
    return this.continueTransfer(
      transferId,
      { acceptQuote: accept },
      accept ? this.timeouts.commitMs : undefined,
    );
  }

  /**
   * Accepts (`true`) or rejects (`false`) the payee of a transfer in `WAITING_FOR_PARTY_ACCEPTANCE`
   * (`PUT /transfers/{id}` `{acceptParty}`); accepting goes on to the quote.
   *
   * @param transferId - from the `postTransfer` answer
   * @param accept - false abandons the transfer
   * @returns the transfer (`WAITING_FOR_QUOTE_ACCEPTANCE`, or `ABORTED`)
   * @throws MojaloopError on an error answer
   */
  async acceptParty(transferId: string, accept = true): Promise<TransferState> {
    return this.continueTransfer(transferId, { acceptParty: accept });
  }

  /**
   * Asks the SDK for a transfer (`GET /transfers/{id}`). This is not a local read: the SDK asks the switch and waits
   * for its callback. The answer's `currentState` is `COMPLETED` for any answer of the switch: read
   * `fulfil.body.transferState` (use `transferOutcome`).
   *
   * @param transferId - the transfer
   * @returns the transfer (`transferId`, `currentState`, `fulfil`)
   * @throws MojaloopError 500 with `errorCode` `3208` when the switch does not know it, 504 when it did not answer
   */
  async getTransfer(transferId: string): Promise<TransferState> {
    const id = MojaloopClient.transferId(transferId);
    return this.send(
      { method: 'GET', path: `transfers/${id}` },
      `GET /transfers/${id}`,
      this.timeouts.queryMs,
    );
  }

  private async continueTransfer(
    transferId: string,
    body: TransferContinuation,
    timeoutMs = this.timeouts.requestMs,
  ): Promise<TransferState> {
    const id = MojaloopClient.transferId(transferId);
    const state = await this.send(
      { method: 'PUT', path: `transfers/${id}`, body },
      `PUT /transfers/${id}`,
      timeoutMs,
    );
    // The SDK answers 204 without a body when the transfer had already failed: keep the id so it can be queried.
    return state.transferId === undefined ? { ...state, transferId: id } : state;
  }

  /** The one path to the SDK: sends, returns a 2xx answer's JSON, throws the typed error of anything else. */
  private async send(
    req: Omit<HttpRequest, 'timeoutMs'>,
    what: string,
    timeoutMs: number,
  ): Promise<TransferState> {
    const res = await this.http.request({ ...req, timeoutMs });
    if (res.status < 200 || res.status >= 300) {
      throw parseMojaloopError(res.status, res.text, what);
    }
    if (res.text.trim() === '') {
      return {};
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.text);
    } catch (err) {
      throw new UpstreamUnavailableError(
        'mojaloop',
        `Mojaloop SDK answered ${what} with a body that is not JSON`,
        {
          cause: err,
        },
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UpstreamUnavailableError('mojaloop', `Mojaloop SDK answered ${what} with a non-object body`);
    }
    return parsed as TransferState;
  }

  private static transferId(value: string): string {
    if (typeof value !== 'string' || !CORRELATION_ID.test(value)) {
      throw invalid('transferId', 'must be a lower-case UUID or an upper-case ULID');
    }
    return value;
  }

  private static transferBody(request: TransferRequest): Record<string, unknown> {
    for (const key of Object.keys(request)) {
      if (!REQUEST_FIELDS.has(key)) {
        throw invalid(key, 'is not a transferRequest field (the SDK rejects additional properties)');
      }
    }
    if (typeof request.homeTransactionId !== 'string' || request.homeTransactionId.trim() === '') {
      throw invalid('homeTransactionId', 'required: our own id of the payment, stored before the call');
    }
    checkParty(request.from, 'from');
    checkParty(request.to, 'to');
    if (request.amountType !== 'SEND' && request.amountType !== 'RECEIVE') {
      throw invalid('amountType', 'must be SEND or RECEIVE');
    }
    if (request.transactionType !== 'TRANSFER') {
      throw invalid('transactionType', 'the outbound API accepts TRANSFER only');
    }
    currencyMinorUnits(request.currency, 'currency');
    if (request.note !== undefined && (request.note.length < 1 || request.note.length > 128)) {
      throw invalid('note', 'must be 1-128 characters');
    }
    if (request.skipPartyLookup === true && !request.to.fspId) {
      throw invalid('to.fspId', 'required with skipPartyLookup');
    }
    return { ...request, amount: toPositiveMojaloopAmount(request.amount, request.currency, 'amount') };
  }
}
