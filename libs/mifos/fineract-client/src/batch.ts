import { ValidationError } from '@payment-layer/shared-errors';
import { withDates } from './dates';
import type { FineractError } from './errors';
import { IDEMPOTENCY_KEY_HEADER, idempotencyKey } from './idempotency';

/** Methods the Batch API accepts. */
export type BatchMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A header of a batch item, in Fineract's wire form. */
export interface BatchHeader {
  readonly name: string;
  readonly value: string;
}

/** One item as given to {@link FineractBatch.add}. */
export interface BatchItemInput {
  /** Positive integer, unique in the batch; default: one more than the largest so far (1, 2, 3… in add order). */
  readonly requestId?: number;
  /** Relative to `/v1/`, e.g. `clients` or `savingsaccounts/$.savingsId/transactions?command=deposit`. */
  readonly relativeUrl: string;
  readonly method: BatchMethod;
  /**
   * An object (serialised here; top-level `…Date` fields must be `Date` or `YYYY-MM-DD` and get `dateFormat` + `locale`)
   * or an already JSON-encoded string. `$.field` strings are placeholders resolved against the parent's answer.
   */
  readonly body?: object | string;
  /** `requestId` of the parent whose answer `$.field` placeholders read; the parent must be added first. */
  readonly reference?: number;
  readonly headers?: readonly BatchHeader[];
  /** Business key of this write; its `Idempotency-Key` header is derived from it. Required for writes without one. */
  readonly operationKey?: string;
}

/** One item as sent to `POST /batches`: `body` is a JSON **string**. */
export interface BatchRequestItem {
  readonly requestId: number;
  readonly relativeUrl: string;
  readonly method: BatchMethod;
  readonly headers?: readonly BatchHeader[];
  readonly reference?: number;
  readonly body?: string;
}

/** One item of the batch answer, parsed. */
export interface BatchItemResult {
  readonly requestId: number;
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The item's body, parsed from its JSON string (left as text when it is not JSON). */
  readonly body: unknown;
  readonly servedFromCache: boolean;
  /** Set when `statusCode` is not 200. */
  readonly error?: FineractError;
}

/** The answer of a batch. The outer HTTP status is 200 even when items fail: look at `ok`. */
export interface BatchResult {
  readonly items: readonly BatchItemResult[];
  /** Every item was sent back and answered 200. */
  readonly ok: boolean;
  /** An enclosing-transaction batch failed: nothing was applied, `items` holds only the failing item. */
  readonly rolledBack: boolean;
}

/** Sends a built batch (implemented by the client). */
export type BatchTransport = (
  items: readonly BatchRequestItem[],
  enclosingTransaction: boolean,
) => Promise<BatchResult>;

/** One supported (method, relativeUrl) shape of the Batch API. */
export interface BatchOperation {
  readonly method: BatchMethod;
  readonly pattern: RegExp;
  /** The shape as written in the reference. */
  readonly shape: string;
}

const ID = String.raw`(?:\d+|\$\.[A-Za-z][A-Za-z0-9_.]*)`;
const SEG = String.raw`[^/?]+`;
const QUERY = String.raw`(?:\?.*)?`;
const COMMAND = String.raw`\?command=[A-Za-z]+(?:&.*)?`;
const OPT_COMMAND = `(?:${COMMAND})?`;

function op(method: BatchMethod, shape: string, path: string, query: string): BatchOperation {
  return { method, shape, pattern: new RegExp(`^${path}${query}$`) };
}

/**
 * The complete list of operations Fineract's Batch API supports (`CommandStrategyProvider`); anything else answers 501.
 * Groups, savings approve/activate, client look-ups, client charges, payment types and hooks are **not** batchable.
 *
 * @see ../../../../docs/contracts/fineract.md §9
 */
