import { passed, runCampaign, type ScenarioResult } from '../src/runner';
import { SCENARIOS } from '../src/scenarios';

// The short fault campaign: every scenario with a few invoices on one layer (mediators as child processes, the
// simulators behind fault proxies), each invoice judged from the simulators' state, the staging store and
// `tools/ops attention`. The settle deadline bounds the run; the full campaign is `npx tsx tools/faults/src/campaign.ts`.
const INVOICES = 2;
const SETTLE_MS = 15_000;

jest.setTimeout(900_000);

describe('fault campaign (short)', () => {
  let results: ScenarioResult[] = [];

  beforeAll(async () => {
    results = await runCampaign(SCENARIOS, {
      invoices: INVOICES,
      settleTimeoutMs: SETTLE_MS,
      stepTimeoutMs: 60_000,
      shared: true,
      // The insuree mediator is not part of the contribution loop; the full campaign runs it too.
      mediators: ['invoice-mediator', 'payment-mediator'],
    });
  });

  it('ran every scenario', () => {
    expect(results.map((r) => r.name)).toEqual(SCENARIOS.map((s) => s.name));
  });

  it.each(SCENARIOS.map((s) => s.name))('%s: nothing lost, nothing twice', (name) => {
    const r = results.find((x) => x.name === name);
    expect(r).toBeDefined();
    if (!r) {
      return;
    }
    const summary = {
      error: r.error,
      lost: r.lost,
      duplicates: r.duplicates,
      settled: `${r.settled}/${r.invoices}`,
      notes: r.notes,
      problems: r.problems,
    };
    expect(r.invoices).toBe(INVOICES);
    expect(passed(r) ? 'passed' : summary).toBe('passed');
  });
});
