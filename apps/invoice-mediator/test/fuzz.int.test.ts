import type { Invoice, Patient } from 'fhir/r4';
import type { FastifyInstance } from 'fastify';
import {
  fuzzOptionsFromEnv,
  runBadInputFuzz,
  startFuzzStack,
  type FuzzRoute,
  type FuzzStack,
} from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadInvoiceEnv } from '../src/config';

// `npm test` runs a short, fixed-seed version; FUZZ_RUNS=2000 runs the full one (tools/fuzz/README.md).
const options = fuzzOptionsFromEnv(process.env, 150);

describe('invoice mediator: generated bad input never 500s, never changes state, never leaks', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;
  let invoice: Invoice;
  let personal: string[];

  beforeAll(async () => {
    stack = await startFuzzStack();
    app = await buildApp({ env: loadInvoiceEnv(stack.env), logLevel: 'info', logStream: stack.logs.stream });
    const found = (stack.openimis.store.list('Invoice') as Invoice[]).find((i) =>
      i.type?.coding?.some((c) => c.code === 'contribution'),
    );
    if (!found) {
      throw new Error('the simulator generated no contribution invoice');
    }
    invoice = structuredClone(found);
    // The people of the simulated population: none of their names, phones or numbers may be logged.
    personal = (stack.openimis.store.list('Patient') as Patient[])
      .flatMap((p) => [
        ...(p.name ?? []).flatMap((n) => [n.family ?? '', ...(n.given ?? [])]),
        ...(p.telecom ?? []).map((t) => t.value ?? ''),
        ...(p.identifier ?? [])
          .filter((i) => i.type?.coding?.some((c) => c.code === 'Code'))
          .map((i) => i.value ?? ''),
      ])
      .filter((v) => v.length >= 5);
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it(`holds for ${options.runs} cases (seed ${options.seed})`, async () => {
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: invoice }] };
    const routes: FuzzRoute[] = [
      {
        name: 'invoice POST /fhir/Invoice',
        method: 'POST',
        path: '/fhir/Invoice',
        auth: 'basic',
        seed: invoice,
      },
      {
        name: 'invoice PUT /fhir/Invoice/:id',
        method: 'PUT',
        path: `/fhir/Invoice/${invoice.id ?? ''}`,
        auth: 'basic',
        seed: invoice,
      },
      {
        name: 'invoice POST /fhir/Invoice (Bundle)',
        method: 'POST',
        path: '/fhir/Invoice',
        auth: 'basic',
        seed: bundle,
      },
      { name: 'invoice GET /sync/invoices', method: 'GET', path: '/sync/invoices', auth: 'basic' },
      { name: 'invoice POST /sync/invoices', method: 'POST', path: '/sync/invoices', auth: 'basic' },
    ];
    const report = await runBadInputFuzz(
      {
        name: 'invoice-mediator',
        app: () => app,
        routes,
        credentials: { authorization: stack.authorization },
        state: { fineract: stack.fineract, openimis: stack.openimis, staging: stack.openStaging() },
        logs: stack.logs,
        secrets: stack.secrets,
        personal,
      },
      options,
    );
    expect(personal.length).toBeGreaterThan(0);
    expect(report.violations).toEqual([]);
    expect(report.cases).toBe(options.runs);
  }, 600_000);
});
