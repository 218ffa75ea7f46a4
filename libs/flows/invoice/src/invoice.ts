import type { Invoice, Money as FhirMoney } from 'fhir/r4';
import {
  assertInvoiceLineItems,
  assertValidResource,
  getBusinessCode,
  getInvoiceKind,
  getOpenImisUuid,
  type InvoiceKind,
} from '@payment-layer/fhir-util';
import {
  FineractError,
  type ClientChargeApplyRequest,
  type CommandResult,
  type WriteResult,
} from '@payment-layer/mifos-fineract-client';
import { isPositive, moneyEquals, parseFhirMoney, type Money } from '@payment-layer/shared-money';
import type { LedgerInvoice } from '@payment-layer/staging-db';
import { ConflictError, UpstreamError, ValidationError } from '@payment-layer/shared-errors';
import type { InvoiceFlowContext } from './context';
import { identifyInvoice } from './identity';
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
  const { invoice } = await identifyInvoice(
    ctx,
    assertValidResource(repairOpenImisInvoice(resource), 'Invoice'),
  );
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

  if (kind.category === 'bill' && settings.billsHandledBy === 'claim') {
    // The claim mediator keeps its bills in the ledger (awaiting payment until the facility is paid): not ours to flag.
    return skip(ctx, openimisId, kind, 'bills are handled by the claim mediator', undefined);
  }
  const skipReason = NOT_CHARGEABLE_FHIR_STATUS[invoice.status];
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
  const invoiceDate = invoiceCalendarDate(invoice);
  // Everything that can refuse the invoice is checked before the first write (client, link, ledger row, charge):
  // a refused invoice changes nothing.
  const charge = mapCharge(ctx, invoice, total);

  // The real status is only in GraphQL; read it once, before the first charge (not on every rerun).
  if (settings.checkOpenImisStatus && (stored === undefined || stored.fineractChargeId === null)) {
    const status = await ctx.openimis.getInvoiceStatus(openimisId, kind.category);
    const reason = NOT_CHARGEABLE_OPENIMIS_STATUS[status.status];
    if (reason !== undefined) {
      return skip(ctx, openimisId, kind, reason, stored);
    }
  }

  const recipient = await resolveRecipient(ctx, recipientRef);
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

  const applied = await applyCharge(ctx, row, charge, recipient.fineractClientId, upsert.status === 'new');
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

/**
 * The invoice date as a real calendar date (`YYYY-MM-DD`): the ledger's invoice and due date and the charge's due
 * date come from it, so an impossible date (`2023-02-30`) or a partial one (`2023-02`) is refused before anything is
 * written.
 *
 * @param invoice - a validated Invoice
 * @returns the date, or null when the Invoice has none
 * @throws ValidationError naming Invoice.date
 */
