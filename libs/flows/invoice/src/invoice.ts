import type { Invoice, Money as FhirMoney } from 'fhir/r4';
import {
  assertInvoiceLineItems,
  assertValidResource,
  getBusinessCode,
  getInvoiceKind,
  getOpenImisUuid,
  type InvoiceKind,
} from '@payment-layer/fhir-util';
import type { ClientChargeApplyRequest } from '@payment-layer/mifos-fineract-client';
import { isPositive, moneyEquals, parseFhirMoney, type Money } from '@payment-layer/shared-money';
import type { LedgerInvoice } from '@payment-layer/staging-db';
import { ConflictError, ValidationError } from '@payment-layer/shared-errors';
import type { InvoiceFlowContext } from './context';
import { repairOpenImisInvoice } from './quirks';
import { parseRecipient, resolveRecipient, type ResolvedRecipient } from './recipient';

/** What happened to one invoice: a charge applied now, already applied before, or not to be charged. */
export type InvoiceOutcome = 'charged' | 'unchanged' | 'skipped';

/** Result of {@link processInvoice}. */
export interface InvoiceProcessResult {
  /** openIMIS invoice UUID, lower case. */
  readonly openimisId: string;
  readonly outcome: InvoiceOutcome;
  /** Why a `skipped` invoice is not charged. */
  readonly reason?: string;
  /** Invoice code (`Invoice.identifier` of type Code). */
  readonly code?: string;
  /** `invoice` or `bill`, and the type code (e.g. `contribution`). */
  readonly kind?: InvoiceKind;
  /** Total as a decimal string, in {@link currency}. */
  readonly amount?: string;
  readonly currency?: string;
  readonly recipient?: ResolvedRecipient;
  readonly fineractClientId?: number;
  /** The client charge that collects the invoice. */
  readonly fineractChargeId?: number;
  /** The charge came from Fineract's idempotency replay (an earlier, interrupted attempt applied it). */
  readonly replayed?: boolean;
  /** Ledger row id and state after processing. */
  readonly ledgerId?: number;
  readonly ledgerState?: string;
}

/** openIMIS `GenericInvoice.Status` values that must never be charged (§6.6): paid, cancelled, deleted, reconciliated. */
const NOT_CHARGEABLE_OPENIMIS_STATUS: Readonly<Record<number, string>> = {
  0: 'draft in openIMIS',
  2: 'already paid in openIMIS',
  3: 'cancelled in openIMIS',
  4: 'deleted in openIMIS',
  7: 'already paid and reconciled in openIMIS',
};

/** Where a flagged change shows in the Invoice. */
const CHANGED_FIELD_LOCATION: Readonly<Record<string, string>> = {
  amount: 'Invoice.totalGross.value',
  currency: 'Invoice.totalGross.currency',
  code: 'Invoice.identifier',
  kind: 'Invoice.type',
  recipientType: 'Invoice.recipient',
  recipientId: 'Invoice.recipient',
  fineractClientId: 'Invoice.recipient',
  fineractChargeId: 'Invoice',
};

/** FHIR statuses that must never be charged. */
const NOT_CHARGEABLE_FHIR_STATUS: Readonly<Record<string, string>> = {
  draft: 'Invoice.status is draft',
  cancelled: 'Invoice.status is cancelled',
  'entered-in-error': 'Invoice.status is entered-in-error',
  balanced: 'Invoice.status is balanced (already paid)',
};

/**
 * Processes one openIMIS Invoice: repairs the known openIMIS quirks, validates it, skips (with a reason) what must
 * not be charged, resolves the recipient to a Fineract client (creating it when needed), records the invoice in
 * the staging ledger as awaiting payment and applies one client charge for its total.
 *
 * Exactly once: the ledger row is written before the charge and the charge carries the operation key
 * `charge:<invoice uuid>`; a failure between the two leaves a row without charge id that the next attempt (the same
 * request again, an OpenHIM rerun, the next sync) completes with the same key, so Fineract replays the first
 * charge instead of applying a second one. A known invoice whose amount (or currency, code, recipient) changed is
 * flagged `needs_attention` and answered 409 — never charged again.
 *
 * @param ctx - flow context
 * @param resource - an Invoice (any JSON; validated here)
 * @returns ids and outcome
 * @throws ValidationError (400) for invalid FHIR, a missing code or total, or a total in another currency
 * @throws MappingError (422) for a recipient openIMIS does not know or that cannot be mapped
 * @throws ConflictError (409) for a changed known invoice, or one waiting for an operator
 */
