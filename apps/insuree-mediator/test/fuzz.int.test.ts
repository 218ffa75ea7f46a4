import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  fuzzOptionsFromEnv,
  runBadInputFuzz,
  startFuzzStack,
  type FuzzRoute,
  type FuzzStack,
} from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadInsureeEnv } from '../src/config';

/** Personal data the seeds carry; none of it may reach a log line. */
const PERSONAL = [
  'Fuzzfamilyname',
  'Fuzzgivenname',
  '+255799000111',
  'FZCHF0042',
  'fuzz.person@example.org',
] as const;

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;
}

const patient: Record<string, unknown> = {
  ...fixture('patient-head.fhir.json'),
  name: [{ use: 'usual', family: PERSONAL[0], given: [PERSONAL[1]] }],
  telecom: [
    { system: 'phone', value: PERSONAL[2] },
    { system: 'email', value: PERSONAL[4] },
  ],
  identifier: [{ type: { coding: [{ code: 'Code' }] }, use: 'usual', value: PERSONAL[3] }],
};
const group = fixture('group-family.fhir.json');
const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: patient }] };

const ROUTES: FuzzRoute[] = [
  { name: 'insuree POST /fhir/Patient', method: 'POST', path: '/fhir/Patient', auth: 'basic', seed: patient },
  {
    name: 'insuree PUT /fhir/Patient/:id',
    method: 'PUT',
    path: `/fhir/Patient/${String(patient.id)}`,
    auth: 'basic',
    seed: patient,
  },
  {
    name: 'insuree POST /fhir/Group',
    method: 'POST',
    path: '/fhir/Group',
    auth: 'basic',
    seed: group,
    // group-to-group.mapping.json: name = "{name} ({identifier(Code).value})", limited to 100 characters.
    reportedWith: { identifier: ['name'] },
  },
  { name: 'insuree POST /fhir (Bundle)', method: 'POST', path: '/fhir', auth: 'basic', seed: bundle },
  {
    name: 'insuree POST /fhir/Patient (Bundle)',
    method: 'POST',
    path: '/fhir/Patient',
    auth: 'basic',
    seed: bundle,
  },
  { name: 'insuree GET /sync/insurees', method: 'GET', path: '/sync/insurees', auth: 'basic' },
  { name: 'insuree POST /sync/insurees', method: 'POST', path: '/sync/insurees', auth: 'basic' },
];

// `npm test` runs a short, fixed-seed version; FUZZ_RUNS=2000 runs the full one (tools/fuzz/README.md).
const options = fuzzOptionsFromEnv(process.env, 150);

describe('insuree mediator: generated bad input never 500s, never changes state, never leaks', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await startFuzzStack({ openimis: { population: { families: 1 } } });
    app = await buildApp({
      env: loadInsureeEnv(stack.env),
      logLevel: 'info',
      logStream: stack.logs.stream,
      outboxWorker: false,
    });
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it(`holds for ${options.runs} cases (seed ${options.seed})`, async () => {
    const report = await runBadInputFuzz(
      {
        name: 'insuree-mediator',
        app: () => app,
        routes: ROUTES,
        credentials: { authorization: stack.authorization },
        state: { fineract: stack.fineract, openimis: stack.openimis, staging: stack.openStaging() },
        logs: stack.logs,
        secrets: stack.secrets,
        personal: PERSONAL,
      },
      options,
    );
    expect(report.violations).toEqual([]);
    expect(report.cases).toBe(options.runs);
    expect(Object.keys(report.byStatus).some((s) => s.startsWith('4'))).toBe(true);
  }, 600_000);
});
