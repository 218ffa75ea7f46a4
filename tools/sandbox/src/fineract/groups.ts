// Groups (openIMIS families): create with members, associate/disassociate clients, activate, reads.

import type { Command } from './command';
import { type CommandResult, compact, type HandlerEnv } from './context';
import { toDateArray } from './dates';
import { groupStatus } from './enums';
import { dataIntegrity, domainRule, notFound, parameterError, validationErrors } from './errors';
import { getClient, getGroup, getOffice } from './lookups';
import { accountNumber, type SimGroup, type TenantState } from './state';

function checkMembers(
  state: TenantState,
  group: Pick<SimGroup, 'officeId' | 'status'>,
  ids: readonly number[],
): void {
  for (const id of ids) {
    const client = getClient(state, id);
    if (client.officeId !== group.officeId) {
      throw domainRule(
        'error.msg.group.client.not.in.same.office',
        `Client with identifier ${id} does not belong to the office of the group.`,
        'clientMembers',
        [id],
      );
    }
  }
}

/** `POST /groups`. */
export function createGroup(env: HandlerEnv, cmd: Command): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('groups.create');
  const name = cmd.string('name', { required: true, maxLength: 100 });
  const officeId = cmd.long('officeId', { required: true, positive: true });
  const active = cmd.boolean('active', { required: true });
  const activationDate = cmd.date('activationDate');
  if (active === true && activationDate === undefined && !cmd.has('activationDate')) {
    cmd.fail('activationDate', 'cannot.be.blank', 'The parameter activationDate cannot be blank.');
  }
  const externalId = cmd.string('externalId', { maxLength: 100 });
  const staffId = cmd.long('staffId', { positive: true });
  const centerId = cmd.long('centerId', { positive: true });
  const submittedOnDate = cmd.date('submittedOnDate');
  const members = cmd.longArray('clientMembers') ?? [];
  const datatables = cmd.raw('datatables');
  if (datatables !== undefined && (!Array.isArray(datatables) || datatables.length === 0)) {
    cmd.fail(
      'datatables',
      'json.array.cannot.be.empty',
      'The parameter datatables cannot be an empty array.',
    );
  }
  cmd.throwIfErrors();
  const submitted = submittedOnDate ?? (active === true ? activationDate : undefined) ?? env.today;
  if (active === true && activationDate !== undefined) {
    if (activationDate > env.today) {
      cmd.fail(
        'activationDate',
        'cannot.be.a.future.date',
        'The activationDate cannot be a future date.',
        activationDate,
      );
    } else if (activationDate < submitted) {
      cmd.fail(
        'activationDate',
        'cannot.be.before.submittedOnDate',
        'The activationDate cannot be before the submittedOnDate.',
        activationDate,
      );
    }
  }
  cmd.throwIfErrors();
  const office = getOffice(state, officeId ?? 0);
  if (staffId !== undefined) {
    throw notFound('error.msg.staff.id.invalid', `Staff with identifier ${staffId} does not exist`, staffId);
  }
  if (centerId !== undefined) {
    throw notFound(
      'error.msg.center.id.invalid',
      `Center with identifier ${centerId} does not exist`,
      centerId,
    );
  }
  const status = active === true ? 300 : 100;
  checkMembers(state, { officeId: office.id, status }, members);
  if (externalId !== undefined && state.index.groupExternalId.has(externalId)) {
    throw dataIntegrity(
      'error.msg.group.duplicate.externalId',
      `Group with externalId \`${externalId}\` already exists`,
      'externalId',
      externalId,
    );
  }
  // m_group has a unique key on the name: two families with the same head's name collide in Fineract too.
  if ([...state.groups.values()].some((g) => g.name === name)) {
    throw dataIntegrity(
      'error.msg.group.duplicate.name',
      `Group with name \`${name ?? ''}\` already exists`,
      'name',
      name,
    );
  }
  const id = ++state.seq.group;
  const uniqueMembers = [...new Set(members)];
  const group: SimGroup = compact({
    id,
    accountNo: accountNumber(id),
    name: name ?? '',
    externalId,
    officeId: office.id,
    status,
    submittedOnDate: submitted,
    activationDate: active === true ? activationDate : undefined,
    clientMembers: uniqueMembers,
  });
  state.groups.set(id, group);
  if (externalId !== undefined) {
    state.index.groupExternalId.set(externalId, id);
  }
  for (const m of uniqueMembers) {
    getClient(state, m).groupIds.push(id);
  }
  return compact({ officeId: office.id, groupId: id, resourceId: id, resourceExternalId: externalId });
}

