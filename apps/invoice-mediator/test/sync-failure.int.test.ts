import { AUTH, startHarness, type Harness } from './harness';

/**
 * A sync whose walk fails (openIMIS unreachable or refusing a page) charges nothing after the failure point; the
 * run must say so in the staging store, where `ops attention` reads it, not only in a log line.
 */
describe('invoice mediator: a failed sync walk is recorded for operators', () => {
  let h: Harness;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  const sync = () =>
    h.app.inject({
      method: 'POST',
      url: '/sync/invoices',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `sync-${++tx}` },
    });
  const cursor = () => h.repos.cursors.getCursor('Invoice:invoice');

  it('records the failed run with its reason, and a later successful run clears it', async () => {
    await h.openimis.setDown(true, '503');
    const failed = await sync();
    expect(failed.statusCode).toBeGreaterThanOrEqual(500);
    expect(cursor()).toMatchObject({ lastRunOutcome: 'failed', lastRunProcessed: 0 });
    expect(cursor()?.lastRunError).toMatch(/503|openIMIS/);
    expect(h.fineract.state.clientCharges.size).toBe(0);

    await h.openimis.setDown(false);
    const ok = await sync();
    expect(ok.statusCode).toBe(200);
    expect(cursor()).toMatchObject({ lastRunOutcome: 'succeeded', lastRunError: null });
    expect(h.fineract.state.clientCharges.size).toBe(h.invoices().length);
  });
});
