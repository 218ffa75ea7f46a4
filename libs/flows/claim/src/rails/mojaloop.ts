import { UpstreamError, ValidationError } from '@payment-layer/shared-errors';
import type { FineractClient } from '@payment-layer/mifos-fineract-client';
import {
  checkQuote,
  isUnknownOutcome,
  MOJALOOP_ERROR_CODES,
  MojaloopError,
  transferOutcome,
  type MojaloopClient,
  type QuoteResponseBody,
  type TransferParty,
  type TransferRequest,
  type TransferState,
} from '@payment-layer/mifos-mojaloop-client';
import { parseAmount, toFineractAmount, type Money } from '@payment-layer/shared-money';
import type { PayoutInstruction, PayoutRail, RailContext, RailResult } from '../rail';

/** Construction options of {@link mojaloopRail}. */
export interface MojaloopRailOptions {
  /** Client of the SDK scheme adapter's outbound API; the SDK must run with `AUTO_ACCEPT_QUOTES=false`. */
  readonly mojaloop: MojaloopClient;
  /** Client of the Fineract that holds the payout float. */
  readonly fineract: FineractClient;
  /** The scheme's payout float: the savings account every Mojaloop payout is withdrawn from (and refunded to). */
  readonly floatSavingsAccountId: number;
  /** Fineract payment type of those withdrawals and refunds (required by current Fineract). */
  readonly paymentTypeId: number;
  /** The scheme as the payer party of every transfer (`from`). */
  readonly payer: TransferParty;
  /**
   * Most the scheme pays on top of the approved amount in payee FSP fees, in the payout currency (decimal string,
   * default `"0"`: a quote with any fee is refused). A fee within the limit is withdrawn from the float with the
   * amount, since `transferAmount` is what leaves the scheme's account.
   */
  readonly maxFee?: string;
  /**
   * How long after `acceptQuote` a transfer the switch does not know (`3208`) may still be prepared: the switch's
   * prepare expiry (`EXPIRY_SECONDS`, 60 s by default) plus a margin. Only after it is the withdrawal refunded on a
   * `3208` (default 90 000 ms).
   */
  readonly prepareExpiryMs?: number;
  /** `retryAfterMs` of a pending result while an answer is awaited (default 5 000 ms). */
  readonly retryAfterMs?: number;
  /** `retryAfterMs` of a pending result that waits for an operator (default 15 min). */
  readonly attentionRetryAfterMs?: number;
  /**
   * Most `POST /transfers` per payout (default 3). A POST whose transfer is proven never to have been prepared
   * (SDK 504 with a transferId the switch does not know) is posted again, under the same homeTransactionId.
   */
  readonly maxPosts?: number;
}

/**
 * Where a payout stands on the Mojaloop rail. Saved as the payout's progress before every external write:
 * - `new`: nothing in flight; the next step posts a transfer;
 * - `posting`: a `POST /transfers` was (maybe) sent and its answer not recorded;
 * - `post-timeout`: the SDK answered the POST with a 504 that names the transfer: ask the switch about it;
 * - `quoted`: a transfer waits for quote acceptance; the quote is checked next;
 * - `withdrawing`: the withdrawal from the float was (maybe) sent;
 * - `withdrawn`: the float was debited; the quote is accepted next;
 * - `accepting`: `acceptQuote` was (maybe) sent: from here the transfer is only ever queried;
 * - `refunding`: the transfer failed for good; the refund deposit into the float was (maybe) sent;
 * - `attention`: only an operator can tell what happened (`reason`);
 * - `done`: `result` is final.
 */
export type MojaloopPayoutStage =
  | 'new'
  | 'posting'
  | 'post-timeout'
  | 'quoted'
  | 'withdrawing'
  | 'withdrawn'
  | 'accepting'
  | 'refunding'
  | 'attention'
  | 'done';

/** One Fineract savings transaction of a payout (withdrawal or refund), as saved before it is sent. */
export interface FloatMovement {
  /** Decimal string, the float's currency. */
  readonly amount: string;
  /** `YYYY-MM-DD`, fixed once so the read-back after a crash matches the transaction sent. */
  readonly date: string;
  /** Idempotency-Key attempt number in force (Fineract-client `onAttempt`). */
  readonly attempt: number;
  /** Fineract transaction id once known. */
  readonly transactionId?: number;
}

