import { Decimal } from 'decimal.js';
import { ConflictError } from '@payment-layer/shared-errors';
import type { ClientTransactionData, SavingsTransactionData } from '@payment-layer/mifos-fineract-client';
import type { LedgerInvoice } from '@payment-layer/staging-db';
import type { PaymentFlowContext } from './context';
import { findInvoiceByCode } from './invoice-code';
import { recordIncomingPayment } from './record';

/** What one catch-up run did. */
export interface CatchUpReport {
  /** Open invoices whose Fineract charge was read. */
  readonly checked: number;
  /**
   * Payments found in Fineract without a ledger payment, now recorded (as a hook would have): charge payments, and
   * deposits into the recipients' linked savings accounts whose receipt names an open invoice.
   */
  readonly recorded: number;
  /** Invoices whose charge shows more money than the ledger and the Fineract transactions can explain (flagged). */
  readonly unexplained: number;
  /** Id of the last invoice looked at (the next run goes on after it; 0 when the run reached the end). */
  readonly afterId: number;
}

/** Options of {@link catchUpFineractPayments}. */
export interface CatchUpOptions {
  /** Go on after this ledger invoice id (default 0: from the start). */
  readonly afterId?: number;
  /** At most this many invoices per run (default 200). */
  readonly limit?: number;
}

const OPEN_STATES = ['awaiting_payment', 'partially_paid'] as const;
const TX_PAGE = 200;

/**
 * The request text a charge payment found by the catch-up is recorded with. A hook delivery for the same Fineract
 * transaction that arrives later is recognised by it as the same payment (not as a modified request).
 *
 * @param clientChargeId - Fineract client charge id
 * @param transactionId - Fineract client transaction id
 * @param amount - the transaction amount (decimal string)
 * @returns canonical text
 */
export function catchUpRequestText(clientChargeId: number, transactionId: string, amount: string): string {
  return JSON.stringify({
    catchUp: 'fineract-charge',
    clientChargeId,
    transactionId,
    amount: new Decimal(amount).toFixed(),
  });
}

/**
 * The request text a savings deposit found by the catch-up is recorded with (see {@link catchUpRequestText}).
 *
 * @param savingsId - Fineract savings account id
 * @param transactionId - Fineract savings transaction id
 * @param amount - the deposit amount (decimal string)
 * @returns canonical text
 */
export function catchUpSavingsRequestText(savingsId: number, transactionId: string, amount: string): string {
  return JSON.stringify({
    catchUp: 'fineract-savings',
    savingsId,
    transactionId,
    amount: new Decimal(amount).toFixed(),
  });
}

function isDeposit(tx: SavingsTransactionData): boolean {
  const type = tx.transactionType;
  return tx.reversed !== true && (type?.deposit === true || (type?.code ?? '').endsWith('deposit'));
}

function isChargePayment(tx: ClientTransactionData): boolean {
  // Fineract names the field `type` (ClientTransactionData); older clients call it `transactionType`.
  const type = (tx as { readonly type?: { readonly code?: string } }).type ?? tx.transactionType;
  return tx.reversed !== true && (type?.code ?? '').endsWith('payCharge');
}

async function allClientTransactions(
  ctx: PaymentFlowContext,
  clientId: number,
): Promise<ClientTransactionData[]> {
  const out: ClientTransactionData[] = [];
  for (let offset = 0; ; offset += TX_PAGE) {
    const page = await ctx.fineract.listClientTransactions(clientId, { offset, limit: TX_PAGE });
    out.push(...page.pageItems);
    if (page.pageItems.length < TX_PAGE || offset + TX_PAGE >= page.totalFilteredRecords) {
      return out;
    }
  }
}

/** Sum of the charge payments the ledger holds for an invoice. */
function recordedChargeTotal(ctx: PaymentFlowContext, invoice: LedgerInvoice): Decimal {
  return ctx.repos.ledger
    .listPayments({
      invoiceId: invoice.id,
      source: 'fineract-charge',
      state: ['matched', 'needs_attention'],
      limit: 1000,
    })
    .reduce((sum, p) => sum.plus(p.amount), new Decimal(0));
}

