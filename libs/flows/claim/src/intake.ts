import type { ClaimResponse, Invoice } from 'fhir/r4';
import {
  getBusinessCode,
  getInvoiceKind,
  getOpenImisUuid,
  getReferenceIdentity,
} from '@payment-layer/fhir-util';
import { isCurrencyCode, isPositive, parseFhirMoney } from '@payment-layer/shared-money';
import { ValidationError } from '@payment-layer/shared-errors';

/** openIMIS claim status codes (§6.5). */
const CLAIM_STATUS: Readonly<Record<string, string>> = {
  '1': 'rejected',
  '2': 'entered',
  '4': 'checked',
  '8': 'processed',
  '16': 'valuated',
};

/** Who is paid, as the source document names it. */
export interface FacilityRef {
  /** openIMIS UUID, lower case, when the reference carries it. */
  readonly id?: string;
  /** Health facility code, when the reference carries it. */
  readonly code?: string;
}

/** A payout to make: what, how much, and to whom (or where to find whom). */
export interface PayoutOrder {
  readonly kind: 'claim' | 'bill';
  /** openIMIS UUID of the claim or bill, lower case. */
  readonly sourceId: string;
  /** Claim or bill code: the receipt number of the payout. */
  readonly code: string;
  /** Decimal string > 0. */
  readonly amount: string;
  readonly currency: string;
  /**
   * The facility paid. A bill names it (`Invoice.recipient`); a ClaimResponse does not: its Claim
   * (`ClaimResponse.request`) names it as `Claim.provider`, read from openIMIS.
   */
  readonly facility?: FacilityRef;
  /** The claim whose provider is the facility (claims only). */
  readonly claim?: FacilityRef;
}

/** What intake decided: a payout order, or no payout with the reason. */
export type IntakeResult =
  | { readonly status: 'order'; readonly order: PayoutOrder }
  | {
      readonly status: 'skip';
      readonly reason: string;
      readonly kind: 'claim' | 'bill';
      readonly sourceId?: string;
      readonly code?: string;
    };

/** Options of the intake functions. */
export interface IntakeOptions {
  /** The configured payout currency (ISO 4217). */
  readonly currency: string;
}

function codesOf(concept: { coding?: { code?: string }[] } | undefined): string[] {
  return (concept?.coding ?? []).map((c) => c.code ?? '').filter((c) => c !== '');
}

/**
 * Decides whether an openIMIS ClaimResponse pays its health facility, without I/O. Only a **valuated** claim pays:
 * `outcome` complete and a `total` with category 16 (§6.5; complete alone is also a rejected claim). Entered, checked,
 * processed and rejected claims never pay; the reason says which. The currency openIMIS' claim converter writes is
 * `"$"`, not an ISO code: an amount without an ISO 4217 currency is taken to be in the configured one; an ISO code
 * other than the configured one is refused.
 *
 * @param resource - a ClaimResponse (structure checked by the caller)
 * @param options - configured currency
 * @returns the payout order, or the reason there is none
 * @throws ValidationError naming the field when the claim has no UUID or code, or a valuated total is unusable
 */