export async function processInvoice(
  ctx: InvoiceFlowContext,
  resource: unknown,
): Promise<InvoiceProcessResult> {
  const invoice = assertValidResource(repairOpenImisInvoice(resource), 'Invoice');
  const openimisId = invoiceUuid(invoice);
  const settings = ctx.settings();
  const kind = getInvoiceKind(invoice);
  if (kind === undefined) {
    throw new ValidationError('Invoice.type is not an openIMIS invoice or bill type', {
      issues: [
        { message: 'an openIMIS invoice-type or bill-type coding is required', location: 'Invoice.type' },
      ],
    });
  }
  const stored = ctx.repos.ledger.getInvoiceByOpenimisId(openimisId);

  const skipReason =
    kind.category === 'bill' && settings.billsHandledBy === 'claim'
      ? 'bills are handled by the claim mediator'
      : NOT_CHARGEABLE_FHIR_STATUS[invoice.status];
  if (skipReason !== undefined) {
    return skip(ctx, openimisId, kind, skipReason, stored);
  }

  const total = invoiceTotal(invoice, settings.currency);
  assertInvoiceLineItems(invoice, total.currency);
  const code = getBusinessCode(invoice);
  if (code === undefined || code.trim() === '') {
    throw new ValidationError('Invoice has no code (identifier of type Code)', {
      issues: [{ message: 'an identifier of type Code is required', location: 'Invoice.identifier' }],
    });
  }
  const recipientRef = parseRecipient(invoice);

  // The real status is only in GraphQL; read it once, before the first charge (not on every rerun).
  if (settings.checkOpenImisStatus && (stored === undefined || stored.fineractChargeId === null)) {
    const status = await ctx.openimis.getInvoiceStatus(openimisId, kind.category);
    const reason = NOT_CHARGEABLE_OPENIMIS_STATUS[status.status];
    if (reason !== undefined) {
      return skip(ctx, openimisId, kind, reason, stored);
    }
  }

  const recipient = await resolveRecipient(ctx, recipientRef);
  const invoiceDate = invoice.date?.slice(0, 10) ?? null;
  const upsert = ctx.repos.ledger.upsertInvoice({
    openimisInvoiceId: openimisId,
    code,
    kind: kind.category,
    recipientType: recipient.type,
    recipientId: recipient.id,
    amount: total.amount,
    currency: total.currency,
    invoiceDate,
    // FHIR carries no due date: openIMIS' converter maps the invoice date, and so does the charge mapping.
    dueDate: invoiceDate,
    fineractClientId: recipient.fineractClientId,
  });
  if (upsert.status === 'changed' && upsert.flagged) {
    const what = upsert.changes
      .filter((c) => !c.applied)
      .map((c) => `${c.field} ${String(c.stored)} → ${String(c.incoming)}`)
      .join(', ');
    // Invoice codes embed the insuree's number (IV-<product>-<CHF id>-…): logs name the UUID and the fields only.
    ctx.log.warn(
      { openimisId, changed: upsert.changes.filter((c) => !c.applied).map((c) => c.field) },
      'known invoice changed in openIMIS; flagged',
    );
    throw new ConflictError(
      `invoice ${code} changed in openIMIS (${what}): flagged for an operator, not charged again`,
      {
        issues: upsert.changes
          .filter((c) => !c.applied)
          .map((c) => ({
            message: `${c.field} changed from ${String(c.stored)} to ${String(c.incoming)}`,
            location: CHANGED_FIELD_LOCATION[c.field] ?? 'Invoice',
          })),
      },
    );
  }
  const row = upsert.invoice;
  const base = {
    openimisId,
    code,
    kind,
    amount: row.amount,
    currency: row.currency,
    recipient,
    fineractClientId: recipient.fineractClientId,
    ledgerId: row.id,
  };
  if (row.fineractChargeId !== null) {
    return { ...base, outcome: 'unchanged', fineractChargeId: row.fineractChargeId, ledgerState: row.state };
  }
  if (row.state !== 'awaiting_payment') {
    if (row.state === 'needs_attention') {
      throw new ConflictError(
        `invoice ${code} needs an operator's attention (${row.attentionReason ?? 'flagged'}): not charged`,
      );
    }
    return { ...base, outcome: 'skipped', reason: `ledger state is ${row.state}`, ledgerState: row.state };
  }

  const applied = await applyCharge(ctx, invoice, openimisId, recipient.fineractClientId, {
    amount: row.amount,
    currency: row.currency,
  });
  const attached = ctx.repos.ledger.attachFineractCharge(row.id, {
    clientId: recipient.fineractClientId,
    chargeId: applied.chargeId,
  });
  ctx.log.info(
    { openimisId, fineractClientId: recipient.fineractClientId, fineractChargeId: applied.chargeId },
    'invoice charged',
  );
  return {
    ...base,
    outcome: 'charged',
    fineractChargeId: applied.chargeId,
    replayed: applied.replayed,
    ledgerState: attached.state,
  };
}

/**
 * The openIMIS UUID of an Invoice (its UUID identifier, else its id).
 *
 * @param invoice - the resource
 * @returns the lower-case UUID
 * @throws ValidationError when it has none
 */
