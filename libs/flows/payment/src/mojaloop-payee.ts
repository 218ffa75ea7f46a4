import {
  MOJALOOP_ERROR_CODES,
  parseMojaloopAmount,
  toMojaloopAmountString,
  type BackendErrorResponse,
  type BackendParty,
  type BackendQuoteResponse,
  type BackendTransferResponse,
} from '@payment-layer/mifos-mojaloop-client';
import { isPositive, moneyEquals, subtractMoney, type Money } from '@payment-layer/shared-money';
import type { LedgerInvoice } from '@payment-layer/staging-db';
import type { PaymentFlowContext } from './context';
import { recordIncomingPayment, type IncomingPayment, type PaymentOutcome } from './record';

/**
 * Who we are on the Mojaloop scheme: the account payers address (e.g. `BUSINESS/NHIF`); the invoice code is the
 * sub-id (`GET /parties/BUSINESS/NHIF/IV-…`).
 */
export interface MojaloopPayeeSettings {
  readonly idType: string;
  readonly idValue: string;
  /** Shown to the payer before they confirm (never an insuree's name). */
  readonly displayName: string;
  /** Our DFSP id on the scheme (the SDK's `DFSP_ID`), when known. */
  readonly fspId?: string | undefined;
}

/** An answer of the SDK backend API: a plain JSON body (`errorResponse` `{statusCode, message}` on refusal). */
export interface BackendAnswer {
  readonly httpStatus: number;
  readonly body:
    BackendParty | BackendQuoteResponse | BackendTransferResponse | BackendErrorResponse | object;
  /** What the mediator reports to OpenHIM about the call. */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
  /** The ledger outcome, when a final notification recorded (or found) a payment. */
  readonly payment?: PaymentOutcome;
}

const PAYABLE: readonly string[] = ['awaiting_payment', 'partially_paid'];
/** `transferId` as the SDK sends it: a lower-case UUID or an upper-case ULID. */
const CORRELATION_ID =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-7][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26})$/;

type Json = Record<string, unknown>;

function refuse(
  httpStatus: number,
  statusCode: string,
  message: string,
  properties: Record<string, string | number | boolean> = {},
): BackendAnswer {
  // `statusCode` is a Mojaloop error code: the SDK passes it to the payer FSP as that FSPIOP error (payments.md §4).
  return {
    httpStatus,
    body: { statusCode, message },
    properties: { outcome: 'refused', statusCode, ...properties },
  };
}

const partyNotFound = (why: string): BackendAnswer =>
  refuse(404, MOJALOOP_ERROR_CODES.PARTY_NOT_FOUND, 'Party not found', { reason: why });

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function isOurAccount(settings: MojaloopPayeeSettings, idType: unknown, idValue: unknown): boolean {
  return idType === settings.idType && idValue === settings.idValue;
}

/** The open balance of an invoice that takes money, or undefined when it takes none. */
function openBalance(invoice: LedgerInvoice): Money | undefined {
  if (!PAYABLE.includes(invoice.state)) {
    return undefined;
  }
  const open = subtractMoney(
    { amount: invoice.amount, currency: invoice.currency },
    { amount: invoice.paidAmount, currency: invoice.currency },
  );
  return isPositive(open) ? open : undefined;
}

function payableInvoice(ctx: PaymentFlowContext, code: string | undefined): LedgerInvoice | undefined {
  if (code === undefined) {
    return undefined;
  }
  const invoice = ctx.repos.ledger.getInvoiceByCode(code);
  return invoice !== undefined && openBalance(invoice) !== undefined ? invoice : undefined;
}

/**
 * Checks an amount the payer's side proposes against the invoice: the currency must be the invoice's and the
 * amount exactly its open balance (openIMIS marks an invoice paid only on the exact total; we take no fee).
 */
function checkAgainstInvoice(
  invoice: LedgerInvoice,
  amount: unknown,
  currency: unknown,
  field: string,
): { readonly ok: true; readonly money: Money } | { readonly ok: false; readonly answer: BackendAnswer } {
  const props = { invoiceCode: invoice.code };
  if (currency !== invoice.currency) {
    return {
      ok: false,
      answer: refuse(
        400,
        MOJALOOP_ERROR_CODES.PAYEE_UNSUPPORTED_CURRENCY,
        `invoice ${invoice.code} is payable in ${invoice.currency} only`,
        props,
      ),
    };
  }
  let m: Money;
  try {
    m = parseMojaloopAmount(amount, currency, field);
  } catch (err) {
    return {
      ok: false,
      answer: refuse(
        400,
        MOJALOOP_ERROR_CODES.VALIDATION_ERROR,
        err instanceof Error ? err.message : 'bad amount',
        props,
      ),
    };
  }
  const open = openBalance(invoice);
  if (open === undefined || !moneyEquals(m, open)) {
    return {
      ok: false,
      answer: refuse(
        400,
        MOJALOOP_ERROR_CODES.PAYEE_FSP_REJECTED_QUOTE,
        `amount must equal the open balance of invoice ${invoice.code}: ${open ? toMojaloopAmountString(open.amount, open.currency) : 'nothing'} ${invoice.currency}`,
        props,
      ),
    };
  }
  return { ok: true, money: m };
}

