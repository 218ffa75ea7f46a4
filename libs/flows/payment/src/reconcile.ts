import { Decimal } from 'decimal.js';
import type {
  InvoiceState,
  LedgerInvoice,
  ReceivedPayment,
  StagingRepositories,
} from '@payment-layer/staging-db';
import { catchUpFineractPayments } from './catch-up';
import type { PaymentFlowContext } from './context';
import { paidInvoiceSteps } from './record';
import { retryOutboxEntry } from './steps';
import { checkPeriod, paymentsInPeriod, type Period } from './reconciliation';

/** What a reconciliation found wrong with one invoice or payment. */
export interface Discrepancy {
  /** Ledger invoice id, or undefined for a payment without invoice. */
  readonly invoiceId?: number;
  readonly code?: string;
  readonly paymentId?: number;
  /** Short machine name, e.g. `fineract-paid-differs`. */
  readonly kind: string;
  readonly detail: string;
  /** True when the run repaired it (re-enqueued the PaymentNotice through the outbox). */
  readonly repaired: boolean;
}

/** Result of {@link reconcile} (and of {@link buildLedgerReport} without upstream checks). */
export interface ReconcileReport {
  readonly period: Period;
  /** Ledger invoices created in the period. */
  readonly invoices: number;
  /** Invoices per ledger state. */
  readonly byState: Readonly<Partial<Record<InvoiceState, number>>>;
  /** Payments received in the period, per payment state. */
  readonly payments: Readonly<Record<ReceivedPayment['state'], number>>;
  /** Invoices where ledger, Fineract and openIMIS agree. */
  readonly consistent: number;
  readonly repaired: number;
  readonly discrepancies: readonly Discrepancy[];
}

const PAID_STATES: readonly InvoiceState[] = ['paid', 'notified', 'verified', 'premium_recorded'];
const PAGE = 1000;

