import { ValidationError } from '@payment-layer/shared-errors';
import { assertDecimalString, type DecimalString } from './amount';
import { parseFineractJson } from './wire';

/** A web-hook delivery as received: raw headers (any casing) and the body (text or already parsed JSON). */
export interface HookDeliveryInput {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: unknown;
}

/** What every parsed delivery carries. */
export interface HookDeliveryBase {
  /** `Fineract-Platform-TenantId` header. */
  readonly tenantId: string;
  /** Upper-case entity, e.g. `SAVINGSACCOUNT`. */
  readonly entityName: string;
  /** Upper-case action, e.g. `DEPOSIT`. */
  readonly actionName: string;
  /** `X-Fineract-Endpoint` header (Fineract's `baseUrl` JVM property; often absent). */
  readonly endpoint?: string;
  readonly createdBy?: number;
  readonly createdByName?: string;
  readonly timestamp?: string;
  readonly officeId?: number;
}

/** Fields of a money movement taken from the command's original request body. */
export interface HookMoneyFields {
  /** Amount as sent in the command (decimal string). A hint: read the transaction back before acting. */
  readonly amount: DecimalString;
  /** Transaction date as sent, in the sender's `dateFormat`. */
  readonly transactionDate?: string;
  readonly dateFormat?: string;
  readonly paymentTypeId?: number;
  readonly receiptNumber?: string;
}

/** `CLIENTCHARGE/PAY`: a client charge (payable) was paid, fully or partly. */
export interface ClientChargePaidDelivery extends HookDeliveryBase, HookMoneyFields {
  readonly kind: 'clientChargePaid';
  readonly clientId: number;
  /** The client charge id (`response.resourceId`). */
  readonly clientChargeId: number;
  /** The client transaction id (`response.subResourceId` / `transactionId`): the payment's source id. */
  readonly transactionId: number;
  /** `externalId` sent with the payment (`response.subResourceExternalId` or `request.externalId`). */
  readonly transactionExternalId?: string;
}

/** `SAVINGSACCOUNT/DEPOSIT` or `SAVINGSACCOUNT/WITHDRAWAL`. */
export interface SavingsTransactionDelivery extends HookDeliveryBase, HookMoneyFields {
  readonly kind: 'savingsDeposit' | 'savingsWithdrawal';
  readonly savingsId: number;
  /** The savings transaction id (`response.resourceId`). */
  readonly transactionId: number;
  readonly clientId?: number;
  readonly groupId?: number;
  readonly note?: string;
}

/** Any other entity/action: kept for logging; nothing to act on. */
export interface OtherDelivery extends HookDeliveryBase {
  readonly kind: 'other';
  readonly resourceId?: number;
  readonly clientId?: number;
  readonly request?: Readonly<Record<string, unknown>>;
  readonly response?: Readonly<Record<string, unknown>>;
}