/** The progress JSON of a payout on the Mojaloop rail (version 1). */
export interface MojaloopPayoutProgress {
  readonly rail: 'mojaloop';
  readonly v: 1;
  readonly stage: MojaloopPayoutStage;
  /** Our id of the payout at the SDK: the payout key, the same for every POST of this payout. */
  readonly homeTransactionId: string;
  /** The approved amount the rail started with (canonical); a payout that changes afterwards is not paid. */
  readonly approved?: { readonly amount: string; readonly currency: string };
  /** `POST /transfers` sent so far (each one may have created a transfer at the SDK). */
  readonly posts: number;
  /** The SDK's id of the live transfer. */
  readonly transferId?: string;
  /** Transfers of earlier POSTs proven never prepared (kept for reconciliation). */
  readonly abandoned?: readonly string[];
  /** The quote's amounts and expiry (checked against the approved amount before any money moves). */
  readonly quote?: QuoteResponseBody;
  readonly withdrawal?: FloatMovement;
  /** When `acceptQuote` was sent (ISO). */
  readonly acceptedAt?: string;
  /** The SDK answered `acceptQuote` with a definite error (not a timeout): a `3208` is then final at once. */
  readonly acceptFailed?: boolean;
  readonly refund?: FloatMovement;
  /** Why the payout stopped, failed or waits for an operator. */
  readonly reason?: string;
  /** Set in `attention` when a POST's answer was lost and no transferId is known. */
  readonly lostPost?: boolean;
  readonly result?: RailResult;
}

const DEFAULTS: Required<
  Pick<
    MojaloopRailOptions,
    'maxFee' | 'prepareExpiryMs' | 'retryAfterMs' | 'attentionRetryAfterMs' | 'maxPosts'
  >
> = {
  maxFee: '0',
  prepareExpiryMs: 90_000,
  retryAfterMs: 5_000,
  attentionRetryAfterMs: 15 * 60_000,
  maxPosts: 3,
};

/**
 * Reads a saved progress, or `undefined` when it is not this rail's.
 *
 * @param progress - the payout's saved progress
 * @returns the typed progress
 */
export function mojaloopProgress(
  progress: Readonly<Record<string, unknown>> | null,
): MojaloopPayoutProgress | undefined {
  if (progress === null || progress['rail'] !== 'mojaloop' || progress['v'] !== 1) {
    return undefined;
  }
  return progress as unknown as MojaloopPayoutProgress;
}

/**
 * An operator's decision on a payout whose `POST /transfers` answer was lost (stage `attention`, `lostPost`): they
 * checked the SDK's or the hub's records for the homeTransactionId and found no transfer that can still move money
 * (with `AUTO_ACCEPT_QUOTES=false` an unanswered POST stops before the prepare). The returned progress lets the
 * rail post again; save it as the payout's progress.
 *
 * @param progress - the payout's saved progress
 * @returns the progress to save
 * @throws ValidationError when the payout is not waiting for that decision
 */
export function releaseLostPost(progress: Readonly<Record<string, unknown>> | null): Record<string, unknown> {
  const p = mojaloopProgress(progress);
  if (p?.stage !== 'attention' || p.lostPost !== true) {
    throw new ValidationError('the payout is not waiting for a lost POST /transfers to be resolved', {
      issues: [{ message: 'not a lost POST', location: 'progress.stage' }],
    });
  }
  const { lostPost: _l, reason: _r, transferId: _t, quote: _q, ...rest } = p;
  return { ...rest, stage: 'new' };
}

function describe(err: unknown): string {
  if (err instanceof MojaloopError) {
    return `${err.message}${err.mojaloopErrorCode && err.mojaloopErrorCode !== err.errorCode ? ` (${err.mojaloopErrorCode})` : ''}`;
  }
  return err instanceof Error ? err.message : 'unknown error';
}

function isTransferNotFound(err: unknown): boolean {
  return (
    err instanceof MojaloopError &&
    (err.errorCode === MOJALOOP_ERROR_CODES.TRANSFER_ID_NOT_FOUND ||
      err.mojaloopErrorCode === MOJALOOP_ERROR_CODES.TRANSFER_ID_NOT_FOUND)
  );
}

/** Fineract refused the write (a 4xx such as insufficient balance): nothing was booked under that key. */
function isRefusal(err: unknown): boolean {
  return err instanceof UpstreamError && err.statusCode === 422;
}