export function invoiceUuid(invoice: Invoice): string {
  const uuid = getOpenImisUuid(invoice);
  if (!uuid) {
    throw new ValidationError('Invoice has no openIMIS UUID (identifier of type UUID or id)', {
      issues: [{ message: 'an openIMIS UUID is required', location: 'Invoice.identifier' }],
    });
  }
  return uuid;
}

/**
 * The invoice total (`totalGross`, else `totalNet`) as decimal money, checked against the configured currency.
 *
 * @param invoice - a validated Invoice
 * @param currency - the configured ISO 4217 code
 * @returns the total
 * @throws ValidationError naming Invoice.totalGross / Invoice.totalNet (missing, not positive, other currency)
 */
export function invoiceTotal(invoice: Invoice, currency: string): Money {
  const field = invoice.totalGross !== undefined ? 'totalGross' : 'totalNet';
  const raw: FhirMoney | undefined = invoice[field];
  if (raw === undefined) {
    throw new ValidationError('Invoice has no total', {
      issues: [{ message: 'totalGross is required', location: 'Invoice.totalGross', code: 'required' }],
    });
  }
  const total = parseFhirMoney(raw, `Invoice.${field}`);
  const wrong = (['totalGross', 'totalNet'] as const).filter(
    (f) => invoice[f]?.currency !== undefined && invoice[f]?.currency !== currency,
  );
  if (wrong.length > 0) {
    throw new ValidationError(
      `Invoice.${wrong[0] ?? field}.currency ${invoice[wrong[0] ?? field]?.currency ?? ''} is not the configured currency ${currency}`,
      {
        issues: wrong.map((f) => ({
          message: `currency must be ${currency}`,
          location: `Invoice.${f}.currency`,
        })),
      },
    );
  }
  if (!isPositive(total)) {
    throw new ValidationError(`Invoice.${field} must be greater than zero`, {
      issues: [{ message: 'must be greater than zero', location: `Invoice.${field}.value` }],
    });
  }
  return total;
}

async function applyCharge(
  ctx: InvoiceFlowContext,
  invoice: Invoice,
  openimisId: string,
  clientId: number,
  ledgerTotal: Money,
): Promise<{ chargeId: number; replayed: boolean }> {
  const settings = ctx.settings();
  const {
    dateFormat: _f,
    locale: _l,
    ...payload
  } = ctx.mappings.invoiceToClientCharge.apply(invoice, {
    config: { chargeId: settings.chargeId, currency: settings.currency },
  }) as unknown as ClientChargeApplyRequest & { dateFormat?: string; locale?: string };
  // The charge must be exactly the amount the ledger expects to be paid (the PaymentNotice must match it later).
  if (!moneyEquals({ amount: payload.amount, currency: settings.currency }, ledgerTotal)) {
    throw new ConflictError(
      `the mapped charge amount ${payload.amount} differs from the ledger amount ${ledgerTotal.amount}`,
    );
  }
  // Fineract refuses a charge due before the client's activation (a client created today for last month's
  // invoice): such a charge falls due on the activation date instead.
  const client = await ctx.fineract.getClient(clientId);
  const dueDate = String(payload.dueDate);
  const activation = client.activationDate;
  const body: ClientChargeApplyRequest =
    activation !== undefined && dueDate < activation ? { ...payload, dueDate: activation } : payload;
  const result = await ctx.fineract.applyClientCharge(clientId, body, {
    operationKey: `charge:${openimisId}`,
  });
  const chargeId = result.resourceId;
  if (chargeId === undefined) {
    throw new ValidationError('Fineract answered the client charge without its id');
  }
  return { chargeId, replayed: result.write.servedFromCache || result.write.fromReadBack };
}

function skip(
  ctx: InvoiceFlowContext,
  openimisId: string,
  kind: InvoiceKind,
  reason: string,
  stored: LedgerInvoice | undefined,
): InvoiceProcessResult {
  let row = stored;
  // An invoice recorded earlier and now cancelled or paid elsewhere: its Fineract charge (if applied) must be
  // waived or reconciled by an operator, and no payment may be matched to it meanwhile — the ledger says so.
  if (row && row.state === 'awaiting_payment') {
    const charge =
      row.fineractChargeId !== null ? `Fineract charge ${row.fineractChargeId} is open` : 'no charge applied';
    row = ctx.repos.ledger.updateInvoice(row.id, {
      state: 'needs_attention',
      attentionReason: `not chargeable any more (${reason}); ${charge}`,
      expectedState: 'awaiting_payment',
    });
  }
  ctx.log.info({ openimisId, reason }, 'invoice skipped');
  return {
    openimisId,
    outcome: 'skipped',
    reason,
    kind,
    ...(row
      ? {
          code: row.code,
          amount: row.amount,
          currency: row.currency,
          ledgerId: row.id,
          ledgerState: row.state,
          ...(row.fineractClientId !== null ? { fineractClientId: row.fineractClientId } : {}),
          ...(row.fineractChargeId !== null ? { fineractChargeId: row.fineractChargeId } : {}),
        }
      : {}),
  };
}
