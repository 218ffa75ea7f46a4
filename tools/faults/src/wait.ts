/**
 * Waits for a condition with a deadline (no fixed sleeps): the campaign runs on loaded machines, where "how long" is
 * unknowable but "until what" is not.
 *
 * @param what - what is awaited (in the error)
 * @param check - the condition; a rejection counts as "not yet" unless `rethrow` is set
 * @param timeoutMs - deadline
 * @param options - `rethrow`: fail at once when the check throws; `intervalMs` between checks (default 50)
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  options: { readonly rethrow?: boolean; readonly intervalMs?: number } = {},
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch (err) {
      if (options.rethrow) {
        throw err;
      }
    }
    if (ok) {
      return;
    }
    if (Date.now() > until) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