/** The quote's money fields and expiry only (the ILP packet and condition are the SDK's business). */
function quoteOf(state: TransferState): QuoteResponseBody | undefined {
  const body = state.quoteResponse?.body;
  if (body === undefined) {
    return undefined;
  }
  const { transferAmount, payeeReceiveAmount, payeeFspFee, payeeFspCommission, expiration } = body;
  return {
    transferAmount,
    ...(payeeReceiveAmount ? { payeeReceiveAmount } : {}),
    ...(payeeFspFee ? { payeeFspFee } : {}),
    ...(payeeFspCommission ? { payeeFspCommission } : {}),
    ...(expiration ? { expiration } : {}),
  } as QuoteResponseBody;
}

function fineractDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/**
 * The Mojaloop payout rail: pays an approved claim or bill from the scheme's float savings account in Fineract to the
 * facility's wallet through the SDK scheme adapter (outbound API, `AUTO_ACCEPT_QUOTES=false`).
 *
 * Steps, each saved as progress before its external write: post the transfer (amount type RECEIVE, party = the
 * facility's wallet) and record its transferId; check the quote against the approved amount (the payee receives it
 * exactly, fees up to `maxFee`), rejecting it otherwise; withdraw `transferAmount` from the float (receipt = payout
 * code, read back by receipt before any resend); accept the quote. `COMPLETED` + `COMMITTED` is paid (reference =
 * transferId); a failure the switch confirms is refunded into the float (receipt `refund-<code>`) and reported as a
 * compensated failure; an unknown answer is only ever queried (`GET /transfers/{id}`), never posted again.
 *
 * @param options - clients, float account, payer party, limits
 * @returns the rail
 * @see ../../../../../docs/decisions/0018-mojaloop-payer-rail.md
 */
export function mojaloopRail(options: MojaloopRailOptions): PayoutRail {
  const o = { ...DEFAULTS, ...options };
  if (!Number.isSafeInteger(o.floatSavingsAccountId) || o.floatSavingsAccountId < 1) {
    throw new ValidationError('floatSavingsAccountId must be a Fineract savings account id', {
      issues: [{ message: 'not a positive integer', location: 'floatSavingsAccountId' }],
    });
  }
  // The float's currency is read once per rail (an account's currency never changes); a failed read is retried.
  let floatCurrency: Promise<string | undefined> | undefined;
  const currencyOfFloat = (): Promise<string | undefined> => {
    floatCurrency ??= o.fineract.getSavingsAccount(o.floatSavingsAccountId).then(
      (a) => a.currency?.code,
      (err: unknown) => {
        floatCurrency = undefined;
        throw err;
      },
    );
    return floatCurrency;
  };
  return {
    name: 'mojaloop',
    pay: (instruction, ctx) => new Payout({ ...o, currencyOfFloat }, instruction, ctx).run(),
  };
}

type Options = MojaloopRailOptions &
  typeof DEFAULTS & { readonly currencyOfFloat: () => Promise<string | undefined> };

/** One call of `pay`: walks the stages from the saved progress until a result. */
class Payout {
  private p: MojaloopPayoutProgress;
  /** Whether the stage in `p` was reached in this call (false: resumed from a save whose write's fate is unknown). */
  private fresh = false;

  constructor(
    private readonly o: Options,
    private readonly ins: PayoutInstruction,
    private readonly ctx: RailContext,
  ) {
    this.p = mojaloopProgress(ctx.progress) ?? {
      rail: 'mojaloop',
      v: 1,
      stage: 'new',
      homeTransactionId: ins.payoutKey,
      posts: 0,
    };
  }

