import type { Patient } from 'fhir/r4';
import {
  assertValidResource,
  validateResource,
  getOpenImisIdentity,
  getOpenImisUuid,
  withOpenImisUuid,
} from '@payment-layer/fhir-util';
import {
  isDuplicateError,
  type ClientCreateRequest,
  type ClientData,
  type ClientUpdateRequest,
} from '@payment-layer/mifos-fineract-client';
import { ValidationError } from '@payment-layer/shared-errors';
import type { InsureeFlowContext } from './context';
import { stableHash } from './hash';
import { resolveOpenImisUuid } from './identity';
import { ensureSavingsAccount, type SavingsStepResult } from './savings';

/** What happened to one insuree. */
export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'linked';

/** Result of {@link upsertPatient}. */
export interface PatientUpsertResult {
  readonly openimisId: string;
  readonly fineractClientId: number;
  readonly outcome: UpsertOutcome;
  readonly savings?: SavingsStepResult;
  /**
   * The insuree's phone was left out of the Fineract client because another client holds it already (household
   * members sharing one phone: Fineract's mobileNo is unique). See docs/decisions/0009.
   */
  readonly mobileNoLeftOut?: true;
}

/** Client fields an update may change (the rest are fixed at creation: office, legal form, activation). */
const UPDATABLE: readonly (keyof ClientUpdateRequest & keyof ClientCreateRequest)[] = [
  'firstname',
  'middlename',
  'lastname',
  'fullname',
  'mobileNo',
  'emailAddress',
  'dateOfBirth',
  'genderId',
];

/**
 * The openIMIS UUID of a Patient (its UUID identifier, else its id).
 *
 * @param patient - the resource
 * @returns the lower-case UUID
 * @throws ValidationError when the Patient has none
 */
export function patientUuid(patient: Patient): string {
  const uuid = getOpenImisUuid(patient);
  if (!uuid) {
    throw new ValidationError('Patient has no openIMIS UUID (identifier of type UUID or id)', {
      issues: [{ message: 'an openIMIS UUID is required', location: 'Patient.identifier', code: 'required' }],
    });
  }
  return uuid.toLowerCase();
}

/**
 * Validates and maps a Patient to the Fineract client it becomes, without writing anything.
 *
 * @param ctx - flow context
 * @param resource - the inbound resource (any JSON)
 * @returns the Patient, its UUID, the mapped payload and its hash
 * @throws ValidationError naming the field (invalid FHIR, or a required source field missing)
 */
export function preparePatient(
  ctx: InsureeFlowContext,
  resource: unknown,
): { patient: Patient; uuid: string; payload: ClientCreateRequest; hash: string } {
  const patient = assertValidResource(resource, 'Patient');
  const uuid = patientUuid(patient);
  // The typed Fineract verbs add dateFormat/locale themselves (one date format for the whole project).
  const {
    dateFormat: _f,
    locale: _l,
    ...payload
  } = ctx.mappings.patientToClient.apply(patient, {
    config: ctx.settings().mappingConfig,
  }) as unknown as ClientCreateRequest & { dateFormat?: string; locale?: string };
  // The hash covers what an update can change, so the business date in activation fields does not make every
  // insuree look changed the next day.
  return { patient, uuid, payload: { ...payload, externalId: uuid }, hash: stableHash(updatable(payload)) };
}

/**
 * Upserts one insuree into Fineract by externalId (the openIMIS UUID): an unchanged insuree costs nothing, a
 * changed one gets only its changed fields, a new one is created once — a concurrent duplicate (403) is read back
 * and linked, never created twice. The optional savings account is opened through the outbox, so a failure after
 * the client exists leaves a retriable step, not an orphan.
 *
 * @param ctx - flow context
 * @param resource - a Patient (validated here)
 * @returns ids and outcome
 */
export async function upsertPatient(
  ctx: InsureeFlowContext,
  resource: unknown,
): Promise<PatientUpsertResult> {
  const prepared = preparePatient(ctx, await identifyPatient(ctx, resource));
  return upsertPreparedPatient(ctx, prepared);
}

