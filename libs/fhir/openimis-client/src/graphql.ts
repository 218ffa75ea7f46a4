import {
  UpstreamError,
  UpstreamTimeoutError,
  ValidationError,
  type MediatorErrorOptions,
} from '@payment-layer/shared-errors';
import { isRecord } from './responses';

/** openIMIS invoice/bill status codes (`GenericInvoice.Status`; GraphQL shows them as `A_<n>`). */
export const INVOICE_STATUS_NAMES = {
  0: 'draft',
  1: 'validated',
  2: 'paid',
  3: 'cancelled',
  4: 'deleted',
  5: 'suspended',
  6: 'unpaid',
  7: 'reconciliated',
} as const;

/** Name of an openIMIS invoice status. */
export type InvoiceStatusName = (typeof INVOICE_STATUS_NAMES)[keyof typeof INVOICE_STATUS_NAMES];

/** One invoice line as GraphQL reports it. */
export interface InvoiceLineStatus {
  /** For legacy contribution invoices: the policy UUID (needed by `createPremium`). */
  readonly lineId: string | undefined;
  readonly lineTypeName: string | undefined;
  /** Decimal string. */
  readonly amountTotal: string | undefined;
}

/** Status of an invoice or bill read through GraphQL (reference §10). */
export interface InvoiceStatus {
  readonly id: string;
  readonly code: string | undefined;
  /** Numeric openIMIS status (2 = paid). */
  readonly status: number;
  readonly statusName: InvoiceStatusName | 'unknown';
  /** Decimal strings, as openIMIS sends them. */
  readonly amountTotal: string | undefined;
  readonly amountNet: string | undefined;
  readonly currencyCode: string | undefined;
  readonly datePayed: string | undefined;
  readonly lineItems: readonly InvoiceLineStatus[];
}

/** One detail of a recorded payment (`DetailPaymentInvoice`). */
export interface PaymentDetailRecord {
  /** 0 rejected, 1 accepted, 2 refunded, 3 cancelled. */
  readonly status: number | undefined;
  /** Decimal string. */
  readonly amount: string | undefined;
  readonly subjectTypeName: string | undefined;
}

/** A payment openIMIS holds against an invoice or bill (`PaymentInvoice`, reference §7 and §10). */
export interface PaymentRecord {
  readonly id: string;
  readonly codeExt: string | undefined;
  /** For payments made through a PaymentNotice: its `payment.reference`, e.g. `PaymentReconciliation/<our id>`. */
  readonly payerRef: string | undefined;
  /** Decimal string. */
  readonly amountReceived: string | undefined;
  /** 0 not reconciliated, 1 reconciliated, 2 refunded, 3 cancelled. */
  readonly reconciliationStatus: number | undefined;
  readonly details: readonly PaymentDetailRecord[];
}

/**
 * Builds a {@link PaymentRecord} from a `paymentInvoice` node.
 *
 * @param node - GraphQL node
 * @returns the record
 */
export function toPaymentRecord(node: Record<string, unknown>): PaymentRecord {
  return {
    id: String(node.id),
    codeExt: optionalString(node.codeExt),
    payerRef: optionalString(node.payerRef),
    amountReceived: graphqlDecimal(node.amountReceived),
    reconciliationStatus: graphqlIntChoice(node.reconciliationStatus),
    details: connectionNodes(node.invoicePayments).map((d) => ({
      status: graphqlIntChoice(d.status),
      amount: graphqlDecimal(d.amount),
      subjectTypeName: optionalString(d.subjectTypeName),
    })),
  };
}

/** Input of `createPremium` (reference §11.1). */
export interface CreatePremiumInput {
  /** Policy UUID (for a legacy contribution invoice: the line item's `lineId`). */
  readonly policyUuid: string;
  /** Decimal string, e.g. `"4200.00"`. */
  readonly amount: string;
  /** Receipt number, unique per product. */
  readonly receipt: string;
  /** `YYYY-MM-DD`. */
  readonly payDate: string;
  /** `B` bank, `C` cash, `M` mobile, `F` funding. */
  readonly payType: 'B' | 'C' | 'M' | 'F';
  readonly uuid?: string;
  readonly payerUuid?: string;
  readonly isOffline?: boolean;
  readonly isPhotoFee?: boolean;
  readonly action?: 'ENFORCE' | 'SUSPEND' | 'WAIT';
  /** Correlation id of this logical operation; generated (32 hex characters) when absent. */
  readonly clientMutationId?: string;
}

/** Answer of an asynchronous openIMIS mutation: it has been accepted, not yet run. */
export interface MutationAccepted {
  readonly clientMutationId: string;
  readonly internalId: string | undefined;
}

/** Final state of a mutation (`mutationLogs.status` 2). */
export interface MutationSucceeded {
  readonly clientMutationId: string;
  /** `mutationLogs` node id. */
  readonly id: string | undefined;
}

/**
 * openIMIS ran the mutation and it failed (`mutationLogs.status` 1): the request was rejected; sending it
 * again unchanged will fail again. → 422
 */
