/**
 * Contribution payment loop benchmark: the invoice and payment mediators run as their own processes on one staging
 * file (they share the ledger), the openIMIS and Fineract simulators run in this process, all on 127.0.0.1. The
 * hooks go from Fineract straight to the payment mediator (no OpenHIM router in between, as in insuree.bench).
 *
 * A. Hook deliveries (BENCH_HOOKS invoices, default 2,000, charged by POST /sync/invoices first):
 *    1. end to end: the charges are paid in Fineract (this process is the operator, BENCH_PAY_CONCURRENCY calls at
 *       a time); Fineract delivers its hooks as it does (asynchronously, its own connection pool) to the payment
 *       mediator; measured until every invoice reads PAID in openIMIS with exactly one PaymentNotice.
 *    2. the hook endpoint alone: hook bodies Fineract sent for other paid charges (captured here) are posted at
 *       concurrency 1 and 16 to a payment mediator whose outbox is idle: requests/s, p50/p99, CPU ms/hook.
 * B. BENCH_INVOICES (default 10,000) unpaid contribution invoices through the whole loop, phase by phase:
 *    POST /sync/invoices → every charge paid in Fineract → hooks → PaymentNotices → all PAID in openIMIS, verified
 *    (charges, one notice per invoice, PAID, nothing for an operator).
 *
 * Run: `npx tsx tools/bench/src/payment.bench.ts` (or `npx nx run bench:payment`). Env: BENCH_HOOKS, BENCH_INVOICES,
 * BENCH_PAY_CONCURRENCY, BENCH_OUTBOX_INTERVAL_MS (default: the mediator's 2,000), BENCH_TIMEOUT_S (per wait,
 * default 900); BENCH_INVOICE_MAIN / BENCH_PAYMENT_MAIN = built bundles (node dist/main.js, as the images run them).
 * Writes tools/bench/results/payment.md; exits 1 when a check fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool, request } from 'undici';
import {
  startFineractSimulator,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenImisSimulator,
  simulatorUpstreamEnv,
} from '@payment-layer/sandbox';
import { createRepositories, openStagingDb, type StagingRepositories } from '@payment-layer/staging-db';
import { cpuSeconds, freePort, peakRssMiB, percentile } from './proc';

const ROOT = resolve(__dirname, '../../..');
const INVOICE_MAIN = process.env.BENCH_INVOICE_MAIN ?? join(ROOT, 'apps/invoice-mediator/src/main.ts');
const PAYMENT_MAIN = process.env.BENCH_PAYMENT_MAIN ?? join(ROOT, 'apps/payment-mediator/src/main.ts');
const BUNDLED = process.env.BENCH_INVOICE_MAIN !== undefined && process.env.BENCH_PAYMENT_MAIN !== undefined;
const ROUTE = { username: 'openhim', password: 'bench-route-password' };
const AUTH = `Basic ${Buffer.from(`${ROUTE.username}:${ROUTE.password}`).toString('base64')}`;
const HOOK_SECRET = 'bench-hook-secret-0123456789';
const HOOK_PATH = `/payments/fineract/hook?secret=${HOOK_SECRET}`;
/** openIMIS invoice status PAID. */
const PAID = 2;

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new RangeError(`${name} must be a whole number, got "${raw}"`);
  }
  return Number.parseInt(raw, 10);
}

const HOOKS = envInt('BENCH_HOOKS', 2000);
const INVOICES = envInt('BENCH_INVOICES', 10_000);
const PAY_CONCURRENCY = envInt('BENCH_PAY_CONCURRENCY', 16);
const OUTBOX_INTERVAL_MS = process.env.BENCH_OUTBOX_INTERVAL_MS;
const TIMEOUT_MS = envInt('BENCH_TIMEOUT_S', 900) * 1000;

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (!ok) {
    failures.push(what);
    out(`CHECK FAILED: ${what}`);
  }
}
const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

