import type { Organization } from 'fhir/r4';
import { getBusinessCode, getOpenImisUuid } from '@payment-layer/fhir-util';
import { isDuplicateError, type SavingsAccountData } from '@payment-layer/mifos-fineract-client';
import { upsertOrganizationClient } from '@payment-layer/flows-parties';
import { MappingError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import type { ClaimFlowContext } from './context';
import type { FacilityRef } from './intake';

/** A health facility with the Fineract client and active savings account its payouts go to. */
export interface ResolvedFacility {
  /** openIMIS UUID, lower case. */
  readonly id: string;
  readonly code: string;
  readonly name?: string;
  readonly fineractClientId: number;
  readonly fineractSavingsAccountId: number;
  /** `known`: both links were in staging (no Fineract call); otherwise something was read or written. */
  readonly outcome: 'known' | 'linked' | 'created';
}

/**
 * Resolves a health facility to its Fineract entity client (legalFormId 2) with an active savings account, exactly
 * once: staging links first (no call); otherwise the Organization is read from openIMIS, the client is read back by
 * externalId (the facility UUID) before it is created — with the invoice flow's operation key `client:<uuid>`, so
 * both mediators create one client — and the account is read back (the client's, or by externalId) before it is
 * opened, approved and activated. The links (client, savings account) are kept in the link repository.
 *
 * @param ctx - flow context
 * @param ref - facility UUID and/or code
 * @returns the facility and its Fineract ids
 * @throws MappingError (422) when openIMIS does not know the facility or it cannot become a client
 */
export async function resolveFacility(ctx: ClaimFlowContext, ref: FacilityRef): Promise<ResolvedFacility> {
  let organization: Organization | undefined;
  let id = ref.id;
  if (id === undefined) {
    organization = await readOrganization(ctx, ref.code ?? '');
    id = getOpenImisUuid(organization);
    if (id === undefined) {
      throw new MappingError(`health facility ${ref.code ?? '?'} has no openIMIS UUID`);
    }
  }
  const client = ctx.repos.links.findByOpenimis('Organization', id, 'client');
  const account = ctx.repos.links.findByOpenimis('Organization', id, 'savingsAccount');
  if (client && account && ref.code !== undefined) {
    return {
      id,
      code: ref.code,
      fineractClientId: client.fineractId,
      fineractSavingsAccountId: account.fineractId,
      outcome: 'known',
    };
  }
  organization ??= await readOrganization(ctx, id);
  const code = getBusinessCode(organization) ?? ref.code;
  if (code === undefined) {
    throw new MappingError(`health facility ${id} has no code`, {
      issues: [{ message: 'the facility code is required', location: 'Organization.identifier' }],
    });
  }
  if (client && account) {
    return {
      id,
      code,
      ...(organization.name !== undefined ? { name: organization.name } : {}),
      fineractClientId: client.fineractId,
      fineractSavingsAccountId: account.fineractId,
      outcome: 'known',
    };
  }
  const { clientId, created } = client
    ? { clientId: client.fineractId, created: false }
    : await upsertFacilityClient(ctx, id, organization);
  const savingsId = await ensurePayoutAccount(ctx, id, clientId);
  ctx.repos.links.upsertLink({
    openimisType: 'Organization',
    openimisId: id,
    fineractType: 'savingsAccount',
    fineractId: savingsId,
  });
  ctx.log.info({ facilityId: id, fineractClientId: clientId, savingsId }, 'health facility linked');
  return {
    id,
    code,
    ...(organization.name !== undefined ? { name: organization.name } : {}),
    fineractClientId: clientId,
    fineractSavingsAccountId: savingsId,
    outcome: created ? 'created' : 'linked',
  };
}

async function readOrganization(ctx: ClaimFlowContext, idOrCode: string): Promise<Organization> {
  try {
    return await ctx.openimis.read('Organization', idOrCode);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new MappingError(`health facility ${idOrCode} is unknown to openIMIS`, { cause: err });
    }
    throw err;
  }
}

async function upsertFacilityClient(
  ctx: ClaimFlowContext,
  uuid: string,
  organization: Organization,
): Promise<{ clientId: number; created: boolean }> {
  const settings = ctx.settings();
  try {
    const r = await upsertOrganizationClient(
      {
        fineract: ctx.fineract,
        repos: ctx.repos,
        mapping: ctx.mappings.organizationToClient,
        officeId: settings.fineractOfficeId,
        today: settings.today,
      },
      uuid,
      organization,
    );
    return { clientId: r.clientId, created: r.outcome === 'created' };
  } catch (err) {
    if (err instanceof ValidationError || err instanceof MappingError) {
      throw new MappingError(`health facility ${uuid} cannot become a Fineract client: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

function statusOf(account: SavingsAccountData): 'submitted' | 'approved' | 'active' | 'other' {
  const s = account.status;
  if (s?.active === true || s?.id === 300) {
    return 'active';
  }
  if (s?.approved === true || s?.id === 200) {
    return 'approved';
  }
  return s?.id === 100 || s?.code === 'savingsAccountStatusType.submitted.and.pending.approval'
    ? 'submitted'
    : 'other';
}

/** The facility's active payout account: the client's account or ours by externalId, else a new one. */
async function ensurePayoutAccount(ctx: ClaimFlowContext, uuid: string, clientId: number): Promise<number> {
  const settings = ctx.settings();
  const client = await ctx.fineract.getClient(clientId);
  let account: SavingsAccountData | undefined =
    client.savingsAccountId !== undefined
      ? await ctx.fineract.getSavingsAccount(client.savingsAccountId)
      : await ctx.fineract.getSavingsAccountByExternalId(uuid);
  if (!account) {
    try {
      const created = await ctx.fineract.createSavingsAccount(
        { clientId, productId: settings.savingsProductId, submittedOnDate: settings.today, externalId: uuid },
        { operationKey: `savings:${uuid}` },
      );
      const id = created.savingsId ?? created.resourceId;
      if (id === undefined) {
        throw new ValidationError('Fineract answered without savingsId');
      }
      account = await ctx.fineract.getSavingsAccount(id);
    } catch (err) {
      if (!isDuplicateError(err)) {
        throw err;
      }
      account = await ctx.fineract.getSavingsAccountByExternalId(uuid);
      if (!account) {
        throw err;
      }
    }
  }
  const status = statusOf(account);
  if (status === 'submitted') {
    await ctx.fineract.approveSavingsAccount(
      account.id,
      { approvedOnDate: settings.today },
      { operationKey: `savings-approve:${uuid}` },
    );
  }
  if (status === 'submitted' || status === 'approved') {
    await ctx.fineract.activateSavingsAccount(
      account.id,
      { activatedOnDate: settings.today },
      { operationKey: `savings-activate:${uuid}` },
    );
  }
  if (status === 'other') {
    throw new MappingError(
      `Fineract savings account ${account.id} of health facility ${uuid} is not open (${account.status?.code ?? 'unknown status'}): an operator must reopen or replace it`,
    );
  }
  return account.id;
}