export const BATCH_SUPPORTED_OPERATIONS: readonly BatchOperation[] = [
  op('POST', 'clients', 'clients', ''),
  op('PUT', 'clients/{id}', `clients/${ID}`, ''),
  op('POST', 'clients/{id}?command=activate', `clients/${ID}`, String.raw`\?command=activate`),
  op('POST', 'savingsaccounts', 'savingsaccounts', ''),
  op('GET', 'savingsaccounts/{id}[?query]', `savingsaccounts/${ID}`, QUERY),
  op(
    'POST',
    'savingsaccounts/{id}/transactions[?command=…]',
    `savingsaccounts/${ID}/transactions`,
    OPT_COMMAND,
  ),
  op(
    'POST',
    'savingsaccounts/{id}/transactions/{txId}[?command=…]',
    `savingsaccounts/${ID}/transactions/${ID}`,
    OPT_COMMAND,
  ),
  op('POST', 'loans', 'loans', ''),
  op(
    'POST',
    'loans/{id}?command=approve|disburse',
    `loans/${ID}`,
    String.raw`\?command=(?:approve|disburse)`,
  ),
  op('POST', 'loans/external-id/{externalId}?command=…', `loans/external-id/${SEG}`, COMMAND),
  op('GET', 'loans/{id}[?query]', `loans/${ID}`, QUERY),
  op('GET', 'loans/external-id/{externalId}[?query]', `loans/external-id/${SEG}`, QUERY),
  op('PUT', 'loans/{id}[?command=…]', `loans/${ID}`, OPT_COMMAND),
  op('PUT', 'loans/external-id/{externalId}[?command=…]', `loans/external-id/${SEG}`, OPT_COMMAND),
  op('POST', 'loans/{id}/charges', `loans/${ID}/charges`, ''),
  op('GET', 'loans/{id}/charges', `loans/${ID}/charges`, ''),
  op(
    'POST',
    'loans/external-id/{externalId}/charges[?command=…]',
    `loans/external-id/${SEG}/charges`,
    OPT_COMMAND,
  ),
  op('GET', 'loans/external-id/{externalId}/charges', `loans/external-id/${SEG}/charges`, QUERY),
  op('GET', 'loans/{id}/charges/{chargeId}', `loans/${ID}/charges/${ID}`, ''),
  op(
    'GET',
    'loans/external-id/{id}/charges/external-id/{id}[?query]',
    `loans/external-id/${SEG}/charges/external-id/${SEG}`,
    QUERY,
  ),
  op('POST', 'loans/{id}/charges/{chargeId}?command=…', `loans/${ID}/charges/${ID}`, COMMAND),
  op(
    'POST',
    'loans/external-id/{id}/charges/external-id/{id}?command=…',
    `loans/external-id/${SEG}/charges/external-id/${SEG}`,
    COMMAND,
  ),
  op('POST', 'loans/{id}/transactions?command=…', `loans/${ID}/transactions`, COMMAND),
  op(
    'POST',
    'loans/external-id/{id}/transactions?command=…',
    `loans/external-id/${SEG}/transactions`,
    COMMAND,
  ),
  op('POST', 'loans/{id}/transactions/{txId}[?command=…]', `loans/${ID}/transactions/${ID}`, OPT_COMMAND),
  op(
    'POST',
    'loans/external-id/{id}/transactions/external-id/{id}[?command=…]',
    `loans/external-id/${SEG}/transactions/external-id/${SEG}`,
    OPT_COMMAND,
  ),
  op('GET', 'loans/{id}/transactions/{txId}', `loans/${ID}/transactions/${ID}`, ''),
  op(
    'GET',
    'loans/external-id/{id}/transactions/external-id/{id}[?query]',
    `loans/external-id/${SEG}/transactions/external-id/${SEG}`,
    QUERY,
  ),
  op('POST', 'rescheduleloans', 'rescheduleloans', ''),
  op('POST', 'rescheduleloans/{id}?command=approve', `rescheduleloans/${ID}`, String.raw`\?command=approve`),
  ...(['POST', 'PUT', 'DELETE', 'GET'] as const).map((m) =>
    op(m, 'datatables/{table}/{appTableId}[/{id}]', `datatables/${SEG}/${ID}(?:/${ID})?`, QUERY),
  ),
  op('GET', 'datatables/{table}/query?…', `datatables/${SEG}/query`, String.raw`\?.+`),
];

/**
 * Whether the Batch API supports a method + relativeUrl (a leading `/` or `v1/` is ignored).
 *
 * @param method - item method
 * @param relativeUrl - item relative URL, placeholders allowed in id segments
 * @returns true when Fineract would route it (not 501)
 */
export function isBatchSupported(method: BatchMethod, relativeUrl: string): boolean {
  const url = stripPrefix(relativeUrl);
  return BATCH_SUPPORTED_OPERATIONS.some((o) => o.method === method && o.pattern.test(url));
}