function invoicesCreatedIn(repos: StagingRepositories, period: Period): LedgerInvoice[] {
  const out: LedgerInvoice[] = [];
  for (let afterId = 0; ;) {
    const page = repos.ledger.listInvoices({
      period: { from: period.from, to: period.to, field: 'createdAt' },
      afterId,
      limit: PAGE,
    });
    out.push(...page);
    if (page.length < PAGE) {
      return out;
    }
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/**
 * The ledger side of a reconciliation, without asking Fineract or openIMIS (the operator CLI prints it): invoices
 * created in the period per state, payments received in it per state, and every invoice and payment that needs
 * attention, with the reason.
 *
 * @param repos - staging repositories
 * @param period - `from` inclusive, `to` exclusive
 * @returns the report
 */
export function buildLedgerReport(repos: StagingRepositories, period: Partial<Period>): ReconcileReport {
  const p = checkPeriod(period);
  const invoices = invoicesCreatedIn(repos, p);
  const discrepancies: Discrepancy[] = [];
  for (const inv of invoices) {
    if (inv.state === 'needs_attention') {
      discrepancies.push({
        invoiceId: inv.id,
        code: inv.code,
        kind: 'invoice-needs-attention',
        detail: inv.attentionReason ?? 'needs attention',
        repaired: false,
      });
    }
  }
  const payments = paymentsInPeriod(repos, p);
  for (const pay of payments) {
    if (pay.state === 'needs_attention') {
      discrepancies.push({
        ...(pay.invoiceId !== null ? { invoiceId: pay.invoiceId } : {}),
        paymentId: pay.id,
        kind: 'payment-needs-attention',
        detail: `${pay.source} ${pay.sourceTxnId} ${pay.amount} ${pay.currency}: ${pay.reason ?? ''}`,
        repaired: false,
      });
    }
  }
  return {
    period: p,
    invoices: invoices.length,
    byState: countBy(invoices.map((i) => i.state)),
    payments: { matched: 0, needs_attention: 0, ignored: 0, ...countBy(payments.map((x) => x.state)) },
    consistent: invoices.filter((i) => i.state !== 'needs_attention').length,
    repaired: 0,
    discrepancies,
  };
}

function countBy<K extends string>(values: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const v of values) {
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

/**
 * Reconciliation run for a period: first the Fineract catch-up (charge payments whose hook was lost are recorded,
 * see {@link catchUpFineractPayments}); then, for every ledger invoice created in it, the ledger's paid amount is compared
 * with what Fineract says the client charge has received, and the ledger state with the openIMIS invoice status
 * (GraphQL). Repaired (safely, through the outbox — never by posting directly): an invoice paid in the ledger
 * whose PaymentNotice step is missing or dead while openIMIS does not read it PAID gets the step enqueued again
 * (the step reads openIMIS' payments back before posting, so this never pays twice). Everything else is
 * reported: Fineract paid more or less than the ledger (a lost hook), openIMIS PAID while the ledger is not, a
 * notice that was sent but openIMIS still not PAID, upstream errors, payments needing attention.
 *
 * @param ctx - flow context
 * @param period - `from` inclusive, `to` exclusive
 * @returns counts and the list of discrepancies
 */
export async function reconcile(ctx: PaymentFlowContext, period: Partial<Period>): Promise<ReconcileReport> {
  // Charge payments whose hook was lost are recorded first (as their hooks would have been), so what remains below
  // is what the catch-up could not explain.
  const caughtUp: Discrepancy[] = [];
  try {
    let afterId = 0;
    do {
      const r = await catchUpFineractPayments(ctx, { afterId });
      if (r.recorded > 0) {
        caughtUp.push({
          kind: 'hook-missing',
          detail: `${r.recorded} Fineract charge payment(s) without hook recorded`,
          repaired: true,
        });
      }
      afterId = r.afterId;
    } while (afterId !== 0);
  } catch (err) {
    caughtUp.push({
      kind: 'fineract-unavailable',
      detail: `catch-up of lost hooks: ${err instanceof Error ? err.message : String(err)}`,
      repaired: false,
    });
  }
  const base = buildLedgerReport(ctx.repos, period);
  const discrepancies: Discrepancy[] = [...caughtUp, ...base.discrepancies];
  let consistent = 0;
  let repaired = caughtUp.filter((d) => d.repaired).length;
  for (const invoice of invoicesCreatedIn(ctx.repos, base.period)) {
    const found: Discrepancy[] = [];
    const add = (kind: string, detail: string, fixed = false): void => {
      found.push({ invoiceId: invoice.id, code: invoice.code, kind, detail, repaired: fixed });
    };
    if (invoice.fineractClientId !== null && invoice.fineractChargeId !== null) {
      try {
        const charge = await ctx.fineract.getClientCharge(invoice.fineractClientId, invoice.fineractChargeId);
        const paid = new Decimal(charge.amountPaid ?? '0');
        if (!paid.equals(invoice.paidAmount)) {
          add(
            'fineract-paid-differs',
            `Fineract charge ${invoice.fineractChargeId} received ${paid.toFixed()}, the ledger ${invoice.paidAmount} ${invoice.currency}`,
          );
        }
      } catch (err) {
        add('fineract-unavailable', err instanceof Error ? err.message : String(err));
      }
    }
    let openimisPaid: boolean | undefined;
    try {
      const status = await ctx.openimis.getInvoiceStatus(invoice.openimisInvoiceId, invoice.kind);
      openimisPaid = status.status === 2;
    } catch (err) {
      add('openimis-unavailable', err instanceof Error ? err.message : String(err));
    }
    const ledgerPaid = PAID_STATES.includes(invoice.state);
    if (openimisPaid === true && !ledgerPaid && invoice.state !== 'needs_attention') {
      add('openimis-paid-ledger-not', `openIMIS reads PAID, the ledger says ${invoice.state}`);
    }
    if (openimisPaid === false && ledgerPaid) {
      const key = `payment-notice:${invoice.openimisInvoiceId}`;
      const step = ctx.repos.outbox.getByKey(key);
      if (step === undefined) {
        for (const entry of paidInvoiceSteps(invoice)) {
          ctx.repos.outbox.enqueue(entry);
        }
        add('payment-notice-missing', 'no PaymentNotice step: enqueued', true);
      } else if (step.state === 'dead') {
        retryOutboxEntry(ctx.repos, step.id);
        add(
          'payment-notice-dead',
          `PaymentNotice step ${step.id} was dead (${step.lastError ?? ''}): retried`,
          true,
        );
      } else if (step.state === 'done') {
        add('notified-not-paid', `PaymentNotice sent (step ${step.id}) but openIMIS does not read PAID`);
      }
      // pending / in progress: the worker is on it.
    }
    if (found.length === 0) {
      consistent += 1;
    }
    repaired += found.filter((d) => d.repaired).length;
    discrepancies.push(...found);
  }
  return { ...base, consistent, repaired, discrepancies };
}
