// Fault injection for resilience tests: latency, random 5xx, dropped connections, a write that commits but
// never gets its answer back ("unknown outcome"), and scripted failures. Randomness comes from a seeded PRNG
// so that a failing run can be replayed.

/**
 * Which requests a fault applies to. `method` is case-insensitive. `path` is relative to
 * `/fineract-provider/api/v1`: a string must equal the path (without query) or, when it contains `?`, the
 * path with its query; a RegExp is tested against the path with its query (`/savingsaccounts/1/transactions?command=deposit`).
 * An empty matcher matches everything.
 */
export interface FaultMatcher {
  method?: string;
  path?: string | RegExp;
}

/** Options of a "commit, then do not answer" fault. */
export interface TimeoutAfterCommitOptions {
  /** How many matching requests it applies to (default 1). */
  count?: number;
  /** Answer after this delay instead of never (default: never; the socket is closed when the simulator closes). */
  delayMs?: number;
  /**
   * What the client's retries of the same request meet next: after the committed, unanswered request, the next
   * `count` (default 1) matching requests are answered with `status` (and `body`, default Fineract's error body for
   * that status) without processing — e.g. the 500 that sends a client to a new Idempotency-Key although its first
   * write went through.
   */
  then?: { status: number; body?: unknown; count?: number };
}

/** Fault settings at start-up. */
export interface FineractFaultOptions {
  /** Delay added to every request (before a read, after the Idempotency-Key reservation of a write). */
  latencyMs?: number;
  /** Share (0..1) of requests answered with 500 before any processing. */
  errorRate?: number;
  /** Share (0..1) of requests whose socket is destroyed before any processing. */
  dropConnectionRate?: number;
  /** PRNG seed for the two rates (default 42). */
  seed?: number;
  /** Initial "commit, then no answer" faults. */
  timeoutAfterCommit?: (TimeoutAfterCommitOptions & { match: FaultMatcher })[];
}

interface Scripted {
  match: FaultMatcher;
  remaining: number;
}

/** Runtime fault controls of a running simulator. */
export class FineractFaults {
  private latency = 0;
  private errors = 0;
  private drops = 0;
  private rngState: number;
  private readonly timeouts: (Scripted & Pick<TimeoutAfterCommitOptions, 'delayMs' | 'then'>)[] = [];
  private readonly failures: (Scripted & { status: number; body: unknown })[] = [];

  /** @param options - initial settings */
  constructor(options: FineractFaultOptions = {}) {
    this.rngState = (options.seed ?? 42) >>> 0;
    this.latencyMs = options.latencyMs ?? 0;
    this.errorRate = options.errorRate ?? 0;
    this.dropConnectionRate = options.dropConnectionRate ?? 0;
    for (const t of options.timeoutAfterCommit ?? []) {
      this.timeoutAfterCommit(t.match, t);
    }
  }

  /** Delay in ms added to every request. */
  get latencyMs(): number {
    return this.latency;
  }

  set latencyMs(ms: number) {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError('latencyMs must be >= 0');
    }
    this.latency = ms;
  }

  /** Share of requests answered 500 without processing. */
  get errorRate(): number {
    return this.errors;
  }

  set errorRate(rate: number) {
    this.errors = checkRate(rate, 'errorRate');
  }

  /** Share of requests whose connection is destroyed without an answer. */
  get dropConnectionRate(): number {
    return this.drops;
  }

  set dropConnectionRate(rate: number) {
    this.drops = checkRate(rate, 'dropConnectionRate');
  }

  /** Re-seeds the PRNG. */
  seed(seed: number): void {
    this.rngState = seed >>> 0;
  }

  /**
   * The next `count` matching requests are processed (the write commits) but never answered, or answered
   * only after `delayMs`: the client sees a timeout with an unknown outcome.
   */
  timeoutAfterCommit(match: FaultMatcher, options: TimeoutAfterCommitOptions = {}): void {
    this.timeouts.push({
      match,
      remaining: options.count ?? 1,
      delayMs: options.delayMs,
      then: options.then,
    });
  }

  /**
   * The next `count` matching requests are answered with `status` and `body` (default: a Fineract error
   * body for that status) without any processing.
   */
  failNext(match: FaultMatcher, status: number, body?: unknown, count = 1): void {
    this.failures.push({ match, remaining: count, status, body });
  }

  /** Clears every fault (rates and latency to 0, scripted faults removed). */
  reset(): void {
    this.latency = 0;
    this.errors = 0;
    this.drops = 0;
    this.timeouts.length = 0;
    this.failures.length = 0;
  }

  /** @internal Draws whether to drop this request. */
  shouldDrop(): boolean {
    return this.drops > 0 && this.random() < this.drops;
  }

  /** @internal Draws whether to fail this request with 500. */
  shouldError(): boolean {
    return this.errors > 0 && this.random() < this.errors;
  }

  /** @internal Consumes a scripted failure for this request, if one matches. */
  takeFailure(method: string, path: string, query: string): { status: number; body: unknown } | undefined {
    const f = take(this.failures, method, path, query);
    return f === undefined ? undefined : { status: f.status, body: f.body };
  }

  /**
   * @internal Consumes a timeout-after-commit fault for this request, if one matches; its `then` failures are
   * queued now, so they meet the retries that follow.
   */
  takeTimeout(method: string, path: string, query: string): { delayMs?: number } | undefined {
    const t = take(this.timeouts, method, path, query);
    if (t === undefined) {
      return undefined;
    }
    if (t.then !== undefined) {
      this.failNext(t.match, t.then.status, t.then.body, t.then.count ?? 1);
    }
    return { delayMs: t.delayMs };
  }

  /** mulberry32 */
  private random(): number {
    this.rngState = (this.rngState + 0x6d2b79f5) >>> 0;
    let t = this.rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function checkRate(rate: number, name: string): number {
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new RangeError(`${name} must be within 0..1`);
  }
  return rate;
}

function matches(m: FaultMatcher, method: string, path: string, query: string): boolean {
  if (m.method !== undefined && m.method.toUpperCase() !== method) {
    return false;
  }
  const full = query === '' ? path : `${path}?${query}`;
  if (m.path === undefined) {
    return true;
  }
  if (typeof m.path === 'string') {
    return m.path.includes('?') ? m.path === full : m.path === path;
  }
  return m.path.test(full);
}

function take<T extends Scripted>(list: T[], method: string, path: string, query: string): T | undefined {
  const idx = list.findIndex((s) => s.remaining > 0 && matches(s.match, method, path, query));
  if (idx < 0) {
    return undefined;
  }
  const s = list[idx];
  if (s === undefined) {
    return undefined;
  }
  s.remaining -= 1;
  if (s.remaining <= 0) {
    list.splice(idx, 1);
  }
  return s;
}