/**
 * Catch-up of Fineract charge payments whose hook never arrived (Fineract sends a hook once and never again, so a
 * hook sent while the payment mediator was down is lost): for open ledger invoices with a client charge, the
 * charge's `amountPaid` is compared with the charge payments the ledger holds; the difference is looked for among
 * the client's charge-payment transactions that the ledger does not know, and each one found is recorded through
 * the same exactly-once path as its hook (source `fineract-charge`, keyed by the Fineract transaction id), so a
 * hook that still arrives is a duplicate and the PaymentNotice follows as usual. A transaction is given to an
 * invoice by its receipt number (the invoice code) or, failing that, when it is the client's only open invoice
 * short of that money. What cannot be explained so is not recorded: the invoice is flagged for an operator.
 *
 * @param ctx - flow context
 * @param options - where to go on and how many invoices to read
 * @returns counts and where the next run goes on
 */
export async function catchUpFineractPayments(
  ctx: PaymentFlowContext,
  options: CatchUpOptions = {},
): Promise<CatchUpReport> {
  const limit = options.limit ?? 200;
  const page = ctx.repos.ledger.listInvoices({
    state: [...OPEN_STATES],
    afterId: options.afterId ?? 0,
    limit,
  });
  const invoices = page.filter((i) => i.fineractClientId !== null && i.fineractChargeId !== null);
  let recorded = 0;
  let unexplained = 0;
  // Invoices short of money, per client: a client's transactions are read once per run.
  const short = new Map<number, { invoice: LedgerInvoice; paid: Decimal }[]>();
  for (const invoice of invoices) {
    const charge = await ctx.fineract.getClientCharge(
      invoice.fineractClientId as number,
      invoice.fineractChargeId as number,
    );
    const paid = new Decimal(charge.amountPaid ?? '0');
    if (paid.minus(recordedChargeTotal(ctx, invoice)).greaterThan(0)) {
      const list = short.get(invoice.fineractClientId as number) ?? [];
      list.push({ invoice, paid });
      short.set(invoice.fineractClientId as number, list);
    }
  }
  for (const [clientId, candidates] of short) {
    const transactions = await allClientTransactions(ctx, clientId);
    // From here to the end of this client nothing is awaited, so the ledger read now is the one written to. It is
    // read again rather than taken from before the Fineract reads: another run (the interval and a reconciliation
    // overlap at scale) or a late hook may have recorded these payments meanwhile; that money is explained, and
    // an invoice that left the open states meanwhile is not this run's to flag.
    const open = candidates.flatMap(({ invoice: seen, paid }) => {
      const invoice = ctx.repos.ledger.getInvoiceById(seen.id);
      if (invoice === undefined || !(OPEN_STATES as readonly string[]).includes(invoice.state)) {
        return [];
      }
      const missing = paid.minus(recordedChargeTotal(ctx, invoice));
      return missing.greaterThan(0) ? [{ invoice, paid, missing }] : [];
    });
    if (open.length === 0) {
      continue;
    }
    const unknown = transactions.filter(
      (tx) =>
        isChargePayment(tx) &&
        ctx.repos.ledger.getPaymentBySource('fineract-charge', String(tx.id)) === undefined,
    );
    for (const tx of unknown.sort((a, b) => a.id - b.id)) {
      const amount = new Decimal(tx.amount ?? tx.transactionAmount ?? '0');
      const receipt = tx.paymentDetailData?.receiptNumber;
      const fits = open.filter((o) => !amount.greaterThan(o.missing));
      const target =
        fits.find((o) => receipt !== undefined && receipt === o.invoice.code) ??
        (fits.length === 1 && open.length === 1 ? fits[0] : undefined);
      if (target === undefined || !amount.isPositive() || amount.isZero()) {
        continue;
      }
      try {
        const outcome = recordIncomingPayment(ctx, {
          source: 'fineract-charge',
          sourceTxnId: String(tx.id),
          invoice: target.invoice,
          amount: amount.toFixed(),
          currency: undefined,
          payerRef: `fineract-client:${clientId}`,
          reference: receipt ?? tx.externalId ?? `client-charge:${target.invoice.fineractChargeId ?? ''}`,
          requestText: catchUpRequestText(
            target.invoice.fineractChargeId as number,
            String(tx.id),
            amount.toFixed(),
          ),
        });
        if (outcome.outcome !== 'duplicate') {
          recorded += 1;
          target.missing = target.missing.minus(amount);
          ctx.log.warn(
            { ledgerInvoiceId: target.invoice.id, fineractTransactionId: tx.id, outcome: outcome.outcome },
            'charge payment without hook recorded by the Fineract catch-up',
          );
        }
      } catch (err) {
        // The hook arrived meanwhile and recorded it: the same payment, nothing to do.
        if (!(err instanceof ConflictError)) {
          throw err;
        }
      }
    }
    for (const o of open.filter((x) => x.missing.greaterThan(0))) {
      // What the ledger holds now (a duplicate above was recorded by someone else: explained all the same).
      const missing = o.paid.minus(recordedChargeTotal(ctx, o.invoice));
      if (!missing.greaterThan(0)) {
        continue;
      }
      const reason =
        `Fineract charge ${o.invoice.fineractChargeId ?? '?'} shows ${missing.toFixed()} ${o.invoice.currency} ` +
        'paid that neither the ledger nor an unrecorded charge payment of the client explains';
      try {
        // Only an invoice still open is flagged: one paid meanwhile by another writer keeps its state.
        ctx.repos.ledger.updateInvoice(o.invoice.id, {
          state: 'needs_attention',
          attentionReason: reason,
          expectedState: [...OPEN_STATES],
        });
      } catch (err) {
        if (err instanceof ConflictError) {
          continue;
        }
        throw err;
      }
      unexplained += 1;
      ctx.log.error({ ledgerInvoiceId: o.invoice.id }, 'unexplained Fineract charge payment');
    }
  }
  recorded += await catchUpSavingsDeposits(ctx, page);
  return {
    checked: invoices.length,
    recorded,
    unexplained,
    afterId: page.length < limit ? 0 : (page[page.length - 1]?.id ?? 0),
  };
}

