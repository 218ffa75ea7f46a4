import { passed, type ScenarioResult } from './runner';

/**
 * The campaign's results as Markdown: one row of counts per scenario, then what went wrong where.
 *
 * @param results - one per scenario
 * @param run - how the campaign ran
 * @returns the document
 */
export function formatResults(
  results: readonly ScenarioResult[],
  run: {
    readonly invoices: number;
    readonly settleSeconds: number;
    readonly started: Date;
    readonly node: string;
  },
): string {
  const settle = (r: ScenarioResult): string =>
    r.settleSeconds === undefined ? 'not settled' : r.settleSeconds.toFixed(1);
  const lines = [
    '# Fault campaign results',
    '',
    `Run ${run.started.toISOString()} with node ${run.node}: ${run.invoices} invoices per scenario, each scenario on a fresh`,
    'layer (OpenHIM core, openIMIS and Fineract simulators behind fault proxies; the mediators as child processes on one',
    `staging file), settle deadline ${run.settleSeconds} s after the fault ends. Per invoice: exactly one charge (paid), one`,
    'PaymentNotice, PAID in openIMIS, one premium and one matched ledger payment, ledger `premium_recorded` = settled;',
    'lost = paid in Fineract but not reflected (no ledger payment, notice, PAID or premium) and not listed by',
    '`tools/ops attention`; silent = any invoice not settled and not listed; duplicates = invoices with anything more',
    'than once. A scenario passes with 0 lost, 0 silent, 0 duplicates.',
    '',
    '| Scenario | Result | Invoices | Charges | Notices | Premiums | Payments | Settled | Lost | Silent | Duplicates | Attention | Settle s |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${passed(r) ? 'pass' : '**FAIL**'} | ${r.invoices} | ${r.charges} | ${r.notices} | ${r.premiums} | ${r.payments} | ${r.settled} | ${r.lost} | ${r.silent} | ${r.duplicates} | ${r.attention} | ${settle(r)} |`,
    ),
    '',
  ];
  for (const r of results) {
    if (passed(r) && r.notes.length === 0 && r.problems.length === 0) {
      continue;
    }
    lines.push(`## ${r.name}`, '', r.description, '');
    if (r.error) {
      lines.push(`Could not be driven to the end: ${r.error}`, '');
    }
    for (const n of r.notes) {
      lines.push(`- ${n}`);
    }
    const shown = r.problems.slice(0, 10);
    for (const p of shown) {
      lines.push(
        `- ${p.code}: charges ${p.charges} (paid ${p.paidCharges}), notices ${p.notices}, premiums ${p.premiums}, ` +
          `payments ${p.payments}, openIMIS ${p.paidInOpenImis ? 'PAID' : 'not PAID'}, ledger ${p.ledgerState}, ` +
          (p.listed ? 'listed by attention' : 'NOT listed by attention'),
      );
    }
    if (r.problems.length > shown.length) {
      lines.push(`- … and ${r.problems.length - shown.length} more`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
