/**
 * `POST /api/graphql` of the simulator (reference §10–§11): `invoice` / `bill` status queries,
 * `paymentInvoice` (payments recorded against an invoice), `mutationLogs`, and the asynchronous
 * `createPremium` mutation. Validation errors answer 400 `{"errors":[…]}` like graphene-django; resolver
 * errors answer 200 with `errors` next to `data`.
 */
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import {
  GqlDecimalLiteral,
  GqlEnum,
  GqlSyntaxError,
  parseOperation,
  type GqlField,
  type GqlValue,
} from './graphql-parser';
import type { SimReply } from './http-util';
import {
  isUuidLike,
  type InvoiceState,
  type MutationLogEntry,
  type OpenImisStore,
  type StoredPayment,
} from './store';

/** Input of {@link handleGraphql}. */
export interface GraphqlRequest {
  readonly store: OpenImisStore;
  readonly method: string;
  readonly body: string;
  readonly clock: () => Date;
  /** Wall-clock delay before an asynchronous mutation runs. */
  readonly mutationDelayMs: number;
}

interface GqlError {
  message: string;
  locations?: { line: number; column: number }[];
  path?: string[];
}

/** A GraphQL object type: each field resolves a value from the parent (scalar) or a child object/list. */
interface ObjectType {
  readonly name: string;
  readonly fields: Readonly<Record<string, FieldDef>>;
}

interface FieldDef {
  readonly type?: ObjectType;
  readonly resolve: (source: never) => unknown;
}

const scalar = (resolve: (source: never) => unknown): FieldDef => ({ resolve });
const object = (type: ObjectType, resolve: (source: never) => unknown): FieldDef => ({ type, resolve });

/** Relay connection over a node type: `{ totalCount edges { cursor node { … } } }`. */
function connectionOf(node: ObjectType): ObjectType {
  const edge: ObjectType = {
    name: `${node.name.replace(/Type$/, '')}Edge`,
    fields: {
      node: object(node, (e: { node: unknown }) => e.node),
      cursor: scalar((e: { cursor: string }) => e.cursor),
    },
  };
  return {
    name: `${node.name.replace(/Type$/, '')}Connection`,
    fields: {
      totalCount: scalar((items: unknown[]) => items.length),
      edges: object(edge, (items: unknown[]) =>
        items.map((n, i) => ({
          node: n,
          cursor: Buffer.from(`arrayconnection:${String(i)}`).toString('base64'),
        })),
      ),
    },
  };
}

const globalId = (typeName: string, id: string): string =>
  Buffer.from(`${typeName}:${id}`).toString('base64');
const enumOf = (n: number): string => `A_${String(n)}`;

interface LineSource {
  readonly invoice: InvoiceState;
  readonly index: number;
}

const LINE_ITEM: ObjectType = {
  name: 'InvoiceLineItemGQLType',
  fields: {
    id: scalar((l: LineSource) => globalId('InvoiceLineItemGQLType', `${l.invoice.id}:${String(l.index)}`)),
    lineId: scalar((l: LineSource) => l.invoice.lineItems[l.index]?.lineId ?? null),
    lineTypeName: scalar((l: LineSource) => l.invoice.lineItems[l.index]?.lineTypeName ?? null),
    amountTotal: scalar((l: LineSource) => l.invoice.lineItems[l.index]?.amountTotal ?? null),
    amountNet: scalar((l: LineSource) => l.invoice.lineItems[l.index]?.amountTotal ?? null),
    quantity: scalar(() => '1.00'),
    unitPrice: scalar((l: LineSource) => l.invoice.lineItems[l.index]?.amountTotal ?? null),
  },
};

