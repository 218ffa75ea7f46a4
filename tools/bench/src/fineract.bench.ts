/**
 * Fineract simulator throughput: 10,000 client creations through the project's Fineract client
 * (`@payment-layer/mifos-fineract-client`, `createClient` and its batch builder) against the in-process simulator,
 * at concurrency 1 and 16 and as batches of 50; plus the same load as plain undici requests for comparison.
 * Every run must finish with zero errors.
 *
 * Run: `npx tsx tools/bench/src/fineract.bench.ts` (writes tools/bench/results/fineract.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { type FineractSimulator, startFineractSimulator } from '@payment-layer/sandbox';

const CLIENTS = 10_000;
const BATCH_SIZE = 50;
const RESULTS = join(__dirname, '..', 'results', 'fineract.md');

interface Row {
  mode: string;
  transport: string;
  requests: number;
  clients: number;
  errors: number;
  ms: number;
}

function person(run: string, i: number): Record<string, unknown> {
  return {
    officeId: 1,
    legalFormId: 1,
    firstname: `First${i}`,
    lastname: `Last${i}`,
    externalId: `${run}-${i}`,
    active: true,
    activationDate: '2024-01-15',
    submittedOnDate: '2024-01-15',
  };
}

async function pool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<boolean>,
): Promise<number> {
  let next = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      try {
        if (!(await task(i))) {
          errors++;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return errors;
}

async function withSimulator<T>(fn: (sim: FineractSimulator) => Promise<T>): Promise<T> {
  const sim = await startFineractSimulator();
  try {
    return await fn(sim);
  } finally {
    await sim.close();
  }
}

function newClient(sim: FineractSimulator): FineractClient {
  return new FineractClient({
    baseUrl: sim.baseUrl,
    tenantId: sim.tenantId,
    username: sim.username,
    password: sim.password,
  });
}

async function viaClient(concurrency: number): Promise<Row> {
  return withSimulator(async (sim) => {
    const client = newClient(sim);
    const run = `c${concurrency}`;
    await client.createClient(person(`${run}-warm`, 0) as never, { operationKey: `client:${run}-warm` });
    const start = performance.now();
    const errors = await pool(CLIENTS, concurrency, async (i) => {
      const r = await client.createClient(person(run, i) as never, { operationKey: `client:${run}-${i}` });
      return r.clientId !== undefined;
    });
    const ms = performance.now() - start;
    await client.close();
    const created = sim.state.clients.size - 1;
    return {
      mode: `single calls, concurrency ${concurrency}`,
      transport: 'FineractClient.createClient',
      requests: CLIENTS,
      clients: created,
      errors: errors + (CLIENTS - created),
      ms,
    };
  });
}

async function viaClientBatches(concurrency: number): Promise<Row> {
  return withSimulator(async (sim) => {
    const client = newClient(sim);
    const run = `b${concurrency}`;
    const batches = CLIENTS / BATCH_SIZE;
    const start = performance.now();
    const errors = await pool(batches, concurrency, async (b) => {
      const batch = client.batch();
      for (let j = 0; j < BATCH_SIZE; j++) {
        const i = b * BATCH_SIZE + j;
        batch.add({
          relativeUrl: 'clients',
          method: 'POST',
          body: person(run, i),
          operationKey: `client:${run}-${i}`,
        });
      }
      const res = await batch.send();
      return res.ok;
    });
    const ms = performance.now() - start;
    await client.close();
    const created = sim.state.clients.size;
    return {
      mode: `batches of ${BATCH_SIZE}, concurrency ${concurrency}`,
      transport: 'FineractClient.batch().send()',
      requests: batches,
      clients: created,
      errors: errors + (CLIENTS - created),
      ms,
    };
  });
}

async function viaUndici(concurrency: number): Promise<Row> {
  return withSimulator(async (sim) => {
    const agent = new Agent({ connections: concurrency, pipelining: 1 });
    const run = `u${concurrency}`;
    const headers = {
      authorization: sim.authorization,
      'fineract-platform-tenantid': sim.tenantId,
      'content-type': 'application/json',
    };
    const start = performance.now();
    const errors = await pool(CLIENTS, concurrency, async (i) => {
      const res = await request(`${sim.baseUrl}/clients`, {
        method: 'POST',
        dispatcher: agent,
        headers: { ...headers, 'idempotency-key': `client:${run}-${i}` },
        body: JSON.stringify({ ...person(run, i), dateFormat: 'yyyy-MM-dd', locale: 'en' }),
      });
      await res.body.dump();
      return res.statusCode === 200;
    });
    const ms = performance.now() - start;
    await agent.close();
    const created = sim.state.clients.size;
    return {
      mode: `single calls, concurrency ${concurrency}`,
      transport: 'plain undici (same headers)',
      requests: CLIENTS,
      clients: created,
      errors: errors + (CLIENTS - created),
      ms,
    };
  });
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const run of [
    () => viaClient(1),
    () => viaClient(16),
    () => viaClientBatches(1),
    () => viaClientBatches(4),
    () => viaUndici(16),
  ]) {
    const row = await run();
    rows.push(row);
    process.stdout.write(
      `${row.mode.padEnd(30)} ${row.transport.padEnd(30)} ${fmt((row.requests / row.ms) * 1000).padStart(7)} req/s ${fmt((row.clients / row.ms) * 1000).padStart(7)} clients/s  errors ${row.errors}\n`,
    );
  }
  const errors = rows.reduce((n, r) => n + r.errors, 0);
  const table = [
    '| Mode | Transport | HTTP requests | Clients created | Errors | Time (s) | Requests/s | Clients/s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.transport} | ${fmt(r.requests)} | ${fmt(r.clients)} | ${r.errors} | ${fmt(r.ms / 1000, 2)} | ${fmt((r.requests / r.ms) * 1000)} | ${fmt((r.clients / r.ms) * 1000)} |`,
    ),
  ];
  const md = [
    '# Fineract simulator benchmark',
    '',
    `${fmt(CLIENTS)} client creations (\`POST /clients\`, person, active, with an Idempotency-Key each) per row against the`,
    'in-process Fineract simulator (`@payment-layer/sandbox`, plain HTTP on 127.0.0.1, fresh state per row). The',
    'client rows go through `@payment-layer/mifos-fineract-client` (`createClient`; `batch().add(...).send()` for',
    `batches of ${BATCH_SIZE} without enclosingTransaction); the last row sends the same requests with plain undici.`,
    'The simulator and the load generator share one Node.js process, so the numbers are a floor for the simulator',
    'and say nothing about a real Fineract.',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'} (shared with other work), Node.js ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
    '',
    ...table,
    '',
    `Total errors: ${errors} (required: 0).`,
    '',
    'Run: `npx tsx tools/bench/src/fineract.bench.ts`.',
    '',
  ].join('\n');
  mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
  writeFileSync(RESULTS, md);
  process.stdout.write(`total errors: ${errors}\nwritten ${RESULTS}\n`);
  if (errors > 0) {
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