/**
 * Backend `GET /parties/{Type}/{ID}/{SubId}`: a payer looks up our scheme account with an invoice code as sub-id.
 * Known and payable → our account as a `transferParty` that takes the invoice's currency; anything else (another
 * account, no sub-id, unknown invoice, invoice already paid or cancelled) → 404 `3204` "Party not found", the SDK's
 * not-found shape. Reads only.
 *
 * @param ctx - flow context
 * @param settings - our scheme account
 * @param party - path parameters
 * @returns the backend answer
 * @see ../../../../docs/contracts/payments.md §4
 */
export function lookupMojaloopParty(
  ctx: PaymentFlowContext,
  settings: MojaloopPayeeSettings,
  party: { readonly idType: string; readonly idValue: string; readonly idSubValue?: string | undefined },
): BackendAnswer {
  if (!isOurAccount(settings, party.idType, party.idValue)) {
    return partyNotFound('not our scheme account');
  }
  const invoice = payableInvoice(ctx, party.idSubValue);
  if (invoice === undefined) {
    return partyNotFound(
      party.idSubValue === undefined ? 'no invoice code' : 'no open invoice with that code',
    );
  }
  const body: BackendParty = {
    idType: settings.idType as BackendParty['idType'],
    idValue: settings.idValue,
    idSubValue: invoice.code,
    displayName: settings.displayName,
    type: 'BUSINESS',
    supportedCurrencies: [invoice.currency as NonNullable<BackendParty['supportedCurrencies']>[number]],
    ...(settings.fspId ? { fspId: settings.fspId } : {}),
  };
  return { httpStatus: 200, body, properties: { outcome: 'found', invoiceCode: invoice.code } };
}

/**
 * Backend `POST /quoterequests`: the payer's FSP asks what the payment costs. The payee must be our account with an
 * open invoice code as sub-id, the currency the invoice's, and the amount exactly the invoice's open balance (a
 * partial or over-payment is refused before any money moves). We take no fee: `transferAmount` =
 * `payeeReceiveAmount` = the amount. Nothing is stored.
 *
 * @param ctx - flow context
 * @param settings - our scheme account
 * @param body - the quote request as received
 * @returns the quote (`quoteResponse`) or a refusal (`5103` wrong amount, `5106` currency, `3204` unknown invoice)
 */
export function quoteMojaloopPayment(
  ctx: PaymentFlowContext,
  settings: MojaloopPayeeSettings,
  body: unknown,
): BackendAnswer {
  const q = obj(body);
  const to = obj(q?.['to']);
  const quoteId = str(q?.['quoteId']);
  const transactionId = str(q?.['transactionId']);
  if (q === undefined || to === undefined || quoteId === undefined || transactionId === undefined) {
    return refuse(400, MOJALOOP_ERROR_CODES.VALIDATION_ERROR, 'quoteId, transactionId and to are required');
  }
  if (!isOurAccount(settings, to['idType'], to['idValue'])) {
    return partyNotFound('not our scheme account');
  }
  const invoice = payableInvoice(ctx, str(to['idSubValue']));
  if (invoice === undefined) {
    return partyNotFound('no open invoice with that code');
  }
  if (q['transactionType'] !== 'TRANSFER') {
    return refuse(400, '5102', 'only TRANSFER is accepted', { invoiceCode: invoice.code });
  }
  const checked = checkAgainstInvoice(invoice, q['amount'], q['currency'], 'amount');
  if (!checked.ok) {
    return checked.answer;
  }
  const amount = toMojaloopAmountString(checked.money.amount, invoice.currency);
  const currency = invoice.currency as BackendQuoteResponse['transferAmountCurrency'];
  const quote: BackendQuoteResponse = {
    quoteId,
    transactionId,
    transferAmount: amount,
    transferAmountCurrency: currency,
    payeeReceiveAmount: amount,
    payeeReceiveAmountCurrency: currency,
    payeeFspFeeAmount: '0',
    payeeFspFeeAmountCurrency: currency,
  };
  ctx.log.info({ quoteId, transactionId, invoiceCode: invoice.code }, 'mojaloop quote given');
  return {
    httpStatus: 200,
    body: quote,
    properties: { outcome: 'quoted', invoiceCode: invoice.code, amount, currency: invoice.currency },
  };
}

