/**
 * Mapping throughput: the Patient → Fineract client mapping as compiled by the mapping DSL
 * (libs/flows/parties/mappings/patient-to-client.mapping.json) against the same mapping written in JSONata
 * (expression compiled once, evaluated per input). Same 1,000 distinct Patients, same run, warm-up first, and
 * both outputs compared for every input before any number is reported.
 *
 * Run: `npx tsx tools/bench/src/mapping.bench.ts` (writes tools/bench/results/mapping.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import jsonata from 'jsonata';
import { loadMappingFile } from '@payment-layer/mapping-dsl';

const ROOT = join(__dirname, '..', '..', '..');
const MAPPING = join(ROOT, 'libs', 'flows', 'parties', 'mappings', 'patient-to-client.mapping.json');
const FIXTURE = join(ROOT, 'apps', 'insuree-mediator', 'test', 'fixtures', 'patient-member.fhir.json');
const RESULTS = join(__dirname, '..', 'results', 'mapping.md');
const INPUTS = 1000;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is not an export of jsonata's types
const JSONATA_VERSION = (require('jsonata/package.json') as { version: string }).version;

const config = {
  officeId: 1,
  today: '2024-05-17',
  genderIds: { male: 22, female: 23 },
  savingsProductId: '4',
};

/**
 * The same rules as patient-to-client.mapping.json, in JSONata: same sources, same checks (required fields,
 * UUID, date validity, phone length), same omissions.
 */
const JSONATA_PATIENT_TO_CLIENT = `
(
  $uuidPattern := /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
  $date := function($v, $where) {(
    $ms := $toMillis($v & 'T00:00:00Z');
    $exists($ms) and $fromMillis($ms, '[Y0001]-[M01]-[D01]') = $substring($v, 0, 10)
      ? $fromMillis($ms, '[Y0001]-[M01]-[D01]')
      : $error($where & ': not a calendar date')
  )};
  $required := function($v, $where) { $exists($v) and $v != '' ? $v : $error($where & ' is required') };
  $uuidValue := (identifier[type.coding[0].code = 'UUID'].value)[0];
  $rawId := $exists($uuidValue) ? $uuidValue : id;
  $externalId := $required($rawId, 'Patient.identifier(UUID).value');
  $given := name[0].given;
  $phone := $trim((telecom[system = 'phone'].value)[0]);
  {
    'officeId': $required($config.officeId, 'config officeId'),
    'legalFormId': 1,
    'externalId': $contains($externalId, $uuidPattern) ? $lowercase($externalId) : $error('not a UUID'),
    'firstname': $required($trim($given[0]), 'Patient.name[0].given'),
    'middlename': $count($given) > 1 ? $join($map($given[[1..1000]], $trim), ' '),
    'lastname': $required($trim(name[0].family), 'Patient.name[0].family'),
    'dateOfBirth': $exists(birthDate) ? $date(birthDate, 'Patient.birthDate'),
    'genderId': $exists($config.genderIds) ? $lookup($config.genderIds, gender),
    'mobileNo': $not($config.sendMobileNo = false) and $exists($phone)
      ? ($length($phone) > 50 ? $error('mobileNo too long') : $phone),
    'emailAddress': $trim((telecom[system = 'email'].value)[0]),
    'active': true,
    'activationDate': $date($required($config.today, 'config today'), 'config today'),
    'submittedOnDate': $date($required($config.today, 'config today'), 'config today'),
    'savingsProductId': $exists($config.savingsProductId) ? $number($config.savingsProductId),
    'dateFormat': 'yyyy-MM-dd',
    'locale': 'en'
  }
)`;

type Json = Record<string, unknown>;

