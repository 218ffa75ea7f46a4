import { HARNESS_TIMEOUT_MS, STARTUP_DEADLINE_MS, waitFor, withinStartupDeadline } from './index';

describe('start-up waits', () => {
  it('gives a harness hook more time than the start-up deadline, and both far more than jest’s 5 s', () => {
    expect(STARTUP_DEADLINE_MS).toBeGreaterThan(5_000);
    expect(HARNESS_TIMEOUT_MS).toBeGreaterThan(STARTUP_DEADLINE_MS);
  });

  it('returns what the start returned, and names what did not start in time', async () => {
    await expect(withinStartupDeadline('quick', () => Promise.resolve(42), 100)).resolves.toBe(42);
    await expect(
      withinStartupDeadline('the slow harness', () => new Promise((r) => setTimeout(r, 500)), 50),
    ).rejects.toThrow('the slow harness did not start within 0.05 s');
  });

  it('waits for a condition, counting a throwing check as not yet', async () => {
    let calls = 0;
    await waitFor(
      'the third call',
      () => {
        calls++;
        if (calls < 2) {
          throw new Error('not listening yet');
        }
        return calls >= 3;
      },
      { intervalMs: 1 },
    );
    expect(calls).toBe(3);
    await expect(waitFor('never', () => false, { timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(
      'timed out after 30 ms waiting for never',
    );
  });
});
