/**
 * Fineract payout rail benchmark: BENCH_PAYOUTS (default 10,000) valuated-claim payouts recorded in the payout ledger
 * of a real staging SQLite file (temp dir, migrated by the real migrator) and paid by the claim flow's worker
 * (`runDuePayouts` with `createFineractRail`, `@payment-layer/flows-claim`) into the savings accounts of
 * BENCH_FACILITIES health facilities (default 100, each an entity client with a savings account) in the Fineract
 * simulator, in this process on 127.0.0.1. The worker leases at most one payout per facility at a time, so at most
 * BENCH_FACILITIES deposits are in flight.
 *
 * Checks (exit 1 otherwise): every payout row `paid`, Fineract holds exactly BENCH_PAYOUTS deposits into the facility
 * accounts with as many distinct receipt numbers, each one a claim code, and each facility account's balance is the
 * sum of its payouts (decimal arithmetic).
 *
 * Run: `npx tsx tools/bench/src/claim-payout-fineract.bench.ts` (or `npx nx run bench:claim-payout-fineract`).
 * Env: BENCH_PAYOUTS, BENCH_FACILITIES, BENCH_TIMEOUT_S (default 600). Writes
 * tools/bench/results/claim-payout-fineract.md.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import {
  createFineractRail,
  runDuePayouts,
  type ClaimFlowContext,
  type PayoutRail,
} from '@payment-layer/flows-claim';
import { loadMappingFile } from '@payment-layer/mapping-dsl';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { startFineractSimulator, startOpenImisSimulator } from '@payment-layer/sandbox';
import { parseAmount } from '@payment-layer/shared-money';
import { createRepositories, openStagingDb } from '@payment-layer/staging-db';
import { amountOf, facilityQueues, machineLine, out, sumOfPayouts } from './payout-common';
import { peakRssMiB, percentile } from './proc';

const PAYOUTS = Number.parseInt(process.env.BENCH_PAYOUTS ?? '10000', 10);
const FACILITIES = Number.parseInt(process.env.BENCH_FACILITIES ?? '100', 10);
const TIMEOUT_S = Number.parseInt(process.env.BENCH_TIMEOUT_S ?? '600', 10);
const RESULTS = join(__dirname, '..', 'results', 'claim-payout-fineract.md');
const MAPPING = join(
  __dirname,
  '..',
  '..',
  '..',
  'apps',
  'claim-mediator',
  'mappings',
  'organization-to-entity-client.mapping.json',
);
const CURRENCY = 'USD';

/** A deterministic openIMIS-style UUID (v4 layout) for the n-th object of a kind. */
function uuidOf(kind: number, n: number): string {
  return `${String(kind).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-payout-'));
  const fineractSim = await startFineractSimulator();
  // The claim flow context needs an openIMIS client; paying claim payouts never calls it (bills would).
  const openimisSim = await startOpenImisSimulator({ includeFixtures: false });
  const fineract = new FineractClient({
    baseUrl: fineractSim.baseUrl,
    tenantId: fineractSim.tenantId,
    username: fineractSim.username,
    password: fineractSim.password,
  });
  const openimis = new OpenImisClient({
    fhirBaseUrl: openimisSim.fhirBaseUrl,
    graphqlUrl: openimisSim.graphqlUrl,
    username: openimisSim.credentials.username,
    password: openimisSim.credentials.password,
  });
  const db = openStagingDb({ path: join(dir, 'staging.sqlite') });
  const failures: string[] = [];
  try {
    db.migrate();
    const repos = createRepositories(db);
    const today = new Date().toISOString().slice(0, 10);
    const setupStart = performance.now();

    // Facilities: an entity client with an active savings account each, linked as the claim flow links them.
    const savingsIds: number[] = [];
    for (let f = 0; f < FACILITIES; f++) {
      const id = uuidOf(1, f);
      const created = await fineract.createClient(
        {
          officeId: 1,
          legalFormId: 2,
          fullname: `Health facility HF${f}`,
          externalId: id,
          active: true,
          activationDate: today,
          submittedOnDate: today,
          savingsProductId: 1,
        },
        { operationKey: `client:${id}` },
      );
      const clientId = created.clientId ?? created.resourceId;
      if (clientId === undefined || created.savingsId === undefined) {
        throw new Error(`Fineract created facility HF${f} without a client or savings account id`);
      }
      repos.links.upsertLink({
        openimisType: 'Organization',
        openimisId: id,
        fineractType: 'client',
        fineractId: clientId,
      });
      repos.links.upsertLink({
        openimisType: 'Organization',
        openimisId: id,
        fineractType: 'savingsAccount',
        fineractId: created.savingsId,
      });
      savingsIds.push(created.savingsId);
    }

    // Valuated claims, recorded in the payout ledger as the intake records them (one row per claim).
    const queues = facilityQueues(PAYOUTS, FACILITIES);
    const codes = new Set<string>();
    db.transaction(() => {
      for (let i = 0; i < PAYOUTS; i++) {
        const f = i % FACILITIES;
        const code = `CLM-F-${i}`;
        codes.add(code);
        repos.payouts.recordPayout({
          kind: 'claim',
          sourceId: uuidOf(2, i),
          code,
          facilityId: uuidOf(1, f),
          facilityCode: `HF${f}`,
          amount: amountOf(i),
          currency: CURRENCY,
          rail: 'fineract',
        });
      }
    });
    const setupMs = performance.now() - setupStart;

    // The rail as the mediator builds it, timed per call (deposit plus its progress saves in SQLite).
    const latencies: number[] = [];
    const inner = createFineractRail({ fineract, paymentTypeId: () => 1 });
    const rail: PayoutRail = {
      name: inner.name,
      async pay(instruction, ctx) {
        const started = performance.now();
        try {
          return await inner.pay(instruction, ctx);
        } finally {
          latencies.push(performance.now() - started);
        }
      },
    };
    const ctx: ClaimFlowContext = {
      fineract,
      openimis,
      repos,
      mappings: { organizationToClient: loadMappingFile(MAPPING) },
      rails: { fineract: rail },
      routing: { defaultRail: 'fineract', railByFacility: {} },
      settings: () => ({
        currency: CURRENCY,
        fineractOfficeId: 1,
        savingsProductId: 1,
        paymentTypeId: 1,
        payoutBasis: 'claim',
        syncPageSize: 50,
        today,
      }),
      log: pino({ level: 'silent' }),
    };

    const deadline = Date.now() + TIMEOUT_S * 1000;
    let runs = 0;
    let ticks = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    // The worker's tick, repeated until nothing is left to pay (a pending payout waits for its back-off).
    while (Date.now() < deadline) {
      const results = await runDuePayouts(ctx, { concurrency: FACILITIES, limit: FACILITIES });
      ticks += 1;
      runs += results.length;
      if (results.length === 0) {
        if (repos.payouts.list({ state: ['pending', 'in_flight'], limit: 1 }).length === 0) {
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const rss = peakRssMiB(process.pid);

    // ----------------------------------------------------------------------------------------------- checks
    const rows = repos.payouts.list({ limit: PAYOUTS + 1 });
    const paid = rows.filter((r) => r.state === 'paid').length;
    if (rows.length !== PAYOUTS || paid !== PAYOUTS) {
      failures.push(`${paid} of ${rows.length} payout rows paid, expected ${PAYOUTS} of ${PAYOUTS}`);
    }
    const accounts = new Set(savingsIds);
    const deposits = [...fineractSim.state.savingsTransactions.values()].filter(
      (t) => accounts.has(t.savingsId) && t.type === 1 && !t.reversed,
    );
    const receipts = new Set(deposits.map((t) => t.paymentDetail?.receiptNumber ?? ''));
    const strangers = [...receipts].filter((r) => !codes.has(r)).length;
    if (deposits.length !== PAYOUTS || receipts.size !== PAYOUTS || strangers > 0) {
      failures.push(
        `${deposits.length} deposits with ${receipts.size} distinct receipts (${strangers} not a claim code), expected ${PAYOUTS}`,
      );
    }
    const references = new Set(rows.map((r) => r.reference));
    if (references.size !== PAYOUTS || deposits.some((t) => !references.has(String(t.id)))) {
      failures.push(`${references.size} distinct payout references, not one per deposit`);
    }
    let balancesOk = 0;
    queues.forEach((q, f) => {
      const expected = sumOfPayouts(q, CURRENCY).amount;
      const got = fineractSim.state.savingsAccounts.get(savingsIds[f] ?? -1)?.accountBalance ?? 'missing';
      if (parseAmount(got, CURRENCY).amount === expected) {
        balancesOk += 1;
      } else {
        failures.push(`facility HF${f} account balance ${got}, expected ${expected}`);
      }
    });

    const s = ms / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    const row = [
      PAYOUTS.toLocaleString('en-US'),
      String(FACILITIES),
      s.toFixed(2),
      Math.round(PAYOUTS / s).toLocaleString('en-US'),
      percentile(sorted, 50).toFixed(1),
      percentile(sorted, 99).toFixed(1),
      ((cpu.user + cpu.system) / 1000 / PAYOUTS).toFixed(2),
      String(rss),
      String(runs),
    ];
    const md = `# Fineract payout rail benchmark

${PAYOUTS.toLocaleString('en-US')} valuated-claim payouts recorded in the payout ledger (\`PayoutRepository.recordPayout\`, as
\`processClaimResponse\` records them) of a real staging SQLite file (WAL, temp dir, real migrator), then paid by the
claim worker: \`runDuePayouts\` (concurrency ${FACILITIES}, one leased payout per facility at a time) with
\`createFineractRail\` (\`@payment-layer/flows-claim\`) — per payout a lease, the attempt saved before the key is sent,
one deposit into the facility's savings account (Idempotency-Key \`payout:<payoutKey>\`, receipt number = claim code,
unique receipt check), the transaction id saved, the row finished \`paid\`. ${FACILITIES} health facilities, each an entity
client (legalFormId 2) with an active savings account in the Fineract simulator, linked in staging as the flow links
them. The simulator runs in the same Node.js process as the worker (plain HTTP on 127.0.0.1), so the numbers are a
floor for the simulator and the worker's own cost, not a prediction for a real Fineract.

Machine: ${machineLine(today)}. Set-up (facilities and ${PAYOUTS.toLocaleString('en-US')} ledger rows): ${(setupMs / 1000).toFixed(2)} s, not in the figures.

| Payouts | Facilities | Time (s) | Payouts/s | p50 rail call (ms) | p99 rail call (ms) | CPU ms per payout (whole process) | Peak RSS (MiB) | Payout runs |
| ------: | ---------: | -------: | --------: | -----------------: | -----------------: | --------------------------------: | -------------: | ----------: |
| ${row.join(' | ')} |

The rail call is \`pay()\` of the Fineract rail: the deposit and its progress saves (SQLite); the lease and the
final row update are outside it but inside the time and CPU columns. CPU and peak RSS are the whole process
(worker, SQLite and the simulator); ${ticks} worker ticks.

Exactly once: ${paid.toLocaleString('en-US')} of ${rows.length.toLocaleString('en-US')} payout rows \`paid\`; ${deposits.length.toLocaleString('en-US')} deposits into the facility accounts with
${receipts.size.toLocaleString('en-US')} distinct receipt numbers (${strangers} not a claim code); ${references.size.toLocaleString('en-US')} distinct payout references;
${balancesOk} of ${FACILITIES} facility accounts hold exactly the sum of their payouts.
Checks failed: ${failures.length === 0 ? 'none' : failures.slice(0, 10).join('; ')}.

Run: \`npx tsx tools/bench/src/claim-payout-fineract.bench.ts\` (env \`BENCH_PAYOUTS\`, \`BENCH_FACILITIES\`,
\`BENCH_TIMEOUT_S\`).
`;
    writeFileSync(RESULTS, md);
    out(md);
  } finally {
    await openimis.close();
    await fineract.close();
    await openimisSim.close();
    await fineractSim.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    out(`${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}

void main();
