/**
 * Runs one scenario on a fresh layer and judges it: after the fault ends, waits (with a deadline) until every
 * invoice is settled — exactly one charge, paid; one PaymentNotice; PAID in openIMIS; one premium; one matched
 * ledger payment — then counts what happened per invoice and asks `tools/ops attention` what an operator would
 * see. An invoice neither settled nor listed there is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLayer, type Layer, type MediatorName } from './layer';
import type { FaultProxy } from './proxy';
import {
  attention,
  contributionInvoices,
  inspect,
  payCharges,
  registerHooks,
  removeHooks,
  rerunFailed,
  type InvoiceVerdict,
  type LoopInvoice,
  type Posted,
} from './loop';
import type { Scenario, ScenarioContext } from './scenarios';

/** Options of a scenario run. */
export interface RunOptions {
  /** Invoices driven through the loop. */
  readonly invoices: number;
  /** How long the layer gets to settle after the fault ends. */
  readonly settleTimeoutMs: number;
  /** Deadline of single waits inside the scenario. */
  readonly stepTimeoutMs?: number;
  /** Mediators to run (default: all three, as `npm start`). */
  readonly mediators?: readonly MediatorName[];
  /** Time limit of one upstream call in the mediators (default 3000). */
  readonly upstreamTimeoutMs?: number;
  /** How often the reconciliation polling channel runs while settling (default: a quarter of the settle time). */
  readonly reconcileEveryMs?: number;
  /** Keep the data directory (staging file, mediator logs) for a look afterwards. */
  readonly keepData?: boolean;
}

/** Counts of one scenario. */
export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly invoices: number;
  readonly charges: number;
  readonly notices: number;
  readonly premiums: number;
  readonly payments: number;
  readonly settled: number;
  /** Paid in Fineract, not reflected (no ledger payment, notice, PAID or premium) and not listed by `tools/ops attention`. */
  readonly lost: number;
  /** Not settled and not listed by `tools/ops attention` (lost ones included). */
  readonly silent: number;
  /** Invoices with something more than once. */
  readonly duplicates: number;
  /** Invoices listed by `tools/ops attention`. */
  readonly attention: number;
  /** Seconds from the end of the fault until every invoice was settled; undefined when it never was. */
  readonly settleSeconds: number | undefined;
  readonly seconds: number;
  readonly notes: readonly string[];
  /** The invoices that are not settled or are duplicated, with what was found. */
  readonly problems: readonly (InvoiceVerdict & { readonly listed: boolean })[];
  /** Set when the scenario itself could not be driven. */
  readonly error?: string;
  readonly dataDir: string;
}

/** True when the scenario ran, nothing was duplicated and every invoice not settled is listed for an operator. */
export function passed(r: ScenarioResult): boolean {
  return r.error === undefined && r.silent === 0 && r.lost === 0 && r.duplicates === 0;
}

