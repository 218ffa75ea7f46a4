import { ValidationError } from '@payment-layer/shared-errors';
import {
  buildLedgerReport,
  PAYMENT_NOTICE_STEP,
  PAYMENT_STEP_KINDS,
  retryOutboxEntry,
  type PaymentStepPayload,
  type ReconcileReport,
} from '@payment-layer/flows-payment';
import {
  OUTBOX_STATES,
  PAYOUT_STATES,
  type LedgerInvoice,
  type OutboxEntry,
  type OutboxState,
  type Payout,
  type PayoutState,
  type ReceivedPayment,
  type StagingRepositories,
  type SyncCursor,
} from '@payment-layer/staging-db';

/** What a command prints, plus the data for callers and tests. */
export interface CommandOutput<T> {
  readonly text: string;
  readonly data: T;
}

const PAGE = 1000;

function allPages<T extends { readonly id: number }>(page: (afterId: number) => T[]): T[] {
  const out: T[] = [];
  for (let afterId = 0; ;) {
    const rows = page(afterId);
    out.push(...rows);
    if (rows.length < PAGE) {
      return out;
    }
    afterId = rows[rows.length - 1]?.id ?? afterId;
  }
}

/** Options of {@link attentionCommand}. */
export interface AttentionOptions {
  /** The current instant (default: now). */
  readonly now?: Date;
  /** An invoice whose payment steps are unfinished for longer than this is listed (default {@link STALE_AFTER_MS}). */
  readonly staleAfterMs?: number;
}

/**
 * How long an invoice may hold money without its payment steps finished before `attention` lists it. The steps of
 * a paid invoice take seconds; an openIMIS outage or a notice read back after a crash takes longer, and an operator
 * must hear of it before the read-back window (10 min) or the back-off ends on its own.
 */
export const STALE_AFTER_MS = 5 * 60_000;

// Money recorded, openIMIS not yet told (or not yet confirmed PAID / premium recorded).
const MONEY_RECORDED: readonly LedgerInvoice['state'][] = ['paid', 'notified', 'verified'];

function invoiceLine(i: LedgerInvoice, reason: string): string {
  return `  invoice ${i.id} ${i.code} ${i.amount} ${i.currency} paid ${i.paidAmount}: ${reason}`;
}

function ledgerInvoiceOf(repos: StagingRepositories, e: OutboxEntry): LedgerInvoice | undefined {
  const id = (e.payload as Partial<PaymentStepPayload> | null)?.ledgerInvoiceId;
  return typeof id === 'number' ? repos.ledger.getInvoiceById(id) : undefined;
}

/**
 * `attention`: every invoice and payment an operator has to look at, with the reason; every outbox entry handed to
 * an operator (dead); every PaymentNotice whose POST got no answer and is still being read back (outcome unknown:
 * not settled, not yet an error), named by its invoice; and every invoice with money recorded whose payment steps
 * are unfinished for longer than `staleAfterMs` (nothing money-bearing stays unsettled without being listed).
 *
 * @param repos - staging repositories
 * @param options - now and the stale threshold
 * @returns the lines and the rows
 */
