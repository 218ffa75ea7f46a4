/**
 * Start-up waits shared by the test harnesses (simulators + a mediator on a temp staging file).
 *
 * On a loaded machine starting the simulators, migrating SQLite and building an app takes far longer than jest's
 * 5 s default for a hook or test, so a harness start must never run under that default: it runs under
 * {@link STARTUP_DEADLINE_MS} (its own error names what was slow) and the hook or test that starts it gets
 * {@link HARNESS_TIMEOUT_MS} from jest, which leaves room for the test's own work after the start.
 */

/** How long starting a harness, or waiting for a started service to be ready, may take. */
export const STARTUP_DEADLINE_MS = 60_000;

/** Jest timeout of a hook or test that starts a harness: above the start-up deadline, so the deadline fires first. */
export const HARNESS_TIMEOUT_MS = STARTUP_DEADLINE_MS + 60_000;

/**
 * Gives every hook and test of the calling test file {@link HARNESS_TIMEOUT_MS} (a test file that starts a harness
 * calls this once, at the top).
 */
export function useHarnessTimeout(): void {
  jest.setTimeout(HARNESS_TIMEOUT_MS);
}

/**
 * Runs start-up work under a deadline and says what did not finish.
 *
 * @param what - what is starting (named in the error)
 * @param start - the work
 * @param deadlineMs - default {@link STARTUP_DEADLINE_MS}
 * @returns what the work returned
 * @throws Error `<what> did not start within <n> s` when the deadline passes first
 */
export async function withinStartupDeadline<T>(
  what: string,
  start: () => Promise<T>,
  deadlineMs: number = STARTUP_DEADLINE_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      start(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`${what} did not start within ${deadlineMs / 1000} s`));
        }, deadlineMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls a condition until it holds (a check that throws counts as not yet).
 *
 * @param what - what is awaited (named in the error)
 * @param check - the condition
 * @param options - `timeoutMs` (default {@link STARTUP_DEADLINE_MS}) and `intervalMs` (default 50)
 * @throws Error `timed out after <n> ms waiting for <what>`
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? STARTUP_DEADLINE_MS;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await Promise.resolve()
      .then(check)
      .catch(() => false);
    if (ok) {
      return;
    }
    if (Date.now() >= until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