  async run(): Promise<RailResult> {
    if (this.ctx.progress !== null && mojaloopProgress(this.ctx.progress) === undefined) {
      return this.unchanged('the payout carries progress of another rail: an operator must decide');
    }
    let amount: Money;
    try {
      amount = parseAmount(this.ins.amount, this.ins.currency, 'amount');
    } catch (err) {
      if (this.p.stage !== 'new') {
        return this.unchanged(`the payout's amount is no longer valid: ${describe(err)}`);
      }
      return this.finish({ status: 'failed', reason: describe(err), compensated: false });
    }
    const started = this.p.approved;
    if (
      this.p.homeTransactionId !== this.ins.payoutKey ||
      (started !== undefined && (started.amount !== amount.amount || started.currency !== amount.currency))
    ) {
      return this.unchanged(
        `the payout changed after the rail started it (${started?.amount ?? '?'} ${started?.currency ?? '?'} → ` +
          `${amount.amount} ${amount.currency}): an operator must decide`,
      );
    }
    for (;;) {
      if (this.p.stage !== 'done' && this.ctx.signal?.aborted) {
        return { status: 'pending', reason: 'stopping', retryAfterMs: this.o.retryAfterMs };
      }
      const step = await this.step(amount);
      if (step !== undefined) {
        return step;
      }
    }
  }

  /** Runs the current stage: a result ends the call, `undefined` goes on with the next stage. */
  private async step(amount: Money): Promise<RailResult | undefined> {
    switch (this.p.stage) {
      case 'done':
        return this.p.result ?? this.attention('a finished payout lost its result');
      case 'attention':
        return {
          status: 'pending',
          reason: this.p.reason ?? 'waiting for an operator',
          retryAfterMs: this.o.attentionRetryAfterMs,
        };
      case 'new':
        return this.post(amount);
      case 'posting':
        // Saved before a POST whose answer was never recorded: a transfer may exist that we cannot name.
        return this.attention(
          `POST /transfers for ${this.p.homeTransactionId} got no recorded answer: no transferId is known. ` +
            'Check the SDK or hub for this homeTransactionId, then release the payout (releaseLostPost)',
          { lostPost: true },
        );
      case 'post-timeout':
        return this.afterPostTimeout();
      case 'quoted':
        return this.checkQuoted(amount);
      case 'withdrawing':
        return this.withdraw();
      case 'withdrawn':
        return this.accept();
      case 'accepting':
        return this.query();
      case 'refunding':
        return this.refundFloat();
    }
  }

  // ------------------------------------------------------------------------------------------------ progress

  private save(next: Partial<MojaloopPayoutProgress>): void {
    this.p = { ...this.p, ...next };
    this.fresh = true;
    this.ctx.save({ ...this.p });
  }

  private finish(result: RailResult): RailResult {
    this.save({ stage: 'done', result });
    const level = result.status === 'paid' ? 'info' : 'warn';
    this.ctx.log[level](
      { payoutKey: this.ins.payoutKey, transferId: this.p.transferId, result },
      'mojaloop payout finished',
    );
    return result;
  }

  /** Waits for an operator without saving: the saved progress is the only record of money that may have moved. */
  private unchanged(reason: string): RailResult {
    this.ctx.log.error({ payoutKey: this.ins.payoutKey, reason }, 'payout needs attention');
    return { status: 'pending', reason, retryAfterMs: this.o.attentionRetryAfterMs };
  }

  private attention(reason: string, extra: Partial<MojaloopPayoutProgress> = {}): RailResult {
    this.save({ stage: 'attention', reason, ...extra });
    this.ctx.log.error(
      { payoutKey: this.ins.payoutKey, transferId: this.p.transferId, reason },
      'payout needs attention',
    );
    return { status: 'pending', reason, retryAfterMs: this.o.attentionRetryAfterMs };
  }

  private pending(reason: string, retryAfterMs = this.o.retryAfterMs): RailResult {
    this.ctx.log.info(
      { payoutKey: this.ins.payoutKey, transferId: this.p.transferId, reason },
      'payout pending',
    );
    return { status: 'pending', reason, retryAfterMs };
  }

  // ------------------------------------------------------------------------------------------------ transfer

