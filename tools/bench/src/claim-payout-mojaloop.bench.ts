/**
 * Mojaloop payout rail benchmark: BENCH_PAYOUTS (default 10,000) approved claim payouts through
 * `mojaloopRail` (`@payment-layer/flows-claim`) against the Mojaloop SDK simulator and the Fineract simulator, both
 * in this process on 127.0.0.1. Each payout is POST /transfers → quote check → withdrawal from the float in Fineract
 * → PUT acceptQuote, with its progress kept in an in-memory store (JSON round trip per save, as a worker row).
 * BENCH_FACILITIES facilities (default 100) with one payout in flight per facility at a time, as the claim worker
 * runs them.
 *
 * Checks (exit 1 otherwise): every payout paid, the SDK saw exactly BENCH_PAYOUTS transfers, each facility's wallet
 * received exactly the sum of its payouts, the float has exactly one withdrawal per payout and its balance is the
 * top-up minus the sum of all payouts (decimal arithmetic).
 *
 * Run: `npx tsx tools/bench/src/claim-payout-mojaloop.bench.ts` (or `npx nx run bench:claim-payout-mojaloop`).
 * Env: BENCH_PAYOUTS, BENCH_FACILITIES, BENCH_TIMEOUT_S (default 600). Writes
 * tools/bench/results/claim-payout-mojaloop.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { mojaloopRail, type PayoutInstruction, type RailResult } from '@payment-layer/flows-claim';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { MojaloopClient } from '@payment-layer/mifos-mojaloop-client';
import { startFineractSimulator, startMojaloopSimulator } from '@payment-layer/sandbox';
import { addMoney, money, parseAmount, subtractMoney, type Money } from '@payment-layer/shared-money';
import { amountOf, facilityQueues, machineLine, out, sumOfPayouts } from './payout-common';
import { percentile } from './proc';

const PAYOUTS = Number.parseInt(process.env.BENCH_PAYOUTS ?? '10000', 10);
const FACILITIES = Number.parseInt(process.env.BENCH_FACILITIES ?? '100', 10);
const TIMEOUT_S = Number.parseInt(process.env.BENCH_TIMEOUT_S ?? '600', 10);
const RESULTS = join(__dirname, '..', 'results', 'claim-payout-mojaloop.md');
const CURRENCY = 'USD';
const FLOAT_START = '100000000.00';

function walletOf(f: number): { idType: string; idValue: string } {
  return { idType: 'MSISDN', idValue: `2557${String(f).padStart(8, '0')}` };
}

async function main(): Promise<void> {
  const fineractSim = await startFineractSimulator();
  const sdk = await startMojaloopSimulator({
    wallets: Array.from({ length: FACILITIES }, (_, f) => ({ ...walletOf(f), currencies: [CURRENCY] })),
  });
  const fineract = new FineractClient({
    baseUrl: fineractSim.baseUrl,
    tenantId: fineractSim.tenantId,
    username: fineractSim.username,
    password: fineractSim.password,
  });
  const mojaloop = new MojaloopClient({ baseUrl: sdk.url });
  const failures: string[] = [];
  try {
    const today = new Date().toISOString().slice(0, 10);
    const scheme = await fineract.createClient(
      {
        officeId: 1,
        legalFormId: 2,
        fullname: 'Scheme payout float',
        externalId: 'scheme-float',
        active: true,
        activationDate: today,
        submittedOnDate: today,
        savingsProductId: 1,
      },
      { operationKey: 'client:scheme-float' },
    );
    const floatId = scheme.savingsId as number;
    await fineract.depositToSavingsAccount(
      floatId,
      { transactionDate: today, transactionAmount: FLOAT_START, paymentTypeId: 1, receiptNumber: 'top-up' },
      { operationKey: 'deposit:float-top-up' },
    );
    const rail = mojaloopRail({
      mojaloop,
      fineract,
      floatSavingsAccountId: floatId,
      paymentTypeId: 2,
      payer: { idType: 'BUSINESS', idValue: 'SCHEME' },
    });
    const log = pino({ level: 'silent' });
    const progress = new Map<string, string>();
    const results: RailResult[] = new Array<RailResult>(PAYOUTS);
    const latencies: number[] = [];
    let saves = 0;

    // One queue per facility, one payout in flight per facility.
    const queues = facilityQueues(PAYOUTS, FACILITIES);
    const deadline = Date.now() + TIMEOUT_S * 1000;
    const payOne = async (i: number): Promise<void> => {
      const f = i % FACILITIES;
      const ins: PayoutInstruction = {
        payoutKey: `claim:bench-${i}`,
        code: `CLM-B-${i}`,
        amount: amountOf(i),
        currency: CURRENCY,
        facility: { id: `hf-${f}`, code: `HF${f}`, wallet: walletOf(f) },
      };
      const started = performance.now();
      for (;;) {
        const saved = progress.get(ins.payoutKey);
        const r = await rail.pay(ins, {
          progress: saved === undefined ? null : (JSON.parse(saved) as Record<string, unknown>),
          save: (p) => {
            saves += 1;
            progress.set(ins.payoutKey, JSON.stringify(p));
          },
          log,
          now: () => new Date(),
        });
        if (r.status !== 'pending' || Date.now() > deadline) {
          results[i] = r;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, r.retryAfterMs ?? 100));
      }
      latencies.push(performance.now() - started);
    };

    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await Promise.all(
      queues.map(async (q) => {
        for (const i of q) {
          await payOne(i);
        }
      }),
    );
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);

    // ----------------------------------------------------------------------------------------------- checks
    const paid = results.filter((r) => r?.status === 'paid').length;
    if (paid !== PAYOUTS) {
      failures.push(`${PAYOUTS - paid} payouts not paid`);
    }
    if (sdk.postCount !== PAYOUTS || sdk.transfers.size !== PAYOUTS) {
      failures.push(`SDK saw ${sdk.postCount} POSTs / ${sdk.transfers.size} transfers, expected ${PAYOUTS}`);
    }
    const committed = [...sdk.transfers.values()].filter((t) => t.switchState === 'COMMITTED').length;
    if (committed !== PAYOUTS) {
      failures.push(`${committed} transfers committed, expected ${PAYOUTS}`);
    }
    const perFacility: Money[] = queues.map((q) => sumOfPayouts(q, CURRENCY));
    const total = perFacility.reduce((sum, m) => addMoney(sum, m), money('0.00', CURRENCY));
    perFacility.forEach((expected, f) => {
      const w = walletOf(f);
      const got = sdk.wallet(w.idType, w.idValue)?.balances.get(CURRENCY) ?? '0';
      if (parseAmount(got, CURRENCY).amount !== expected.amount) {
        failures.push(`facility ${f} received ${got}, expected ${expected.amount}`);
      }
    });
    const withdrawals = [...fineractSim.state.savingsTransactions.values()].filter(
      (t) => t.savingsId === floatId && t.type === 2 && !t.reversed,
    );
    const receipts = new Set(withdrawals.map((t) => t.paymentDetail?.receiptNumber));
    if (withdrawals.length !== PAYOUTS || receipts.size !== PAYOUTS) {
      failures.push(`${withdrawals.length} withdrawals (${receipts.size} receipts), expected ${PAYOUTS}`);
    }
    const expectedBalance = subtractMoney(parseAmount(FLOAT_START, CURRENCY), total).amount;
    const balance = parseAmount(
      fineractSim.state.savingsAccounts.get(floatId)?.accountBalance ?? 'missing',
      CURRENCY,
    ).amount;
    if (balance !== expectedBalance) {
      failures.push(`float balance ${balance}, expected ${expectedBalance}`);
    }

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
      String(saves),
    ];
    const md = `# Mojaloop payout rail benchmark

${PAYOUTS.toLocaleString('en-US')} approved claim payouts through \`mojaloopRail\` (\`@payment-layer/flows-claim\`): per
payout \`POST /transfers\` (AUTO_ACCEPT_QUOTES=false) → quote check → withdrawal from the scheme's float savings
account in Fineract (Idempotency-Key, receipt = claim code) → \`PUT /transfers/{id}\` \`{acceptQuote: true}\`, progress
saved (JSON) before every external write. The Mojaloop SDK simulator and the Fineract simulator run in the same
Node.js process as the rail (plain HTTP on 127.0.0.1), so the numbers are a floor for the simulators and the
rail's own cost, not a prediction for a real SDK, switch and Fineract. ${FACILITIES} facilities, one payout in flight
per facility (as the claim worker runs them), so at most ${FACILITIES} payouts at a time.

Machine: ${machineLine(today)}.

| Payouts | Facilities | Time (s) | Payouts/s | p50 per payout (ms) | p99 per payout (ms) | CPU ms per payout (whole process) | Progress saves |
| ------: | ---------: | -------: | --------: | ------------------: | ------------------: | --------------------------------: | -------------: |
| ${row.join(' | ')} |

Exactly once: ${paid.toLocaleString('en-US')} paid; SDK transfers ${sdk.postCount.toLocaleString('en-US')} (committed ${committed.toLocaleString('en-US')});
float withdrawals ${withdrawals.length.toLocaleString('en-US')} with ${receipts.size.toLocaleString('en-US')} distinct receipts; float balance ${balance} ${CURRENCY}
(expected ${expectedBalance} = ${FLOAT_START} − ${total.amount}); every facility's wallet holds exactly the sum of its payouts.
Checks failed: ${failures.length === 0 ? 'none' : failures.join('; ')}.

Run: \`npx tsx tools/bench/src/claim-payout-mojaloop.bench.ts\` (env \`BENCH_PAYOUTS\`, \`BENCH_FACILITIES\`,
\`BENCH_TIMEOUT_S\`).
`;
    writeFileSync(RESULTS, md);
    out(md);
  } finally {
    await mojaloop.close();
    await fineract.close();
    await sdk.close();
    await fineractSim.close();
  }
  if (failures.length > 0) {
    out(`${failures.length} check(s) failed`);
    process.exitCode = 1;
  }
}

void main();