async function waitFor(what: string, test: () => boolean, timeoutMs = TIMEOUT_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Mediator {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

async function startMediator(main: string, env: Record<string, string>): Promise<Mediator> {
  const port = await freePort();
  const args = BUNDLED ? [main] : ['--import', 'tsx', main];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
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
    if (child.exitCode !== null || Date.now() > until) {
      throw new Error(`${main} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    url,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      await new Promise<void>((r) => {
        child.once('exit', () => {
          r();
        });
        child.kill('SIGTERM');
      });
    },
  };
}

/** Simulators, the two mediators and a read handle on their staging file. */
interface Layer {
  readonly openimis: OpenImisSimulator;
  readonly fineract: FineractSimulator;
  readonly invoice: Mediator;
  payment: Mediator;
  readonly repos: StagingRepositories;
  readonly fineractPool: Pool;
  /** Restarts the payment mediator on the same staging file with other settings. */
  restartPayment(extra: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

async function startLayer(families: number, seed: string): Promise<Layer> {
  // claims: 0 — bills and claims are not part of this loop; leaving them out keeps the simulator small.
  const openimis = await startOpenImisSimulator({
    seed,
    population: { families, claims: 0 },
    includeFixtures: false,
  });
  const fineract = await startFineractSimulator();
  const dir = mkdtempSync(join(tmpdir(), 'payment-bench-'));
  const common: Record<string, string> = {
    LOG_LEVEL: 'warn',
    OPENHIM_REGISTER: 'false',
    MEDIATOR_CLIENT_USERNAME: ROUTE.username,
    MEDIATOR_CLIENT_PASSWORD: ROUTE.password,
    ...simulatorUpstreamEnv(openimis, fineract),
    // One staging store for the layer: the invoice mediator writes the ledger the payment mediator reads.
    STAGING_DB_PATH: join(dir, 'payment-layer.sqlite'),
    STAGING_MIGRATIONS_DIR: join(ROOT, 'libs/staging/db/drizzle'),
  };
  const paymentEnv = (extra: Record<string, string>): Record<string, string> => ({
    ...common,
    FINERACT_HOOK_SECRET: HOOK_SECRET,
    ...(OUTBOX_INTERVAL_MS !== undefined ? { OUTBOX_INTERVAL_MS } : {}),
    ...extra,
  });
  // One after the other: both run the migrations at boot.
  const invoice = await startMediator(INVOICE_MAIN, common);
  const payment = await startMediator(PAYMENT_MAIN, paymentEnv({}));
  const db = openStagingDb({ path: common.STAGING_DB_PATH as string });
  const fineractPool = new Pool(fineract.url, { connections: PAY_CONCURRENCY });
  const layer: Layer = {
    openimis,
    fineract,
    invoice,
    payment,
    repos: createRepositories(db),
    fineractPool,
    async restartPayment(extra) {
      await layer.payment.stop();
      layer.payment = await startMediator(PAYMENT_MAIN, paymentEnv(extra));
    },
    async close() {
      await Promise.all([invoice.stop(), layer.payment.stop()]);
      await fineractPool.close();
      db.close();
      await Promise.all([openimis.close(), fineract.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return layer;
}

async function fineractCall(
  layer: Layer,
  method: 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const f = layer.fineract;
  const res = await layer.fineractPool.request({
    method,
    path: `/fineract-provider/api/v1/${path}`,
    headers: {
      authorization: f.authorization,
      'fineract-platform-tenantid': f.tenantId,
      'content-type': 'application/json',
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) {
    throw new Error(`Fineract ${method} ${path} answered ${res.statusCode}: ${text}`);
  }
  return JSON.parse(text) as unknown;
}

/** Registers the web hook of the payment layer (what a Fineract operator does once) and returns its id. */
async function registerHook(layer: Layer, url: string, displayName: string): Promise<number> {
  const created = (await fineractCall(layer, 'POST', 'hooks', {
    name: 'Web',
    isActive: true,
    displayName,
    events: [
      { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
      { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
    ],
    config: { 'Payload URL': url, 'Content Type': 'json' },
  })) as { resourceId: number };
  return created.resourceId;
}

/** POST /sync/invoices on the invoice mediator; returns its seconds and the summary it answered. */
async function syncInvoices(layer: Layer): Promise<{ seconds: number; status: number; summary: string }> {
  const started = process.hrtime.bigint();
  // Called as OpenHIM's polling channel calls it, without a transaction id: the answer is the OperationOutcome.
  const res = await request(`${layer.invoice.url}/sync/invoices`, {
    method: 'POST',
    headers: { authorization: AUTH },
    headersTimeout: TIMEOUT_MS,
    bodyTimeout: TIMEOUT_MS,
  });
  const body = (await res.body.json()) as { issue?: { diagnostics?: string }[] };
  return { seconds: since(started), status: res.statusCode, summary: body.issue?.[0]?.diagnostics ?? '' };
}

interface Charge {
  readonly id: number;
  readonly clientId: number;
  readonly amount: string;
}

/** The open client charges as the Fineract operator sees them, oldest first. */
function openCharges(layer: Layer): Charge[] {
  return [...layer.fineract.state.clientCharges.values()]
    .filter((c) => c.isActive && !c.isPaid && !c.isWaived)
    .sort((a, b) => a.id - b.id)
    .map((c) => ({ id: c.id, clientId: c.clientId, amount: c.amount }));
}

/** Pays the charges in full in Fineract, `PAY_CONCURRENCY` at a time; resolves when the last one is answered. */
async function payCharges(layer: Layer, charges: readonly Charge[]): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  let next = 0;
  await Promise.all(
    Array.from({ length: PAY_CONCURRENCY }, async () => {
      while (next < charges.length) {
        const c = charges[next++] as Charge;
        await fineractCall(layer, 'POST', `clients/${c.clientId}/charges/${c.id}?command=paycharge`, {
          amount: c.amount,
          transactionDate: today,
          paymentTypeId: 1,
          receiptNumber: `R-${c.id}`,
          dateFormat: 'yyyy-MM-dd',
          locale: 'en',
        });
      }
    }),
  );
}

/** openIMIS view of a set of invoices: how many read PAID, and PaymentNotices per invoice. */
function openImisView(
  layer: Layer,
  invoiceIds: ReadonlySet<string>,
): { paid: number; notices: Map<string, number> } {
  let paid = 0;
  for (const id of invoiceIds) {
    if (layer.openimis.store.invoice(id)?.status === PAID) {
      paid++;
    }
  }
  const notices = new Map<string, number>();
  for (const p of layer.openimis.store.paymentNotices()) {
    if (invoiceIds.has(p.subjectId)) {
      notices.set(p.subjectId, (notices.get(p.subjectId) ?? 0) + 1);
    }
  }
  return { paid, notices };
}

/** The ledger invoices charged with one of these Fineract charges, by openIMIS invoice id. */
function invoicesOfCharges(layer: Layer, charges: readonly Charge[]): Set<string> {
  const ids = new Set<string>();
  for (const c of charges) {
    const row = layer.repos.ledger.getInvoiceByFineractCharge(c.id);
    if (row) {
      ids.add(row.openimisInvoiceId);
    }
  }
  return ids;
}

function countLedger(layer: Layer, state: 'needs_attention' | 'paid'): number {
  let n = 0;
  let afterId = 0;
  for (;;) {
    const page = layer.repos.ledger.listInvoices({ state, afterId, limit: 1000 });
    n += page.length;
    const last = page.at(-1);
    if (last === undefined) {
      return n;
    }
    afterId = last.id;
  }
}

/** Verifies the loop for a set of invoices: PAID, one notice each, nothing for an operator, no dead step. */
function verifyLoop(layer: Layer, invoiceIds: ReadonlySet<string>, label: string): void {
  const view = openImisView(layer, invoiceIds);
  const one = [...invoiceIds].filter((id) => view.notices.get(id) === 1).length;
  const twice = [...view.notices.values()].filter((n) => n > 1).length;
  check(view.paid === invoiceIds.size, `${label}: ${view.paid} of ${invoiceIds.size} invoices read PAID`);
  check(
    one === invoiceIds.size,
    `${label}: ${one} of ${invoiceIds.size} invoices have exactly one PaymentNotice`,
  );
  check(twice === 0, `${label}: ${twice} invoices have more than one PaymentNotice`);
  const attention = countLedger(layer, 'needs_attention');
  check(attention === 0, `${label}: ${attention} ledger invoices need attention`);
  const dead = layer.repos.outbox.countByState().dead;
  check(dead === 0, `${label}: ${dead} dead outbox entries`);
}

interface HookCapture {
  readonly server: Server;
  readonly url: string;
  readonly bodies: { headers: Record<string, string>; body: string }[];
}

/** A hook receiver in this process that keeps what Fineract sends (for the hook endpoint measurement). */
async function startCapture(): Promise<HookCapture> {
  const bodies: HookCapture['bodies'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({ headers: fineractHeaders(req.headers), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://127.0.0.1:${port}/hook`, bodies };
}

function fineractHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const keep: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (
      typeof v === 'string' &&
      (k === 'content-type' || k.startsWith('x-fineract') || k.startsWith('fineract'))
    ) {
      keep[k] = v;
    }
  }
  return keep;
}

interface EndToEnd {
  readonly n: number;
  readonly paySeconds: number;
  readonly hookSeconds: number;
  readonly hooksAccepted: number;
  readonly paidSeconds: number;
  readonly cpuMsPerPayment: number;
  readonly rss: number;
}

/** Pays `charges` in Fineract with the hook pointing at the payment mediator; waits until openIMIS reads all PAID. */
async function endToEnd(layer: Layer, charges: readonly Charge[], label: string): Promise<EndToEnd> {
  const invoiceIds = invoicesOfCharges(layer, charges);
  check(
    invoiceIds.size === charges.length,
    `${label}: ${invoiceIds.size} ledger invoices for ${charges.length} charges`,
  );
  const deliveriesBefore = layer.fineract.hookDeliveries.length;
  const cpuBefore = cpuSeconds(layer.payment.pid);
  const started = process.hrtime.bigint();
  await payCharges(layer, charges);
  const paySeconds = since(started);
  await layer.fineract.hooksIdle();
  const hookSeconds = since(started);
  const deliveries = layer.fineract.hookDeliveries.slice(deliveriesBefore);
  const hooksAccepted = deliveries.filter((d) => d.status === 200).length;
  check(
    deliveries.length === charges.length,
    `${label}: ${deliveries.length} hook deliveries for ${charges.length} payments`,
  );
  check(hooksAccepted === charges.length, `${label}: ${hooksAccepted} hook deliveries accepted (200)`);
  await waitFor(`${label}: every invoice PAID in openIMIS`, () => {
    const v = openImisView(layer, invoiceIds);
    return v.paid === invoiceIds.size && v.notices.size === invoiceIds.size;
  });
  const paidSeconds = since(started);
  const cpuMsPerPayment = ((cpuSeconds(layer.payment.pid) - cpuBefore) * 1000) / charges.length;
  verifyLoop(layer, invoiceIds, label);
  return {
    n: charges.length,
    paySeconds,
    hookSeconds,
    hooksAccepted,
    paidSeconds,
    cpuMsPerPayment,
    rss: peakRssMiB(layer.payment.pid),
  };
}

interface HookRate {
  readonly concurrency: number;
  readonly n: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMsPerHook: number;
  readonly rss: number;
  readonly errors: number;
}

/** Posts captured hook bodies straight to the payment mediator at a fixed concurrency. */
async function hookEndpoint(
  layer: Layer,
  bodies: HookCapture['bodies'],
  concurrency: number,
): Promise<HookRate> {
  const pool = new Pool(layer.payment.url, { connections: concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const cpuBefore = cpuSeconds(layer.payment.pid);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const b = bodies[next++] as HookCapture['bodies'][number];
        const t = process.hrtime.bigint();
        const res = await pool.request({ method: 'POST', path: HOOK_PATH, headers: b.headers, body: b.body });
        const text = await res.body.text();
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        // Each body pays one fresh invoice in full: anything but `paid` is an error here.
        if (res.statusCode !== 200 || !text.includes('invoice fully paid')) {
          errors++;
        }
      }
    }),
  );
  const seconds = since(started);
  const cpuMsPerHook = ((cpuSeconds(layer.payment.pid) - cpuBefore) * 1000) / bodies.length;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    n: bodies.length,
    rps: bodies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerHook,
    rss: peakRssMiB(layer.payment.pid),
    errors,
  };
}

