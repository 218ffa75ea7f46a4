/**
 * Insuree mediator benchmark: the mediator runs as its own process (as in production) against the openIMIS and
 * Fineract simulators running in this process on 127.0.0.1.
 *
 * 1. Single-Patient requests (each a new insuree: validate, map, look up, create the client, link) at
 *    concurrency 1 and 32, from a plain FHIR client and as the OpenHIM router calls (transaction id → envelope):
 *    requests/s, p50/p99 latency, mediator CPU per request, event-loop lateness and peak RSS.
 * 2. A sync of about 10,000 generated insurees in families (POST /sync/insurees): duration and peak RSS.
 *
 * Run: `npx tsx tools/bench/src/insuree.bench.ts` (env BENCH_SYNC_FAMILIES, BENCH_REQUESTS, BENCH_WARMUP, BENCH_REPEATS to scale; BENCH_MAIN=<bundle>
 * to measure the esbuild bundle the Docker image runs, e.g. built with the command in docker/Dockerfile;
 * BENCH_NODE_ARGS=<flags> for the mediator's node, e.g. `--cpu-prof`; BENCH_PARTS=requests or sync to run one part).
 * Writes tools/bench/results/insuree.md when both parts ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'undici';
import { cpuSeconds, freePort, peakRssMiB, percentile } from './proc';
import {
  startFineractSimulator,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenImisSimulator,
  simulatorUpstreamEnv,
} from '@payment-layer/sandbox';

const ROOT = resolve(__dirname, '../../..');
// BENCH_MAIN points at a built bundle (node dist/main.js, as the image runs it); default: the source through tsx.
const MAIN = process.env.BENCH_MAIN ?? join(ROOT, 'apps/insuree-mediator/src/main.ts');
const NODE_ARGS = [
  ...(process.env.BENCH_MAIN ? imageNodeFlags() : []),
  ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ...(process.env.BENCH_MAIN ? [MAIN] : ['--import', 'tsx', MAIN]),
];

/** The node flags of the image's CMD (docker/Dockerfile), so a bundle is measured as the image runs it. */
function imageNodeFlags(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'docker/Dockerfile'), 'utf8'))?.[1];
  const args = cmd ? (JSON.parse(cmd) as string[]) : [];
  return args.filter((a) => a.startsWith('--'));
}
const ROUTE = { username: 'openhim', password: 'bench-route-password' };
const AUTH = `Basic ${Buffer.from(`${ROUTE.username}:${ROUTE.password}`).toString('base64')}`;
const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

