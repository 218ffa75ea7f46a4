import type { Claim } from 'fhir/r4';
import { assertValidResource, getOpenImisUuid, getReferenceIdentity } from '@payment-layer/fhir-util';
import { ConflictError, MappingError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { repairOpenImisInvoice } from '@payment-layer/flows-invoice';
import type { Payout } from '@payment-layer/staging-db';
import { railFor, type ClaimFlowContext } from './context';
import { resolveFacility, type ResolvedFacility } from './facility';
import { billPayoutOrder, claimPayoutOrder, type IntakeResult, type PayoutOrder } from './intake';

/** What happened to a claim or bill: a payout queued now, one known from before, or none (with the reason). */
export type PayoutOutcome = 'queued' | 'known' | 'skipped';

/** Result of {@link processClaimResponse} and {@link processBill}. */
export interface PayoutProcessResult {
  readonly kind: 'claim' | 'bill';
  readonly outcome: PayoutOutcome;
  /** Why a `skipped` claim or bill is not paid. */
  readonly reason?: string;
  /** openIMIS UUID of the claim or bill. */
  readonly sourceId?: string;
  readonly code?: string;
  readonly amount?: string;
  readonly currency?: string;
  readonly facilityId?: string;
  readonly facilityCode?: string;
  readonly payout?: Payout;
}

/**
 * Takes in one openIMIS ClaimResponse: a valuated claim becomes ONE payout (`claim:<uuid>`) to the health facility
 * of its Claim (`Claim.provider`, read from openIMIS), whose Fineract entity client and savings account are made
 * sure of first. Entered, checked, processed and rejected claims are skipped with the reason, which is logged and
 * returned. A known claim is answered from the payout ledger without any call; a known claim whose amount,
 * currency or facility changed is flagged for an operator (409), never paid again.
 *
 * @param ctx - flow context
 * @param resource - a ClaimResponse (any JSON; validated here)
 * @returns what was done
 * @throws ValidationError (400) for invalid FHIR or an unusable valuated total
 * @throws MappingError (422) when the claim's facility is unknown to openIMIS or cannot be mapped
 * @throws ConflictError (409) for a known claim that changed
 */
export async function processClaimResponse(
  ctx: ClaimFlowContext,
  resource: unknown,
): Promise<PayoutProcessResult> {
  const response = assertValidResource(resource, 'ClaimResponse');
  const settings = ctx.settings();
  const intake = claimPayoutOrder(response, { currency: settings.currency });
  if (intake.status === 'skip') {
    return skipped(ctx, intake);
  }
  const { order } = intake;
  if (settings.payoutBasis === 'bill') {
    return skipped(ctx, {
      status: 'skip',
      kind: 'claim',
      sourceId: order.sourceId,
      code: order.code,
      reason: 'valuated claims are paid through their claim-batch bill (payout basis: bill)',
    });
  }
  const known = knownPayout(ctx, order);
  if (known) {
    return known;
  }
  const facility = await resolveFacility(ctx, await claimFacility(ctx, order));
  return record(ctx, order, facility);
}

/**
 * Takes in one openIMIS bill (FHIR Invoice): a claim-batch bill becomes ONE payout (`bill:<uuid>`) to the health
 * facility it names, and is kept in the payment ledger (kind `bill`) so that, once paid, the payment flow's outbox
 * reports it to openIMIS with one PaymentNotice. Other invoices and bills are skipped with the reason.
 *
 * @param ctx - flow context
 * @param resource - an Invoice (any JSON; validated here)
 * @returns what was done
 * @throws ValidationError (400) for invalid FHIR, a missing code, total or facility recipient
 * @throws MappingError (422) when the facility is unknown to openIMIS or cannot be mapped
 * @throws ConflictError (409) for a known bill that changed
 */
export async function processBill(ctx: ClaimFlowContext, resource: unknown): Promise<PayoutProcessResult> {
  // openIMIS serves Invoice.status "active" (not an R4 code): repaired as the invoice flow does.
  const invoice = assertValidResource(repairOpenImisInvoice(resource), 'Invoice');
  const settings = ctx.settings();
  const intake = billPayoutOrder(invoice, { currency: settings.currency });
  if (intake.status === 'skip') {
    return skipped(ctx, intake);
  }
  const { order } = intake;
  if (settings.payoutBasis === 'claim') {
    return skipped(ctx, {
      status: 'skip',
      kind: 'bill',
      sourceId: order.sourceId,
      code: order.code,
      reason: 'claims are paid one by one as they are valuated (payout basis: claim)',
    });
  }
  const known = knownPayout(ctx, order);
  if (known) {
    return known;
  }
  const facility = await resolveFacility(ctx, order.facility ?? {});
  const date = /^\d{4}-\d{2}-\d{2}/.exec(invoice.date ?? '')?.[0] ?? null;
  // In the ledger before the money moves: a Fineract deposit hook that reaches the payment mediator first then
  // matches this bill (same source and transaction id as the worker records), instead of an unknown deposit.
  const upsert = ctx.repos.ledger.upsertInvoice({
    openimisInvoiceId: order.sourceId,
    code: order.code,
    kind: 'bill',
    recipientType: 'Organization',
    recipientId: facility.id,
    amount: order.amount,
    currency: order.currency,
    invoiceDate: date,
    dueDate: date,
    fineractClientId: facility.fineractClientId,
  });
  if (upsert.status === 'changed' && upsert.flagged) {
    throw new ConflictError(`bill ${order.code} changed in openIMIS: flagged for an operator, not paid`);
  }
  return record(ctx, order, facility);
}

function skipped(
  ctx: ClaimFlowContext,
  intake: Extract<IntakeResult, { status: 'skip' }>,
): PayoutProcessResult {
  ctx.log.info({ kind: intake.kind, sourceId: intake.sourceId, reason: intake.reason }, 'not paid');
  return {
    kind: intake.kind,
    outcome: 'skipped',
    reason: intake.reason,
    ...(intake.sourceId !== undefined ? { sourceId: intake.sourceId } : {}),
    ...(intake.code !== undefined ? { code: intake.code } : {}),
  };
}

/** The answer for a claim or bill the payout ledger knows already (no call at all), or undefined. */
function knownPayout(ctx: ClaimFlowContext, order: PayoutOrder): PayoutProcessResult | undefined {
  const stored = ctx.repos.payouts.getByKey(`${order.kind}:${order.sourceId}`);
  if (stored === undefined) {
    return undefined;
  }
  const changed = [
    ...(stored.amount !== order.amount ? [`amount ${stored.amount} → ${order.amount}`] : []),
    ...(stored.currency !== order.currency ? [`currency ${stored.currency} → ${order.currency}`] : []),
    ...(order.facility?.id !== undefined && order.facility.id !== stored.facilityId
      ? [`facility ${stored.facilityId} → ${order.facility.id}`]
      : []),
  ];
  if (changed.length > 0) {
    const row = ctx.repos.payouts.flag(
      stored.id,
      `changed in openIMIS after it was recorded: ${changed.join(', ')}`,
    );
    ctx.log.warn({ payoutKey: stored.payoutKey, state: row.state }, 'known payout changed in openIMIS');
    throw new ConflictError(
      `${order.kind} ${order.code} changed in openIMIS (${changed.join(', ')}): payout ${row.state}, never paid twice`,
    );
  }
  return result(order, 'known', stored);
}

async function claimFacility(
  ctx: ClaimFlowContext,
  order: PayoutOrder,
): Promise<{ id?: string; code?: string }> {
  const ref = order.claim?.id ?? order.claim?.code ?? order.sourceId;
  let claim: Claim;
  try {
    claim = await ctx.openimis.read('Claim', ref);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new MappingError(
        `claim ${order.code} is unknown to openIMIS: its health facility cannot be found`,
        {
          cause: err,
          issues: [{ message: 'Claim not found in openIMIS', location: 'ClaimResponse.request' }],
        },
      );
    }
    throw err;
  }
  const provider = getReferenceIdentity(claim.provider);
  if (provider.uuid === undefined && provider.code === undefined) {
    throw new ValidationError(`claim ${order.code} names no health facility (Claim.provider)`);
  }
  return {
    ...(provider.uuid !== undefined ? { id: provider.uuid } : {}),
    ...(provider.code !== undefined ? { code: provider.code } : {}),
  };
}