  private async post(amount: Money): Promise<RailResult | undefined> {
    const wallet = this.ins.facility.wallet;
    if (!wallet) {
      return this.finish({
        status: 'failed',
        reason: `facility ${this.ins.facility.code} has no Mojaloop wallet`,
        compensated: false,
      });
    }
    let floatCurrency: string | undefined;
    try {
      floatCurrency = await this.o.currencyOfFloat();
    } catch (err) {
      return this.pending(`cannot read the float account: ${describe(err)}`);
    }
    if (floatCurrency !== amount.currency) {
      // No implicit FX (payments.md §7.7): the float pays only in its own currency.
      return this.finish({
        status: 'failed',
        reason: `the payout is in ${amount.currency}, the float account in ${floatCurrency ?? 'no known currency'}`,
        compensated: false,
      });
    }
    if (this.p.posts >= this.o.maxPosts) {
      return this.finish({
        status: 'failed',
        reason: `${this.p.posts} transfers posted and none reached a quote; nothing was withdrawn`,
        compensated: false,
      });
    }
    this.save({
      stage: 'posting',
      posts: this.p.posts + 1,
      approved: { amount: amount.amount, currency: amount.currency },
    });
    let state: TransferState;
    try {
      state = await this.o.mojaloop.postTransfer({
        homeTransactionId: this.p.homeTransactionId,
        from: this.o.payer,
        to: {
          idType: wallet.idType as TransferParty['idType'],
          idValue: wallet.idValue,
          ...(wallet.idSubValue ? { idSubValue: wallet.idSubValue } : {}),
        },
        amountType: 'RECEIVE',
        currency: amount.currency,
        amount: amount.amount,
        transactionType: 'TRANSFER',
        note: `payout ${this.ins.code}`.slice(0, 128),
      } as TransferRequest);
    } catch (err) {
      if (err instanceof MojaloopError && err.unknownOutcome && err.transferId) {
        this.save({ stage: 'post-timeout', transferId: err.transferId, reason: describe(err) });
        return undefined;
      }
      if (isUnknownOutcome(err) || !(err instanceof MojaloopError || err instanceof ValidationError)) {
        return this.attention(
          `POST /transfers for ${this.p.homeTransactionId} has an unknown outcome and no transferId ` +
            `(${describe(err)}). Check the SDK or hub for this homeTransactionId, then release the payout (releaseLostPost)`,
          { lostPost: true },
        );
      }
      // The SDK refused the request or the lookup/quote failed: its transfer is in ERROR_OCCURRED and can
      // never be prepared; nothing was withdrawn.
      return this.finish({ status: 'failed', reason: describe(err), compensated: false });
    }
    const transferId = state.transferId;
    if (!transferId) {
      return this.attention('the SDK answered POST /transfers without a transferId', { lostPost: true });
    }
    if (state.currentState === 'WAITING_FOR_QUOTE_ACCEPTANCE') {
      const quote = quoteOf(state);
      this.save({ stage: 'quoted', transferId, ...(quote ? { quote } : {}) });
      return undefined;
    }
    this.save({ transferId });
    if (state.currentState === 'WAITING_FOR_PARTY_ACCEPTANCE') {
      await this.abandon(transferId, 'party');
      return this.finish({
        status: 'failed',
        reason: 'the SDK waits for party acceptance: the rail needs AUTO_ACCEPT_PARTY=true',
        compensated: false,
      });
    }
    // Anything else means the SDK went past the quote on its own (AUTO_ACCEPT_QUOTES=true): money may have moved
    // without a withdrawal.
    return this.attention(
      `the SDK answered POST /transfers with ${state.currentState ?? 'no state'} (${transferOutcome(state).reason}): ` +
        'the rail needs AUTO_ACCEPT_QUOTES=false; nothing was withdrawn from the float',
    );
  }

  /** A POST answered 504 with its transferId: re-post only once the switch says it never saw that transfer. */
  private async afterPostTimeout(): Promise<RailResult | undefined> {
    const transferId = this.p.transferId as string;
    try {
      const state = await this.o.mojaloop.getTransfer(transferId);
      return this.attention(
        `transfer ${transferId} of a timed-out POST is known to the switch (${transferOutcome(state).reason}): ` +
          'the SDK must run with AUTO_ACCEPT_QUOTES=false',
      );
    } catch (err) {
      if (isTransferNotFound(err)) {
        const { transferId: _t, quote: _q, reason: _r, ...rest } = this.p;
        this.p = rest;
        this.save({ stage: 'new', abandoned: [...(this.p.abandoned ?? []), transferId] });
        return undefined;
      }
      return this.pending(`transfer ${transferId} of a timed-out POST not resolved yet: ${describe(err)}`);
    }
  }

