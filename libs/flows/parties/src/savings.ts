import { isDuplicateError, type SavingsAccountData } from '@payment-layer/mifos-fineract-client';
import type { OutboxEntry } from '@payment-layer/staging-db';
import type { InsureeFlowContext } from './context';

/** Outbox kind of the savings-account step. */
export const SAVINGS_STEP = 'insuree.savings-account';

/** Payload of a savings-account outbox entry. */
export interface SavingsStepPayload {
  readonly patientId: string;
  readonly clientId: number;
  readonly productId: number;
}

/** Outcome of the savings step as the caller reports it. */
export interface SavingsStepResult {
  readonly state: 'active' | 'pending';
  readonly savingsAccountId?: number;
  readonly error?: string;
}

/**
 * Opens (or finishes opening) the insuree's savings account: submitted → approved → active. The step is first
 * written to the outbox, then tried at once; if Fineract fails the entry stays due and the outbox worker finishes
 * it later, resuming from whatever state the account reached (found again by its externalId).
 *
 * @param ctx - flow context
 * @param step - whose account, with which product
 * @returns active with the account id, or pending with the error
 */
export async function ensureSavingsAccount(
  ctx: InsureeFlowContext,
  step: SavingsStepPayload,
): Promise<SavingsStepResult> {
  const existingLink = ctx.repos.links.findByOpenimis('Patient', step.patientId, 'savingsAccount');
  if (existingLink) {
    return { state: 'active', savingsAccountId: existingLink.fineractId };
  }
  const { entry } = ctx.repos.outbox.enqueue({
    kind: SAVINGS_STEP,
    idempotencyKey: `savings:${step.patientId}`,
    payload: step,
    aggregateRef: `Patient/${step.patientId}`,
  });
  const claimed = ctx.repos.outbox.claim(entry.id, { now: now(ctx), leaseMs: 60_000 });
  if (!claimed) {
    // Done already, or another worker holds it right now and will finish the account.
    return entry.state === 'done' ? { state: 'active' } : { state: 'pending' };
  }
  return runSavingsStep(ctx, claimed);
}

/**
 * Runs one claimed savings-account outbox entry to completion or failure.
 *
 * @param ctx - flow context
 * @param entry - the claimed entry
 * @returns the step result (the entry is completed or failed accordingly)
 */
export async function runSavingsStep(
  ctx: InsureeFlowContext,
  entry: OutboxEntry,
): Promise<SavingsStepResult> {
  const step = entry.payload as SavingsStepPayload;
  try {
    const savingsAccountId = await openSavingsAccount(ctx, step);
    ctx.repos.links.upsertLink({
      openimisType: 'Patient',
      openimisId: step.patientId,
      fineractType: 'savingsAccount',
      fineractId: savingsAccountId,
    });
    ctx.repos.outbox.complete(entry.id, { savingsAccountId });
    return { state: 'active', savingsAccountId };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const delay = Math.min(60_000 * 2 ** Math.max(0, entry.attempts - 1), 3_600_000);
    ctx.repos.outbox.fail(entry.id, message, new Date(now(ctx).getTime() + delay));
    ctx.log.warn(
      { openimisId: step.patientId, fineractClientId: step.clientId, err: message },
      'savings account pending',
    );
    return { state: 'pending', error: message };
  }
}

async function openSavingsAccount(ctx: InsureeFlowContext, step: SavingsStepPayload): Promise<number> {
  const today = now(ctx);
  // An account opened with the client (`savingsProductId` on create) has no externalId: the client knows it.
  const client = await ctx.fineract.getClient(step.clientId);
  let account: SavingsAccountData | undefined =
    client.savingsAccountId !== undefined
      ? await ctx.fineract.getSavingsAccount(client.savingsAccountId)
      : await ctx.fineract.getSavingsAccountByExternalId(step.patientId);
  if (!account) {
    try {
      const created = await ctx.fineract.createSavingsAccount(
        {
          clientId: step.clientId,
          productId: step.productId,
          submittedOnDate: today,
          externalId: step.patientId,
        },
        { operationKey: `savings:${step.patientId}` },
      );
      const id = created.savingsId ?? created.resourceId;
      if (id === undefined) {
        throw new Error('Fineract answered without savingsId');
      }
      account = await ctx.fineract.getSavingsAccount(id);
    } catch (err) {
      if (!isDuplicateError(err)) {
        throw err;
      }
      account = await ctx.fineract.getSavingsAccountByExternalId(step.patientId);
      if (!account) {
        throw err;
      }
    }
  }
  const status = statusOf(account);
  if (status === 'submitted') {
    await ctx.fineract.approveSavingsAccount(
      account.id,
      { approvedOnDate: today },
      { operationKey: `savings-approve:${step.patientId}` },
    );
  }
  if (status === 'submitted' || status === 'approved') {
    await ctx.fineract.activateSavingsAccount(
      account.id,
      { activatedOnDate: today },
      { operationKey: `savings-activate:${step.patientId}` },
    );
  }
  return account.id;
}

function statusOf(account: SavingsAccountData): 'submitted' | 'approved' | 'active' | 'other' {
  const s = account.status as
    | { submittedAndPendingApproval?: boolean; approved?: boolean; active?: boolean; code?: string }
    | undefined;
  if (s?.active === true || s?.code === 'savingsAccountStatusType.active') {
    return 'active';
  }
  if (s?.approved === true || s?.code === 'savingsAccountStatusType.approved') {
    return 'approved';
  }
  if (
    s?.submittedAndPendingApproval === true ||
    s?.code === 'savingsAccountStatusType.submitted.and.pending.approval'
  ) {
    return 'submitted';
  }
  return 'other';
}

function now(ctx: InsureeFlowContext): Date {
  return ctx.now ? ctx.now() : new Date();
}