export function claimPayoutOrder(resource: ClaimResponse, options: IntakeOptions): IntakeResult {
  const sourceId = getOpenImisUuid(resource);
  if (sourceId === undefined) {
    throw new ValidationError('ClaimResponse has no openIMIS UUID (identifier of type UUID or id)', {
      issues: [{ message: 'an openIMIS UUID is required', location: 'ClaimResponse.identifier' }],
    });
  }
  const code = getBusinessCode(resource);
  const skip = (reason: string): IntakeResult => ({
    status: 'skip',
    reason,
    kind: 'claim',
    sourceId,
    ...(code !== undefined ? { code } : {}),
  });
  const totals = resource.total ?? [];
  const valuated = totals.find((t) => codesOf(t.category).includes('16'));
  if (valuated === undefined) {
    const reached = totals
      .flatMap((t) => codesOf(t.category))
      .map(Number)
      .filter((n) => Number.isFinite(n));
    const highest = reached.length > 0 ? String(Math.max(...reached)) : undefined;
    const status = highest !== undefined ? (CLAIM_STATUS[highest] ?? `status ${highest}`) : 'not adjudicated';
    return skip(`claim is ${status}, not valuated: only valuated claims are paid`);
  }
  if (resource.outcome !== 'complete') {
    return skip(`claim outcome is ${resource.outcome}, not complete: only valuated claims are paid`);
  }
  if (code === undefined || code.trim() === '') {
    throw new ValidationError('ClaimResponse has no claim code (identifier of type Code or MR)', {
      issues: [{ message: 'the claim code is required', location: 'ClaimResponse.identifier' }],
    });
  }
  const raw = valuated.amount as { value?: unknown; currency?: unknown } | undefined;
  const currency = isCurrencyCode(raw?.currency) ? raw.currency : options.currency;
  const total = parseFhirMoney({ ...raw, currency }, 'ClaimResponse.total.amount', {
    currency: options.currency,
  });
  if (!isPositive(total)) {
    return skip('the valuated amount is zero: nothing to pay');
  }
  const claim = getReferenceIdentity(resource.request);
  return {
    status: 'order',
    order: {
      kind: 'claim',
      sourceId,
      code: code.trim(),
      amount: total.amount,
      currency: total.currency,
      claim: {
        ...(claim.uuid !== undefined ? { id: claim.uuid } : { id: sourceId }),
        ...(claim.code !== undefined ? { code: claim.code } : {}),
      },
    },
  };
}

/**
 * Decides whether an openIMIS Invoice is a bill that pays a health facility, without I/O: a claim-batch bill
 * (`Invoice.type` bill-type `claim-batch`) whose recipient is the facility Organization. Contribution invoices,
 * other bill types (commissions, fees) and bills with a non-positive total are skipped with the reason.
 *
 * @param invoice - an Invoice (structure checked by the caller)
 * @param options - configured currency
 * @returns the payout order, or the reason there is none
 * @throws ValidationError naming the field when the bill has no UUID, code, total or facility recipient
 */
export function billPayoutOrder(invoice: Invoice, options: IntakeOptions): IntakeResult {
  const sourceId = getOpenImisUuid(invoice);
  if (sourceId === undefined) {
    throw new ValidationError('Invoice has no openIMIS UUID (identifier of type UUID or id)', {
      issues: [{ message: 'an openIMIS UUID is required', location: 'Invoice.identifier' }],
    });
  }
  const code = getBusinessCode(invoice);
  const skip = (reason: string): IntakeResult => ({
    status: 'skip',
    reason,
    kind: 'bill',
    sourceId,
    ...(code !== undefined ? { code } : {}),
  });
  const kind = getInvoiceKind(invoice);
  if (kind?.category !== 'bill') {
    return skip('not a bill: contribution invoices are charged by the invoice mediator');
  }
  if (kind.code !== 'claim-batch') {
    return skip(`a ${kind.code} bill does not pay a health facility's claims`);
  }
  if (invoice.status === 'cancelled' || invoice.status === 'entered-in-error') {
    return skip(`Invoice.status is ${invoice.status}`);
  }
  if (code === undefined || code.trim() === '') {
    throw new ValidationError('Invoice has no code (identifier of type Code)', {
      issues: [{ message: 'an identifier of type Code is required', location: 'Invoice.identifier' }],
    });
  }
  const field = invoice.totalGross !== undefined ? 'totalGross' : 'totalNet';
  const total = parseFhirMoney(invoice[field], `Invoice.${field}`, { currency: options.currency });
  if (!isPositive(total)) {
    return skip(`Invoice.${field} is not greater than zero: nothing to pay`);
  }
  const recipient = getReferenceIdentity(invoice.recipient);
  if (
    recipient.resourceType !== 'Organization' ||
    (recipient.uuid === undefined && recipient.code === undefined)
  ) {
    throw new ValidationError('a claim-batch bill must name the health facility (Organization) it pays', {
      issues: [{ message: 'an Organization reference is required', location: 'Invoice.recipient' }],
    });
  }
  return {
    status: 'order',
    order: {
      kind: 'bill',
      sourceId,
      code: code.trim(),
      amount: total.amount,
      currency: total.currency,
      facility: {
        ...(recipient.uuid !== undefined ? { id: recipient.uuid } : {}),
        ...(recipient.code !== undefined ? { code: recipient.code } : {}),
      },
    },
  };
}
