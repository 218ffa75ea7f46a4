import type { Organization } from 'fhir/r4';
import type { CompiledMapping } from '@payment-layer/mapping-dsl';
import {
  isDuplicateError,
  type ClientCreateRequest,
  type ClientData,
  type FineractClient,
} from '@payment-layer/mifos-fineract-client';
import type { StagingRepositories } from '@payment-layer/staging-db';
import { ValidationError } from '@payment-layer/shared-errors';

/** What {@link upsertOrganizationClient} needs. */
export interface OrganizationClientContext {
  readonly fineract: FineractClient;
  readonly repos: StagingRepositories;
  /** The `organization-to-entity-client` mapping document. */
  readonly mapping: CompiledMapping;
  /** Fineract office of a new client. */
  readonly officeId: number;
  /** Business date (`YYYY-MM-DD`): activation and submission date of a new client. */
  readonly today: string;
}

/** Result of {@link upsertOrganizationClient}. */
export interface OrganizationClient {
  readonly clientId: number;
  /** `created` by this call, or `linked` to a client that already existed (a rerun, the other mediator). */
  readonly outcome: 'created' | 'linked';
}

/**
 * Makes sure an openIMIS Organization (a health facility paid for claims, a policy holder billed for
 * contributions) is a Fineract entity client (legalFormId 2), exactly once whichever mediator gets there first:
 * read back by externalId (the Organization's UUID) before creating, create with the operation key
 * `client:<uuid>` that both the invoice and the claim mediators use, and on a duplicate answer (created meanwhile)
 * link the one that exists. Records the Organization → client link.
 *
 * @param ctx - clients, staging, mapping document, office and business date
 * @param uuid - the Organization's openIMIS UUID
 * @param organization - the Organization as openIMIS serves it
 * @returns the client id and whether it was created now
 * @throws ValidationError or MappingError when the Organization cannot become a client (caller names the field)
 */
export async function upsertOrganizationClient(
  ctx: OrganizationClientContext,
  uuid: string,
  organization: Organization,
): Promise<OrganizationClient> {
  // The typed Fineract verbs add dateFormat/locale themselves.
  const {
    dateFormat: _f,
    locale: _l,
    ...mapped
  } = ctx.mapping.apply(organization, {
    config: { officeId: ctx.officeId, today: ctx.today },
  }) as unknown as ClientCreateRequest & { dateFormat?: string; locale?: string };
  const payload: ClientCreateRequest = { ...mapped, externalId: uuid };
  let found: ClientData | undefined = await ctx.fineract.getClientByExternalId(uuid);
  let clientId: number;
  let outcome: OrganizationClient['outcome'] = 'linked';
  if (found) {
    clientId = found.id;
  } else {
    try {
      const created = await ctx.fineract.createClient(payload, { operationKey: `client:${uuid}` });
      const id = created.clientId ?? created.resourceId;
      if (id === undefined) {
        throw new ValidationError('Fineract answered without clientId');
      }
      clientId = id;
      outcome = created.write.fromReadBack || created.write.servedFromCache ? 'linked' : 'created';
    } catch (err) {
      if (!isDuplicateError(err)) {
        throw err;
      }
      // Created by a concurrent request or the other mediator between our read and our write: link it.
      found = await ctx.fineract.getClientByExternalId(uuid);
      if (!found) {
        throw err;
      }
      clientId = found.id;
    }
  }
  ctx.repos.links.upsertLink({
    openimisType: 'Organization',
    openimisId: uuid,
    fineractType: 'client',
    fineractId: clientId,
  });
  return { clientId, outcome };
}
