import type { Patient } from 'fhir/r4';
import { assertValidResource, getOpenImisUuid } from '@payment-layer/fhir-util';
import {
  isDuplicateError,
  type ClientCreateRequest,
  type ClientData,
  type ClientUpdateRequest,
} from '@payment-layer/mifos-fineract-client';
import { ValidationError } from '@payment-layer/shared-errors';
import type { InsureeFlowContext } from './context';
import { stableHash } from './hash';
import { ensureSavingsAccount, type SavingsStepResult } from './savings';

/** What happened to one insuree. */
export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'linked';

/** Result of {@link upsertPatient}. */
export interface PatientUpsertResult {
  readonly openimisId: string;
  readonly fineractClientId: number;
  readonly outcome: UpsertOutcome;
  readonly savings?: SavingsStepResult;
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
  const prepared = preparePatient(ctx, resource);
  return upsertPreparedPatient(ctx, prepared);
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
      const updated = await ctx.fineract.updateClient(clientId, updatable(payload), {
        operationKey: `client-update:${uuid}:${hash.slice(0, 12)}`,
      });
      outcome = updated ? 'updated' : 'unchanged';
      links.updateMappedHash(link.id, hash);
    }
  } else {
    // Unknown to staging: create. Fineract's unique externalId makes this safe — a client that already exists
    // (created by a concurrent request, or before staging knew it) answers 403 duplicate and is read back, so
    // the common path (a new insuree) costs one call instead of a read and a write.
    try {
      const created = await ctx.fineract.createClient(payload, { operationKey: `client:${uuid}` });
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
      ({ clientId, outcome } = await adoptExisting(ctx, uuid, existing, payload, hash));
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
  return { openimisId: uuid, fineractClientId: clientId, outcome, ...(savings ? { savings } : {}) };
}

async function adoptExisting(
  ctx: InsureeFlowContext,
  uuid: string,
  existing: ClientData,
  payload: ClientCreateRequest,
  hash: string,
): Promise<{ clientId: number; outcome: UpsertOutcome }> {
  const updated = await ctx.fineract.updateClient(existing.id, updatable(payload), {
    operationKey: `client-update:${uuid}:${hash.slice(0, 12)}`,
    previous: existing,
  });
  return { clientId: existing.id, outcome: updated ? 'updated' : 'linked' };
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