/**
 * Backend `POST /transfers`: the switch asks us to accept the prepared transfer. We check it again (our account,
 * an open invoice, the quote's `transferAmount` and the ILP packet's amount both equal to the open balance) and
 * answer `RESERVED`: **nothing is recorded as paid** — the money counts only when the final notification says
 * `COMMITTED` ({@link handleMojaloopNotification}). A refusal (`5105`) makes the SDK abort the transfer.
 *
 * @param ctx - flow context
 * @param settings - our scheme account
 * @param body - the transfer request as received
 * @returns `{homeTransactionId, transferState: "RESERVED"}` or a refusal
 */
export function prepareMojaloopTransfer(
  ctx: PaymentFlowContext,
  settings: MojaloopPayeeSettings,
  body: unknown,
): BackendAnswer {
  const t = obj(body);
  const to = obj(t?.['to']);
  const quote = obj(t?.['quote']);
  const transferId = str(t?.['transferId']);
  if (t === undefined || to === undefined || quote === undefined || transferId === undefined) {
    return refuse(400, MOJALOOP_ERROR_CODES.VALIDATION_ERROR, 'transferId, quote and to are required');
  }
  if (!CORRELATION_ID.test(transferId)) {
    return refuse(400, MOJALOOP_ERROR_CODES.VALIDATION_ERROR, 'transferId must be a UUID or a ULID');
  }
  if (!isOurAccount(settings, to['idType'], to['idValue'])) {
    return partyNotFound('not our scheme account');
  }
  const invoice = payableInvoice(ctx, str(to['idSubValue']));
  if (invoice === undefined) {
    return refuse(
      400,
      MOJALOOP_ERROR_CODES.PAYEE_FSP_REJECTED_TRANSACTION,
      'the invoice takes no more money',
      {
        transferId,
      },
    );
  }
  const rejected = (answer: BackendAnswer): BackendAnswer =>
    refuse(
      answer.httpStatus,
      MOJALOOP_ERROR_CODES.PAYEE_FSP_REJECTED_TRANSACTION,
      (answer.body as { message: string }).message,
      { transferId, invoiceCode: invoice.code },
    );
  const quoted = checkAgainstInvoice(
    invoice,
    quote['transferAmount'],
    quote['transferAmountCurrency'],
    'quote.transferAmount',
  );
  if (!quoted.ok) {
    return rejected(quoted.answer);
  }
  const ilpAmount = obj(obj(obj(obj(t['ilpPacket'])?.['data'])?.['amount']));
  if (ilpAmount !== undefined) {
    const prepared = checkAgainstInvoice(
      invoice,
      ilpAmount['amount'],
      ilpAmount['currency'],
      'ilpPacket.data.amount',
    );
    if (!prepared.ok) {
      return rejected(prepared.answer);
    }
  }
  const homeTransactionId = `${invoice.code}:${transferId}`;
  ctx.log.info({ transferId, invoiceCode: invoice.code }, 'mojaloop transfer reserved');
  const answer: BackendTransferResponse = { homeTransactionId, transferState: 'RESERVED' };
  return {
    httpStatus: 200,
    body: answer,
    properties: { outcome: 'reserved', transferId, invoiceCode: invoice.code },
  };
}

/** What a final notification says, read from the SDK's cached model it carries. */
interface NotificationFacts {
  readonly transferState: string | undefined;
  readonly currentState: string | undefined;
  readonly invoiceCode: string | undefined;
  readonly amount: unknown;
  readonly currency: unknown;
  readonly payerFsp: string | undefined;
}

function notificationFacts(n: Json): NotificationFacts {
  const quote = obj(n['quote']);
  const internal = obj(quote?.['internalRequest']);
  const quoteResponse = obj(quote?.['response']);
  const fspiopQuote = obj(obj(n['quoteRequest'])?.['body']);
  const prepare = obj(obj(n['prepare'])?.['body']);
  const prepared = obj(prepare?.['amount']);
  const payeeInfo = obj(obj(fspiopQuote?.['payee'])?.['partyIdInfo']);
  // The money that moved is the prepare's amount; the quote is the fallback when the SDK did not keep the prepare.
  const amount = prepared?.['amount'] ?? quoteResponse?.['transferAmount'];
  const currency = prepared?.['currency'] ?? quoteResponse?.['transferAmountCurrency'];
  return {
    transferState: str(obj(n['finalNotification'])?.['transferState']),
    currentState: str(n['currentState']),
    invoiceCode: str(obj(internal?.['to'])?.['idSubValue']) ?? str(payeeInfo?.['partySubIdOrType']),
    amount,
    currency,
    payerFsp: str(prepare?.['payerFsp']) ?? str(obj(internal?.['from'])?.['fspId']),
  };
}