/** 1,000 distinct Patients derived from the openIMIS sample: names, UUIDs, dates, gender and phone vary. */
function patients(): Json[] {
  const base = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Json;
  return Array.from({ length: INPUTS }, (_, i) => {
    const p = structuredClone(base) as Json & { identifier: Json[]; telecom: Json[] };
    const hex = i.toString(16).padStart(12, '0');
    const uuid = `8e33033a-9f60-43ad-be3e-${hex}`;
    p.id = i % 3 === 0 ? uuid.toUpperCase() : uuid;
    p.identifier =
      i % 5 === 0
        ? p.identifier.slice(1)
        : p.identifier.map((id, k) => (k === 0 ? { ...id, value: uuid } : id));
    p.name = [
      {
        use: 'usual',
        family: ` Family${i} `,
        given: i % 4 === 0 ? [`Given${i}`, `Second${i}`] : [`Given${i}`],
      },
    ];
    p.birthDate = `19${String(50 + (i % 50)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    p.gender = ['male', 'female', 'other'][i % 3];
    if (i % 7 === 0) {
      p.telecom = p.telecom.filter((t) => t.system !== 'phone');
    } else {
      p.telecom = p.telecom.map((t) =>
        t.system === 'phone' ? { ...t, value: `+2557${String(i).padStart(8, '0')}` } : t,
      );
    }
    return p;
  });
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Rate {
  readonly perSec: number;
  readonly cpuPerSec: number;
  readonly n: number;
}

function measureSync(inputs: readonly Json[], fn: (p: Json) => unknown, budgetMs: number): Rate {
  let n = 0;
  const cpu0 = cpuMs();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (const p of inputs) {
      fn(p);
    }
    n += inputs.length;
    elapsed = performance.now() - start;
  }
  return { perSec: (n / elapsed) * 1000, cpuPerSec: (n / (cpuMs() - cpu0)) * 1000, n };
}

async function measureAsync(
  inputs: readonly Json[],
  fn: (p: Json) => Promise<unknown>,
  budgetMs: number,
): Promise<Rate> {
  let n = 0;
  const cpu0 = cpuMs();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (const p of inputs) {
      await fn(p);
    }
    n += inputs.length;
    elapsed = performance.now() - start;
  }
  return { perSec: (n / elapsed) * 1000, cpuPerSec: (n / (cpuMs() - cpu0)) * 1000, n };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const inputs = patients();
  const dsl = loadMappingFile(MAPPING);
  const expression = jsonata(JSONATA_PATIENT_TO_CLIENT);
  const bindings = { config };
  const viaDsl = (p: Json): Record<string, unknown> => dsl.apply(p, { config });
  const viaJsonata = (p: Json): Promise<unknown> => expression.evaluate(p, bindings) as Promise<unknown>;

  // Same output for every input, or no numbers.
  for (const [i, p] of inputs.entries()) {
    const a = viaDsl(p);
    const b = JSON.parse(JSON.stringify(await viaJsonata(p))) as unknown;
    if (!isDeepStrictEqual(a, b)) {
      throw new Error(
        `outputs differ for input ${i}:\nDSL     ${JSON.stringify(a)}\nJSONata ${JSON.stringify(b)}`,
      );
    }
  }

  // Warm-up (JIT) for both, then measure in the same process, alternating to share any background load.
  measureSync(inputs, viaDsl, 500);
  await measureAsync(inputs, viaJsonata, 500);
  const dslRuns: Rate[] = [];
  const jsonataRuns: Rate[] = [];
  for (let round = 0; round < 3; round++) {
    dslRuns.push(measureSync(inputs, viaDsl, 1000));
    jsonataRuns.push(await measureAsync(inputs, viaJsonata, 1000));
  }
  const best = (runs: Rate[]): Rate => runs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
  const d = best(dslRuns);
  const j = best(jsonataRuns);
  const ratio = d.perSec / j.perSec;

  const table = [
    '| Implementation | Mappings/s (wall) | Mappings/s per CPU-second | CPU µs per mapping |',
    '|---|---:|---:|---:|',
    `| Mapping DSL (compiled closures) | ${fmt(d.perSec)} | ${fmt(d.cpuPerSec)} | ${fmt(1e6 / d.cpuPerSec, 2)} |`,
    `| JSONata ${JSONATA_VERSION} (compiled once, async evaluate) | ${fmt(j.perSec)} | ${fmt(j.cpuPerSec)} | ${fmt(1e6 / j.cpuPerSec, 2)} |`,
    `| **Ratio DSL / JSONata** | **${fmt(ratio, 1)}×** | ${fmt(d.cpuPerSec / j.cpuPerSec, 1)}× | |`,
  ];
  const md = [
    '# Mapping benchmark: Patient → Fineract client',
    '',
    `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores, shared with other work), ${new Date().toISOString()}.`,
    'Produced by `npx tsx tools/bench/src/mapping.bench.ts`: one core, best of 3 alternating rounds of 1 s after a',
    `warm-up, over ${fmt(INPUTS)} distinct Patients; both implementations produced identical output for all of them.`,
    '',
    ...table,
    '',
    `Load average during the run: ${loadavg()
      .map((l) => fmt(l, 1))
      .join(', ')}. On a shared machine the wall-clock rate`,
    'is what this process got; "per CPU-second" is the rate of one fully used core (both run on one thread).',
    '',
    `Goal: ≥ 20× JSONata and ≥ 200,000 mappings/s on one core — ${ratio >= 20 && d.cpuPerSec >= 200_000 ? 'met' : 'NOT met'}`,
    `(${fmt(ratio, 1)}× JSONata; ${fmt(d.cpuPerSec)} mappings per CPU-second, ${fmt(d.perSec)} per wall-clock second).`,
    '',
  ].join('\n');
  mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
  writeFileSync(RESULTS, md);
  process.stdout.write(`${table.join('\n')}\n\nwritten to ${RESULTS}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