interface Mediator {
  child: ChildProcess;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

async function startMediator(
  openimis: OpenImisSimulator,
  fineract: FineractSimulator,
  extraEnv: Record<string, string> = {},
): Promise<Mediator> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'insuree-bench-'));
  const child = spawn(process.execPath, NODE_ARGS, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      OPENHIM_REGISTER: 'false',
      MEDIATOR_CLIENT_USERNAME: ROUTE.username,
      MEDIATOR_CLIENT_PASSWORD: ROUTE.password,
      ...simulatorUpstreamEnv(openimis, fineract),
      STAGING_DB_PATH: join(dir, 'staging.sqlite'),
      STAGING_MIGRATIONS_DIR: join(ROOT, 'libs/staging/db/drizzle'),
      ...extraEnv,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      throw new Error('mediator did not start');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    dir,
    async stop() {
      await new Promise<void>((r) => {
        child.once('exit', () => {
          r();
        });
        child.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function requestsBench(
  concurrency: number,
  bodies: string[],
  warmup: number,
  routed: boolean,
): Promise<{
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rss: number;
  n: number;
  cpuMsPerRequest: number;
  benchCpuMsPerRequest: number;
  loop: { p99: number; max: number };
}> {
  const openimis = await startOpenImisSimulator({ population: { families: 0 }, includeFixtures: false });
  const fineract = await startFineractSimulator();
  const m = await startMediator(openimis, fineract);
  const pool = new Pool(m.url, { connections: concurrency });
  const send = async (body: string): Promise<number> => {
    const t = process.hrtime.bigint();
    const res = await pool.request({
      method: 'POST',
      path: '/fhir/Patient',
      headers: {
        authorization: AUTH,
        'content-type': 'application/fhir+json',
        // As OpenHIM's router calls a mediator: the answer is then the json+openhim envelope with orchestrations.
        ...(routed ? { 'x-openhim-transactionid': randomBytes(12).toString('hex') } : {}),
      },
      body,
    });
    await res.body.dump();
    if (res.statusCode !== 201) {
      throw new Error(`status ${res.statusCode}`);
    }
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  // Runs `list` with `concurrency` requests in flight, recording latencies (and failures) when asked.
  const drive = async (list: readonly string[], record?: number[]): Promise<number> => {
    let failed = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < list.length) {
          const body = list[next++] as string;
          try {
            const ms = await send(body);
            record?.push(ms);
          } catch {
            failed++;
          }
        }
      }),
    );
    return failed;
  };
  // Warm-up at the measured concurrency, not counted: it opens every connection and lets V8 optimise the hot
  // paths of both processes, so the numbers describe a mediator in service rather than one just started.
  await drive(bodies.slice(0, warmup));
  const work = bodies.slice(warmup);
  const latencies: number[] = [];
  const cpuBefore = cpuSeconds(m.child.pid ?? 0);
  const benchCpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const errors = await drive(work, latencies);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuMsPerRequest = ((cpuSeconds(m.child.pid ?? 0) - cpuBefore) * 1000) / work.length;
  // The other side of every request (load generator and simulators): if it saturates, latency is its, not the mediator's.
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const benchCpuMsPerRequest = (benchCpu.user + benchCpu.system) / 1000 / work.length;
  const rss = peakRssMiB(m.child.pid ?? 0);
  const loop = await eventLoopDelay(m.url);
  await pool.close();
  await m.stop();
  await Promise.all([openimis.close(), fineract.close()]);
  latencies.sort((a, b) => a - b);
  return {
    rps: work.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    rss,
    n: work.length,
    cpuMsPerRequest,
    benchCpuMsPerRequest,
    loop,
  };
}

/** The mediator's event-loop delay since it started (its /metrics), in ms: how long it was blocked. */
async function eventLoopDelay(url: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (re: RegExp): number => Number(re.exec(text)?.[1] ?? Number.NaN) * 1000;
  return {
    p99: read(/nodejs_eventloop_delay_seconds\{[^}]*quantile="0\.99"\} ([\d.]+)/),
    max: read(/nodejs_eventloop_delay_max_seconds\{[^}]*\} ([\d.]+)/),
  };
}

async function syncBench(families: number): Promise<{
  insurees: number;
  families: number;
  seconds: number;
  rss: number;
  clients: number;
  groups: number;
  status: number;
}> {
  const openimis = await startOpenImisSimulator({
    seed: 'bench',
    population: { families },
    includeFixtures: false,
  });
  const fineract = await startFineractSimulator();
  const m = await startMediator(openimis, fineract);
  const insurees = openimis.store.list('Patient').length;
  const started = process.hrtime.bigint();
  const res = await fetch(`${m.url}/sync/insurees`, {
    method: 'POST',
    headers: { authorization: AUTH },
    signal: AbortSignal.timeout(600_000),
  });
  await res.arrayBuffer();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = peakRssMiB(m.child.pid ?? 0);
  const result = {
    insurees,
    families: openimis.store.list('Group').length,
    seconds,
    rss,
    clients: fineract.state.clients.size,
    groups: fineract.state.groups.size,
    status: res.status,
  };
  await m.stop();
  await Promise.all([openimis.close(), fineract.close()]);
  return result;
}