  private async checkQuoted(amount: Money): Promise<RailResult | undefined> {
    const transferId = this.p.transferId as string;
    const maxFee = parseAmount(this.o.maxFee, amount.currency, 'maxFee');
    const check = checkQuote(
      {
        transferId,
        currentState: 'WAITING_FOR_QUOTE_ACCEPTANCE',
        ...(this.p.quote ? { quoteResponse: { body: this.p.quote } } : {}),
      },
      { amount, maxFee },
      this.ctx.now(),
    );
    if (!check.ok) {
      await this.abandon(transferId, 'quote');
      return this.finish({
        status: 'failed',
        reason: `quote refused: ${check.reasons.join('; ')}`,
        compensated: false,
      });
    }
    this.save({
      stage: 'withdrawing',
      withdrawal: {
        amount: toFineractAmount(check.transferAmount),
        date: fineractDate(this.ctx.now()),
        attempt: 1,
      },
    });
    return undefined;
  }

  /** Rejects a transfer that has not been accepted (nothing moves without `acceptQuote: true`); best effort. */
  private async abandon(transferId: string, what: 'party' | 'quote'): Promise<void> {
    try {
      if (what === 'party') {
        await this.o.mojaloop.acceptParty(transferId, false);
      } else {
        await this.o.mojaloop.acceptQuote(transferId, false);
      }
    } catch (err) {
      // The transfer stops at the SDK anyway: it is never accepted and its quote expires.
      this.ctx.log.warn(
        { transferId, err: describe(err) },
        'rejecting the transfer failed; it expires unaccepted',
      );
    }
  }

  // ------------------------------------------------------------------------------------------------ float

  private async withdraw(): Promise<RailResult | undefined> {
    const w = this.p.withdrawal as FloatMovement;
    const done = await this.floatMovement('withdrawal', w, this.ins.code);
    if (done.kind === 'booked') {
      this.save({
        stage: 'withdrawn',
        withdrawal: { ...(this.p.withdrawal as FloatMovement), transactionId: done.transactionId },
      });
      return undefined;
    }
    if (done.kind === 'refused') {
      await this.abandon(this.p.transferId as string, 'quote');
      return this.finish({
        status: 'failed',
        reason: `Fineract refused the withdrawal from the float: ${done.reason}`,
        compensated: false,
      });
    }
    return this.pending(`withdrawal from the float not confirmed: ${done.reason}`);
  }

  private async refundFloat(): Promise<RailResult | undefined> {
    const r = this.p.refund as FloatMovement;
    const done = await this.floatMovement('deposit', r, `refund-${this.ins.code}`);
    if (done.kind === 'booked') {
      this.save({ refund: { ...(this.p.refund as FloatMovement), transactionId: done.transactionId } });
      return this.finish({
        status: 'failed',
        reason: `transfer ${this.p.transferId ?? '?'} failed (${this.p.reason ?? 'no reason'}); the float was refunded`,
        compensated: true,
      });
    }
    if (done.kind === 'refused') {
      return this.attention(`Fineract refused the refund into the float: ${done.reason}`);
    }
    return this.pending(`refund into the float not confirmed: ${done.reason}`);
  }

  /**
   * One withdrawal or refund, exactly once: a stage resumed from an earlier call reads the float back by receipt
   * first; the Idempotency-Key attempt is saved before each send.
   */
  private async floatMovement(
    kind: 'withdrawal' | 'deposit',
    m: FloatMovement,
    receiptNumber: string,
  ): Promise<
    | { kind: 'booked'; transactionId: number }
    | { kind: 'refused'; reason: string }
    | { kind: 'unknown'; reason: string }
  > {
    const field = kind === 'withdrawal' ? 'withdrawal' : 'refund';
    const accountId = this.o.floatSavingsAccountId;
    const readBack = async (): Promise<number | undefined> =>
      (
        await this.o.fineract.findSavingsTransactionByReceipt(accountId, {
          kind,
          receiptNumber,
          transactionAmount: m.amount,
          transactionDate: m.date,
        })
      )?.id;
    try {
      if (m.transactionId !== undefined) {
        return { kind: 'booked', transactionId: m.transactionId };
      }
      if (!this.fresh) {
        const found = await readBack();
        if (found !== undefined) {
          return { kind: 'booked', transactionId: found };
        }
      }
      const body = {
        transactionDate: m.date,
        transactionAmount: m.amount,
        paymentTypeId: this.o.paymentTypeId,
        receiptNumber,
        note: `${kind === 'withdrawal' ? 'Mojaloop payout' : 'refund of Mojaloop payout'} ${this.ins.code} to ${this.ins.facility.code}`,
      };
      const writeOptions = {
        operationKey: `payout-${kind}:${this.ins.payoutKey}`,
        attempt: m.attempt,
        uniqueReceipt: true,
        onAttempt: (attempt: number) => {
          this.save({ [field]: { ...m, attempt } });
        },
      };
      const res =
        kind === 'withdrawal'
          ? await this.o.fineract.withdrawFromSavingsAccount(accountId, body, writeOptions)
          : await this.o.fineract.depositToSavingsAccount(accountId, body, writeOptions);
      if (res.resourceId === undefined) {
        return { kind: 'unknown', reason: 'Fineract answered without a transaction id' };
      }
      return { kind: 'booked', transactionId: res.resourceId };
    } catch (err) {
      if (isRefusal(err)) {
        // A refusal under the last key: make sure no earlier key of this payout booked it.
        try {
          const found = await readBack();
          if (found !== undefined) {
            return { kind: 'booked', transactionId: found };
          }
        } catch (readErr) {
          return { kind: 'unknown', reason: describe(readErr) };
        }
        return { kind: 'refused', reason: describe(err) };
      }
      // The next call resumes this stage and reads back first.
      this.fresh = false;
      return { kind: 'unknown', reason: describe(err) };
    }
  }