async function partA(): Promise<{ e2e: EndToEnd; rates: HookRate[]; sync: { seconds: number; n: number } }> {
  const rawEach = Math.max(1, Math.floor(HOOKS / 2));
  const layer = await startLayer(HOOKS + 2 * rawEach, 'bench-payment-hooks');
  try {
    const sync = await syncInvoices(layer);
    const charges = openCharges(layer);
    check(
      charges.length === HOOKS + 2 * rawEach,
      `part A: ${charges.length} charges after the sync (expected ${HOOKS + 2 * rawEach})`,
    );
    out(`part A: ${charges.length} invoices charged by POST /sync/invoices in ${sync.seconds.toFixed(1)} s`);

    // Hook bodies for the endpoint measurement: Fineract's own deliveries for the first charges, kept here.
    const capture = await startCapture();
    const captureHook = await registerHook(layer, capture.url, 'bench capture');
    const rawCharges = charges.slice(0, 2 * rawEach);
    await payCharges(layer, rawCharges);
    await layer.fineract.hooksIdle();
    await fineractCall(layer, 'DELETE', `hooks/${captureHook}`);
    await new Promise((r) => capture.server.close(r));
    check(
      capture.bodies.length === rawCharges.length,
      `part A: ${capture.bodies.length} hook bodies captured`,
    );

    await registerHook(layer, `${layer.payment.url}${HOOK_PATH}`, 'openIMIS payment layer');
    const e2e = await endToEnd(layer, charges.slice(2 * rawEach), 'part A end to end');
    out(
      `part A end to end: ${e2e.n} payments, hooks accepted ${(e2e.hooksAccepted / e2e.hookSeconds).toFixed(0)}/s, all PAID after ${e2e.paidSeconds.toFixed(1)} s (${(e2e.n / e2e.paidSeconds).toFixed(0)} payments/s), payment mediator CPU ${e2e.cpuMsPerPayment.toFixed(2)} ms/payment, peak RSS ${e2e.rss} MiB`,
    );

    // The endpoint alone: a payment mediator whose outbox worker stays idle (one tick a day), so its CPU is the
    // hooks' own.
    await layer.restartPayment({ OUTBOX_INTERVAL_MS: String(86_400_000) });
    const rates: HookRate[] = [];
    for (const [i, c] of [1, 16].entries()) {
      const r = await hookEndpoint(layer, capture.bodies.slice(i * rawEach, (i + 1) * rawEach), c);
      rates.push(r);
      out(
        `hook endpoint c=${c}: ${r.rps.toFixed(0)} hooks/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, CPU ${r.cpuMsPerHook.toFixed(2)} ms/hook, peak RSS ${r.rss} MiB, errors ${r.errors}`,
      );
      check(r.errors === 0, `hook endpoint c=${c}: ${r.errors} errors`);
    }
    const paid = countLedger(layer, 'paid');
    check(
      paid === rawCharges.length,
      `hook endpoint: ${paid} ledger invoices paid (expected ${rawCharges.length})`,
    );
    return { e2e, rates, sync: { seconds: sync.seconds, n: charges.length } };
  } finally {
    await layer.close();
  }
}

