import type { SDKSchemeAdapter } from '@mojaloop/api-snippets';

// Types only: @mojaloop/api-snippets is a dev dependency whose runtime entry point does not load (payments.md §2).

/** Body of the SDK outbound `POST /transfers` (`transferRequest`, `additionalProperties: false`). */
export type TransferRequest = SDKSchemeAdapter.V2_1_0.Outbound.Types.transferRequest;
/** A payer or payee in the SDK's simplified form (`transferParty`). */
export type TransferParty = SDKSchemeAdapter.V2_1_0.Outbound.Types.transferParty;
/** FSPIOP Money `{ currency, amount }` as the SDK returns it inside quotes. */
export type MojaloopMoney = SDKSchemeAdapter.V2_1_0.Outbound.Types.Money;
/** The `PUT /quotes/{ID}` body the payee FSP sent (`quoteResponse.body` of a transfer). */
export type QuoteResponseBody = SDKSchemeAdapter.V2_1_0.Outbound.Types.QuotesIDPutResponse;
/** The `PUT /transfers/{ID}` body the switch sent (`fulfil.body` of a transfer). */
export type FulfilBody = SDKSchemeAdapter.V2_1_0.Outbound.Types.TransfersIDPutResponse;
/** FSPIOP ledger state of a transfer: `RECEIVED`, `RESERVED`, `COMMITTED`, `ABORTED`. */
export type LedgerTransferState = SDKSchemeAdapter.V2_1_0.Outbound.Types.TransferState;
/** `lastError` of a transfer: the HTTP status and the Mojaloop error that stopped it. */
export type TransferError = SDKSchemeAdapter.V2_1_0.Outbound.Types.transferError;

/**
 * `currentState` values of the outbound API: the spec's enum plus `ABORTED`, which `PUT {acceptQuote: false}` and
 * `{acceptParty: false}` answer although the spec does not list it (payments.md §3.4).
 */
export type SdkTransferState = SDKSchemeAdapter.V2_1_0.Outbound.Types.transferStatus | 'ABORTED';

/**
 * A transfer as the outbound API answers `POST /transfers`, `PUT /transfers/{id}` or `GET /transfers/{id}`. Read
 * leniently: real answers carry fields the schema does not list, the GET answer lacks most of these, and
 * `currentState` may be a value outside the spec's enum (kept as a string so it can be reported).
 */
export interface TransferState {
  readonly transferId?: string;
  readonly homeTransactionId?: string;
  readonly from?: TransferParty;
  readonly to?: TransferParty;
  readonly amountType?: SDKSchemeAdapter.V2_1_0.Outbound.Types.AmountType;
  readonly currency?: string;
  readonly amount?: string;
  readonly transactionType?: string;
  readonly note?: string;
  readonly currentState?: string;
  readonly quoteId?: string;
  readonly getPartiesResponse?: { readonly body?: unknown; readonly headers?: unknown };
  readonly quoteResponse?: { readonly body?: QuoteResponseBody; readonly headers?: unknown };
  readonly quoteResponseSource?: string;
  readonly fulfil?: { readonly body?: FulfilBody; readonly headers?: unknown };
  readonly lastError?: TransferError;
  readonly [extra: string]: unknown;
}

/** The continuation bodies of `PUT /transfers/{id}`: exactly one boolean property. */
export type TransferContinuation =
  | SDKSchemeAdapter.V2_1_0.Outbound.Types.transferContinuationAcceptParty
  | SDKSchemeAdapter.V2_1_0.Outbound.Types.transferContinuationAcceptQuote
  | SDKSchemeAdapter.V2_1_0.Outbound.Types.transferContinuationAcceptConversion
  | SDKSchemeAdapter.V2_1_0.Outbound.Types.transferContinuationAcceptQuoteOrConversion;

/** The backend API's `GET /parties` answer (what a payee FSP's core system returns). */
export type BackendParty = SDKSchemeAdapter.V2_1_0.Backend.Types.transferParty;
/** The backend API's `POST /quoterequests` body. */
export type BackendQuoteRequest = SDKSchemeAdapter.V2_1_0.Backend.Types.quoteRequest;
/** The backend API's `POST /quoterequests` answer. */
export type BackendQuoteResponse = SDKSchemeAdapter.V2_1_0.Backend.Types.quoteResponse;
/** The backend API's `POST /transfers` body. */
export type BackendTransferRequest = SDKSchemeAdapter.V2_1_0.Backend.Types.transferRequest;
/** The backend API's `POST /transfers` answer (`transferState` only `RESERVED` or `COMMITTED`). */
export type BackendTransferResponse = SDKSchemeAdapter.V2_1_0.Backend.Types.transferResponse;
/** The backend API's `PUT /transfers/{id}` body (the SDK's final notification). */
export type BackendFulfilNotification = SDKSchemeAdapter.V2_1_0.Backend.Types.fulfilNotification;
/** The backend API's error body `{ statusCode, message }`. */
export type BackendErrorResponse = SDKSchemeAdapter.V2_1_0.Backend.Types.errorResponse;