export function attentionCommand(
  repos: StagingRepositories,
  options: AttentionOptions = {},
): CommandOutput<{
  invoices: LedgerInvoice[];
  payments: ReceivedPayment[];
  dead: OutboxEntry[];
  unknown: OutboxEntry[];
  stale: LedgerInvoice[];
  syncs: SyncCursor[];
}> {
  const now = options.now ?? new Date();
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const cutoff = new Date(now.getTime() - staleAfterMs).toISOString();
  const invoices = allPages((afterId) =>
    repos.ledger.listInvoices({ state: 'needs_attention', afterId, limit: PAGE }),
  );
  const payments = allPages((afterId) =>
    repos.ledger.listPayments({ state: 'needs_attention', afterId, limit: PAGE }),
  );
  const dead = repos.outbox.list({ state: 'dead', limit: 10_000 });
  const unfinished = repos.outbox
    .list({ state: ['pending', 'in_progress'], limit: 10_000 })
    .filter((e) => PAYMENT_STEP_KINDS.includes(e.kind));
  const unknown = unfinished.filter(
    (e) =>
      e.kind === PAYMENT_NOTICE_STEP &&
      typeof (e.result as { noticePostedAt?: unknown } | null)?.noticePostedAt === 'string',
  );
  const unknownLines = unknown.map((e) => {
    const posted = (e.result as { noticePostedAt: string }).noticePostedAt;
    const inv = ledgerInvoiceOf(repos, e);
    const what = `PaymentNotice posted ${posted} got no answer, outcome unknown (outbox ${e.id}), next read ${e.nextAttemptAt}`;
    return inv !== undefined ? invoiceLine(inv, what) : `  outbox ${e.id} ${e.aggregateRef ?? ''}: ${what}`;
  });
  // Money recorded but the invoice's steps not finished (or never queued) for too long: whatever the cause (an
  // upstream down, a read-back, a step waiting on an earlier one), the invoice is unsettled and must be seen.
  const listed = new Set([
    ...invoices.map((i) => i.id),
    ...unknown.map((e) => ledgerInvoiceOf(repos, e)?.id),
  ]);
  const staleIds = new Set<number>();
  for (const e of unfinished) {
    const id = (e.payload as Partial<PaymentStepPayload> | null)?.ledgerInvoiceId;
    if (typeof id === 'number' && e.createdAt < cutoff) {
      staleIds.add(id);
    }
  }
  for (const i of allPages((afterId) => repos.ledger.listInvoices({ state: 'paid', afterId, limit: PAGE }))) {
    if (i.updatedAt < cutoff) {
      staleIds.add(i.id);
    }
  }
  const stale = [...staleIds]
    .filter((id) => !listed.has(id))
    .sort((a, b) => a - b)
    .map((id) => repos.ledger.getInvoiceById(id))
    .filter((i): i is LedgerInvoice => i !== undefined && MONEY_RECORDED.includes(i.state));
  // A sync whose last run failed leaves everything after its failure point unprocessed (not charged, not
  // linked) until a run succeeds: nothing in the ledger shows it, so the cursor's run record is listed.
  const syncs = repos.cursors
    .listCursors()
    .filter((c) => c.lastRunOutcome === 'failed' || c.lastRunOutcome === 'partial');
  const staleMin = Math.round(staleAfterMs / 60_000);
  const lines = [
    `invoices needing attention: ${invoices.length}`,
    ...invoices.map((i) => invoiceLine(i, i.attentionReason ?? '')),
    `payments needing attention: ${payments.length}`,
    ...payments.map(
      (p) =>
        `  payment ${p.id} ${p.source} ${p.sourceTxnId} ${p.amount} ${p.currency} received ${p.receivedAt}` +
        `${p.invoiceId !== null ? ` invoice ${p.invoiceId}` : ''}: ${p.reason ?? ''}`,
    ),
    `outbox entries handed to an operator (dead): ${dead.length}`,
    ...dead.map((e) => `  outbox ${e.id} ${e.kind} ${e.aggregateRef ?? ''}: ${e.lastError ?? ''}`),
    `PaymentNotices without answer, being read back (outcome unknown): ${unknown.length}`,
    ...unknownLines,
    `invoices with money recorded, not settled for over ${staleMin} min: ${stale.length}`,
    ...stale.map((i) => {
      const steps = unfinished.filter(
        (e) => (e.payload as Partial<PaymentStepPayload> | null)?.ledgerInvoiceId === i.id,
      );
      const next = steps[0];
      return invoiceLine(
        i,
        `${i.state} since ${i.updatedAt}` +
          (next !== undefined
            ? `; ${next.kind} ${next.state}, attempts ${next.attempts}, next ${next.nextAttemptAt}` +
              (next.lastError ? ` — ${next.lastError}` : '')
            : '; no payment step queued'),
      );
    }),
    `syncs whose last run failed: ${syncs.length}`,
    ...syncs.map(
      (c) =>
        `  sync ${c.resourceType} ${c.lastRunOutcome ?? ''} at ${c.lastRunFinishedAt ?? c.lastRunStartedAt ?? '?'}` +
        `, ${c.lastRunProcessed ?? 0} processed: ${c.lastRunError ?? 'some resources failed (see the run log)'}`,
    ),
  ];
  return { text: lines.join('\n'), data: { invoices, payments, dead, unknown, stale, syncs } };
}

