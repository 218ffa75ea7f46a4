import type { Invoice, Organization } from 'fhir/r4';
import { getReferenceIdentity } from '@payment-layer/fhir-util';
import { resolveOpenImisUuid, upsertOrganizationClient, upsertPatient } from '@payment-layer/flows-parties';
import { MappingError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import type { InvoiceFlowContext } from './context';

/** FHIR types an invoice recipient may have. */
export type RecipientType = 'Patient' | 'Organization';

/** The Fineract client an invoice is charged to. */
export interface ResolvedRecipient {
  readonly type: RecipientType;
  /** openIMIS UUID of the recipient, lower case. */
  readonly id: string;
  readonly fineractClientId: number;
  /** `known`: linked in staging already (no call); otherwise what the upsert did. */
  readonly outcome: 'known' | 'created' | 'updated' | 'unchanged' | 'linked';
}

const RECIPIENT = 'Invoice.recipient';

/** An invoice recipient as the Invoice gives it: by UUID (the default) or by business code (code identity mode). */
export interface RecipientRef {
  readonly type: RecipientType;
  /** openIMIS UUID, lower case, when the reference carries it. */
  readonly id?: string;
  /** CHF id (Patient) or organisation code, when the reference is by code (`Patient/<chfid>`). */
  readonly code?: string;
}

/**
 * Reads `Invoice.recipient` in either openIMIS identity mode: `Patient/<uuid>`, `Organization/<uuid>` (relative,
 * absolute or by UUID identifier), or by code as a deployment with `default_response_identifier` set to codes
 * serves it (`Patient/<CHF id>` with a `Code` identifier).
 *
 * @param invoice - a validated Invoice
 * @returns type and lower-case UUID and/or code
 * @throws ValidationError naming Invoice.recipient when it is missing or names no entity
 * @throws MappingError naming Invoice.recipient for another type (e.g. the legacy `Group`)
 */
export function parseRecipient(invoice: Invoice): RecipientRef {
  const ref = getReferenceIdentity(invoice.recipient);
  if (invoice.recipient === undefined || (ref.uuid === undefined && ref.code === undefined)) {
    throw new ValidationError('Invoice.recipient must reference a Patient or an Organization', {
      issues: [
        { message: 'a Patient or Organization reference by UUID or code is required', location: RECIPIENT },
      ],
    });
  }
  if (ref.resourceType !== 'Patient' && ref.resourceType !== 'Organization') {
    throw new MappingError(
      `Invoice.recipient of type ${ref.resourceType ?? 'unknown'} cannot be charged (Patient or Organization expected)`,
      { issues: [{ message: 'Patient or Organization expected', location: RECIPIENT }] },
    );
  }
  return {
    type: ref.resourceType,
    ...(ref.uuid !== undefined ? { id: ref.uuid } : {}),
    ...(ref.code !== undefined ? { code: ref.code } : {}),
  };
}

/**
 * Resolves an invoice recipient to its Fineract client: a staging link when there is one (no call); otherwise the
 * resource is read from openIMIS and upserted by externalId — a Patient through the insuree flow (the same client
 * and keys as the insuree mediator), an Organization as an entity client. A recipient given by code is first read
 * from openIMIS by that code for its UUID (the link key in both identity modes, docs/decisions/0009), so it is
 * charged to the same client as when given by UUID.
 *
 * @param ctx - flow context
 * @param recipient - from {@link parseRecipient}
 * @returns the client id and what was done
 * @throws MappingError (422) naming Invoice.recipient when openIMIS does not know the recipient or it cannot be mapped
 */
export async function resolveRecipient(
  ctx: InvoiceFlowContext,
  recipient: RecipientRef,
): Promise<ResolvedRecipient> {
  let id = recipient.id;
  let fetched: unknown;
  if (id === undefined) {
    const resolved = await resolveOpenImisUuid(ctx.openimis, recipient.type, recipient, RECIPIENT);
    id = resolved.uuid;
    fetched = resolved.fetched;
  }
  const link = ctx.repos.links.findByOpenimis(recipient.type, id, 'client');
  if (link) {
    return { type: recipient.type, id, fineractClientId: link.fineractId, outcome: 'known' };
  }
  const what = `${recipient.type}/${id}`;
  try {
    if (recipient.type === 'Patient') {
      const patient = fetched ?? (await ctx.openimis.read('Patient', id));
      const r = await upsertPatient(ctx.insuree, patient);
      return { type: 'Patient', id, fineractClientId: r.fineractClientId, outcome: r.outcome };
    }
    const organization =
      (fetched as Organization | undefined) ?? (await ctx.openimis.read('Organization', id));
    return { type: 'Organization', id, ...(await upsertOrganization(ctx, id, organization)) };
  } catch (err) {
    // The recipient's own problems are this invoice's problem: report them on Invoice.recipient. Upstream
    // failures (5xx, timeouts, Fineract 4xx) keep their own status.
    if (err instanceof NotFoundError) {
      throw new MappingError(`recipient ${what} is unknown to openIMIS`, {
        cause: err,
        issues: [{ message: `${what} not found in openIMIS`, location: RECIPIENT }],
      });
    }
    if (err instanceof ValidationError || err instanceof MappingError) {
      throw new MappingError(`recipient ${what} cannot become a Fineract client: ${err.message}`, {
        cause: err,
        issues: [{ message: err.message, location: RECIPIENT }],
      });
    }
    throw err;
  }
}

async function upsertOrganization(
  ctx: InvoiceFlowContext,
  uuid: string,
  organization: Organization,
): Promise<{ fineractClientId: number; outcome: ResolvedRecipient['outcome'] }> {
  const settings = ctx.settings();
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
  return { fineractClientId: r.clientId, outcome: r.outcome };
}
