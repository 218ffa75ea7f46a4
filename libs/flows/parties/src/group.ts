import type { Group } from 'fhir/r4';
import {
  assertValidResource,
  getOpenImisIdentity,
  getReferenceIdentity,
  withOpenImisUuid,
} from '@payment-layer/fhir-util';
import {
  isDuplicateError,
  type GroupCreateRequest,
  type GroupData,
} from '@payment-layer/mifos-fineract-client';
import { MappingError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import type { InsureeFlowContext } from './context';
import { stableHash } from './hash';
import { resolveOpenImisUuid } from './identity';
import { repairOpenImisGroup } from './quirks';
import { upsertPatient, type UpsertOutcome } from './patient';

/** Result of {@link upsertGroup}. */
export interface GroupUpsertResult {
  readonly openimisId: string;
  readonly fineractGroupId: number;
  readonly outcome: UpsertOutcome;
  /** Fineract client ids of the members, in the Group's order. */
  readonly memberClientIds: readonly number[];
  /** Members that were not in Fineract yet and were fetched from openIMIS and created first. */
  readonly membersCreated: number;
}

/**
 * Upserts a family (FHIR Group) as a Fineract group whose members are the linked clients. A member not yet in
 * Fineract is fetched from openIMIS and created first; a member openIMIS does not know is a 422 naming the member.
 *
 * @param ctx - flow context
 * @param resource - a Group (validated here)
 * @returns ids and outcome
 */
export async function upsertGroup(ctx: InsureeFlowContext, resource: unknown): Promise<GroupUpsertResult> {
  const valid = assertValidResource(repairOpenImisGroup(resource), 'Group');
  // Code identity mode: the id is the head's CHF id; the UUID identifier is usually listed too, otherwise openIMIS
  // is asked (a family is readable by its head's CHF id).
  const { uuid } = await resolveOpenImisUuid(
    ctx.openimis,
    'Group',
    getOpenImisIdentity(valid),
    'Group.identifier',
  );
  const group = withOpenImisUuid(valid, uuid);
  const {
    dateFormat: _f,
    locale: _l,
    ...payload
  } = ctx.mappings.groupToGroup.apply(group, {
    config: ctx.settings().mappingConfig,
  }) as unknown as GroupCreateRequest & { dateFormat?: string; locale?: string };

  const { ids: memberClientIds, created: membersCreated } = await resolveMembers(ctx, group);
  const desired = { ...payload, externalId: uuid };
  const hash = stableHash({ desired, members: [...memberClientIds].sort((a, b) => a - b) });
  const { links } = ctx.repos;
  const link = links.findByOpenimis('Group', uuid, 'group');

  let groupId: number;
  let outcome: UpsertOutcome;
  if (link?.mappedHash === hash) {
    return {
      openimisId: uuid,
      fineractGroupId: link.fineractId,
      outcome: 'unchanged',
      memberClientIds,
      membersCreated,
    };
  }
  if (link) {
    groupId = link.fineractId;
    outcome = (await syncMembers(
      ctx,
      uuid,
      await ctx.fineract.getGroup(groupId, { withMembers: true }),
      memberClientIds,
    ))
      ? 'updated'
      : 'unchanged';
  } else {
    const found = await ctx.fineract.getGroupByExternalId(uuid);
    if (found) {
      groupId = found.id;
      const full = await ctx.fineract.getGroup(found.id, { withMembers: true });
      outcome = (await syncMembers(ctx, uuid, full, memberClientIds)) ? 'updated' : 'linked';
    } else {
      try {
        const created = await ctx.fineract.createGroup(
          { ...desired, ...(memberClientIds.length > 0 ? { clientMembers: memberClientIds } : {}) },
          { operationKey: `group:${uuid}` },
        );
        const id = created.groupId ?? created.resourceId;
        if (id === undefined) {
          throw new ValidationError('Fineract answered without groupId');
        }
        groupId = id;
        outcome = created.write.fromReadBack ? 'linked' : 'created';
      } catch (err) {
        if (!isDuplicateError(err)) {
          throw err;
        }
        const existing = await ctx.fineract.getGroupByExternalId(uuid);
        if (!existing) {
          throw err;
        }
        groupId = existing.id;
        await syncMembers(
          ctx,
          uuid,
          await ctx.fineract.getGroup(existing.id, { withMembers: true }),
          memberClientIds,
        );
        outcome = 'linked';
      }
    }
  }
  links.upsertLink({
    openimisType: 'Group',
    openimisId: uuid,
    fineractType: 'group',
    fineractId: groupId,
    mappedHash: hash,
  });
  return { openimisId: uuid, fineractGroupId: groupId, outcome, memberClientIds, membersCreated };
}

async function resolveMembers(
  ctx: InsureeFlowContext,
  group: Group,
): Promise<{ ids: number[]; created: number }> {
  const ids: number[] = [];
  let created = 0;
  for (const [i, member] of (group.member ?? []).entries()) {
    const location = `Group.member[${i}].entity`;
    const ref = getReferenceIdentity(member.entity);
    if (ref.resourceType !== 'Patient' || (ref.uuid === undefined && ref.code === undefined)) {
      throw new ValidationError(`family member must reference a Patient`, {
        issues: [{ message: 'must reference Patient/<uuid> or Patient/<CHF id>', location }],
      });
    }
    // A member given by CHF id is read to learn its UUID; the read serves the upsert below as well.
    const resolved = await resolveOpenImisUuid(ctx.openimis, 'Patient', ref, location);
    const patientId = resolved.uuid;
    const link = ctx.repos.links.findByOpenimis('Patient', patientId, 'client');
    if (link) {
      ids.push(link.fineractId);
      continue;
    }
    let patient: unknown = resolved.fetched;
    try {
      patient ??= await ctx.openimis.read('Patient', patientId);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new MappingError(`family member Patient/${patientId} is not known to openIMIS`, {
          issues: [{ message: `Patient/${patientId} is not known to openIMIS`, location, code: 'not-found' }],
        });
      }
      throw err;
    }
    const result = await upsertPatient(ctx, patient);
    ids.push(result.fineractClientId);
    created++;
  }
  return { ids, created };
}

/** Associates missing members and disassociates clients that left the family. Returns whether anything changed. */
async function syncMembers(
  ctx: InsureeFlowContext,
  uuid: string,
  group: GroupData,
  wanted: readonly number[],
): Promise<boolean> {
  const current = new Set((group.clientMembers ?? []).map((c) => c.id));
  const want = new Set(wanted);
  const add = [...want].filter((id) => !current.has(id));
  const remove = [...current].filter((id) => !want.has(id));
  const tag = stableHash({ add, remove }).slice(0, 12);
  if (add.length > 0) {
    await ctx.fineract.associateClients(group.id, add, { operationKey: `group-add:${uuid}:${tag}` });
  }
  if (remove.length > 0) {
    await ctx.fineract.disassociateClients(group.id, remove, { operationKey: `group-remove:${uuid}:${tag}` });
  }
  return add.length > 0 || remove.length > 0;
}
