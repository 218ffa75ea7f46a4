// Clients: create (with the optional automatic savings account), update, activate, close and the reads.
// Validation follows Fineract's ClientDataValidator (codes `validation.msg.client.<param>.<rule>`).

import type { Command } from './command';
import { type CommandResult, compact, type HandlerEnv } from './context';
import { toDateArray } from './dates';
import { clientStatus, legalForm } from './enums';
import { dataIntegrity, domainRule, notFound, parameterError, validationErrors } from './errors';
import { getClient, getCodeValue, getGroup, getOffice, getSavingsProduct } from './lookups';
import { num, openActiveSavingsAccount, savingsAccountData } from './savings';
import { accountNumber, type SimClient, type TenantState } from './state';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function isNotBlank(cmd: Command, name: string): boolean {
  const v = cmd.raw(name);
  return typeof v === 'string' ? v.trim() !== '' : v !== undefined && v !== null;
}

/** Fineract's three-way name rule: name parts or fullname, never both, at least one. */
function validateNames(cmd: Command, required: boolean): void {
  const parts = ['firstname', 'middlename', 'lastname'];
  const fullProvided = isNotBlank(cmd, 'fullname');
  const partsProvided = parts.some((p) => isNotBlank(cmd, p));
  const fullPassed = cmd.raw('fullname') !== undefined;
  const partsPassed = parts.some((p) => cmd.raw(p) !== undefined);
  const fullnameRequired = (): void => {
    cmd.string('fullname', { required: true, maxLength: 160 });
  };
  const partsRequired = (): void => {
    cmd.string('firstname', { required: true, maxLength: 50 });
    cmd.string('middlename', { maxLength: 50 });
    cmd.string('lastname', { required: true, maxLength: 50 });
  };
  if (fullProvided || partsProvided) {
    if (fullProvided && !partsProvided) {
      fullnameRequired();
    } else if (partsProvided && !fullProvided) {
      partsRequired();
    } else {
      for (const p of parts) {
        if (isNotBlank(cmd, p)) {
          cmd.fail(
            'fullname',
            `cannot.also.be.provided.when.${p}.is.populated`,
            `The parameter fullname cannot also be provided when ${p} is populated.`,
            cmd.raw('fullname'),
          );
        }
      }
    }
  } else if (fullPassed && !partsPassed) {
    fullnameRequired();
  } else if (partsPassed && !fullPassed) {
    partsRequired();
  } else if (required || (fullPassed && partsPassed)) {
    // Fineract's failWithCode(".no.name.details.passed") on parameter "id" really yields a double dot.
    cmd.fail('id', '.no.name.details.passed', 'The parameter id .no.name.details.passed.');
  }
}

function checkUnique(
  state: TenantState,
  field: 'externalId' | 'mobileNo' | 'accountNo',
  value: string | undefined,
  selfId?: number,
): void {
  if (value === undefined) {
    return;
  }
  const index =
    field === 'externalId'
      ? state.index.clientExternalId
      : field === 'mobileNo'
        ? state.index.clientMobileNo
        : state.index.clientAccountNo;
  const existing = index.get(value);
  if (existing !== undefined && existing !== selfId) {
    throw dataIntegrity(
      `error.msg.client.duplicate.${field}`,
      `Client with ${field} \`${value}\` already exists`,
      field,
      value,
    );
  }
}

function displayName(c: Pick<SimClient, 'fullname' | 'firstname' | 'middlename' | 'lastname'>): string {
  return (
    c.fullname ?? [c.firstname, c.middlename, c.lastname].filter((p) => p !== undefined && p !== '').join(' ')
  );
}

function checkCodeValues(state: TenantState, cmd: Command): void {
  const map: [string, string][] = [
    ['genderId', 'Gender'],
    ['clientTypeId', 'ClientType'],
    ['clientClassificationId', 'ClientClassification'],
  ];
  for (const [param, code] of map) {
    const v = cmd.long(param);
    if (v !== undefined) {
      getCodeValue(state, v, code);
    }
  }
}

