/** Options of {@link nextAttemptDelayMs}. */
export interface BackoffOptions {
  /** Delay after the first failed attempt (default 1 000 ms). */
  readonly baseMs?: number;
  /** Upper bound of any delay (default 15 minutes). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Random source in [0, 1) (default `Math.random`); inject a constant in tests. */
  readonly random?: () => number;
}

/**
 * How long to wait before the next attempt: exponential back-off with "equal jitter" — half of the capped
 * delay is fixed, the other half random — so a crowd of failed entries spreads out without ever retrying at once.
 *
 * @param attempts - attempts made so far (1 after the first failure)
 * @param options - base, cap, factor and random source
 * @returns the delay in milliseconds (an integer, at most `maxMs`)
 */
export function nextAttemptDelayMs(attempts: number, options: BackoffOptions = {}): number {
  const baseMs = options.baseMs ?? 1000;
  const maxMs = options.maxMs ?? 15 * 60 * 1000;
  const factor = options.factor ?? 2;
  const random = options.random ?? Math.random;
  const exponent = Math.max(0, Math.floor(attempts) - 1);
  const capped = Math.min(maxMs, baseMs * factor ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(capped / 2 + (capped / 2) * r);
}