function stripPrefix(relativeUrl: string): string {
  return relativeUrl.replace(/^\/+/, '').replace(/^v1\//, '');
}

const PLACEHOLDER = /\$\.[A-Za-z]/;

interface PendingItem {
  readonly requestId: number;
  readonly relativeUrl: string;
  readonly method: BatchMethod;
  readonly reference?: number;
  readonly headers: readonly BatchHeader[];
  readonly body?: string;
  readonly operationKey?: string;
}

/**
 * Builder of one `POST /batches` call. Every item is checked when added — supported operation, unique ids, parents
 * before children, placeholders only with a `reference`, an idempotency key on every write — so a bad batch fails
 * before any network call.
 *
 * @see ../../../../docs/contracts/fineract.md §9
 */
export class FineractBatch {
  private readonly pending: PendingItem[] = [];

  /**
   * @param transport - sends the built items
   * @param options - `enclosingTransaction`: all or nothing; `idempotencyKeyPrefix`: namespace of derived keys
   */
  constructor(
    private readonly transport: BatchTransport,
    private readonly options: {
      readonly enclosingTransaction?: boolean;
      readonly idempotencyKeyPrefix?: string;
    } = {},
  ) {}

  /**
   * Adds an item.
   *
   * @param item - the item
   * @returns this builder
   * @throws ValidationError for an unsupported operation, a duplicate id, an unknown parent, a placeholder without
   *   parent, a write without idempotency key, or a GET with a body
   */
  add(item: BatchItemInput): this {
    const where = `batch item ${item.requestId ?? this.pending.length + 1}`;
    const relativeUrl = stripPrefix(item.relativeUrl);
    if (!isBatchSupported(item.method, relativeUrl)) {
      throw new ValidationError(
        `${where}: ${item.method} ${item.relativeUrl} is not supported by the Fineract Batch API (it would answer 501)`,
        {
          issues: [
            { message: 'unsupported batch operation', location: 'relativeUrl', code: 'not-supported' },
          ],
        },
      );
    }
    const requestId = item.requestId ?? Math.max(0, ...this.pending.map((p) => p.requestId)) + 1;
    if (!Number.isSafeInteger(requestId) || requestId < 1) {
      throw batchError(where, 'requestId', 'must be a positive integer');
    }
    if (this.pending.some((p) => p.requestId === requestId)) {
      throw batchError(where, 'requestId', `duplicate requestId ${requestId}`);
    }
    if (item.reference !== undefined && !this.pending.some((p) => p.requestId === item.reference)) {
      throw batchError(where, 'reference', `parent ${item.reference} must be added before its child`);
    }
    if (item.method === 'GET' && item.body !== undefined) {
      throw batchError(where, 'body', 'a GET item has no body');
    }
    const body = item.body === undefined ? undefined : encodeBody(item.body, where);
    if (
      item.reference === undefined &&
      (PLACEHOLDER.test(relativeUrl) || (body !== undefined && PLACEHOLDER.test(body)))
    ) {
      throw batchError(where, 'reference', '$.field placeholders need a reference to the parent item');
    }
    const headers = item.headers ?? [];
    const hasKey = headers.some((h) => h.name.toLowerCase() === IDEMPOTENCY_KEY_HEADER.toLowerCase());
    if (item.method !== 'GET' && !hasKey && item.operationKey === undefined) {
      throw batchError(
        where,
        'operationKey',
        'every write needs an operationKey (or an Idempotency-Key header)',
      );
    }
    this.pending.push({
      requestId,
      relativeUrl,
      method: item.method,
      headers,
      ...(item.reference !== undefined ? { reference: item.reference } : {}),
      ...(body !== undefined ? { body } : {}),
      ...(item.operationKey !== undefined && !hasKey ? { operationKey: item.operationKey } : {}),
    });
    return this;
  }

  /**
   * The items as they will be sent for an attempt (Idempotency-Key headers derived from each `operationKey`).
   *
   * @param attempt - attempt number of the derived keys (default 1)
   * @returns the wire items
   */
  toRequestItems(attempt = 1): BatchRequestItem[] {
    return this.pending.map((p) => {
      const headers = [
        ...p.headers,
        ...(p.operationKey !== undefined
          ? [
              {
                name: IDEMPOTENCY_KEY_HEADER,
                value: idempotencyKey(p.operationKey, attempt, this.options.idempotencyKeyPrefix),
              },
            ]
          : []),
      ];
      return {
        requestId: p.requestId,
        relativeUrl: p.relativeUrl,
        method: p.method,
        ...(headers.length > 0 ? { headers } : {}),
        ...(p.reference !== undefined ? { reference: p.reference } : {}),
        ...(p.body !== undefined ? { body: p.body } : {}),
      };
    });
  }

  /**
   * Sends the batch (`?enclosingTransaction=true` when so built). A timeout or 425 is retried with the same keys by the
   * client; item failures are reported in the result, not thrown.
   *
   * @param options - `attempt` of the derived keys (default 1; use a new one only after the batch answered an error)
   * @returns the parsed answer
   * @throws ValidationError for an empty batch; FineractError when the batch call itself fails
   */
  async send(options: { readonly attempt?: number } = {}): Promise<BatchResult> {
    if (this.pending.length === 0) {
      throw new ValidationError('an empty batch cannot be sent');
    }
    return this.transport(
      this.toRequestItems(options.attempt ?? 1),
      this.options.enclosingTransaction === true,
    );
  }
}

function encodeBody(body: object | string, where: string): string {
  if (typeof body === 'string') {
    try {
      JSON.parse(body);
    } catch {
      throw batchError(where, 'body', 'a string body must be JSON');
    }
    return body;
  }
  // Dates of object bodies go through the one formatter (yyyy-MM-dd + en), like every other request.
  const out = withDates(body);
  return JSON.stringify(out);
}

function batchError(where: string, field: string, message: string): ValidationError {
  return new ValidationError(`${where}: ${message}`, { issues: [{ message, location: field }] });
}