/** `POST /clients`. */
export function createClient(env: HandlerEnv, cmd: Command): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('clients.create');
  const nonPerson = cmd.object('clientNonPersonDetails');
  if (nonPerson !== undefined) {
    const allowed = [
      'locale',
      'dateFormat',
      'incorpNumber',
      'remarks',
      'incorpValidityTillDate',
      'constitutionId',
      'mainBusinessLineId',
    ];
    const unsupported = Object.keys(nonPerson).filter((k) => !allowed.includes(k));
    if (unsupported.length > 0) {
      throw validationErrors(
        unsupported.map((n) =>
          parameterError('error.msg.parameter.unsupported', `The parameter ${n} is not supported.`, n, null, [
            n,
          ]),
        ),
      );
    }
  }
  const officeId = cmd.long('officeId', { required: true, positive: true });
  const groupId = cmd.long('groupId', { positive: true });
  const staffId = cmd.long('staffId', { positive: true });
  const accountNo = cmd.string('accountNo', { maxLength: 20 });
  const savingsProductId = cmd.long('savingsProductId', { positive: true });
  validateNames(cmd, true);
  const externalId = cmd.string('externalId', { maxLength: 100 });
  const mobileNo = cmd.string('mobileNo', { maxLength: 50 });
  const emailAddress = cmd.string('emailAddress', { maxLength: 100 });
  if (emailAddress !== undefined && !EMAIL.test(emailAddress)) {
    cmd.fail(
      'emailAddress',
      'invalid.email.address',
      'The parameter emailAddress is not a valid email address.',
      emailAddress,
    );
  }
  const active = cmd.boolean('active', { required: true });
  const activationDate = cmd.date('activationDate');
  if (active === true && activationDate === undefined && !cmd.has('activationDate')) {
    cmd.fail('activationDate', 'cannot.be.blank', 'The parameter activationDate cannot be blank.');
  }
  const submittedOnDate = cmd.date('submittedOnDate');
  const dateOfBirth = cmd.date('dateOfBirth');
  cmd.long('genderId', { positive: true });
  cmd.long('clientTypeId', { positive: true });
  cmd.long('clientClassificationId', { positive: true });
  const legalFormId = cmd.long('legalFormId', { required: true });
  if (legalFormId !== undefined && legalFormId !== 1 && legalFormId !== 2) {
    cmd.fail(
      'legalFormId',
      'is.not.within.expected.range',
      'The parameter legalFormId must be between 1 and 2.',
      legalFormId,
      [1, 2],
    );
  }
  const datatables = cmd.raw('datatables');
  if (datatables !== undefined && (!Array.isArray(datatables) || datatables.length === 0)) {
    cmd.fail(
      'datatables',
      'json.array.cannot.be.empty',
      'The parameter datatables cannot be an empty array.',
    );
  }
  const isStaff = cmd.has('isStaff') ? cmd.boolean('isStaff') : false;
  cmd.throwIfErrors();

  const submitted = submittedOnDate ?? (active === true ? activationDate : undefined) ?? env.today;
  if (dateOfBirth !== undefined && (dateOfBirth >= env.today || dateOfBirth >= submitted)) {
    cmd.fail(
      'dateOfBirth',
      'is.greater.than.date',
      `The parameter dateOfBirth must be less than the provided date ${submitted}.`,
      dateOfBirth,
    );
  }
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
  if (submitted > env.today) {
    cmd.fail(
      'submittedOnDate',
      'cannot.be.a.future.date',
      'The submittedOnDate cannot be a future date.',
      submitted,
    );
  }
  cmd.throwIfErrors();

  const office = getOffice(state, officeId ?? 0);
  if (active === true && activationDate !== undefined && activationDate < office.openingDate) {
    throw validationErrors([
      parameterError(
        'validation.msg.client.activationDate.cannot.be.before.office.activation.date',
        'The activation date of a client cannot be before the opening date of its office.',
        'activationDate',
        activationDate,
      ),
    ]);
  }
  if (staffId !== undefined) {
    throw notFound('error.msg.staff.id.invalid', `Staff with identifier ${staffId} does not exist`, staffId);
  }
  checkCodeValues(state, cmd);
  const group = groupId === undefined ? undefined : getGroup(state, groupId);
  if (group !== undefined) {
    if (group.officeId !== office.id) {
      throw domainRule(
        'error.msg.client.office.not.same.as.group.office',
        'The client must belong to the office of its group.',
        'officeId',
      );
    }
    if (active === true && group.status !== 300) {
      throw domainRule(
        'error.msg.group.not.active.exception',
        `Group with identifier ${group.id} is not active`,
        'id',
        [group.id],
      );
    }
  }
  if (savingsProductId !== undefined) {
    getSavingsProduct(state, savingsProductId);
  }
  checkUnique(state, 'externalId', externalId);
  checkUnique(state, 'mobileNo', mobileNo);
  checkUnique(state, 'accountNo', accountNo);

  const id = ++state.seq.client;
  const names = {
    firstname: cmd.string('firstname'),
    middlename: cmd.string('middlename'),
    lastname: cmd.string('lastname'),
    fullname: cmd.string('fullname'),
  };
  const client: SimClient = compact({
    id,
    accountNo: accountNo ?? accountNumber(id),
    externalId,
    status: active === true ? 300 : 100,
    officeId: office.id,
    legalFormId: legalFormId ?? 1,
    ...names,
    displayName: displayName(names),
    mobileNo,
    emailAddress,
    dateOfBirth,
    genderId: cmd.long('genderId'),
    clientTypeId: cmd.long('clientTypeId'),
    clientClassificationId: cmd.long('clientClassificationId'),
    isStaff: isStaff ?? false,
    submittedOnDate: submitted,
    activationDate: active === true ? activationDate : undefined,
    savingsProductId,
    groupIds: group === undefined ? [] : [group.id],
  });
  state.clients.set(id, client);
  state.index.clientAccountNo.set(client.accountNo, id);
  if (externalId !== undefined) {
    state.index.clientExternalId.set(externalId, id);
  }
  if (mobileNo !== undefined) {
    state.index.clientMobileNo.set(mobileNo, id);
  }
  group?.clientMembers.push(id);
  let savingsId: number | undefined;
  if (savingsProductId !== undefined && client.status === 300) {
    savingsId = openActiveSavingsAccount(
      state,
      id,
      office.id,
      savingsProductId,
      client.activationDate ?? env.today,
    ).id;
    client.savingsAccountId = savingsId;
  }
  return compact({
    officeId: office.id,
    clientId: id,
    resourceId: id,
    resourceExternalId: externalId,
    groupId: group?.id,
    savingsId,
  });
}

