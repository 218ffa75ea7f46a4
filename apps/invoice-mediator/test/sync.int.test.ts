import { AUTH, startHarness, type Harness } from './harness';

describe('invoice mediator: POST|GET /sync/invoices', () => {
  let h: Harness;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness({ openimis: { population: { families: 4, invoicesPerFamily: 1 } } });
  });

  afterEach(async () => {
    await h.close();
  });

  async function sync(method: 'GET' | 'POST' = 'POST'): Promise<Record<string, unknown>> {
    const res = await h.app.inject({
      method,
      url: '/sync/invoices',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `sync-${++tx}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ properties: Record<string, unknown> }>().properties;
  }

  it('charges every generated contribution invoice once; a rerun writes nothing', async () => {
    const invoices = h.invoices();
    expect(invoices).toHaveLength(4);
    const first = await sync();
    expect(first).toMatchObject({ charged: 4, failed: 0, complete: true });
    const charges = [...h.fineract.state.clientCharges.values()];
    expect(charges).toHaveLength(4);
    for (const invoice of invoices) {
      const row = h.repos.ledger.getInvoiceByOpenimisId(invoice.id!);
      expect(row?.state).toBe('awaiting_payment');
      expect(charges.filter((c) => c.id === row?.fineractChargeId)).toHaveLength(1);
    }
    expect(h.repos.cursors.getCursor('Invoice:invoice')?.lastRunOutcome).toBe('succeeded');

    const writes = h.fineract.state.idempotency.size;
    const second = await sync('GET');
    expect(second).toMatchObject({ charged: 0, failed: 0 });
    expect(h.fineract.state.clientCharges.size).toBe(4);
    expect(h.fineract.state.idempotency.size).toBe(writes);
    expect(h.repos.ledger.listInvoices({}).length).toBe(4);
  });

  it('keeps the cursor before a failed invoice and charges it on the next run, once', async () => {
    // Every charge fails during the first run: nothing is charged and the cursor does not move past the failures.
    h.fineract.faults.failNext({ method: 'POST', path: /^\/clients\/\d+\/charges$/ }, 400, undefined, 100);
    const first = await sync();
    expect(first).toMatchObject({ charged: 0, failed: 4 });
    expect(h.fineract.state.clientCharges.size).toBe(0);

    h.fineract.faults.reset();
    const second = await sync();
    expect(second).toMatchObject({ charged: 4, failed: 0 });
    expect(h.fineract.state.clientCharges.size).toBe(4);
  });

  it('sets a changed known invoice aside for an operator without holding the cursor or charging again', async () => {
    await sync();
    const [first] = h.invoices();
    const stored = h.openimis.store.get('Invoice', first!.id!) as { totalGross: { value: number } };
    stored.totalGross.value += 1;
    h.openimis.store.touch('Invoice', first!.id!);
    const second = await sync();
    expect(second).toMatchObject({ charged: 0, flagged: 1, failed: 0 });
    expect(h.repos.ledger.getInvoiceByOpenimisId(first!.id!)?.state).toBe('needs_attention');
    expect(h.fineract.state.clientCharges.size).toBe(4);
    // Set aside, not failed: the run completes and the cursor moves on; still no second charge.
    expect(await sync()).toMatchObject({ charged: 0, failed: 0, complete: true });
    expect(h.fineract.state.clientCharges.size).toBe(4);
    expect(h.repos.cursors.getCursor('Invoice:invoice')?.lastRunOutcome).toBe('succeeded');
  });
});
