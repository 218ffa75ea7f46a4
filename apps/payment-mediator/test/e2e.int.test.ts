import { createServer } from 'node:net';
import { STARTUP_DEADLINE_MS } from '@payment-layer/shared-testing';
import { startHarness, type Harness } from './harness';

const URN = 'urn:mediator:openimis-payment-layer-payment';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('payment mediator end to end through the OpenHIM core simulator', () => {
  let h: Harness;

  afterEach(async () => {
    await h.close();
  });

  it('registers its channels; a Fineract hook through the public channel pays the invoice once', async () => {
    const port = await freePort();
    h = await startHarness({ core: true, port });
    await h.listen(port);
    const core = h.core;
    if (!core) {
      throw new Error('no core');
    }
    await h.app.mediator.registration?.waitUntilRegistered(STARTUP_DEADLINE_MS);
    expect(core.getMediator(URN)?.version).toBe('1.1.0');
    expect(core.listChannels().map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'Fineract payment hooks',
        'Payment notices from other rails',
        'Payment reconciliation view',
        'Payment reconciliation run',
      ]),
    );

    const inv = await h.seedInvoice(0);
    await h.pay(inv, inv.amount, 'pay-e2e-1');
    await h.fineract.hooksIdle();
    expect(h.fineract.hookDeliveries[0]?.status).toBe(200);
    const [tx] = await core.waitForTransactions(1);
    expect(tx?.storageError).toBeUndefined();
    expect(tx?.status).toBe('Successful');
    expect(tx?.properties).toMatchObject({
      outcome: 'paid',
      invoiceUuid: inv.uuid,
      source: 'fineract-charge',
    });
    expect(h.repos.ledger.getInvoiceById(inv.ledger.id)?.state).toBe('paid');

    // Without the secret the router still forwards (public channel) but the mediator refuses it.
    const res = await fetch(`${core.routerUrl}/payments/fineract/hook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    await res.arrayBuffer();
    await h.drain();
    expect(h.openimis.store.paymentNotices()).toHaveLength(1);
    expect(JSON.stringify(core.listTransactions({}))).not.toContain(h.fineract.password);
  });
});