async function main(): Promise<void> {
  const requests = Number.parseInt(process.env.BENCH_REQUESTS ?? '5000', 10);
  const warmup = Number.parseInt(process.env.BENCH_WARMUP ?? '3000', 10);
  const repeats = Math.max(1, Number.parseInt(process.env.BENCH_REPEATS ?? '3', 10));
  const families = Number.parseInt(process.env.BENCH_SYNC_FAMILIES ?? '2860', 10);
  const source = await startOpenImisSimulator({
    seed: 'bench-requests',
    population: { families: Math.ceil((requests + warmup) / 3) + 20 },
    includeFixtures: false,
  });
  const bodies = source.store.list('Patient').map((p) => JSON.stringify(p));
  await source.close();
  out(
    `insuree mediator benchmark — ${new Date().toISOString()}, node ${process.version}, ${bodies.length} distinct Patients`,
  );

  const parts = process.env.BENCH_PARTS ?? 'requests,sync';
  const rows: string[] = [];
  const runs = parts.includes('requests')
    ? [
        { c: 1, routed: false },
        { c: 32, routed: false },
        { c: 1, routed: true },
        { c: 32, routed: true },
      ]
    : [];
  for (const { c, routed } of runs) {
    const caller = routed ? 'OpenHIM (envelope)' : 'direct';
    // The machine is shared: each row is run `repeats` times and the run with the median p99 is reported, with the
    // spread of p99 over all runs, so one unlucky (or lucky) run does not decide the row.
    const results = [];
    for (let i = 0; i < repeats; i++) {
      const r = await requestsBench(c, bodies.slice(0, warmup + requests), warmup, routed);
      out(
        `${caller}, concurrency ${c}, run ${i + 1}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, mediator CPU ${r.cpuMsPerRequest.toFixed(2)} ms/request (benchmark process ${r.benchCpuMsPerRequest.toFixed(2)}), event loop late p99 ${r.loop.p99.toFixed(1)} ms / max ${r.loop.max.toFixed(1)} ms, peak RSS ${r.rss} MiB, errors ${r.errors}`,
      );
      results.push(r);
    }
    results.sort((a, b) => a.p99 - b.p99);
    const r = results[Math.floor((results.length - 1) / 2)] ?? results[0];
    if (!r) {
      continue;
    }
    const spread = `${(results[0]?.p99 ?? r.p99).toFixed(1)}–${(results.at(-1)?.p99 ?? r.p99).toFixed(1)}`;
    rows.push(
      `| ${caller} | ${c} | ${r.n} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${spread} | ${r.cpuMsPerRequest.toFixed(2)} | ${r.loop.p99.toFixed(1)} / ${r.loop.max.toFixed(1)} | ${r.rss} | ${r.errors} |`,
    );
  }
  if (!parts.includes('sync')) {
    return;
  }
  const s = await syncBench(families);
  out(
    `sync: ${s.insurees} insurees in ${s.families} families → ${s.clients} clients, ${s.groups} groups in ${s.seconds.toFixed(1)} s (HTTP ${s.status}), peak RSS ${s.rss} MiB`,
  );

  const md = [
    '# Insuree mediator benchmark',
    '',
    `Run ${new Date().toISOString()} with node ${process.version} on this machine (2 cores, shared): the mediator in its own process,`,
    'the openIMIS and Fineract simulators in the benchmark process, all on 127.0.0.1. Each request is a new insuree',
    '(validate, map, create the client — a duplicate would be read back — and link it in staging), so every request writes to Fineract.',
    `Each row: a fresh mediator and simulators, ${warmup} warm-up requests at the row's concurrency (not counted), then the measured ones;`,
    `run ${repeats} times, the run with the median p99 shown, with the lowest and highest p99 of the runs.`,
    `Mediator: ${process.env.BENCH_MAIN ? `bundled build (node ${imageNodeFlags().join(' ')} dist/main.js, as the image runs it)` : 'source through tsx'}.`,
    'Caller "direct": a plain FHIR client (plain FHIR answer, upstream calls only counted); "OpenHIM (envelope)": each',
    'request carries an `X-OpenHIM-TransactionID` as the OpenHIM router sends it, so the answer is the json+openhim',
    'envelope with the Fineract call recorded as an orchestration (bodies masked). "Event loop late": how far behind',
    "schedule the mediator's event loop ran (its /metrics); at saturation this is the length of one loop turn.",
    '',
    '| Caller | Concurrency | Requests | req/s | p50 ms | p99 ms | p99 ms over the runs | Mediator CPU ms/request | Event loop late p99 / max ms | Mediator peak RSS MiB | Errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Goal: ≥ 500 req/s and p99 ≤ 50 ms at concurrency 32.`,
    '',
    '| Sync | Insurees | Families | Fineract clients | Fineract groups | Seconds | Mediator peak RSS MiB |',
    '|---|---:|---:|---:|---:|---:|---:|',
    `| POST /sync/insurees | ${s.insurees} | ${s.families} | ${s.clients} | ${s.groups} | ${s.seconds.toFixed(1)} | ${s.rss} |`,
    '',
    'Goal: 10,000 insurees under 60 s with RSS under 300 MB.',
    '',
  ].join('\n');
  if (rows.length > 0) {
    writeFileSync(join(ROOT, 'tools/bench/results/insuree.md'), md);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