/**
 * `outbox [--state <state>]`: the outbox entries (default: those not done).
 *
 * @param repos - staging repositories
 * @param options - state filter
 * @returns the lines and the entries
 */
export function outboxCommand(
  repos: StagingRepositories,
  options: { readonly state?: string } = {},
): CommandOutput<ReturnType<StagingRepositories['outbox']['list']>> {
  let states: OutboxState[] = ['pending', 'in_progress', 'dead'];
  if (options.state !== undefined) {
    if (!(OUTBOX_STATES as readonly string[]).includes(options.state)) {
      throw new ValidationError(`--state must be one of ${OUTBOX_STATES.join(', ')}`);
    }
    states = [options.state as OutboxState];
  }
  const entries = repos.outbox.list({ state: states, limit: 10_000 });
  const counts = repos.outbox.countByState();
  const lines = [
    `outbox: ${OUTBOX_STATES.map((s) => `${counts[s]} ${s}`).join(', ')}`,
    ...entries.map(
      (e) =>
        `  ${e.id} ${e.kind} ${e.state} attempts ${e.attempts} next ${e.nextAttemptAt}` +
        `${e.aggregateRef ? ` ${e.aggregateRef}` : ''}${e.lastError ? ` — ${e.lastError}` : ''}`,
    ),
  ];
  return { text: lines.join('\n'), data: entries };
}

/**
 * `retry <outboxId>`: makes an entry due now (a dead payment step also hands its invoice back to the step).
 *
 * @param repos - staging repositories
 * @param id - outbox id as typed
 * @returns the line and the entry
 */
export function retryCommand(
  repos: StagingRepositories,
  id: string | undefined,
): CommandOutput<ReturnType<StagingRepositories['outbox']['retryNow']>> {
  if (id === undefined || !/^[1-9]\d*$/.test(id)) {
    throw new ValidationError('usage: retry <outboxId>');
  }
  const entry = retryOutboxEntry(repos, Number.parseInt(id, 10));
  return {
    text: `outbox entry ${entry.id} (${entry.kind}) is due now; the running mediator picks it up`,
    data: entry,
  };
}

/**
 * `report --from YYYY-MM-DD --to YYYY-MM-DD`: the reconciliation report of the ledger for a period.
 *
 * @param repos - staging repositories
 * @param options - the period (`to` exclusive)
 * @returns the lines and the report
 */
export function reportCommand(
  repos: StagingRepositories,
  options: { readonly from?: string; readonly to?: string },
): CommandOutput<ReconcileReport> {
  const r = buildLedgerReport(repos, options);
  const lines = [
    `ledger report ${r.period.from} .. ${r.period.to} (to exclusive)`,
    `invoices: ${r.invoices} (${Object.entries(r.byState)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')})`,
    `payments: ${r.payments.matched} matched, ${r.payments.needs_attention} needing attention, ${r.payments.ignored} ignored`,
    `discrepancies: ${r.discrepancies.length}`,
    ...r.discrepancies.map(
      (d) =>
        `  ${d.kind}${d.invoiceId !== undefined ? ` invoice ${d.invoiceId}` : ''}${d.code ? ` ${d.code}` : ''}` +
        `${d.paymentId !== undefined ? ` payment ${d.paymentId}` : ''}: ${d.detail}`,
    ),
  ];
  return { text: lines.join('\n'), data: r };
}

/**
 * `payouts`: claim and bill payouts to health facilities — by default those not paid (pending, in flight, failed,
 * needing attention), each with its rail, attempts and last reason.
 *
 * @param repos - staging repositories
 * @param options - state filter
 * @returns the lines and the rows
 */
