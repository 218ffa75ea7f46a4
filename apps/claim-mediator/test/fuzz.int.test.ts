import type { ClaimResponse, Invoice, Patient } from 'fhir/r4';
import type { FastifyInstance } from 'fastify';
import {
  fuzzOptionsFromEnv,
  runBadInputFuzz,
  startFuzzStack,
  type FuzzRoute,
  type FuzzStack,
} from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadClaimEnv } from '../src/config';

// `npm test` runs a short, fixed-seed version; FUZZ_RUNS=2000 runs the full one (tools/fuzz/README.md).
const options = fuzzOptionsFromEnv(process.env, 100);

describe('claim mediator: generated bad input never 500s, never changes state, never leaks', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;
  let claim: ClaimResponse;
  let bill: Invoice;
  let personal: string[];

  beforeAll(async () => {
    stack = await startFuzzStack();
    app = await buildApp({
      env: loadClaimEnv(stack.env),
      logLevel: 'info',
      logStream: stack.logs.stream,
      payoutWorker: false,
    });
    const valuated = (stack.openimis.store.list('ClaimResponse') as ClaimResponse[]).find((r) =>
      r.total?.some((t) => t.category.coding?.some((c) => c.code === '16')),
    );
    const claimBatch = (stack.openimis.store.list('Invoice') as Invoice[]).find((i) =>
      i.type?.coding?.some((c) => c.code === 'claim-batch'),
    );
    if (!valuated || !claimBatch) {
      throw new Error('the simulator generated no valuated claim or no claim-batch bill');
    }
    claim = structuredClone(valuated);
    bill = structuredClone(claimBatch);
    personal = (stack.openimis.store.list('Patient') as Patient[])
      .flatMap((p) => [
        ...(p.name ?? []).flatMap((n) => [n.family ?? '', ...(n.given ?? [])]),
        ...(p.telecom ?? []).map((t) => t.value ?? ''),
      ])
      .filter((v) => v.length >= 5);
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it(`holds for ${options.runs} cases (seed ${options.seed})`, async () => {
    const routes: FuzzRoute[] = [
      {
        name: 'claim POST /fhir/ClaimResponse',
        method: 'POST',
        path: '/fhir/ClaimResponse',
        auth: 'basic',
        seed: claim,
      },
      {
        name: 'claim POST /fhir/Invoice (bill)',
        method: 'POST',
        path: '/fhir/Invoice',
        auth: 'basic',
        seed: bill,
      },
    ];
    const report = await runBadInputFuzz(
      {
        name: 'claim-mediator',
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