function invoiceType(name: string): ObjectType {
  return {
    name,
    fields: {
      id: scalar((i: InvoiceState) => globalId(name, i.id)),
      code: scalar((i: InvoiceState) => i.code),
      codeExt: scalar(() => null),
      status: scalar((i: InvoiceState) => enumOf(i.status)),
      amountTotal: scalar((i: InvoiceState) => i.amountTotal),
      amountNet: scalar((i: InvoiceState) => i.amountNet),
      amountDiscount: scalar(() => null),
      currencyCode: scalar((i: InvoiceState) => i.currency),
      currencyTpCode: scalar((i: InvoiceState) => i.currency),
      datePayed: scalar((i: InvoiceState) => i.datePayed),
      isDeleted: scalar(() => false),
      subjectTypeName: scalar((i: InvoiceState) => (i.kind === 'bill' ? 'batch run' : 'family')),
      subjectId: scalar((i: InvoiceState) => i.subjectId),
      thirdpartyId: scalar((i: InvoiceState) => i.thirdpartyId),
      thirdpartyTypeName: scalar((i: InvoiceState) => (i.kind === 'bill' ? 'health facility' : 'insuree')),
      lineItems: object(connectionOf(LINE_ITEM), (i: InvoiceState) =>
        i.lineItems.map((_, index): LineSource => ({ invoice: i, index })),
      ),
    },
  };
}

const DETAIL_PAYMENT: ObjectType = {
  name: 'DetailPaymentInvoiceGQLType',
  fields: {
    id: scalar((p: StoredPayment) => globalId('DetailPaymentInvoiceGQLType', p.id)),
    status: scalar((p: StoredPayment) => enumOf(p.detailStatus)),
    amount: scalar((p: StoredPayment) => new Decimal(p.amountReceived).toFixed(2)),
    subjectId: scalar((p: StoredPayment) => p.subjectId),
    subjectTypeName: scalar((p: StoredPayment) => p.subjectType),
    reconcilationId: scalar((p: StoredPayment) => p.reconciliationId),
  },
};

const PAYMENT_INVOICE: ObjectType = {
  name: 'PaymentInvoiceGQLType',
  fields: {
    id: scalar((p: StoredPayment) => globalId('PaymentInvoiceGQLType', p.id)),
    codeExt: scalar(() => null),
    codeTp: scalar(() => null),
    codeReceipt: scalar(() => null),
    payerRef: scalar((p: StoredPayment) => p.payerRef),
    payerName: scalar(() => null),
    amountReceived: scalar((p: StoredPayment) => new Decimal(p.amountReceived).toFixed(2)),
    reconciliationStatus: scalar((p: StoredPayment) => enumOf(p.reconciliationStatus)),
    datePayment: scalar((p: StoredPayment) => p.datePayment ?? null),
    invoicePayments: object(connectionOf(DETAIL_PAYMENT), (p: StoredPayment) => [p]),
  },
};

const MUTATION_LOG: ObjectType = {
  name: 'MutationLogGQLType',
  fields: {
    id: scalar((m: MutationLogEntry) => globalId('MutationLogGQLType', m.id)),
    status: scalar((m: MutationLogEntry) => m.status),
    error: scalar((m: MutationLogEntry) => m.error),
    clientMutationId: scalar((m: MutationLogEntry) => m.clientMutationId),
    clientMutationLabel: scalar((m: MutationLogEntry) => m.clientMutationLabel),
    requestDateTime: scalar((m: MutationLogEntry) => m.requestDateTime),
  },
};

const CREATE_PREMIUM_PAYLOAD: ObjectType = {
  name: 'CreatePremiumMutationPayload',
  fields: {
    clientMutationId: scalar((r: { clientMutationId: string | null }) => r.clientMutationId),
    internalId: scalar((r: { internalId: string }) => r.internalId),
  },
};

/** Filters of the real `invoice`/`bill` fields that the simulator does not evaluate: answered with an error, never ignored. */
const UNSUPPORTED_INVOICE_ARGS = [
  'subjectType',
  'codeExt',
  'dateDue',
  'datePayed',
  'amountTotal',
  'dateCreated',
  'dateUpdated',
  'before',
  'after',
];