/** `POST /groups/{id}?command=associateClients|disassociateClients`. */
export function changeGroupMembers(
  env: HandlerEnv,
  cmd: Command,
  groupId: number,
  associate: boolean,
): CommandResult {
  const { state } = env;
  cmd.checkWhitelist(associate ? 'groups.associateClients' : 'groups.disassociateClients');
  const members = cmd.longArray('clientMembers', { required: true }) ?? [];
  cmd.throwIfErrors();
  const group = getGroup(state, groupId);
  if (associate) {
    checkMembers(state, group, members);
  }
  // Check every member before changing anything: a refused member leaves the group as it was.
  for (const m of members) {
    getClient(state, m);
    const isMember = group.clientMembers.includes(m);
    if (associate && isMember) {
      throw domainRule(
        'error.msg.group.client.already.member',
        `Client with identifier ${m} is already a member of the group ${group.id}.`,
        'clientMembers',
        [m],
      );
    }
    if (!associate && !isMember) {
      throw domainRule(
        'error.msg.group.client.not.member',
        `Client with identifier ${m} is not a member of the group ${group.id}.`,
        'clientMembers',
        [m],
      );
    }
  }
  for (const m of new Set(members)) {
    const client = getClient(state, m);
    if (associate) {
      group.clientMembers.push(m);
      client.groupIds.push(group.id);
    } else {
      group.clientMembers = group.clientMembers.filter((c) => c !== m);
      client.groupIds = client.groupIds.filter((g) => g !== group.id);
    }
  }
  return {
    officeId: group.officeId,
    groupId: group.id,
    resourceId: group.id,
    changes: { clientMembers: members.map(String) },
  };
}

/** `POST /groups/{id}?command=activate`. */
export function activateGroup(env: HandlerEnv, cmd: Command, groupId: number): CommandResult {
  cmd.checkWhitelist('groups.activate');
  const activationDate = cmd.date('activationDate', { required: true });
  cmd.throwIfErrors();
  const group = getGroup(env.state, groupId);
  if (group.status === 300) {
    throw domainRule(
      'error.msg.group.already.active',
      `Group with identifier ${group.id} is already active.`,
      'id',
      [group.id],
    );
  }
  if ((activationDate ?? '') > env.today || (activationDate ?? '') < group.submittedOnDate) {
    throw validationErrors([
      parameterError(
        'validation.msg.group.activationDate.is.invalid',
        'The activationDate is invalid.',
        'activationDate',
        cmd.raw('activationDate'),
      ),
    ]);
  }
  group.status = 300;
  group.activationDate = activationDate;
  return {
    officeId: group.officeId,
    groupId: group.id,
    resourceId: group.id,
    changes: { status: groupStatus(300) },
  };
}

/** A group as `GET /groups/{id}` answers it. */
export function groupData(state: TenantState, g: SimGroup, withMembers: boolean): Record<string, unknown> {
  return compact({
    id: g.id,
    accountNo: g.accountNo,
    name: g.name,
    externalId: g.externalId,
    status: groupStatus(g.status),
    active: g.status === 300,
    activationDate: g.activationDate === undefined ? undefined : toDateArray(g.activationDate),
    officeId: g.officeId,
    officeName: state.offices.get(g.officeId)?.name,
    hierarchy: `.${g.id}.`,
    groupLevel: '2',
    timeline: compact({
      submittedOnDate: toDateArray(g.submittedOnDate),
      activatedOnDate: g.activationDate === undefined ? undefined : toDateArray(g.activationDate),
    }),
    clientMembers: withMembers
      ? g.clientMembers
          .map((id) => state.clients.get(id))
          .filter((c) => c !== undefined)
          .map((c) =>
            compact({
              id: c.id,
              accountNo: c.accountNo,
              externalId: c.externalId,
              displayName: c.displayName,
              officeId: c.officeId,
              active: c.status === 300,
            }),
          )
      : undefined,
  });
}