/** `PUT /clients/{id}` (or by external id). */
export function updateClient(env: HandlerEnv, cmd: Command, client: SimClient): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('clients.update');
  const changes: Record<string, unknown> = {};
  if (Object.keys(cmd.body).filter((k) => k !== 'locale' && k !== 'dateFormat').length === 0) {
    throw validationErrors([
      parameterError(
        'validation.msg.client.no.parameters.for.update',
        'No parameters passed for update.',
        'id',
      ),
    ]);
  }
  const accountNo = cmd.has('accountNo')
    ? cmd.string('accountNo', { required: true, maxLength: 20 })
    : undefined;
  validateNames(cmd, false);
  const externalId = cmd.string('externalId', { maxLength: 100 });
  const mobileNo = cmd.string('mobileNo', { maxLength: 50 });
  const emailAddress = cmd.string('emailAddress', { maxLength: 100 });
  const active = cmd.boolean('active');
  const activationDate = cmd.date('activationDate');
  if (active === true && activationDate === undefined) {
    cmd.fail('activationDate', 'cannot.be.blank', 'The parameter activationDate cannot be blank.');
  }
  const submittedOnDate = cmd.date('submittedOnDate');
  const dateOfBirth = cmd.date('dateOfBirth');
  const legalFormId = cmd.has('legalFormId') ? cmd.long('legalFormId', { required: true }) : undefined;
  if (legalFormId !== undefined && legalFormId !== 1 && legalFormId !== 2) {
    cmd.fail(
      'legalFormId',
      'is.not.within.expected.range',
      'The parameter legalFormId must be between 1 and 2.',
      legalFormId,
      [1, 2],
    );
  }
  const staffId = cmd.long('staffId', { positive: true });
  const savingsProductId = cmd.long('savingsProductId', { positive: true });
  cmd.long('genderId', { positive: true });
  cmd.long('clientTypeId', { positive: true });
  cmd.long('clientClassificationId', { positive: true });
  const isStaff = cmd.boolean('isStaff');
  cmd.throwIfErrors();
  if (
    dateOfBirth !== undefined &&
    (dateOfBirth >= env.today || dateOfBirth >= (submittedOnDate ?? client.submittedOnDate))
  ) {
    throw validationErrors([
      parameterError(
        'validation.msg.client.dateOfBirth.is.greater.than.date',
        'The parameter dateOfBirth must be less than the provided date.',
        'dateOfBirth',
        dateOfBirth,
      ),
    ]);
  }
  if (staffId !== undefined) {
    throw notFound('error.msg.staff.id.invalid', `Staff with identifier ${staffId} does not exist`, staffId);
  }
  if (savingsProductId !== undefined) {
    getSavingsProduct(state, savingsProductId);
  }
  checkCodeValues(state, cmd);
  checkUnique(state, 'externalId', externalId, client.id);
  checkUnique(state, 'mobileNo', mobileNo, client.id);
  checkUnique(state, 'accountNo', accountNo, client.id);

  const set = <K extends keyof SimClient>(
    key: K,
    value: SimClient[K] | undefined,
    echo: unknown = value,
  ): void => {
    if (value !== undefined && client[key] !== value) {
      client[key] = value;
      changes[key] = echo;
    }
  };
  if (externalId !== undefined && externalId !== client.externalId) {
    if (client.externalId !== undefined) {
      state.index.clientExternalId.delete(client.externalId);
    }
    state.index.clientExternalId.set(externalId, client.id);
  }
  if (mobileNo !== undefined && mobileNo !== client.mobileNo) {
    if (client.mobileNo !== undefined) {
      state.index.clientMobileNo.delete(client.mobileNo);
    }
    state.index.clientMobileNo.set(mobileNo, client.id);
  }
  if (accountNo !== undefined && accountNo !== client.accountNo) {
    state.index.clientAccountNo.delete(client.accountNo);
    state.index.clientAccountNo.set(accountNo, client.id);
  }
  set('accountNo', accountNo);
  set('externalId', externalId);
  set('mobileNo', mobileNo);
  set('emailAddress', emailAddress);
  if (
    cmd.raw('fullname') !== undefined ||
    ['firstname', 'middlename', 'lastname'].some((p) => cmd.raw(p) !== undefined)
  ) {
    if (isNotBlank(cmd, 'fullname')) {
      set('fullname', cmd.string('fullname'));
      client.firstname = client.middlename = client.lastname = undefined;
    } else {
      set('firstname', cmd.string('firstname'));
      set('middlename', cmd.string('middlename'));
      set('lastname', cmd.string('lastname'));
      client.fullname = undefined;
    }
    const dn = displayName(client);
    if (dn !== client.displayName) {
      client.displayName = dn;
      changes['displayName'] = dn;
    }
  }
  set('legalFormId', legalFormId);
  set('genderId', cmd.long('genderId'));
  set('clientTypeId', cmd.long('clientTypeId'));
  set('clientClassificationId', cmd.long('clientClassificationId'));
  set('savingsProductId', savingsProductId);
  set('isStaff', isStaff);
  set('dateOfBirth', dateOfBirth, cmd.raw('dateOfBirth'));
  set('submittedOnDate', submittedOnDate, cmd.raw('submittedOnDate'));
  if (active === true && client.status === 100) {
    client.status = 300;
    client.activationDate = activationDate;
    changes['activationDate'] = cmd.raw('activationDate');
  }
  if (Object.keys(changes).length > 0 && (cmd.has('locale') || cmd.has('dateFormat'))) {
    changes['locale'] = cmd.raw('locale');
    changes['dateFormat'] = cmd.raw('dateFormat');
  }
  return { officeId: client.officeId, clientId: client.id, resourceId: client.id, changes: compact(changes) };
}