function record(ctx: ClaimFlowContext, order: PayoutOrder, facility: ResolvedFacility): PayoutProcessResult {
  const r = ctx.repos.payouts.recordPayout({
    kind: order.kind,
    sourceId: order.sourceId,
    code: order.code,
    facilityId: facility.id,
    facilityCode: facility.code,
    amount: order.amount,
    currency: order.currency,
    rail: railFor(ctx.routing, facility.code),
  });
  if (!r.created) {
    // Recorded by a concurrent request between the look-up and now.
    return result(order, 'known', r.payout);
  }
  ctx.log.info(
    { payoutKey: r.payout.payoutKey, facilityId: facility.id, rail: r.payout.rail },
    'payout queued',
  );
  return result(order, 'queued', r.payout);
}

function result(order: PayoutOrder, outcome: PayoutOutcome, payout: Payout): PayoutProcessResult {
  return {
    kind: order.kind,
    outcome,
    sourceId: order.sourceId,
    code: payout.code,
    amount: payout.amount,
    currency: payout.currency,
    facilityId: payout.facilityId,
    facilityCode: payout.facilityCode,
    payout,
  };
}

/**
 * The openIMIS UUID of a ClaimResponse or Invoice, for reports.
 *
 * @param resource - any resource
 * @returns the UUID, or undefined
 */
export function sourceUuidOf(resource: { id?: string }): string | undefined {
  return getOpenImisUuid(resource);
}
