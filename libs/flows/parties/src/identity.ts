import type { FhirResource } from 'fhir/r4';
import { getOpenImisUuid, type OpenImisIdentity } from '@payment-layer/fhir-util';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import { MappingError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';

/** openIMIS resource types whose business code openIMIS accepts in a read path (§4: "Ids accepted in the path"). */
export type CodeReadableType = 'Patient' | 'Group' | 'Invoice' | 'Organization';

/** Result of {@link resolveOpenImisUuid}. */
export interface ResolvedOpenImisUuid<T extends FhirResource = FhirResource> {
  /** The entity UUID, lower case: the key of every staging link and Fineract externalId. */
  readonly uuid: string;
  /** The resource as openIMIS served it, when it had to be read to learn the UUID. */
  readonly fetched?: T;
}

/**
 * The openIMIS UUID of an entity given in either identity mode. The UUID is the link key whichever mode a
 * deployment serves (docs/decisions/0009): when the payload carries it (a `UUID` identifier, a UUID id or reference)
 * it is used as is; when it carries only the business code (CHF id, head CHF id, invoice code), the entity is read
 * from openIMIS by that code — openIMIS accepts the code in the read path — and its UUID identifier is taken. So a
 * resource keeps matching the same link and the same Fineract client whether it arrives by UUID or by code.
 *
 * @param openimis - openIMIS client (only `read` is used)
 * @param type - resource type
 * @param identity - what the payload says, from `getOpenImisIdentity`/`getReferenceIdentity`
 * @param location - FHIRPath of the identity in the inbound payload, for errors
 * @returns the UUID and, when read, the resource
 * @throws ValidationError (400) naming `location` when the payload carries neither UUID nor code
 * @throws MappingError (422) naming `location` when openIMIS knows no such code, or serves it without a UUID
 */
export async function resolveOpenImisUuid<K extends CodeReadableType>(
  openimis: Pick<OpenImisClient, 'read'>,
  type: K,
  identity: Pick<OpenImisIdentity, 'uuid' | 'code'>,
  location: string,
): Promise<ResolvedOpenImisUuid<Extract<FhirResource, { resourceType: K }>>> {
  if (identity.uuid !== undefined) {
    return { uuid: identity.uuid.toLowerCase() };
  }
  const code = identity.code;
  if (code === undefined || code === '') {
    throw new ValidationError(`${type} has no openIMIS UUID or code`, {
      issues: [{ message: 'an openIMIS UUID or business code is required', location, code: 'required' }],
    });
  }
  let fetched: Extract<FhirResource, { resourceType: K }>;
  try {
    fetched = await openimis.read(type, code);
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new MappingError(`${type} with code ${code} is not known to openIMIS`, {
        cause: err,
        issues: [{ message: `${type}/${code} not found in openIMIS`, location, code: 'not-found' }],
      });
    }
    throw err;
  }
  const uuid = getOpenImisUuid(fetched);
  if (uuid === undefined) {
    throw new MappingError(`openIMIS serves ${type}/${code} without a UUID`, {
      issues: [{ message: `${type}/${code} has no UUID identifier in openIMIS`, location }],
    });
  }
  return { uuid, fetched };
}
