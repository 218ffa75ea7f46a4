import type { PaymentReconciliation, PaymentReconciliationDetail } from 'fhir/r4';
import { Decimal } from 'decimal.js';
import { ValidationError } from '@payment-layer/shared-errors';
import type { Money as FhirMoney } from 'fhir/r4';
import { isCurrencyCode } from '@payment-layer/shared-money';
import { isCalendarDate } from '@payment-layer/fhir-util';
import type {
  InvoiceState,
  LedgerInvoice,
  PaymentState,
  ReceivedPayment,
  StagingRepositories,
} from '@payment-layer/staging-db';

/** A period: `from` inclusive, `to` exclusive, each `YYYY-MM-DD` or an ISO-8601 UTC timestamp. */
export interface Period {
  readonly from: string;
  readonly to: string;
}

/** Identifier system of a payment's source transaction id, per source. */
export const PAYMENT_ID_SYSTEMS: Readonly<Record<ReceivedPayment['source'], string>> = {
  'fineract-charge': 'urn:openimis-payment-layer:fineract:client-transaction',
  'fineract-savings': 'urn:openimis-payment-layer:fineract:savings-transaction',
  mojaloop: 'urn:openimis-payment-layer:mojaloop:transfer',
  fhir: 'urn:openimis-payment-layer:fhir:payment-notice',
};

const BOUND_RE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{3})?Z)?$/;
const PAGE = 1000;

/**
 * Checks a period (`from` < `to`, date or UTC timestamp bounds).
 *
 * @param period - the period
 * @returns the period
 * @throws ValidationError naming the bound
 */
export function checkPeriod(period: Partial<Period>): Period {
  for (const key of ['from', 'to'] as const) {
    const v = period[key];
    // Date.parse rolls 2023-02-30 over to 2 March: the calendar check refuses it instead.
    if (typeof v !== 'string' || !BOUND_RE.test(v) || Number.isNaN(Date.parse(v)) || !isCalendarDate(v)) {
      throw new ValidationError(`${key} must be YYYY-MM-DD or an ISO-8601 UTC timestamp`, {
        issues: [{ message: 'invalid period bound', location: key, code: 'value' }],
      });
    }
  }
  const p = period as Period;
  if (Date.parse(p.from) >= Date.parse(p.to)) {
    throw new ValidationError('from must be before to', {
      issues: [{ message: 'empty period', location: 'from', code: 'value' }],
    });
  }
  return p;
}

/**
 * Every payment received in a period (by `receivedAt`), in arrival order.
 *
 * @param repos - staging repositories
 * @param period - the period
 * @returns the payments
 */
export function paymentsInPeriod(repos: StagingRepositories, period: Period): ReceivedPayment[] {
  const out: ReceivedPayment[] = [];
  for (let afterId = 0; ;) {
    const page = repos.ledger.listPayments({ afterId, limit: PAGE });
    for (const p of page) {
      if (p.receivedAt >= period.from && p.receivedAt < period.to) {
        out.push(p);
      }
    }
    if (page.length < PAGE) {
      return out;
    }
    afterId = page[page.length - 1]?.id ?? afterId;
  }
}

/**
 * FHIR Money of a ledger amount: a JSON number made from the decimal string without loss; the currency is left
 * out when it is not one we know (`XXX`, "not given by the source").
 */
function fhirMoney(amount: string, currency: string): FhirMoney {
  const d = new Decimal(amount);
  const value = d.toNumber();
  if (!new Decimal(String(value)).equals(d)) {
    throw new ValidationError(`amount ${amount} cannot be written as a JSON number without loss`);
  }
  return isCurrencyCode(currency) ? { value, currency } : { value };
}

function detailOf(p: ReceivedPayment, invoice: LedgerInvoice | undefined): PaymentReconciliationDetail {
  return {
    identifier: { system: PAYMENT_ID_SYSTEMS[p.source], value: p.sourceTxnId },
    type: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/payment-type',
          code: 'payment',
        },
      ],
      text: p.state === 'matched' ? 'payment' : `payment (${p.state}${p.reason ? `: ${p.reason}` : ''})`,
    },
    ...(invoice ? { request: { reference: `Invoice/${invoice.openimisInvoiceId}`, type: 'Invoice' } } : {}),
    date: p.receivedAt.slice(0, 10),
    amount: fhirMoney(p.amount, p.currency),
  };
}

function outcomeOf(
  states: readonly PaymentState[],
  invoice: LedgerInvoice | undefined,
): 'complete' | 'partial' | 'error' {
  if (invoice === undefined || states.some((s) => s === 'needs_attention')) {
    return 'error';
  }
  const done: readonly InvoiceState[] = ['paid', 'notified', 'verified', 'premium_recorded'];
  return done.includes(invoice.state) ? 'complete' : 'partial';
}

/**
 * The ledger as FHIR R4 PaymentReconciliation resources for a period: one per invoice that received payments in
 * it (id = ledger invoice id, the `PaymentReconciliation/<id>` our PaymentNotices name), plus one
 * `unmatched-<from>-<to>` for payments that match no invoice. Each payment is a detail with its source
 * transaction id as identifier, the invoice as request, its date and amount. `paymentAmount` is the sum of the
 * payments that counted (`matched`); the others are listed with their state and reason in `detail.type.text`.
 *
 * @param ctx - anything with the staging repositories
 * @param period - `from` inclusive, `to` exclusive
 * @returns schema-valid R4 resources
 */
export function buildPaymentReconciliations(
  ctx: { readonly repos: StagingRepositories; readonly now?: () => Date },
  period: Partial<Period>,
): PaymentReconciliation[] {
  const p = checkPeriod(period);
  const byInvoice = new Map<number | null, ReceivedPayment[]>();
  for (const payment of paymentsInPeriod(ctx.repos, p)) {
    const list = byInvoice.get(payment.invoiceId) ?? [];
    list.push(payment);
    byInvoice.set(payment.invoiceId, list);
  }
  const created = (ctx.now ? ctx.now() : new Date()).toISOString();
  const out: PaymentReconciliation[] = [];
  for (const [invoiceId, payments] of byInvoice) {
    const invoice = invoiceId === null ? undefined : ctx.repos.ledger.getInvoiceById(invoiceId);
    const currency = invoice?.currency ?? payments[0]?.currency ?? 'XXX';
    const counted = payments.filter((x) => x.state === 'matched' && x.currency === currency);
    const total = counted.reduce((sum, x) => sum.plus(x.amount), new Decimal(0));
    const last = payments.reduce((d, x) => (x.receivedAt > d ? x.receivedAt : d), '');
    out.push({
      resourceType: 'PaymentReconciliation',
      id: invoice ? String(invoice.id) : `unmatched-${p.from.slice(0, 10)}-${p.to.slice(0, 10)}`,
      status: 'active',
      period: { start: p.from, end: p.to },
      created,
      outcome: outcomeOf(
        payments.map((x) => x.state),
        invoice,
      ),
      disposition: invoice
        ? `invoice ${invoice.code}: ${invoice.state}, paid ${invoice.paidAmount} of ${invoice.amount} ${invoice.currency}`
        : `${payments.length} payment(s) matching no invoice`,
      paymentDate: (last || created).slice(0, 10),
      paymentAmount: fhirMoney(total.toFixed(), currency),
      ...(invoice
        ? { paymentIdentifier: { system: 'urn:openimis-payment-layer:invoice-code', value: invoice.code } }
        : {}),
      detail: payments.map((x) => detailOf(x, invoice)),
    });
  }
  return out;
}