async function settle(
  layer: Layer,
  ctx: { invoices: ScenarioContext['invoices']; posted: Posted[] },
  options: RunOptions,
  notes: string[],
): Promise<number | undefined> {
  // Resolves with the time every invoice was settled, undefined at the deadline.
  const started = Date.now();
  const until = started + options.settleTimeoutMs;
  const reconcileEvery = options.reconcileEveryMs ?? Math.max(2000, Math.floor(options.settleTimeoutMs / 4));
  let nextReconcile = started;
  const paidOnce = new Set<string>();
  // Invoices whose transaction failed are rerun (core's auto-retry); charges that show up late are paid.
  await rerunFailed(layer, ctx.posted, Math.min(options.settleTimeoutMs, 30_000));
  for (;;) {
    const verdicts = inspect(layer, ctx.invoices, true);
    // A duplicate never becomes "settled"; once nothing is missing any more, waiting longer changes nothing.
    if (
      verdicts.every((v) => v.settled || (v.duplicate && !v.missing && v.ledgerState === 'premium_recorded'))
    ) {
      return Date.now();
    }
    if (Date.now() > until) {
      return undefined;
    }
    const unpaid = ctx.invoices.filter((inv, i) => {
      const v = verdicts[i];
      return v !== undefined && v.charges > 0 && v.paidCharges === 0 && !paidOnce.has(inv.id);
    });
    if (unpaid.length > 0) {
      for (const inv of unpaid) {
        paidOnce.add(inv.id);
      }
      const missing = await payCharges(layer, unpaid);
      notes.push(`paid ${unpaid.length - missing.length} charge(s) found only after the fault`);
    }
    if (Date.now() >= nextReconcile) {
      nextReconcile = Date.now() + reconcileEvery;
      // The reconciliation polling channel, as core's schedule runs it (compressed in time).
      await layer.core.triggerPollingChannel('Payment reconciliation run').catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What driving one scenario gave, before `tools/ops attention` is asked. */
interface Driven {
  readonly notes: string[];
  readonly error: string | undefined;
  readonly settleSeconds: number | undefined;
  readonly verdicts: InvoiceVerdict[];
  readonly seconds: number;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Drives one scenario on a running layer with its own invoices, ends every fault it left behind, and waits for the
 * invoices to settle.
 */
async function drive(
  layer: Layer,
  scenario: Scenario,
  invoices: readonly LoopInvoice[],
  options: RunOptions,
): Promise<Driven> {
  const begun = Date.now();
  const notes: string[] = [];
  const posted: Posted[] = [];
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  let faultEndedAt: number | undefined;
  let error: string | undefined;
  let settleSeconds: number | undefined;
  let extraHooks: number[] = [];
  try {
    extraHooks = await registerHooks(layer, (scenario.hooks ?? 1) - 1);
    const ctx: ScenarioContext = {
      layer,
      invoices,
      stepTimeoutMs,
      upstreamTimeoutMs: options.upstreamTimeoutMs ?? 3000,
      kills: Math.max(1, Math.min(3, Math.floor(invoices.length / 50))),
      posted,
      faultEnded: () => {
        faultEndedAt ??= Date.now();
      },
      note: (text) => notes.push(text),
    };
    try {
      await scenario.run(ctx);
    } catch (err) {
      error = message(err);
    }
    // Whatever the scenario left behind, the fault is over now.
    for (const p of Object.values<FaultProxy>(layer.proxies)) {
      p.clearRules();
      await p.setDown(false);
    }
    for (const [name, m] of layer.mediators) {
      if (!m.child || m.child.exitCode !== null || m.child.signalCode !== null) {
        notes.push(`${name} was not running after the scenario: restarted`);
        layer.start(name);
        await layer.waitHealthy(name, stepTimeoutMs).catch((err: unknown) => {
          error ??= message(err);
        });
      }
    }
    const endedAt = faultEndedAt ?? Date.now();
    const settledAt = await settle(layer, { invoices, posted }, options, notes);
    // Duplicates end the wait too, but the layer has not settled.
    const allSettled = inspect(layer, invoices, true).every((v) => v.settled);
    settleSeconds = settledAt === undefined || !allSettled ? undefined : (settledAt - endedAt) / 1000;
  } catch (err) {
    error ??= message(err);
  } finally {
    await removeHooks(layer, extraHooks).catch(() => undefined);
  }
  return {
    notes,
    error,
    settleSeconds,
    verdicts: inspect(layer, invoices, true),
    seconds: (Date.now() - begun) / 1000,
  };
}

function judge(
  scenario: Scenario,
  driven: Driven,
  listed: ReadonlySet<string>,
  invoices: number,
  dataDir: string,
): ScenarioResult {
  const { verdicts } = driven;
  const sum = (f: (v: InvoiceVerdict) => number): number => verdicts.reduce((a, v) => a + f(v), 0);
  return {
    name: scenario.name,
    description: scenario.description,
    invoices: verdicts.length || invoices,
    charges: sum((v) => v.charges),
    notices: sum((v) => v.notices),
    premiums: sum((v) => v.premiums),
    payments: sum((v) => v.payments),
    settled: verdicts.filter((v) => v.settled).length,
    lost: verdicts.filter((v) => v.missing && !listed.has(v.code)).length,
    silent: verdicts.filter((v) => !v.settled && !listed.has(v.code)).length,
    duplicates: verdicts.filter((v) => v.duplicate).length,
    attention: verdicts.filter((v) => listed.has(v.code)).length,
    settleSeconds: driven.settleSeconds,
    seconds: driven.seconds,
    notes: driven.notes,
    problems: verdicts
      .filter((v) => !v.settled || v.duplicate)
      .map((v) => ({ ...v, listed: listed.has(v.code) })),
    ...(driven.error !== undefined ? { error: driven.error } : {}),
    dataDir,
  };
}

function failedToStart(scenario: Scenario, err: unknown, invoices: number, dataDir: string): ScenarioResult {
  return judge(
    scenario,
    { notes: [], error: message(err), settleSeconds: undefined, verdicts: [], seconds: 0 },
    new Set(),
    invoices,
    dataDir,
  );
}

/** Options of {@link runCampaign}. */
export interface CampaignOptions extends RunOptions {
  /**
   * One layer for every scenario, each with its own invoices (quicker: the mediators start once), instead of a
   * fresh layer per scenario. Scenarios that sync all of openIMIS's invoices must then come last.
   */
  readonly shared?: boolean;
}

async function withLayer<T>(
  options: CampaignOptions,
  families: number,
  label: string,
  work: (layer: Layer, dataDir: string) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), `faults-${label}-`));
  let layer: Layer | undefined;
  try {
    layer = await startLayer({
      families,
      dataDir,
      upstreamTimeoutMs: options.upstreamTimeoutMs ?? 3000,
      ...(options.mediators ? { mediators: options.mediators } : {}),
    });
    await layer.enablePremiums();
    await registerHooks(layer, 1);
    return await work(layer, dataDir);
  } finally {
    await layer?.close();
    if (!options.keepData) {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

/**
 * Runs scenarios and judges every invoice of each.
 *
 * @param scenarios - what to run, in order
 * @param options - invoices per scenario, deadlines, shared or fresh layers
 * @param onResult - called as each scenario's result is known (fresh layers) or at the end (shared)
 * @returns one result per scenario; every layer is closed and its children killed, also on failure
 */
export async function runCampaign(
  scenarios: readonly Scenario[],
  options: CampaignOptions,
  onResult: (r: ScenarioResult) => void = () => undefined,
): Promise<ScenarioResult[]> {
  const n = options.invoices;
  const results: ScenarioResult[] = [];
  if (options.shared) {
    try {
      await withLayer(options, n * scenarios.length, 'shared', async (layer, dataDir) => {
        const all = contributionInvoices(layer);
        const driven: Driven[] = [];
        for (const [i, scenario] of scenarios.entries()) {
          driven.push(await drive(layer, scenario, all.slice(i * n, (i + 1) * n), options));
        }
        const listed = (await attention(layer)).codes;
        for (const [i, scenario] of scenarios.entries()) {
          const r = judge(scenario, driven[i] as Driven, listed, n, dataDir);
          results.push(r);
          onResult(r);
        }
      });
    } catch (err) {
      for (const scenario of scenarios.slice(results.length)) {
        const r = failedToStart(scenario, err, n, '');
        results.push(r);
        onResult(r);
      }
    }
    return results;
  }
  for (const scenario of scenarios) {
    let r: ScenarioResult;
    try {
      r = await withLayer(options, n, scenario.name, async (layer, dataDir) => {
        const d = await drive(layer, scenario, contributionInvoices(layer).slice(0, n), options);
        return judge(scenario, d, (await attention(layer)).codes, n, dataDir);
      });
    } catch (err) {
      r = failedToStart(scenario, err, n, '');
    }
    results.push(r);
    onResult(r);
  }
  return results;
}