export function invoiceCalendarDate(invoice: Invoice): string | null {
  if (invoice.date === undefined) {
    return null;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(invoice.date);
  const day = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  const date = m?.[0];
  if (date === undefined || day === undefined || day.toISOString().slice(0, 10) !== date) {
    throw new ValidationError(`Invoice.date ${invoice.date} is not a calendar date`, {
      issues: [{ message: 'must be a calendar date (YYYY-MM-DD…)', location: 'Invoice.date', code: 'value' }],
    });
  }
  return date;
}

/** The client charge the mapping document makes of an invoice, checked against the invoice total. */
function mapCharge(ctx: InvoiceFlowContext, invoice: Invoice, total: Money): ClientChargeApplyRequest {
  const settings = ctx.settings();
  const {
    dateFormat: _f,
    locale: _l,
    ...payload
  } = ctx.mappings.invoiceToClientCharge.apply(invoice, {
    config: { chargeId: settings.chargeId, currency: settings.currency },
  }) as unknown as ClientChargeApplyRequest & { dateFormat?: string; locale?: string };
  // The charge must be exactly the amount the ledger expects to be paid (the PaymentNotice must match it later).
  if (!moneyEquals({ amount: payload.amount, currency: settings.currency }, total)) {
    throw new ConflictError(
      `the mapped charge amount ${payload.amount} differs from the invoice total ${total.amount}`,
    );
  }
  return payload;
}

/**
 * Applies the invoice's one client charge, exactly once across retries, reruns, syncs and crashes:
 * - the attempt is stored in the ledger before each key is sent, and a rerun resumes at the stored attempt (whose key
 *   may have succeeded) instead of at 1;
 * - before any new key — and before resuming an attempt an earlier run may have sent — the charge is read back by
 *   its business key: the client's charge of this definition, amount and due date that no other ledger invoice
 *   holds. Two such charges cannot be told apart: the invoice goes to an operator instead of guessing;
 * - a refusal (Fineract 4xx) of a new invoice removes its ledger row; of a known one, moves it to the next attempt.
 */
async function applyCharge(
  ctx: InvoiceFlowContext,
  row: LedgerInvoice,
  payload: ClientChargeApplyRequest,
  clientId: number,
  isNew: boolean,
): Promise<{ chargeId: number; replayed: boolean }> {
  // Fineract refuses a charge due before the client's activation (a client created today for last month's
  // invoice): such a charge falls due on the activation date instead.
  let client;
  try {
    client = await ctx.fineract.getClient(clientId);
  } catch (err) {
    // Nothing was sent for this invoice yet: a new one leaves no row behind.
    if (isNew && row.chargeAttempt === 0) {
      ctx.repos.ledger.discardUnchargedInvoice(row.id, 0);
    }
    throw err;
  }
  const dueDate = String(payload.dueDate);
  const activation = client.activationDate;
  const body: ClientChargeApplyRequest =
    activation !== undefined && dueDate < activation ? { ...payload, dueDate: activation } : payload;
  // The client stops the write when its read-back throws and reports the write's error: keep the flagging reason.
  let ambiguous: ConflictError | undefined;
  const readBack = async (): Promise<CommandResult | undefined> => {
    try {
      const chargeId = await findOwnCharge(ctx, row, clientId, body);
      return chargeId === undefined ? undefined : { clientId, resourceId: chargeId };
    } catch (err) {
      if (err instanceof ConflictError) {
        ambiguous = err;
      }
      throw err;
    }
  };
  if (row.chargeAttempt > 0) {
    // An earlier run sent a charge and never learnt its outcome (timeout, crash): its key may be purged by now.
    const found = await readBack();
    if (found?.resourceId !== undefined) {
      ctx.log.info(
        { openimisId: row.openimisInvoiceId, chargeId: found.resourceId },
        'charge found by read-back',
      );
      return { chargeId: found.resourceId, replayed: true };
    }
  }
  let sent = row.chargeAttempt;
  const send = (attempt: number): Promise<WriteResult> =>
    ctx.fineract.applyClientCharge(clientId, body, {
      operationKey: `charge:${row.openimisInvoiceId}`,
      attempt,
      readBack,
      onAttempt: (n) => {
        ctx.repos.ledger.recordChargeAttempt(row.id, n);
        sent = n;
      },
    });
  let result: WriteResult;
  try {
    try {
      result = await send(Math.max(1, row.chargeAttempt));
    } catch (err) {
      // A refusal replayed from Fineract's store answers an earlier run (whose ledger row a refusal removed, or whose
      // cause an operator fixed since): nothing was applied under that key, so the next one is sent — once.
      if (!(err instanceof FineractError && err.servedFromCache && err.statusCode === 422 && sent > 0)) {
        throw err;
      }
      result = await send(sent + 1);
    }
  } catch (err) {
    if (ambiguous) {
      throw ambiguous;
    }
    const refused = err instanceof UpstreamError && err.statusCode === 422;
    // Fineract refused the charge: nothing was applied under this key (nor under the earlier ones of this call,
    // which the read-back ruled out) — or nothing was sent at all. A new invoice leaves no row; a known one goes on
    // with a fresh key next time.
    if ((refused || sent === 0) && !(isNew && ctx.repos.ledger.discardUnchargedInvoice(row.id, sent))) {
      if (refused && sent > 0) {
        ctx.repos.ledger.recordChargeAttempt(row.id, sent + 1);
      }
    }
    throw err;
  }
  const chargeId = result.resourceId;
  if (chargeId === undefined) {
    throw new ValidationError('Fineract answered the client charge without its id');
  }
  return { chargeId, replayed: result.write.servedFromCache || result.write.fromReadBack };
}

/**
 * The client charge an earlier attempt applied for this invoice, if any: same charge definition, amount and due
 * date, not held by another ledger invoice.
 *
 * @throws ConflictError (409) when several charges qualify: the invoice is flagged for an operator
 */
async function findOwnCharge(
  ctx: InvoiceFlowContext,
  row: LedgerInvoice,
  clientId: number,
  body: ClientChargeApplyRequest,
): Promise<number | undefined> {
  const candidates = (
    await ctx.fineract.findClientCharges(clientId, {
      chargeId: body.chargeId,
      amount: body.amount,
      dueDate: body.dueDate,
    })
  ).filter((c) => {
    const holder = ctx.repos.ledger.getInvoiceByFineractCharge(c.id);
    return holder === undefined || holder.id === row.id;
  });
  if (candidates.length <= 1) {
    return candidates[0]?.id;
  }
  const ids = candidates.map((c) => c.id).join(', ');
  ctx.repos.ledger.updateInvoice(row.id, {
    state: 'needs_attention',
    attentionReason: `Fineract client ${clientId} has several unassigned charges that fit this invoice (${ids}): which one collects it is for an operator to decide`,
  });
  throw new ConflictError(
    `invoice ${row.code}: Fineract charges ${ids} all fit it; flagged for an operator, not charged again`,
  );
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
      row.fineractChargeId !== null
        ? `Fineract charge ${row.fineractChargeId} is open`
        : row.chargeAttempt > 0
          ? `a charge may have been applied (attempt ${row.chargeAttempt}, outcome unknown): check the client's charges`
          : 'no charge applied';
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