/**
 * Backend `PUT /transfers/{transferId}`: the SDK's final notification. Only `finalNotification.transferState`
 * `COMMITTED` (with `currentState` `COMPLETED`) is money: it is recorded through the same exactly-once path as the
 * Fineract hooks ({@link recordIncomingPayment}, source `mojaloop`, keyed by the transfer id), so a fully paid
 * invoice gets one PaymentNotice however often the notification comes. The request hash covers the facts (transfer
 * id, invoice code, amount, currency), not the SDK's timestamps, so a re-sent notification is a duplicate and a
 * different amount under the same id is a conflict (409). A payment the notification cannot place (no invoice code
 * or amount — the SDK lost its cache —, a `currentState` contradicting the commit, or an invoice that takes no more
 * money) is kept as `needs_attention`, never dropped. `ABORTED` or any other state records nothing.
 *
 * @param ctx - flow context
 * @param transferId - from the path
 * @param body - the notification as received
 * @returns 200 "notification accepted", with the ledger outcome for a commit
 * @throws ConflictError when the transfer was recorded with different facts
 */
export function handleMojaloopNotification(
  ctx: PaymentFlowContext,
  transferId: string,
  body: unknown,
): BackendAnswer {
  const n = obj(body);
  if (n === undefined) {
    return refuse(400, MOJALOOP_ERROR_CODES.VALIDATION_ERROR, 'the notification must be a JSON object');
  }
  if (!CORRELATION_ID.test(transferId) || (n['transferId'] !== undefined && n['transferId'] !== transferId)) {
    return refuse(
      400,
      MOJALOOP_ERROR_CODES.VALIDATION_ERROR,
      'transferId of the path and the body differ or is invalid',
    );
  }
  const f = notificationFacts(n);
  if (f.transferState !== 'COMMITTED') {
    ctx.log.info(
      {
        transferId,
        transferState: f.transferState,
        currentState: f.currentState,
        invoiceCode: f.invoiceCode,
      },
      'mojaloop transfer not committed: nothing recorded',
    );
    return {
      httpStatus: 200,
      body: {},
      properties: { outcome: 'not-committed', transferId, transferState: f.transferState ?? 'none' },
    };
  }
  const invoice = f.invoiceCode === undefined ? undefined : ctx.repos.ledger.getInvoiceByCode(f.invoiceCode);
  let amount = '0';
  let currency: string | undefined;
  // The SDK derives currentState from the switch's transferState; a contradiction is kept for an operator (the
  // switch said COMMITTED, so money may have moved), never applied to an invoice and never dropped.
  let problem: string | undefined =
    f.currentState !== undefined && f.currentState !== 'COMPLETED'
      ? `committed transfer ${transferId} reported with currentState ${f.currentState}`
      : undefined;
  try {
    const m = parseMojaloopAmount(f.amount, f.currency, 'amount');
    amount = m.amount;
    currency = m.currency;
  } catch {
    problem ??= `committed transfer ${transferId}: the notification carries no readable amount`;
  }
  const canonical = JSON.stringify({
    transferId,
    transferState: 'COMMITTED',
    invoiceCode: f.invoiceCode ?? null,
    amount,
    currency: currency ?? null,
  });
  const payment: IncomingPayment = {
    source: 'mojaloop',
    sourceTxnId: transferId,
    invoice: problem === undefined ? invoice : undefined,
    unmatchedReason:
      problem ??
      `committed transfer ${transferId}: ${f.invoiceCode === undefined ? 'no invoice code in the notification' : `no invoice ${f.invoiceCode}`}`,
    amount,
    currency,
    payerRef: f.payerFsp ? `mojaloop-fsp:${f.payerFsp}` : null,
    reference: f.invoiceCode ?? null,
    requestText: canonical,
  };
  const outcome = recordIncomingPayment(ctx, payment);
  return {
    httpStatus: 200,
    body: {},
    properties: { transferId, ...(f.invoiceCode ? { invoiceCode: f.invoiceCode } : {}) },
    payment: outcome,
  };
}
