import { UpstreamError, UpstreamTimeoutError, UpstreamUnavailableError } from '@payment-layer/shared-errors';
import type { TransferState } from './types';

/** Well-known Mojaloop (FSPIOP) error codes the SDK passes through as `statusCode`. */
export const MOJALOOP_ERROR_CODES = {
  /** Generic server error. */
  INTERNAL_SERVER_ERROR: '2001',
  /** Generic validation error (malformed request). */
  VALIDATION_ERROR: '3100',
  /** The same id came back with a different request. */
  MODIFIED_REQUEST: '3106',
  /** Generic "id not found". */
  ID_NOT_FOUND: '3200',
  /** The payee party is not known to any FSP (or its FSP does not know it). */
  PARTY_NOT_FOUND: '3204',
  /** Transfer id not found at the switch. */
  TRANSFER_ID_NOT_FOUND: '3208',
  /** Quote expired before the transfer. */
  QUOTE_EXPIRED: '3302',
  /** Transfer expired before it was fulfilled. */
  TRANSFER_EXPIRED: '3303',
  /** Generic payee error. */
  PAYEE_ERROR: '5000',
  /** Payee FSP rejected the quote. */
  PAYEE_FSP_REJECTED_QUOTE: '5103',
  /** Payee FSP rejected the transaction. */
  PAYEE_FSP_REJECTED_TRANSACTION: '5105',
  /** Payee does not take that currency. */
  PAYEE_UNSUPPORTED_CURRENCY: '5106',
} as const;

/** Construction options of {@link MojaloopError}. */
export interface MojaloopErrorOptions {
  readonly httpStatus: number;
  /** The body's `statusCode`: a Mojaloop error code (`"3204"`) when the SDK had one, else the HTTP status. */
  readonly errorCode?: string;
  /** The transfer as the SDK knew it when it failed (`transferState` of `errorTransferResponse`). */
  readonly transferState?: TransferState;
  readonly cause?: unknown;
}

/**
 * The SDK scheme adapter answered with an error status (`errorTransferResponse`: `{message, statusCode,
 * transferState}`). A 504 means **unknown outcome**: the switch may still commit the transfer; query it
 * ({@link isUnknownOutcome}) and never post it again with a new id.
 *
 * @see ../../../../docs/contracts/payments.md §3.5
 */
export class MojaloopError extends UpstreamError {
  override readonly code: string = 'mojaloop';
  /** The HTTP status the SDK answered. */
  readonly httpStatus: number;
  /** `statusCode` of the body: a Mojaloop error code such as `3204`, or the HTTP status as text. */
  readonly errorCode: string | undefined;
  /** `transferState.lastError.mojaloopError.errorInformation.errorCode`, when the SDK kept one. */
  readonly mojaloopErrorCode: string | undefined;
  /** The transfer id, when the SDK had assigned one before failing (needed to query after a 504). */
  readonly transferId: string | undefined;
  /** The transfer as the SDK knew it. */
  readonly transferState: TransferState | undefined;
  /** True for a 504: the SDK gave up waiting, the switch may still complete the transfer. */
  readonly unknownOutcome: boolean;

  constructor(message: string, options: MojaloopErrorOptions) {
    super('mojaloop', message, {
      upstreamStatus: options.httpStatus,
      ...(options.errorCode !== undefined ? { upstreamCode: options.errorCode } : {}),
      cause: options.cause,
    });
    this.httpStatus = options.httpStatus;
    this.errorCode = options.errorCode;
    this.transferState = options.transferState;
    const info = options.transferState?.lastError?.mojaloopError?.errorInformation;
    this.mojaloopErrorCode = info?.errorCode;
    this.transferId = options.transferState?.transferId;
    this.unknownOutcome = options.httpStatus === 504;
  }
}

/**
 * Whether a failed call may still have moved money: an SDK 504, our own time limit, or a connection that broke
 * after the request left. The caller must query the transfer (`getTransfer`) before doing anything else with it.
 *
 * @param err - anything thrown by the client
 * @returns true when the outcome is unknown
 */
export function isUnknownOutcome(err: unknown): boolean {
  if (err instanceof MojaloopError) {
    return err.unknownOutcome;
  }
  return err instanceof UpstreamTimeoutError || err instanceof UpstreamUnavailableError;
}

/**
 * Builds the typed error of an SDK error answer (JSON `errorTransferResponse`, or a proxy's page).
 *
 * @param status - HTTP status
 * @param text - body
 * @param what - the call, for the message (`POST /transfers`)
 * @returns the error
 */
export function parseMojaloopError(status: number, text: string, what: string): MojaloopError {
  let body: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // A gateway's HTML page: no code, no state.
  }
  const errorCode = typeof body?.['statusCode'] === 'string' ? body['statusCode'] : undefined;
  const state = body?.['transferState'];
  const transferState =
    state !== null && typeof state === 'object' && !Array.isArray(state)
      ? (state as TransferState)
      : undefined;
  // The SDK's message can quote the peer's whole answer: keep a short excerpt, and none for 5xx bodies.
  const sdkMessage = typeof body?.['message'] === 'string' ? body['message'].slice(0, 200) : undefined;
  const message =
    status === 504
      ? `Mojaloop SDK timed out on ${what}: outcome unknown${transferState?.transferId ? ` (transfer ${transferState.transferId})` : ''}`
      : `Mojaloop SDK answered ${status} to ${what}${errorCode ? ` (${errorCode})` : ''}${status < 500 && sdkMessage ? `: ${sdkMessage}` : ''}`;
  return new MojaloopError(message, {
    httpStatus: status,
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(transferState !== undefined ? { transferState } : {}),
  });
}