/**
 * Deposits whose hook never arrived, on the savings accounts linked to the recipients of open invoices: a deposit
 * not in the ledger whose receipt number (or note) is the code of an open invoice is recorded through the hook's
 * exactly-once path (source `fineract-savings`, keyed by the Fineract transaction id). Deposits naming no open
 * invoice are the saver's own business and are left alone; each account is read once per run.
 */
async function catchUpSavingsDeposits(
  ctx: PaymentFlowContext,
  invoices: readonly LedgerInvoice[],
): Promise<number> {
  const accounts = new Set<number>();
  for (const invoice of invoices) {
    for (const link of ctx.repos.links.listByOpenimis(invoice.recipientType, invoice.recipientId)) {
      if (link.fineractType === 'savingsAccount') {
        accounts.add(link.fineractId);
      }
    }
  }
  let recorded = 0;
  for (const savingsId of accounts) {
    const account = await ctx.fineract.getSavingsAccount(savingsId, { withTransactions: true });
    const deposits = (account.transactions ?? []).filter(isDeposit).sort((a, b) => a.id - b.id);
    for (const tx of deposits) {
      if (ctx.repos.ledger.getPaymentBySource('fineract-savings', String(tx.id)) !== undefined) {
        continue;
      }
      const note = (tx as { readonly note?: string }).note;
      const invoice = findInvoiceByCode(ctx, tx.paymentDetailData?.receiptNumber, note);
      if (invoice === undefined || !(OPEN_STATES as readonly string[]).includes(invoice.state)) {
        continue;
      }
      const amount = new Decimal(tx.amount ?? '0');
      if (!amount.greaterThan(0)) {
        continue;
      }
      try {
        const outcome = recordIncomingPayment(ctx, {
          source: 'fineract-savings',
          sourceTxnId: String(tx.id),
          invoice,
          amount: amount.toFixed(),
          currency: undefined,
          payerRef: `fineract-savings:${savingsId}`,
          reference: invoice.code,
          requestText: catchUpSavingsRequestText(savingsId, String(tx.id), amount.toFixed()),
        });
        if (outcome.outcome !== 'duplicate') {
          recorded += 1;
          ctx.log.warn(
            { ledgerInvoiceId: invoice.id, fineractSavingsId: savingsId, fineractTransactionId: tx.id },
            'savings deposit without hook recorded by the Fineract catch-up',
          );
        }
      } catch (err) {
        // The hook arrived meanwhile and recorded it: the same payment, nothing to do.
        if (!(err instanceof ConflictError)) {
          throw err;
        }
      }
    }
  }
  return recorded;
}