/** `POST /clients/{id}?command=activate`. */
export function activateClient(env: HandlerEnv, cmd: Command, client: SimClient): CommandResult {
  cmd.checkWhitelist('clients.activate');
  const activationDate = cmd.date('activationDate', { required: true });
  cmd.throwIfErrors();
  if (client.status !== 100) {
    throw domainRule(
      'error.msg.clients.already.active',
      `Cannot activate client. Client with identifier ${client.id} is already active.`,
      'id',
      [client.id],
    );
  }
  const date = activationDate ?? env.today;
  if (date > env.today) {
    throw validationErrors([
      parameterError(
        'validation.msg.client.activationDate.cannot.be.a.future.date',
        'The activationDate cannot be a future date.',
        'activationDate',
        cmd.raw('activationDate'),
      ),
    ]);
  }
  if (date < client.submittedOnDate) {
    throw validationErrors([
      parameterError(
        'validation.msg.client.activationDate.cannot.be.before.submittedOnDate',
        'The activationDate cannot be before the submittedOnDate.',
        'activationDate',
        cmd.raw('activationDate'),
      ),
    ]);
  }
  client.status = 300;
  client.activationDate = date;
  let savingsId: number | undefined;
  if (client.savingsProductId !== undefined && client.savingsAccountId === undefined) {
    savingsId = openActiveSavingsAccount(
      env.state,
      client.id,
      client.officeId,
      client.savingsProductId,
      date,
    ).id;
    client.savingsAccountId = savingsId;
  }
  return compact({
    officeId: client.officeId,
    clientId: client.id,
    resourceId: client.id,
    savingsId,
    changes: {
      status: clientStatus(300),
      locale: cmd.raw('locale'),
      dateFormat: cmd.raw('dateFormat'),
      activationDate: cmd.raw('activationDate'),
    },
  });
}