export class OpenImisMutationError extends UpstreamError {
  override readonly code = 'openimis-mutation-failed';
  override readonly statusCode = 422;
  override readonly issueCode = 'business-rule';
  override readonly retryable = false;
  readonly clientMutationId: string;
  /** The `error` text openIMIS logged (a JSON message). */
  readonly mutationError: string | undefined;

  constructor(
    clientMutationId: string,
    mutationError: string | undefined,
    options: MediatorErrorOptions = {},
  ) {
    super(
      'openimis',
      `openIMIS mutation ${clientMutationId} failed: ${summariseMutationError(mutationError)}`,
      {
        ...options,
        upstreamCode: 'mutation-error',
      },
    );
    this.clientMutationId = clientMutationId;
    this.mutationError = mutationError;
  }
}

/**
 * A mutation has no final status before the deadline: its outcome is unknown. Query it again later with
 * the same `clientMutationId`; do not resend it. → 504
 */
export class OpenImisMutationPendingError extends UpstreamTimeoutError {
  readonly clientMutationId: string;

  constructor(clientMutationId: string, waitedMs: number) {
    super(
      'openimis',
      `openIMIS mutation ${clientMutationId} has no final status after ${waitedMs} ms; outcome unknown (query it again, do not resend)`,
    );
    this.clientMutationId = clientMutationId;
  }
}

/**
 * Serialises a value as a GraphQL input literal. JSON strings are valid GraphQL strings, and keys are checked to
 * be names, so no caller text can change the query's shape.
 *
 * @param value - string, boolean, number or a flat object of them
 * @returns GraphQL literal text
 */
export function graphqlLiteral(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'boolean') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  if (isRecord(value)) {
    const fields = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => {
        if (!/^[_A-Za-z][_0-9A-Za-z]*$/.test(k)) {
          throw new ValidationError(`not a GraphQL field name: ${JSON.stringify(k)}`);
        }
        return `${k}: ${graphqlLiteral(v)}`;
      });
    return `{${fields.join(', ')}}`;
  }
  throw new ValidationError(`cannot send ${typeof value} as a GraphQL literal`);
}

/**
 * Reads an enum-of-integer value as GraphQL returns it (`"A_2"`, `2` or `"2"`).
 *
 * @param value - the field value
 * @returns the number, or undefined when unreadable
 */
export function graphqlIntChoice(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) {
    return value;
  }
  if (typeof value === 'string') {
    const m = /^(?:A_)?(\d+)$/.exec(value);
    return m?.[1] === undefined ? undefined : Number.parseInt(m[1], 10);
  }
  return undefined;
}

/**
 * A decimal field as a string. openIMIS' graphene `Decimal` arrives as a string; a JSON number (older
 * versions) is rendered with its shortest exact spelling, never used in arithmetic here.
 *
 * @param value - the field value
 * @returns decimal string or undefined
 */
export function graphqlDecimal(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return String(value);
  }
  return undefined;
}

/**
 * The nodes of a relay connection (`{ edges: [{ node }] }`).
 *
 * @param connection - the connection value
 * @returns its nodes (objects only)
 */
export function connectionNodes(connection: unknown): Record<string, unknown>[] {
  if (!isRecord(connection) || !Array.isArray(connection.edges)) {
    return [];
  }
  return connection.edges.flatMap((edge: unknown) =>
    isRecord(edge) && isRecord(edge.node) ? [edge.node] : [],
  );
}

/**
 * Builds an {@link InvoiceStatus} from an `invoice`/`bill` node.
 *
 * @param node - GraphQL node
 * @returns the status
 */
export function toInvoiceStatus(node: Record<string, unknown>): InvoiceStatus {
  const status = graphqlIntChoice(node.status) ?? -1;
  const name = (INVOICE_STATUS_NAMES as Record<number, InvoiceStatusName | undefined>)[status] ?? 'unknown';
  return {
    id: String(node.id),
    code: optionalString(node.code),
    status,
    statusName: name,
    amountTotal: graphqlDecimal(node.amountTotal),
    amountNet: graphqlDecimal(node.amountNet),
    currencyCode: optionalString(node.currencyCode),
    datePayed: optionalString(node.datePayed),
    lineItems: connectionNodes(node.lineItems).map((line) => ({
      lineId: optionalString(line.lineId),
      lineTypeName: optionalString(line.lineTypeName),
      amountTotal: graphqlDecimal(line.amountTotal),
    })),
  };
}

/**
 * A string field, or undefined.
 *
 * @param value - the field value
 * @returns the string or undefined
 */
export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function summariseMutationError(error: string | undefined): string {
  if (error === undefined || error === '') {
    return 'no error detail';
  }
  // openIMIS stores a JSON list like [{"message": "...", "detail": "..."}]; show the first message.
  try {
    const parsed = JSON.parse(error) as unknown;
    const first = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
    if (isRecord(first) && typeof first.message === 'string') {
      return first.message.slice(0, 300);
    }
  } catch {
    // not JSON: use the text
  }
  return error.slice(0, 300);
}
