import type { Invoice } from 'fhir/r4';
import type { FastifyInstance } from 'fastify';
import { createRepositories, type StagingRepositories } from '@payment-layer/staging-db';
import { startFuzzStack, type FuzzStack } from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadInvoiceEnv } from '../src/config';

describe('invoice mediator: bad input is a 400 naming the field, and charges nothing', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;
  let repos: StagingRepositories;
  let invoice: Invoice;

  beforeAll(async () => {
    stack = await startFuzzStack();
    app = await buildApp({ env: loadInvoiceEnv(stack.env), logLevel: 'silent' });
    repos = createRepositories(stack.openStaging());
    const found = (stack.openimis.store.list('Invoice') as Invoice[]).find((i) =>
      i.type?.coding?.some((c) => c.code === 'contribution'),
    );
    if (!found?.lineItem?.[0]?.priceComponent?.[0]) {
      throw new Error('the simulator generated no contribution invoice with a priced line');
    }
    invoice = found;
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  async function post(payload: string): Promise<{ status: number; body: string }> {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Invoice',
      headers: { authorization: stack.authorization, 'content-type': 'application/fhir+json' },
      payload,
    });
    return { status: res.statusCode, body: res.body };
  }

  function withLineAmount(raw: string): string {
    const copy = structuredClone(invoice);
    const component = copy.lineItem?.[0]?.priceComponent?.[0];
    if (component) {
      component.amount = { value: 424242.42, currency: copy.totalGross?.currency ?? 'USD' };
    }
    return JSON.stringify(copy).replace('424242.42', raw);
  }

  it.each(['1e309', '-1', '0', '10.001'])('refuses a line item of %s and charges nothing', async (raw) => {
    const r = await post(withLineAmount(raw));
    expect(r.status).toBe(400);
    expect(r.body).toContain('Invoice.lineItem[0].priceComponent[0].amount.value');
    expect(stack.fineract.state.clientCharges.size).toBe(0);
    expect(repos.ledger.listInvoices({ limit: 10 })).toHaveLength(0);
  });

  it.each([
    ['{"resourceType":"Bundle","entry":[null]}', 'Bundle.type'],
    ['{"resourceType":"Bundle","type":"batch","entry":[null]}', 'Bundle.entry[0]'],
    ['{"resourceType":"Bundle","type":"batch","entry":[{"resource":null}]}', 'Bundle.entry[0].resource'],
  ])('refuses %s with 400 naming the entry', async (payload, location) => {
    const r = await post(payload);
    expect(r.status).toBe(400);
    expect(r.body).toContain(location);
  });
});
