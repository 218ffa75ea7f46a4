import { startHarness, type Harness, type SeededInvoice } from './harness';

describe('nothing lost: openIMIS down while 100 payments arrive', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('records all 100, keeps the notices pending, and sends exactly 100 once openIMIS is back', async () => {
    h = await startHarness({ families: 100 });
    await h.listen();
    const invoices: SeededInvoice[] = [];
    for (let i = 0; i < 100; i += 10) {
      invoices.push(...(await Promise.all([...Array(10).keys()].map((k) => h.seedInvoice(i + k)))));
    }
    await h.openimis.setDown(true);

    for (let i = 0; i < 100; i += 10) {
      await Promise.all(
        invoices.slice(i, i + 10).map((inv) => h.pay(inv, inv.amount, `pay-outage-${inv.ledger.id}`)),
      );
    }
    await h.fineract.hooksIdle();
    expect(h.fineract.hookDeliveries.filter((d) => d.status === 200)).toHaveLength(100);
    expect(h.repos.ledger.listPayments({ state: 'matched', limit: 1000 })).toHaveLength(100);
    expect(h.repos.ledger.listInvoices({ state: 'paid', limit: 1000 })).toHaveLength(100);

    // The worker runs during the outage: every notice fails and is rescheduled, none is lost or dead.
    const during = await h.drain();
    // Each notice failed and was rescheduled (on a slow machine an early one may come due again in the same run).
    const retried = during.filter((r) => r.kind === 'openimis.paymentNotice' && r.state === 'retry');
    expect(new Set(retried.map((r) => r.entryId)).size).toBe(100);
    expect(during.every((r) => r.state === 'retry')).toBe(true);
    expect(
      h.repos.outbox.list({ kind: 'openimis.paymentNotice', state: 'pending', limit: 1000 }),
    ).toHaveLength(100);
    expect(h.repos.outbox.list({ state: 'dead' })).toHaveLength(0);
    expect(h.openimis.store.paymentNotices()).toHaveLength(0);

    await h.openimis.setDown(false);
    h.advance(60 * 60 * 1000);
    await h.drain();

    const notices = h.openimis.store.paymentNotices();
    expect(notices).toHaveLength(100);
    expect(new Set(notices.map((n) => n.subjectId)).size).toBe(100);
    expect(notices.every((n) => n.outcome.action === 'paid')).toBe(true);
    expect(h.repos.ledger.listInvoices({ state: 'verified', limit: 1000 })).toHaveLength(100);
    expect(h.repos.outbox.list({ state: ['pending', 'in_progress', 'dead'], limit: 1000 })).toHaveLength(0);
  }, 90_000);
});