interface Loop {
  readonly invoices: number;
  readonly patients: number;
  readonly syncSeconds: number;
  readonly syncRss: number;
  readonly charges: number;
  readonly e2e: EndToEnd;
  readonly totalSeconds: number;
}

async function partB(): Promise<Loop> {
  const layer = await startLayer(INVOICES, 'bench-payment-loop');
  try {
    const unpaid = layer.openimis.store
      .invoices()
      .filter((i) => i.kind === 'invoice' && i.status !== PAID && (i.thirdpartyId ?? '') !== '');
    const patients = layer.openimis.store.list('Patient').length;
    out(`part B: ${unpaid.length} unpaid contribution invoices, ${patients} insurees in openIMIS`);
    const started = process.hrtime.bigint();
    const sync = await syncInvoices(layer);
    const syncRss = peakRssMiB(layer.invoice.pid);
    const charges = openCharges(layer);
    out(
      `part B sync: HTTP ${sync.status}, "${sync.summary}" in ${sync.seconds.toFixed(1)} s, invoice mediator peak RSS ${syncRss} MiB`,
    );
    check(sync.status === 200, `part B: sync answered ${sync.status}`);
    check(
      sync.summary.startsWith(`invoices: ${unpaid.length} charged, 0 unchanged, 0 skipped, 0 flagged`),
      `part B: sync answered "${sync.summary}"`,
    );
    check(
      charges.length === unpaid.length,
      `part B: ${charges.length} open charges in Fineract for ${unpaid.length} invoices`,
    );
    await registerHook(layer, `${layer.payment.url}${HOOK_PATH}`, 'openIMIS payment layer');
    const e2e = await endToEnd(layer, charges, 'part B');
    const totalSeconds = since(started);
    out(
      `part B: paid in Fineract in ${e2e.paySeconds.toFixed(1)} s, hooks done at ${e2e.hookSeconds.toFixed(1)} s, all PAID at ${e2e.paidSeconds.toFixed(1)} s; total ${totalSeconds.toFixed(1)} s`,
    );
    return {
      invoices: unpaid.length,
      patients,
      syncSeconds: sync.seconds,
      syncRss,
      charges: charges.length,
      e2e,
      totalSeconds,
    };
  } finally {
    await layer.close();
  }
}