/**
 * A Patient that carries only its CHF id (code identity mode, no `UUID` identifier) gets its UUID looked up in
 * openIMIS and added as an identifier, so it maps to the same client as when it arrives by UUID. Anything else
 * (including invalid input, which {@link preparePatient} reports) is returned unchanged.
 *
 * @param ctx - flow context
 * @param resource - inbound JSON
 * @returns the resource, with its UUID identifier when it had to be looked up
 */
export async function identifyPatient(ctx: InsureeFlowContext, resource: unknown): Promise<unknown> {
  if (!isPatientLike(resource)) {
    return resource;
  }
  const identity = getOpenImisIdentity(resource);
  if (identity.uuid !== undefined || identity.code === undefined) {
    return resource;
  }
  const { uuid } = await resolveOpenImisUuid(ctx.openimis, 'Patient', identity, 'Patient.identifier');
  return withOpenImisUuid(resource, uuid);
}

// Only a valid Patient is looked up: reading the identity of malformed input could fail in ways that are not a 400,
// and preparePatient reports whatever is wrong with it, naming the field.
function isPatientLike(resource: unknown): resource is Patient {
  return validateResource(resource, { expectedType: 'Patient' }).valid;
}

/**
 * The write half of {@link upsertPatient}, for callers that prepared (and maybe batch-created) already.
 *
 * @param ctx - flow context
 * @param prepared - output of {@link preparePatient}
 * @param known - a client already known to exist for this UUID (e.g. created in a batch)
 * @returns ids and outcome
 */
export async function upsertPreparedPatient(
  ctx: InsureeFlowContext,
  prepared: { uuid: string; payload: ClientCreateRequest; hash: string },
  known?: { clientId: number; outcome: UpsertOutcome; savingsId?: number | undefined },
): Promise<PatientUpsertResult> {
  const { uuid, payload, hash } = prepared;
  const { links } = ctx.repos;
  let link = links.findByOpenimis('Patient', uuid, 'client');
  let outcome: UpsertOutcome;
  let clientId: number;
  let mobileNoLeftOut = false;

  if (known) {
    clientId = known.clientId;
    outcome = known.outcome;
    if (known.savingsId !== undefined) {
      links.upsertLink({
        openimisType: 'Patient',
        openimisId: uuid,
        fineractType: 'savingsAccount',
        fineractId: known.savingsId,
      });
    }
    link = links.upsertLink({
      openimisType: 'Patient',
      openimisId: uuid,
      fineractType: 'client',
      fineractId: clientId,
      mappedHash: hash,
    }).link;
  } else if (link) {
    clientId = link.fineractId;
    if (link.mappedHash === hash) {
      outcome = 'unchanged';
    } else {
      const updated = await updateClientSharingPhone(ctx, uuid, clientId, payload, hash);
      mobileNoLeftOut = updated.mobileNoLeftOut;
      outcome = updated.written ? 'updated' : 'unchanged';
      links.updateMappedHash(link.id, hash);
    }
  } else {
    // Unknown to staging: create. Fineract's unique externalId makes this safe — a client that already exists
    // (created by a concurrent request, or before staging knew it) answers 403 duplicate and is read back, so
    // the common path (a new insuree) costs one call instead of a read and a write.
    try {
      const created = await createClientSharingPhone(ctx, uuid, payload);
      mobileNoLeftOut = created.mobileNoLeftOut;
      clientId = requireId(created.clientId ?? created.resourceId, 'clientId');
      outcome = created.write.fromReadBack || created.write.servedFromCache ? 'linked' : 'created';
      if (created.savingsId !== undefined) {
        // Created with `savingsProductId`: Fineract opened the active savings account in the same command.
        links.upsertLink({
          openimisType: 'Patient',
          openimisId: uuid,
          fineractType: 'savingsAccount',
          fineractId: created.savingsId,
        });
      }
    } catch (err) {
      if (!isDuplicateError(err)) {
        throw err;
      }
      const existing = await ctx.fineract.getClientByExternalId(uuid);
      if (!existing) {
        throw err;
      }
      ({ clientId, outcome, mobileNoLeftOut } = await adoptExisting(ctx, uuid, existing, payload, hash));
    }
    link = links.upsertLink({
      openimisType: 'Patient',
      openimisId: uuid,
      fineractType: 'client',
      fineractId: clientId,
      mappedHash: hash,
    }).link;
  }

  const settings = ctx.settings();
  const savings =
    settings.createSavingsAccount && settings.savingsProductId !== undefined
      ? await ensureSavingsAccount(ctx, { patientId: uuid, clientId, productId: settings.savingsProductId })
      : undefined;
  ctx.log.debug({ openimisId: uuid, fineractClientId: clientId, outcome }, 'insuree upserted');
  return {
    openimisId: uuid,
    fineractClientId: clientId,
    outcome,
    ...(savings ? { savings } : {}),
    ...(mobileNoLeftOut ? { mobileNoLeftOut: true as const } : {}),
  };
}