const INVOICE_ARGS = [
  'id',
  'code',
  'code_Iexact',
  'code_Istartswith',
  'code_Icontains',
  'status',
  'subjectId',
  'thirdpartyId',
  'isDeleted',
  'first',
  'last',
  'offset',
  ...UNSUPPORTED_INVOICE_ARGS,
];

interface RootField {
  readonly type: ObjectType;
  readonly args: readonly string[];
}

const QUERY_ROOT: Record<string, RootField> = {
  invoice: { type: connectionOf(invoiceType('InvoiceGQLType')), args: INVOICE_ARGS },
  bill: { type: connectionOf(invoiceType('BillGQLType')), args: INVOICE_ARGS },
  paymentInvoice: {
    type: connectionOf(PAYMENT_INVOICE),
    args: [
      'subjectIds',
      'id',
      'payerRef',
      'reconciliationStatus',
      'first',
      'last',
      'offset',
      'before',
      'after',
    ],
  },
  mutationLogs: {
    type: connectionOf(MUTATION_LOG),
    args: ['clientMutationId', 'id', 'first', 'last', 'offset', 'before', 'after'],
  },
};

const MUTATION_ROOT: Record<string, RootField> = {
  createPremium: { type: CREATE_PREMIUM_PAYLOAD, args: ['input'] },
};

const PREMIUM_INPUT_REQUIRED: Readonly<Record<string, string>> = {
  policyUuid: 'String!',
  amount: 'Decimal!',
  receipt: 'String!',
  payDate: 'Date!',
  payType: 'String!',
};
const PREMIUM_INPUT_OPTIONAL = [
  'clientMutationId',
  'clientMutationLabel',
  'id',
  'uuid',
  'payerUuid',
  'isOffline',
  'isPhotoFee',
  'action',
  'otherPremiums',
  'createdDate',
];

/** Checks a selection set against a type; returns graphene-style validation errors. */
function validateSelections(
  type: ObjectType,
  selections: readonly GqlField[] | undefined,
  errors: GqlError[],
): void {
  if (selections === undefined) {
    return;
  }
  for (const field of selections) {
    if (field.name === '__typename') {
      continue;
    }
    const def = type.fields[field.name];
    if (def === undefined) {
      errors.push({
        message: `Cannot query field "${field.name}" on type "${type.name}".`,
        locations: [{ line: field.line, column: field.column }],
      });
      continue;
    }
    if (def.type !== undefined && field.selections === undefined) {
      errors.push({
        message: `Field "${field.name}" of type "${def.type.name}" must have a selection of subfields. Did you mean "${field.name} { ... }"?`,
        locations: [{ line: field.line, column: field.column }],
      });
    }
    if (def.type === undefined && field.selections !== undefined) {
      errors.push({
        message: `Field "${field.name}" must not have a selection since its type has no subfields.`,
        locations: [{ line: field.line, column: field.column }],
      });
    }
    if (def.type !== undefined) {
      validateSelections(def.type, field.selections, errors);
    }
  }
}

/** Projects a resolved value onto a selection set. */
function project(
  type: ObjectType,
  source: unknown,
  selections: readonly GqlField[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of selections) {
    const key = field.alias ?? field.name;
    if (field.name === '__typename') {
      out[key] = type.name;
      continue;
    }
    const def = type.fields[field.name];
    if (def === undefined) {
      continue;
    }
    const value = def.resolve(source as never);
    if (def.type === undefined || field.selections === undefined) {
      out[key] = value;
    } else if (Array.isArray(value) && def.type.fields['node'] !== undefined) {
      const edgeType = def.type;
      out[key] = value.map((v) => project(edgeType, v, field.selections ?? []));
    } else if (value === null || value === undefined) {
      out[key] = null;
    } else {
      out[key] = project(def.type, value, field.selections);
    }
  }
  return out;
}

