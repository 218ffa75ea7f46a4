/**
 * The full fault campaign: every scenario on a fresh layer with FAULTS_INVOICES invoices (default 200), one after the
 * other, then `tools/faults/results.md` with the counts per scenario. Exits 1 when a scenario lost or duplicated
 * anything (or could not be driven).
 *
 * Run: `npx tsx tools/faults/src/campaign.ts` (or `npx nx run faults:campaign`). Env: FAULTS_INVOICES,
 * FAULTS_SCENARIOS (comma-separated names; default all), FAULTS_SETTLE_S (settle deadline per scenario, default
 * 180: longer than the payment steps' 120 s lease, so a slow recovery is told apart from a lost invoice),
 * FAULTS_RESULTS (output file, default tools/faults/results.md), FAULTS_KEEP_DATA=1 (keep staging files and logs),
 * FAULTS_SHARED=1 (one layer for all scenarios, as the short test runs them).
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatResults } from './report';
import { passed, runCampaign, type ScenarioResult } from './runner';
import { SCENARIOS } from './scenarios';

const ROOT = resolve(__dirname, '../../..');

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

const out = (s = ''): void => {
  process.stdout.write(`${s}\n`);
};

async function main(): Promise<void> {
  const invoices = envInt('FAULTS_INVOICES', 200);
  const settleS = envInt('FAULTS_SETTLE_S', 180);
  const wanted = (process.env.FAULTS_SCENARIOS ?? '').split(',').filter((s) => s !== '');
  const unknown = wanted.filter((w) => !SCENARIOS.some((s) => s.name === w));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  const scenarios = wanted.length > 0 ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
  const started = new Date();
  out(
    `fault campaign — ${started.toISOString()}, ${invoices} invoices per scenario, settle deadline ${settleS} s`,
  );
  const print = (r: ScenarioResult): void => {
    out(
      `${passed(r) ? 'PASS' : 'FAIL'} ${r.name}: ${r.settled}/${r.invoices} settled, lost ${r.lost}, silent ${r.silent}, duplicates ${r.duplicates}, ` +
        `attention ${r.attention}, settle ${r.settleSeconds === undefined ? '—' : `${r.settleSeconds.toFixed(1)} s`}` +
        `${r.error ? `, error: ${r.error}` : ''} (${r.seconds.toFixed(0)} s)`,
    );
    for (const n of r.notes) {
      out(`  ${n}`);
    }
  };
  const results = await runCampaign(
    scenarios,
    {
      invoices,
      settleTimeoutMs: settleS * 1000,
      stepTimeoutMs: Math.max(60_000, invoices * 1000),
      keepData: process.env.FAULTS_KEEP_DATA === '1',
      shared: process.env.FAULTS_SHARED === '1',
    },
    print,
  );
  const path = process.env.FAULTS_RESULTS ?? join(ROOT, 'tools/faults/results.md');
  writeFileSync(
    path,
    formatResults(results, { invoices, settleSeconds: settleS, started, node: process.version }),
  );
  out(`results written to ${path}`);
  if (!results.every(passed)) {
    process.exitCode = 1;
  }
}

// Ctrl-C or a kill ends the run through process exit, where every mediator it started is killed.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.exit(130);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