/**
 * Creates the client; when Fineract refuses its mobileNo as a duplicate (403 `error.msg.client.duplicate.mobileNo`:
 * another household member holds the shared phone already), creates it again without the phone instead of failing
 * the insuree. The second create is another logical operation, so it has its own operation key (a new
 * Idempotency-Key after an error status, fineract.md §8).
 */
async function createClientSharingPhone(
  ctx: InsureeFlowContext,
  uuid: string,
  payload: ClientCreateRequest,
): Promise<
  Awaited<ReturnType<InsureeFlowContext['fineract']['createClient']>> & { mobileNoLeftOut: boolean }
> {
  try {
    return {
      ...(await ctx.fineract.createClient(payload, { operationKey: `client:${uuid}` })),
      mobileNoLeftOut: false,
    };
  } catch (err) {
    if (payload.mobileNo === undefined || !isDuplicateError(err, 'mobileNo')) {
      throw err;
    }
    ctx.log.info(
      { openimisId: uuid },
      'phone held by another client (shared household phone); created without it',
    );
    const { mobileNo: _shared, ...withoutPhone } = payload;
    return {
      ...(await ctx.fineract.createClient(withoutPhone, { operationKey: `client-nophone:${uuid}` })),
      mobileNoLeftOut: true,
    };
  }
}

/** {@link createClientSharingPhone} for updates: a phone another client holds is left as it is in Fineract. */
async function updateClientSharingPhone(
  ctx: InsureeFlowContext,
  uuid: string,
  clientId: number,
  payload: ClientCreateRequest,
  hash: string,
  previous?: ClientData,
): Promise<{ written: boolean; mobileNoLeftOut: boolean }> {
  const desired = updatable(payload);
  try {
    const updated = await ctx.fineract.updateClient(clientId, desired, {
      operationKey: `client-update:${uuid}:${hash.slice(0, 12)}`,
      ...(previous ? { previous } : {}),
    });
    return { written: updated !== undefined, mobileNoLeftOut: false };
  } catch (err) {
    if (desired.mobileNo === undefined || !isDuplicateError(err, 'mobileNo')) {
      throw err;
    }
    ctx.log.info(
      { openimisId: uuid },
      'phone held by another client (shared household phone); updated without it',
    );
    const { mobileNo: _shared, ...withoutPhone } = desired;
    const updated = await ctx.fineract.updateClient(clientId, withoutPhone, {
      operationKey: `client-update-nophone:${uuid}:${hash.slice(0, 12)}`,
      ...(previous ? { previous } : {}),
    });
    return { written: updated !== undefined, mobileNoLeftOut: true };
  }
}

async function adoptExisting(
  ctx: InsureeFlowContext,
  uuid: string,
  existing: ClientData,
  payload: ClientCreateRequest,
  hash: string,
): Promise<{ clientId: number; outcome: UpsertOutcome; mobileNoLeftOut: boolean }> {
  const updated = await updateClientSharingPhone(ctx, uuid, existing.id, payload, hash, existing);
  return {
    clientId: existing.id,
    outcome: updated.written ? 'updated' : 'linked',
    mobileNoLeftOut: updated.mobileNoLeftOut,
  };
}

function updatable(payload: ClientCreateRequest): ClientUpdateRequest {
  const out: Record<string, unknown> = {};
  for (const k of UPDATABLE) {
    if (payload[k] !== undefined) {
      out[k] = payload[k];
    }
  }
  return out;
}

function requireId(id: number | undefined, what: string): number {
  if (id === undefined) {
    throw new ValidationError(`Fineract answered without ${what}`);
  }
  return id;
}