const asText = (v: GqlValue | undefined): string | undefined => {
  if (typeof v === 'string') {
    return v;
  }
  if (v instanceof GqlEnum) {
    return v.name;
  }
  if (v instanceof GqlDecimalLiteral) {
    return v.text;
  }
  if (typeof v === 'number') {
    return String(v);
  }
  return undefined;
};

class ResolverError extends Error {}

function filterInvoices(
  store: OpenImisStore,
  kind: 'invoice' | 'bill',
  args: Readonly<Record<string, GqlValue>>,
): InvoiceState[] {
  for (const name of UNSUPPORTED_INVOICE_ARGS) {
    if (args[name] !== undefined) {
      throw new ResolverError(`The openIMIS simulator does not evaluate the "${name}" filter`);
    }
  }
  let list = store.invoices().filter((i) => i.kind === kind);
  const thirdpartyId = asText(args['thirdpartyId'])?.toLowerCase();
  if (thirdpartyId !== undefined) {
    list = list.filter((i) => i.thirdpartyId?.toLowerCase() === thirdpartyId);
  }
  const subjectId = asText(args['subjectId'])?.toLowerCase();
  if (subjectId !== undefined) {
    list = list.filter((i) => i.subjectId?.toLowerCase() === subjectId);
  }
  if (args['isDeleted'] === true) {
    list = [];
  }
  const id = asText(args['id']);
  if (id !== undefined) {
    if (!isUuidLike(id)) {
      throw new ResolverError(`['“${id}” is not a valid UUID.']`);
    }
    list = list.filter((i) => i.id.toLowerCase() === id.toLowerCase());
  }
  const code = asText(args['code']);
  if (code !== undefined) {
    list = list.filter((i) => i.code === code);
  }
  const iexact = asText(args['code_Iexact']);
  if (iexact !== undefined) {
    list = list.filter((i) => i.code.toLowerCase() === iexact.toLowerCase());
  }
  const istarts = asText(args['code_Istartswith']);
  if (istarts !== undefined) {
    list = list.filter((i) => i.code.toLowerCase().startsWith(istarts.toLowerCase()));
  }
  const icontains = asText(args['code_Icontains']);
  if (icontains !== undefined) {
    list = list.filter((i) => i.code.toLowerCase().includes(icontains.toLowerCase()));
  }
  const status = asText(args['status']);
  if (status !== undefined) {
    list = list.filter((i) => enumOf(i.status) === status || String(i.status) === status);
  }
  const offset = asText(args['offset']);
  if (offset !== undefined && /^\d+$/.test(offset)) {
    list = list.slice(Number(offset));
  }
  const first = asText(args['first']);
  if (first !== undefined && /^\d+$/.test(first)) {
    list = list.slice(0, Number(first));
  }
  const last = asText(args['last']);
  if (last !== undefined && /^\d+$/.test(last)) {
    list = list.slice(Math.max(0, list.length - Number(last)));
  }
  return list;
}

function resolveQueryRoot(store: OpenImisStore, field: GqlField): unknown {
  switch (field.name) {
    case 'invoice':
      return filterInvoices(store, 'invoice', field.args);
    case 'bill':
      return filterInvoices(store, 'bill', field.args);
    case 'paymentInvoice': {
      const raw = field.args['subjectIds'];
      const ids = (Array.isArray(raw) ? raw : raw === undefined || raw === null ? undefined : [raw])?.map(
        (v) => asText(v)?.toLowerCase(),
      );
      const payerRef = asText(field.args['payerRef']);
      return store
        .paymentNotices()
        .filter((p) => ids === undefined || ids.includes(p.subjectId.toLowerCase()))
        .filter((p) => payerRef === undefined || p.payerRef === payerRef);
    }
    case 'mutationLogs': {
      const clientMutationId = asText(field.args['clientMutationId']);
      const id = asText(field.args['id']);
      return store
        .mutationLogs()
        .filter((m) => clientMutationId === undefined || m.clientMutationId === clientMutationId)
        .filter((m) => id === undefined || m.id === id || globalId('MutationLogGQLType', m.id) === id);
    }
    default:
      return null;
  }
}

