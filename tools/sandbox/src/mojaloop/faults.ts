// Fault switches of the SDK simulator: the failures payments.md §3.5 and §6 tell us to design for.

/** Stage of an outbound transfer a scripted Mojaloop error applies to. */
export type MojaloopStage = 'lookup' | 'quote' | 'transfer';

interface Scripted {
  remaining: number;
}

/** What happens to the answer of an `acceptQuote: true` that a timeout fault catches. */
export interface CommitTimeoutOptions {
  /** How many commits it applies to (default 1). */
  readonly count?: number;
  /**
   * `sdk504` (default): the SDK gives up waiting and answers 504 `ERROR_OCCURRED`; `hang`: no answer at all (the
   * caller's own time limit fires; the socket is cut when the simulator closes).
   */
  readonly mode?: 'sdk504' | 'hang';
}

/** Runtime fault controls of a running SDK simulator. */
export class MojaloopFaults {
  /** Delay in ms before every answer. */
  latencyMs = 0;
  private readonly errors = new Map<
    MojaloopStage,
    (Scripted & { errorCode: string; description: string })[]
  >();
  private readonly afterCommit: (Scripted & { mode: 'sdk504' | 'hang' })[] = [];
  private readonly beforeCommit: (Scripted & { mode: 'sdk504' | 'hang' })[] = [];
  private readonly postTimeouts: (Scripted & { mode: 'sdk504' | 'hang' })[] = [];
  private queryTimeouts = 0;

  /**
   * The next `count` transfers fail at `stage` with a Mojaloop error (HTTP 500, `statusCode` = `errorCode`), as
   * the SDK reports an error callback of the switch or the payee FSP. At `transfer` the switch aborts the prepare.
   *
   * @param stage - lookup, quote or transfer
   * @param errorCode - e.g. `3204`, `5103`, `5105`
   * @param description - errorDescription
   * @param count - how many transfers
   */
  failNext(stage: MojaloopStage, errorCode: string, description = 'Simulated error', count = 1): void {
    const list = this.errors.get(stage) ?? [];
    list.push({ remaining: count, errorCode, description });
    this.errors.set(stage, list);
  }

  /**
   * The switch commits the next accepted transfer(s), but the answer is lost: the SDK answers 504 (or nothing).
   * The money moved; only a query tells.
   *
   * @param options - count and mode
   */
  timeoutAfterCommit(options: CommitTimeoutOptions = {}): void {
    this.afterCommit.push({ remaining: options.count ?? 1, mode: options.mode ?? 'sdk504' });
  }

  /**
   * The next accepted transfer(s) never get a fulfil: the switch expires (aborts) them and the SDK answers 504 (or
   * nothing). No money moved; a query shows `ABORTED`.
   *
   * @param options - count and mode
   */
  timeoutBeforeCommit(options: CommitTimeoutOptions = {}): void {
    this.beforeCommit.push({ remaining: options.count ?? 1, mode: options.mode ?? 'sdk504' });
  }

  /**
   * The next `POST /transfers` never gets its answer through. `sdk504` (default): the quote callback never arrives,
   * the SDK gives up and answers 504 with the transfer (`ERROR_OCCURRED`, `lastError.httpStatusCode: 504`,
   * `transferId` named); nothing was prepared, so a query answers `3208`. `hang`: the SDK runs the lookup and quote
   * as usual (the transfer waits for quote acceptance) but the answer is lost: the caller never learns the
   * transferId.
   *
   * @param options - count and mode
   */
  postTimeout(options: CommitTimeoutOptions = {}): void {
    this.postTimeouts.push({ remaining: options.count ?? 1, mode: options.mode ?? 'sdk504' });
  }

  /**
   * The next `count` `GET /transfers/{id}` get no callback from the switch: the SDK answers 504.
   *
   * @param count - how many queries
   */
  queryTimeout(count = 1): void {
    this.queryTimeouts += count;
  }

  /** Removes every scripted fault and the latency. */
  reset(): void {
    this.latencyMs = 0;
    this.errors.clear();
    this.afterCommit.length = 0;
    this.beforeCommit.length = 0;
    this.postTimeouts.length = 0;
    this.queryTimeouts = 0;
  }

  /** @internal */
  takeError(stage: MojaloopStage): { errorCode: string; description: string } | undefined {
    return take(this.errors.get(stage) ?? []);
  }

  /** @internal */
  takeCommitTimeout(): { when: 'after' | 'before'; mode: 'sdk504' | 'hang' } | undefined {
    const after = take(this.afterCommit);
    if (after) {
      return { when: 'after', mode: after.mode };
    }
    const before = take(this.beforeCommit);
    return before ? { when: 'before', mode: before.mode } : undefined;
  }

  /** @internal */
  takePostTimeout(): 'sdk504' | 'hang' | undefined {
    return take(this.postTimeouts)?.mode;
  }

  /** @internal */
  takeQueryTimeout(): boolean {
    if (this.queryTimeouts > 0) {
      this.queryTimeouts -= 1;
      return true;
    }
    return false;
  }
}

function take<T extends Scripted>(list: T[]): T | undefined {
  const first = list[0];
  if (first === undefined) {
    return undefined;
  }
  first.remaining -= 1;
  if (first.remaining <= 0) {
    list.shift();
  }
  return first;
}