async function main(): Promise<void> {
  out(
    `payment loop benchmark — ${new Date().toISOString()}, node ${process.version}, hooks ${HOOKS}, invoices ${INVOICES}, operator concurrency ${PAY_CONCURRENCY}`,
  );
  const a = await partA();
  const b = await partB();
  const interval = OUTBOX_INTERVAL_MS ?? '2000 (default)';
  const f1 = (x: number): string => x.toFixed(1);
  const md = [
    '# Payment loop benchmark (invoice + payment mediators)',
    '',
    `Run ${new Date().toISOString()} with node ${process.version} on this machine (2 cores, shared). The invoice and payment`,
    'mediators run as their own processes on one staging SQLite file; the openIMIS and Fineract simulators run in the',
    'benchmark process; all on 127.0.0.1. Fineract delivers its hooks straight to the payment mediator (no OpenHIM',
    'router in between, as in the insuree benchmark). The benchmark is the Fineract operator: it pays each client',
    `charge in full (\`paycharge\`, ${PAY_CONCURRENCY} calls at a time); the simulator then delivers one hook per payment, asynchronously,`,
    'over its own pool of 8 connections, as Fineract does. Payment mediator outbox interval: ' +
      interval +
      ' ms; operator config',
    'as shipped (`verifyPaid` on, `recordPremium` off), so each invoice is a hook, then a PaymentNotice step (openIMIS read-back,',
    'Fineract read-back, status check, POST PaymentNotice) and a verification step.',
    `Mediators: ${BUNDLED ? 'bundled builds (node dist/main.js, as the images run them)' : 'source through tsx'}.`,
    '',
    '## A. Hook deliveries',
    '',
    `End to end, ${a.e2e.n} invoices charged beforehand (the sync of ${a.sync.n} invoices took ${f1(a.sync.seconds)} s):`,
    '',
    '| Payments | Paid in Fineract s | Hooks delivered s | Hooks accepted/s | All PAID in openIMIS s | Payments/s end to end | Payment mediator CPU ms/payment | Peak RSS MiB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${a.e2e.n} | ${f1(a.e2e.paySeconds)} | ${f1(a.e2e.hookSeconds)} | ${(a.e2e.hooksAccepted / a.e2e.hookSeconds).toFixed(0)} | ${f1(a.e2e.paidSeconds)} | ${(a.e2e.n / a.e2e.paidSeconds).toFixed(0)} | ${a.e2e.cpuMsPerPayment.toFixed(2)} | ${a.e2e.rss} |`,
    '',
    'CPU ms/payment covers everything the payment mediator did for it: the hook and both outbox steps.',
    '',
    'The hook endpoint alone: hook bodies Fineract sent for other paid charges, posted straight to a payment mediator',
    'whose outbox worker is idle (each records a payment, marks its invoice paid and enqueues its steps in one transaction):',
    '',
    '| Concurrency | Hooks | hooks/s | p50 ms | p99 ms | CPU ms/hook | Peak RSS MiB | Errors |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...a.rates.map(
      (r) =>
        `| ${r.concurrency} | ${r.n} | ${r.rps.toFixed(0)} | ${f1(r.p50)} | ${f1(r.p99)} | ${r.cpuMsPerHook.toFixed(2)} | ${r.rss} | ${r.errors} |`,
    ),
    '',
    `## B. ${b.invoices} invoices through the whole loop`,
    '',
    `${b.invoices} unpaid contribution invoices, each addressed to the head insuree of its family (${b.patients} insurees in openIMIS,`,
    'no Fineract client yet: the sync creates one per head).',
    '',
    '| Phase | Seconds | Rate /s |',
    '|---|---:|---:|',
    `| POST /sync/invoices: ${b.charges} clients + charges | ${f1(b.syncSeconds)} | ${(b.charges / b.syncSeconds).toFixed(0)} |`,
    `| every charge paid in Fineract | ${f1(b.e2e.paySeconds)} | ${(b.e2e.n / b.e2e.paySeconds).toFixed(0)} |`,
    `| … last hook delivered (from the first payment) | ${f1(b.e2e.hookSeconds)} | ${(b.e2e.hooksAccepted / b.e2e.hookSeconds).toFixed(0)} |`,
    `| … every invoice PAID in openIMIS (from the first payment) | ${f1(b.e2e.paidSeconds)} | ${(b.e2e.n / b.e2e.paidSeconds).toFixed(0)} |`,
    `| **total, sync start → all PAID** | **${f1(b.totalSeconds)}** | ${(b.invoices / b.totalSeconds).toFixed(0)} |`,
    '',
    `Invoice mediator peak RSS ${b.syncRss} MiB; payment mediator peak RSS ${b.e2e.rss} MiB, CPU ${b.e2e.cpuMsPerPayment.toFixed(2)} ms/payment.`,
    `Checked: ${b.charges} charges, ${b.e2e.hooksAccepted} hooks accepted, every invoice PAID with exactly one PaymentNotice,`,
    'no ledger invoice needing attention, no dead outbox entry' +
      (failures.length > 0 ? ` — **FAILED: ${failures.join('; ')}**.` : '.'),
    '',
  ].join('\n');
  writeFileSync(join(ROOT, 'tools/bench/results/payment.md'), md);
  if (failures.length > 0) {
    out(`${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