/** `POST /clients/{id}?command=close`. */
export function closeClient(env: HandlerEnv, cmd: Command, client: SimClient): CommandResult {
  cmd.checkWhitelist('clients.close');
  const closureDate = cmd.date('closureDate', { required: true });
  const reason = cmd.long('closureReasonId', { required: true, positive: true });
  cmd.throwIfErrors();
  getCodeValue(env.state, reason ?? 0, 'ClientClosureReason');
  if (client.status === 600) {
    throw domainRule(
      'error.msg.client.already.closed',
      `Client with identifier ${client.id} is already closed.`,
      'id',
      [client.id],
    );
  }
  const open = [...env.state.savingsAccounts.values()].some(
    (a) => a.clientId === client.id && a.status === 300,
  );
  if (open) {
    throw domainRule(
      'error.msg.client.close.non.closed.savings.account',
      'Client cannot be closed because of non-closed savings accounts.',
      'id',
      [client.id],
    );
  }
  if ((closureDate ?? '') > env.today) {
    throw validationErrors([
      parameterError(
        'validation.msg.client.closureDate.cannot.be.a.future.date',
        'The closureDate cannot be a future date.',
        'closureDate',
        cmd.raw('closureDate'),
      ),
    ]);
  }
  client.status = 600;
  return { officeId: client.officeId, clientId: client.id, resourceId: client.id };
}

