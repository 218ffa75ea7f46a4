import type { Invoice } from 'fhir/r4';
import { AUTH, copy, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  properties?: Record<string, unknown>;
}

describe('invoice mediator: Fineract failures during the charge', () => {
  let h: Harness;
  let invoice: Invoice;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
    const first = h.invoices()[0];
    if (!first) {
      throw new Error('the simulator generated no contribution invoice');
    }
    invoice = copy(first);
  });

  afterEach(async () => {
    await h.close();
  });

  async function post(body: unknown, url = '/fhir/Invoice', method: 'POST' | 'PUT' = 'POST') {
    const res = await h.app.inject({
      method,
      url,
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    const envelope = res.json<Envelope>();
    return {
      status: res.statusCode,
      envelope,
      body: JSON.parse(envelope.response.body) as Record<string, unknown>,
    };
  }

  const charges = () => [...h.fineract.state.clientCharges.values()];

  it('answers 502 when Fineract fails the charge, and a retry applies exactly one charge', async () => {
    h.fineract.faults.failNext({ method: 'POST', path: /^\/clients\/\d+\/charges$/ }, 503, undefined, 10);
    const failed = await post(invoice);
    expect(failed.status).toBe(502);
    expect(charges()).toHaveLength(0);
    const row = h.repos.ledger.getInvoiceByOpenimisId(invoice.id!);
    expect(row).toMatchObject({ state: 'awaiting_payment', fineractChargeId: null });

    h.fineract.faults.reset();
    const retried = await post(invoice);
    expect(retried.status).toBe(201);
    expect(charges()).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)?.fineractChargeId).toBe(charges()[0]?.id);
    expect((await post(invoice)).envelope.properties?.outcome).toBe('unchanged');
    expect(charges()).toHaveLength(1);
  });

  it('replays the first charge when its answer was lost after Fineract applied it', async () => {
    h.fineract.faults.timeoutAfterCommit({ method: 'POST', path: /^\/clients\/\d+\/charges$/ }, { count: 1 });
    const r = await post(invoice);
    expect(r.status).toBe(201);
    expect(charges()).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)?.fineractChargeId).toBe(charges()[0]?.id);
  });
});