/** Validates `createPremium(input: …)` the way the schema does (required fields, scalar formats). */
function premiumInputErrors(input: GqlValue | undefined, field: GqlField): GqlError[] {
  const location = [{ line: field.line, column: field.column }];
  if (
    input === undefined ||
    input === null ||
    typeof input !== 'object' ||
    Array.isArray(input) ||
    input instanceof GqlEnum ||
    input instanceof GqlDecimalLiteral
  ) {
    return [
      {
        message:
          'Field "createPremium" argument "input" of type "CreatePremiumMutationInput!" is required, but it was not provided.',
        locations: location,
      },
    ];
  }
  const errors: GqlError[] = [];
  const bad = (detail: string): void => {
    errors.push({ message: `Argument "input" has invalid value.\n${detail}`, locations: location });
  };
  for (const [name, typeName] of Object.entries(PREMIUM_INPUT_REQUIRED)) {
    const v = input[name];
    if (v === undefined || v === null) {
      bad(`In field "${name}": Expected "${typeName}", found null.`);
    }
  }
  for (const name of Object.keys(input)) {
    if (!(name in PREMIUM_INPUT_REQUIRED) && !PREMIUM_INPUT_OPTIONAL.includes(name)) {
      bad(`In field "${name}": Unknown field.`);
    }
  }
  const amount = asText(input['amount']);
  if (amount !== undefined && !/^-?\d+(\.\d+)?$/.test(amount)) {
    bad(`In field "amount": Expected type "Decimal", found "${amount}".`);
  }
  const payDate = input['payDate'];
  if (
    payDate !== undefined &&
    payDate !== null &&
    (typeof payDate !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(payDate) ||
      Number.isNaN(Date.parse(`${payDate}T00:00:00Z`)))
  ) {
    bad(`In field "payDate": Expected type "Date", found ${JSON.stringify(asText(payDate) ?? payDate)}.`);
  }
  return errors;
}

function createPremium(
  req: GraphqlRequest,
  input: Record<string, GqlValue>,
): { clientMutationId: string | null; internalId: string } {
  const { store } = req;
  const clientMutationId = asText(input['clientMutationId']) ?? null;
  const policyUuid = asText(input['policyUuid']) ?? '';
  const amount = asText(input['amount']) ?? '0';
  const receipt = asText(input['receipt']) ?? '';
  const payDate = asText(input['payDate']) ?? '';
  const payType = asText(input['payType']) ?? '';
  const action = asText(input['action']);
  const isPhotoFee = input['isPhotoFee'] === true;
  const id = randomUUID();
  const fail = (detail: string): string =>
    JSON.stringify([{ message: `premium.mutation.failed_to_create_premium`, detail }]);
  const run = (): string | null => {
    const policy = store.policy(policyUuid);
    if (policy === undefined) {
      return fail(`Policy matching query does not exist. (policy_uuid=${policyUuid})`);
    }
    if (!['B', 'C', 'M', 'F'].includes(payType)) {
      return fail(`Invalid pay_type ${payType}: expected B, C, M or F`);
    }
    if (!new Decimal(amount).greaterThan(0)) {
      return fail('Premium amount must be positive');
    }
    if (action !== undefined && !['ENFORCE', 'SUSPEND', 'WAIT'].includes(action)) {
      return fail(`Invalid action ${action}`);
    }
    const duplicate = store
      .premiums()
      .some((p) => p.receipt === receipt && store.policy(p.policyUuid)?.productCode === policy.productCode);
    if (duplicate) {
      return fail(`Receipt number ${receipt} is not unique for product ${policy.productCode}`);
    }
    store.addPremium(
      {
        uuid: asText(input['uuid']) ?? randomUUID(),
        policyUuid: policy.uuid,
        amount: new Decimal(amount).toFixed(2),
        receipt,
        payDate,
        payType,
        isPhotoFee,
        clientMutationId,
      },
      action,
    );
    return null;
  };
  store.addMutationLog({
    id,
    clientMutationId,
    clientMutationLabel: asText(input['clientMutationLabel']) ?? null,
    status: 0,
    error: null,
    requestDateTime: req.clock().toISOString().slice(0, 19),
    readyAt: Date.now() + req.mutationDelayMs,
    run,
  });
  // openIMIS runs the mutation after answering; settle it on time even if nobody polls.
  setTimeout(() => {
    store.settleMutations();
  }, req.mutationDelayMs + 1).unref();
  return { clientMutationId, internalId: id };
}