/** A client as `GET /clients/{id}` answers it. */
export function clientData(state: TenantState, c: SimClient): Record<string, unknown> {
  const office = state.offices.get(c.officeId);
  const code = (id: number | undefined): unknown => {
    const cv = id === undefined ? undefined : state.codeValues.get(id);
    return cv === undefined ? undefined : { id: cv.id, name: cv.name, active: true, mandatory: false };
  };
  return compact({
    id: c.id,
    accountNo: c.accountNo,
    externalId: c.externalId,
    status: clientStatus(c.status),
    active: c.status === 300,
    activationDate: c.activationDate === undefined ? undefined : toDateArray(c.activationDate),
    firstname: c.firstname,
    middlename: c.middlename,
    lastname: c.lastname,
    fullname: c.fullname,
    displayName: c.displayName,
    mobileNo: c.mobileNo,
    emailAddress: c.emailAddress,
    dateOfBirth: c.dateOfBirth === undefined ? undefined : toDateArray(c.dateOfBirth),
    gender: code(c.genderId),
    clientType: code(c.clientTypeId),
    clientClassification: code(c.clientClassificationId),
    isStaff: c.isStaff,
    officeId: c.officeId,
    officeName: office?.name,
    timeline: compact({
      submittedOnDate: toDateArray(c.submittedOnDate),
      submittedByUsername: 'mifos',
      activatedOnDate: c.activationDate === undefined ? undefined : toDateArray(c.activationDate),
      activatedByUsername: c.activationDate === undefined ? undefined : 'mifos',
    }),
    savingsProductId: c.savingsProductId,
    savingsAccountId: c.savingsAccountId,
    legalForm: legalForm(c.legalFormId),
    groups: c.groupIds
      .map((g) => state.groups.get(g))
      .filter((g) => g !== undefined)
      .map((g) => ({ id: g.id, accountNo: g.accountNo, name: g.name, externalId: g.externalId })),
  });
}

/** `GET /clients` with Fineract's filters and paging. */
export function listClients(state: TenantState, query: URLSearchParams): Record<string, unknown> {
  let items: SimClient[];
  const externalId = query.get('externalId');
  if (externalId !== null) {
    const id = state.index.clientExternalId.get(externalId);
    items = id === undefined ? [] : [getClient(state, id)];
  } else {
    items = [...state.clients.values()];
  }
  const officeId = query.get('officeId');
  const displayName = query.get('displayName');
  const firstName = query.get('firstName');
  const lastName = query.get('lastName');
  const status = query.get('status');
  items = items.filter(
    (c) =>
      (officeId === null || String(c.officeId) === officeId) &&
      (displayName === null || c.displayName.toLowerCase().includes(displayName.toLowerCase())) &&
      (firstName === null || (c.firstname ?? '').toLowerCase().includes(firstName.toLowerCase())) &&
      (lastName === null || (c.lastname ?? '').toLowerCase().includes(lastName.toLowerCase())) &&
      (status === null ||
        status === 'all' ||
        clientStatus(c.status).value.toLowerCase() === status.toLowerCase()) &&
      (query.get('orphansOnly') !== 'true' || c.groupIds.length === 0),
  );
  return page(
    items.map((c) => clientData(state, c)),
    query,
  );
}

/** Applies `offset`/`limit` and wraps a list as Fineract's page. */
export function page(items: unknown[], query: URLSearchParams): Record<string, unknown> {
  const offset = Math.max(0, parseInt(query.get('offset') ?? '0', 10) || 0);
  const limitText = query.get('limit');
  const limit = limitText === null ? 200 : parseInt(limitText, 10) || 200;
  const pageItems = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
  return { totalFilteredRecords: items.length, pageItems };
}

/** `GET /clients/{id}/accounts`. */
export function clientAccounts(state: TenantState, c: SimClient): Record<string, unknown> {
  const savingsAccounts = [...state.savingsAccounts.values()]
    .filter((a) => a.clientId === c.id)
    .map((a) => {
      const d = savingsAccountData(state, a, false);
      return compact({
        id: a.id,
        accountNo: a.accountNo,
        externalId: a.externalId,
        productId: a.productId,
        productName: d['savingsProductName'],
        status: d['status'],
        currency: d['currency'],
        accountBalance: num(a.accountBalance),
      });
    });
  return { savingsAccounts, loanAccounts: [] };
}