/** A command that failed (`status: "Exception"`): Fineract sends these too. Log; never act on them. */
export interface FailureDelivery extends HookDeliveryBase {
  readonly kind: 'failure';
  readonly statusCode?: number;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** A parsed Fineract web-hook delivery. */
export type HookDelivery =
  ClientChargePaidDelivery | SavingsTransactionDelivery | OtherDelivery | FailureDelivery;

/**
 * Parses a Fineract web-hook delivery (template "Web", content type json). Hooks are hints: one attempt, no
 * signature, sent before the transaction commits — confirm by reading the transaction back before acting.
 *
 * @param input - headers and body as received
 * @returns the typed delivery
 * @throws ValidationError naming the field when the delivery is malformed
 * @see ../../../../docs/contracts/fineract.md §11
 */
export function parseHookDelivery(input: HookDeliveryInput): HookDelivery {
  const headers = lowerCaseHeaders(input.headers);
  const body = parseBody(input.body);
  const tenantId = headers['fineract-platform-tenantid'];
  if (!tenantId) {
    throw bad('Fineract-Platform-TenantId', 'header is missing');
  }
  const entityName = agree(
    'entityName',
    headers['x-fineract-entity'],
    body['entityName'],
    'X-Fineract-Entity',
  );
  const actionName = agree(
    'actionName',
    headers['x-fineract-action'],
    body['actionName'],
    'X-Fineract-Action',
  );
  const endpoint = headers['x-fineract-endpoint'];
  const base: HookDeliveryBase = {
    tenantId,
    entityName,
    actionName,
    ...(endpoint ? { endpoint } : {}),
    ...optInt(body, 'createdBy', 'createdBy'),
    ...optString(body, 'createdByName', 'createdByName'),
    ...optString(body, 'timestamp', 'timestamp'),
    ...optInt(body, 'officeId', 'officeId'),
  };
  const request = optObject(body, 'request');
  const response = optObject(body, 'response');

  if (body['status'] !== undefined && body['status'] !== null) {
    if (body['status'] !== 'Exception') {
      throw bad('status', `unknown status ${JSON.stringify(body['status'])}`);
    }
    const r = response ?? {};
    const errorCode = firstString(r['errorCode'], r['userMessageGlobalisationCode']);
    const errorMessage = firstString(r['errorMessage'], r['defaultUserMessage']);
    const statusCode = toInt(r['statusCode'] ?? r['httpStatusCode']);
    return {
      kind: 'failure',
      ...base,
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(errorCode !== undefined ? { errorCode } : {}),
      ...(errorMessage !== undefined ? { errorMessage } : {}),
    };
  }

  const event = `${entityName}/${actionName}`;
  if (event === 'CLIENTCHARGE/PAY') {
    const req = required(request, 'request');
    const res = required(response, 'response');
    const clientId = toInt(res['clientId']) ?? toInt(body['clientId']);
    if (clientId === undefined) {
      throw bad('response.clientId', 'missing client id');
    }
    const transactionId = toInt(res['subResourceId']) ?? toInt(res['transactionId']);
    if (transactionId === undefined) {
      throw bad('response.subResourceId', 'missing client transaction id');
    }
    const extId = firstString(res['subResourceExternalId'], req['externalId']);
    return {
      kind: 'clientChargePaid',
      ...base,
      clientId,
      clientChargeId: requiredInt(res, 'resourceId', 'response.resourceId'),
      transactionId,
      ...(extId !== undefined ? { transactionExternalId: extId } : {}),
      ...moneyFields(req, 'amount'),
    };
  }
  if (event === 'SAVINGSACCOUNT/DEPOSIT' || event === 'SAVINGSACCOUNT/WITHDRAWAL') {
    const req = required(request, 'request');
    const res = required(response, 'response');
    const clientId = toInt(res['clientId']) ?? toInt(body['clientId']);
    const groupId = toInt(res['groupId']);
    return {
      kind: actionName === 'DEPOSIT' ? 'savingsDeposit' : 'savingsWithdrawal',
      ...base,
      savingsId: requiredInt(res, 'savingsId', 'response.savingsId'),
      transactionId: requiredInt(res, 'resourceId', 'response.resourceId'),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(groupId !== undefined ? { groupId } : {}),
      ...moneyFields(req, 'transactionAmount'),
      ...optString(req, 'note', 'request.note'),
    };
  }
  const resourceId = response ? toInt(response['resourceId']) : undefined;
  const clientId = toInt(body['clientId']) ?? (response ? toInt(response['clientId']) : undefined);
  return {
    kind: 'other',
    ...base,
    ...(resourceId !== undefined ? { resourceId } : {}),
    ...(clientId !== undefined ? { clientId } : {}),
    ...(request ? { request } : {}),
    ...(response ? { response } : {}),
  };
}

function moneyFields(req: Record<string, unknown>, amountKey: string): HookMoneyFields {
  const raw = req[amountKey];
  const field = `request.${amountKey}`;
  if (raw === undefined || raw === null) {
    throw bad(field, 'missing amount');
  }
  // A body given as text keeps amounts exact (parseFineractJson); an already parsed number becomes its shortest
  // decimal text. Anything localised ("1,000") is refused rather than guessed. Plug-in point for
  // @payment-layer/shared-money.
  const amount = assertDecimalString(
    typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw,
    field,
  );
  const paymentTypeId = toInt(req['paymentTypeId']);
  if (req['paymentTypeId'] !== undefined && paymentTypeId === undefined) {
    throw bad('request.paymentTypeId', 'not an integer');
  }
  return {
    amount,
    ...optString(req, 'transactionDate', 'request.transactionDate'),
    ...optString(req, 'dateFormat', 'request.dateFormat'),
    ...(paymentTypeId !== undefined ? { paymentTypeId } : {}),
    ...optString(req, 'receiptNumber', 'request.receiptNumber'),
  };
}

function lowerCaseHeaders(headers: HookDeliveryInput['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const value = typeof v === 'string' ? v : Array.isArray(v) ? (v as readonly string[])[0] : undefined;
    if (typeof value === 'string' && value.trim() !== '') {
      out[k.toLowerCase()] = value.trim();
    }
  }
  return out;
}

function parseBody(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      value = parseFineractJson(body.toString());
    } catch {
      throw bad('body', 'not JSON (configure the hook with "Content Type": "json")');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw bad('body', 'expected a JSON object');
  }
  return value as Record<string, unknown>;
}

function agree(field: string, header: string | undefined, bodyValue: unknown, headerName: string): string {
  if (bodyValue !== undefined && typeof bodyValue !== 'string') {
    throw bad(field, 'expected a string');
  }
  const b = bodyValue?.trim().toUpperCase();
  const h = header?.toUpperCase();
  if (b && h && b !== h) {
    throw bad(field, `body says ${b} but ${headerName} says ${h}`);
  }
  const v = b || h;
  if (!v) {
    throw bad(field, `missing (neither body nor ${headerName})`);
  }
  return v;
}

function optObject(body: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw bad(key, 'expected an object');
  }
  return v as Record<string, unknown>;
}

function required(v: Record<string, unknown> | undefined, field: string): Record<string, unknown> {
  if (!v) {
    throw bad(field, 'missing');
  }
  return v;
}

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) {
    return v;
  }
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) {
    return Number.parseInt(v, 10);
  }
  return undefined;
}

function requiredInt(obj: Record<string, unknown>, key: string, field: string): number {
  const n = toInt(obj[key]);
  if (n === undefined) {
    throw bad(field, obj[key] === undefined ? 'missing' : 'not an integer id');
  }
  return n;
}

function optInt(obj: Record<string, unknown>, key: string, field: string): Record<string, number> {
  const v = obj[key];
  if (v === undefined || v === null) {
    return {};
  }
  const n = toInt(v);
  if (n === undefined) {
    throw bad(field, 'not an integer');
  }
  return { [key]: n };
}

function optString(obj: Record<string, unknown>, key: string, field: string): Record<string, string> {
  const v = obj[key];
  if (v === undefined || v === null) {
    return {};
  }
  if (typeof v !== 'string') {
    throw bad(field, 'expected a string');
  }
  return { [key]: v };
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((v): v is string => typeof v === 'string' && v.length > 0);
}

function bad(field: string, message: string): ValidationError {
  return new ValidationError(`Fineract hook delivery: ${field} ${message}`, {
    issues: [{ message, location: field, code: 'invalid' }],
  });
}