export function payoutsCommand(
  repos: StagingRepositories,
  options: { readonly state?: string } = {},
): CommandOutput<Payout[]> {
  if (options.state !== undefined && !(PAYOUT_STATES as readonly string[]).includes(options.state)) {
    throw new ValidationError(`--state must be one of ${PAYOUT_STATES.join(', ')}`);
  }
  const states: readonly PayoutState[] =
    options.state !== undefined
      ? [options.state as PayoutState]
      : ['pending', 'in_flight', 'failed', 'needs_attention'];
  const rows = repos.payouts.list({ state: states, limit: 10_000 });
  const lines = [
    `payouts (${states.join(', ')}): ${rows.length}`,
    ...rows.map(
      (p) =>
        `  payout ${p.id} ${p.payoutKey} ${p.code} ${p.amount} ${p.currency} → facility ${p.facilityCode} over ${p.rail}: ` +
        `${p.state}, ${p.attempts} attempt(s)${p.reference ? `, reference ${p.reference}` : ''}${p.lastError ? ` — ${p.lastError}` : ''}`,
    ),
  ];
  return { text: lines.join('\n'), data: rows };
}

/**
 * `retry-payout <id>`: puts a failed or flagged payout back in the queue; its rail reads back before it pays.
 *
 * @param repos - staging repositories
 * @param id - payout id
 * @returns the line and the row
 */
export function retryPayoutCommand(
  repos: StagingRepositories,
  id: string | undefined,
): CommandOutput<Payout> {
  if (id === undefined || !/^\d+$/.test(id)) {
    throw new ValidationError('retry-payout needs the payout id');
  }
  const row = repos.payouts.retry(Number.parseInt(id, 10));
  return { text: `payout ${row.id} ${row.payoutKey} is due again`, data: row };
}

/**
 * Parses `--name value` options.
 *
 * @param args - arguments after the command
 * @returns the options and the positional arguments
 */
export function parseArgs(args: readonly string[]): {
  options: Record<string, string>;
  positional: string[];
} {
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2);
      const value = inline ?? args[i + 1];
      if (name === undefined || value === undefined) {
        throw new ValidationError(`option ${a} needs a value`);
      }
      options[name] = value;
      if (inline === undefined) {
        i++;
      }
    } else {
      positional.push(a);
    }
  }
  return { options, positional };
}

/** Usage text of the CLI. */
export const USAGE = `usage: npx tsx tools/ops/src/cli.ts <command>
  attention [--stale-after-min N]             invoices, payments and outbox entries needing attention, and
                                              invoices with money recorded not settled for over N min (5)
  outbox [--state pending|in_progress|done|dead]  outbox entries (default: not done)
  retry <outboxId>                            make an outbox entry due now
  report --from YYYY-MM-DD --to YYYY-MM-DD    reconciliation report of the ledger (to exclusive)
  payouts [--state pending|in_flight|paid|failed|needs_attention]  claim payouts (default: not paid)
  retry-payout <payoutId>                     put a failed or flagged payout back in the queue
env: STAGING_DB_PATH (default data/payment-layer.sqlite)`;

function staleOption(value: string | undefined): AttentionOptions {
  if (value === undefined) {
    return {};
  }
  if (!/^\d+$/.test(value)) {
    throw new ValidationError('--stale-after-min must be a whole number of minutes');
  }
  return { staleAfterMs: Number.parseInt(value, 10) * 60_000 };
}

/**
 * Runs one command against the staging repositories.
 *
 * @param repos - staging repositories
 * @param argv - command and its arguments
 * @returns what to print
 */
export function runCommand(repos: StagingRepositories, argv: readonly string[]): string {
  const [command, ...rest] = argv;
  const { options, positional } = parseArgs(rest);
  switch (command ?? '') {
    case 'attention':
      return attentionCommand(repos, staleOption(options['stale-after-min'])).text;
    case 'outbox':
      return outboxCommand(repos, options.state !== undefined ? { state: options.state } : {}).text;
    case 'retry':
      return retryCommand(repos, positional[0]).text;
    case 'report':
      return reportCommand(repos, {
        ...(options.from !== undefined ? { from: options.from } : {}),
        ...(options.to !== undefined ? { to: options.to } : {}),
      }).text;
    case 'payouts':
      return payoutsCommand(repos, options.state !== undefined ? { state: options.state } : {}).text;
    case 'retry-payout':
      return retryPayoutCommand(repos, positional[0]).text;
    default:
      throw new ValidationError(USAGE);
  }
}