/**
 * Handles a GraphQL request.
 *
 * @param req - the request and simulator state
 * @returns the reply
 */
export function handleGraphql(req: GraphqlRequest): SimReply {
  if (req.method !== 'POST') {
    return { status: 400, body: { errors: [{ message: 'Must provide query string.' }] } };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(req.body);
  } catch {
    return { status: 400, body: { errors: [{ message: 'POST body sent invalid JSON.' }] } };
  }
  const query =
    typeof payload === 'object' && payload !== null ? (payload as { query?: unknown }).query : undefined;
  const variables =
    typeof payload === 'object' && payload !== null
      ? (payload as { variables?: unknown }).variables
      : undefined;
  if (typeof query !== 'string' || query.trim() === '') {
    return { status: 400, body: { errors: [{ message: 'Must provide query string.' }] } };
  }
  let operation;
  try {
    operation = parseOperation(
      query,
      typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : {},
    );
  } catch (err) {
    if (err instanceof GqlSyntaxError) {
      return {
        status: 400,
        body: { errors: [{ message: err.message, locations: [{ line: err.line, column: err.column }] }] },
      };
    }
    throw err;
  }
  const roots = operation.kind === 'query' ? QUERY_ROOT : MUTATION_ROOT;
  const rootName = operation.kind === 'query' ? 'Query' : 'Mutation';
  const errors: GqlError[] = [];
  for (const field of operation.selections) {
    const root = roots[field.name];
    if (root === undefined) {
      errors.push({
        message: `Cannot query field "${field.name}" on type "${rootName}".`,
        locations: [{ line: field.line, column: field.column }],
      });
      continue;
    }
    for (const arg of Object.keys(field.args)) {
      if (!root.args.includes(arg)) {
        errors.push({
          message: `Unknown argument "${arg}" on field "${field.name}" of type "${rootName}".`,
          locations: [{ line: field.line, column: field.column }],
        });
      }
    }
    if (field.selections === undefined) {
      errors.push({
        message: `Field "${field.name}" of type "${root.type.name}" must have a selection of subfields. Did you mean "${field.name} { ... }"?`,
        locations: [{ line: field.line, column: field.column }],
      });
    }
    validateSelections(root.type, field.selections, errors);
    if (field.name === 'createPremium') {
      errors.push(...premiumInputErrors(field.args['input'], field));
    }
  }
  if (errors.length > 0) {
    return { status: 400, body: { errors } };
  }
  const data: Record<string, unknown> = {};
  const execErrors: GqlError[] = [];
  for (const field of operation.selections) {
    const key = field.alias ?? field.name;
    const root = roots[field.name];
    if (root === undefined) {
      continue;
    }
    try {
      const value =
        field.name === 'createPremium'
          ? createPremium(req, field.args['input'] as Record<string, GqlValue>)
          : resolveQueryRoot(req.store, field);
      data[key] = project(root.type, value, field.selections ?? []);
    } catch (err) {
      if (!(err instanceof ResolverError)) {
        throw err;
      }
      data[key] = null;
      execErrors.push({
        message: err.message,
        locations: [{ line: field.line, column: field.column }],
        path: [key],
      });
    }
  }
  return { status: 200, body: execErrors.length > 0 ? { errors: execErrors, data } : { data } };
}