  // ------------------------------------------------------------------------------------------------ commit

  private async accept(): Promise<RailResult | undefined> {
    const transferId = this.p.transferId as string;
    const expiration = this.p.quote?.expiration;
    if (expiration !== undefined && Date.parse(expiration) <= this.ctx.now().getTime()) {
      // Never accepted, so never prepared: the withdrawal goes back.
      await this.abandon(transferId, 'quote');
      return this.startRefund(`the quote expired at ${expiration} before it was accepted`);
    }
    this.save({ stage: 'accepting', acceptedAt: this.ctx.now().toISOString() });
    let state: TransferState;
    try {
      state = await this.o.mojaloop.acceptQuote(transferId, true);
    } catch (err) {
      const definite = err instanceof MojaloopError && !err.unknownOutcome;
      this.save({ acceptFailed: definite, reason: describe(err) });
      return undefined; // → query
    }
    return this.decide(transferOutcome(state), state, false);
  }

  /** `GET /transfers/{id}` until the switch gives a final state; never a new POST. */
  private async query(): Promise<RailResult | undefined> {
    const transferId = this.p.transferId as string;
    let state: TransferState;
    try {
      state = await this.o.mojaloop.getTransfer(transferId);
    } catch (err) {
      if (isTransferNotFound(err)) {
        const acceptedAt = Date.parse(this.p.acceptedAt ?? '');
        const deadline = (Number.isNaN(acceptedAt) ? 0 : acceptedAt) + this.o.prepareExpiryMs;
        const now = this.ctx.now().getTime();
        if (this.p.acceptFailed === true || now >= deadline) {
          return this.startRefund(`the switch never prepared transfer ${transferId} (3208)`);
        }
        return this.pending(
          `transfer ${transferId} not known to the switch yet; final after the prepare expiry`,
          Math.max(1, Math.min(this.o.retryAfterMs, deadline - now)),
        );
      }
      return this.pending(`transfer ${transferId} outcome unknown: ${describe(err)}`);
    }
    return this.decide(transferOutcome(state), state, true);
  }

  private decide(
    outcome: ReturnType<typeof transferOutcome>,
    state: TransferState,
    fromQuery: boolean,
  ): RailResult | undefined {
    const transferId = this.p.transferId as string;
    switch (outcome.outcome) {
      case 'paid':
        return this.finish({ status: 'paid', reference: transferId });
      case 'failed':
        return this.startRefund(outcome.reason);
      case 'pending':
      case 'unknown':
        if (!fromQuery) {
          // An answer that is not final (a 204 for an errored transfer, a reserved fulfil): ask the switch.
          this.save({ reason: outcome.reason, acceptFailed: false });
          return undefined;
        }
        return this.pending(`transfer ${transferId} ${state.currentState ?? ''}: ${outcome.reason}`);
    }
  }

  private startRefund(reason: string): RailResult | undefined {
    const w = this.p.withdrawal as FloatMovement;
    this.save({
      stage: 'refunding',
      reason,
      refund: { amount: w.amount, date: fineractDate(this.ctx.now()), attempt: 1 },
    });
    return undefined;
  }
}
