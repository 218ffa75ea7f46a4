/**
 * `POST PaymentNotice/` as openIMIS implements it (reference §7–§9): field checks in the order of the
 * backend converter, a PaymentInvoice + DetailPaymentInvoice per request (no de-duplication), and the invoice
 * service that marks the invoice PAID only when the amount equals the line-item total exactly — otherwise the
 * payment is stored, the error swallowed and the answer still 201.
 */
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { PaymentNotice } from 'fhir/r4';
import { identifier, INSURER_ID } from './fhir-shapes';
import { outcomeReply, type SimReply } from './http-util';
import { INVOICE_STATUS } from './population';
import { formatLocalDateTime, type OpenImisStore, type StoredPayment } from './store';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** FHIR R4 `dateTime` (with optional time, fractions and zone). */
const DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Detail status and invoice action per PaymentNotice.status (§9.2). `draft` has no mapping: a 500. */
const STATUS_MAP: Partial<Record<string, { detail: 0 | 1 | 3; action: 'paid' | 'suspended' }>> = {
  active: { detail: 1, action: 'paid' },
  cancelled: { detail: 3, action: 'suspended' },
  'entered-in-error': { detail: 0, action: 'suspended' },
};

/** Messages of `paymentNotice/converter/errors.py`, verbatim (the first one really says "paymentStatus"). */
const ERROR_BAD_STATUS =
  "Bad value in paymentStatus, should be either 'active', 'cancelled', draft', 'entered-in-error'";
const ERROR_BAD_PAYMENT_STATUS = "Bad value in paymentStatus, should be either 'paid' or 'cleared'";
const ERROR_BAD_TYPE_REQUEST = "Bad value in type in request, should be either 'bill' or 'invoice'";
const ERROR_NO_RECONCILIATION =
  'PaymentReconciliation could not be fetched: no reconciliation service configured';

const FHIR_STATUS_OF_DETAIL: Record<number, PaymentNotice['status']> = {
  0: 'entered-in-error',
  1: 'active',
  2: 'cancelled',
  3: 'cancelled',
};

/**
 * Structural FHIR validation of the fields PaymentNotice requires (what the pydantic model refuses).
 *
 * @param body - parsed request body
 * @returns the first problem, or undefined
 */
function structuralError(body: Json): string | undefined {
  if (body['resourceType'] !== 'PaymentNotice') {
    return `Wrong resourceType: expected PaymentNotice, got ${String(body['resourceType'])}`;
  }
  for (const field of ['status', 'created', 'payment', 'recipient', 'amount']) {
    if (body[field] === undefined || body[field] === null) {
      return `1 validation error for PaymentNotice\n${field}\n  field required (type=value_error.missing)`;
    }
  }
  if (typeof body['status'] !== 'string') {
    return '1 validation error for PaymentNotice\nstatus\n  str type expected (type=type_error.str)';
  }
  if (typeof body['created'] !== 'string' || !DATE_TIME.test(body['created'])) {
    return '1 validation error for PaymentNotice\ncreated\n  invalid datetime format (type=value_error.datetime)';
  }
  if (
    body['paymentDate'] !== undefined &&
    (typeof body['paymentDate'] !== 'string' || !DATE.test(body['paymentDate']))
  ) {
    return '1 validation error for PaymentNotice\npaymentDate\n  invalid date format (type=value_error.date)';
  }
  for (const ref of ['payment', 'recipient', 'request']) {
    if (body[ref] !== undefined && !isObject(body[ref])) {
      return `1 validation error for PaymentNotice\n${ref}\n  value is not a valid dict (type=type_error.dict)`;
    }
  }
  const amount = body['amount'];
  if (!isObject(amount) || typeof amount['value'] !== 'number' || !Number.isFinite(amount['value'])) {
    return '1 validation error for PaymentNotice\namount -> value\n  value is not a valid decimal (type=type_error.decimal)';
  }
  return undefined;
}

/**
 * Handles `POST PaymentNotice/`.
 *
 * @param store - simulator store
 * @param rawBody - request body text
 * @param clock - simulator clock
 * @returns 201 with the stored PaymentNotice, 400 for invalid input, 500 for `draft` or an unknown subject
 */
export function createPaymentNotice(store: OpenImisStore, rawBody: string, clock: () => Date): SimReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (err) {
    return outcomeReply(
      400,
      'fatal',
      `JSON parse error - ${err instanceof Error ? err.message : 'invalid JSON'}`,
    );
  }
  if (!isObject(parsed)) {
    return outcomeReply(400, 'error', 'Invalid data. Expected a dictionary.');
  }
  const structural = structuralError(parsed);
  if (structural !== undefined) {
    return outcomeReply(400, 'error', structural);
  }
  const status = parsed['status'] as string;
  const payment = parsed['payment'] as Json;
  if (typeof payment['reference'] !== 'string' || payment['reference'] === '') {
    return outcomeReply(400, 'error', 'payment.reference is required (payer reference)');
  }
  // The converter collects its errors in this order and raises them together; `draft` and a missing
  // request.type blow up on the way (unhandled KeyError / AttributeError: 500).
  const errors: string[] = [];
  const paymentStatus = isObject(parsed['paymentStatus']) ? parsed['paymentStatus'] : undefined;
  const coding = Array.isArray(paymentStatus?.['coding'])
    ? (paymentStatus['coding'] as unknown[])[0]
    : undefined;
  const rawPaymentStatus = isObject(coding) ? coding['code'] : undefined;
  const paymentStatusCode =
    rawPaymentStatus === 'paid' || rawPaymentStatus === 'cleared' ? rawPaymentStatus : undefined;
  if (paymentStatusCode === undefined) {
    errors.push(ERROR_BAD_PAYMENT_STATUS);
  }
  const request = isObject(parsed['request']) ? parsed['request'] : undefined;
  let requestType: 'invoice' | 'bill' | undefined;
  if (request === undefined) {
    // Without `request` openIMIS asks a reconciliation service configured in the module; none is here.
    errors.push(ERROR_NO_RECONCILIATION);
  } else if (typeof request['type'] !== 'string') {
    return outcomeReply(500, 'error', "'NoneType' object has no attribute 'lower'");
  } else {
    const lowered = request['type'].toLowerCase();
    if (lowered === 'invoice' || lowered === 'bill') {
      requestType = lowered;
    } else {
      errors.push(ERROR_BAD_TYPE_REQUEST);
    }
  }
  if (status === 'draft') {
    // Accepted by the first check, but PaymentNoticePaymentDetailStatusMapping has no `draft` key.
    return outcomeReply(500, 'error', 'draft is missing');
  }
  const mapping = STATUS_MAP[status];
  if (mapping === undefined) {
    errors.push(ERROR_BAD_STATUS);
    if (requestType !== undefined) {
      // Checked a second time for the invoice status once a subject is set.
      errors.push(ERROR_BAD_STATUS);
    }
  }
  if (
    errors.length > 0 ||
    mapping === undefined ||
    requestType === undefined ||
    paymentStatusCode === undefined
  ) {
    return outcomeReply(400, 'error', errors.join('\n'));
  }
  const reference = typeof request?.['reference'] === 'string' ? request['reference'] : '';
  // Only the id after the last "/" is used; the prefix is ignored and codes are never resolved.
  const subjectId = reference.split('/').pop() ?? '';
  const subject = store.invoice(subjectId);
  if (subject?.kind !== requestType) {
    // PaymentInvoiceService.create_with_detail fails; the serializer raises a plain APIException (500).
    return outcomeReply(
      500,
      'fatal',
      `Error while saving a payment notice: ${requestType === 'bill' ? 'Bill' : 'Invoice'} matching query does not exist.`,
    );
  }

  const amount = parsed['amount'] as { value: number; currency?: unknown };
  // The JSON number is taken at its shortest decimal representation (what the Decimal column receives).
  const amountReceived = new Decimal(String(amount.value));
  const payerRef = payment['reference'];
  const reconciliationId = payerRef.split('/').pop() ?? payerRef;
  const created = parsed['created'] as string;
  const paymentDate = typeof parsed['paymentDate'] === 'string' ? parsed['paymentDate'] : undefined;
  const id = randomUUID();

  let outcome: StoredPayment['outcome'];
  if (mapping.action === 'paid') {
    // payment_received: exact Decimal equality with the sum of the line-item totals, or a swallowed error.
    const expected = subject.lineItems.reduce((sum, line) => sum.plus(line.amountTotal), new Decimal(0));
    if (subject.lineItems.length > 0 && amountReceived.equals(expected)) {
      store.setInvoiceStatus(subject.id, INVOICE_STATUS.paid);
      outcome = { action: 'paid' };
    } else {
      outcome = {
        action: 'none',
        error: `Amount payed for payment_invoice ${id} is not matching amount total. Expected: ${expected.toFixed(2)}, Payed: ${amountReceived.toFixed(2)}`,
      };
    }
  } else {
    store.setInvoiceStatus(subject.id, INVOICE_STATUS.suspended);
    outcome = { action: 'suspended' };
  }

  // The answer is rebuilt from the stored rows (to_fhir_converter), not echoed from the request.
  const resource: PaymentNotice = {
    resourceType: 'PaymentNotice',
    id,
    identifier: [identifier('UUID', id)],
    status: FHIR_STATUS_OF_DETAIL[mapping.detail] ?? 'active',
    request: {
      reference: `Invoice/${subject.id}`,
      type: 'Invoice',
      identifier: identifier('UUID', subject.id),
    },
    created: formatLocalDateTime(new Date(Date.parse(created) || clock().getTime())),
    payment: { reference: `PaymentReconciliation/${reconciliationId}` },
    paymentDate,
    recipient: { reference: `Organization/${INSURER_ID}` },
    // build_fhir_money(amount_received): no currency (PaymentInvoice has no currency column).
    amount: { value: amountReceived.toNumber() },
    paymentStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/paymentstatus',
          code: paymentStatusCode,
          display: paymentStatusCode,
        },
      ],
    },
  };
  if (paymentDate === undefined) {
    delete resource.paymentDate;
  }
  store.addPayment({
    id,
    subjectId: subject.id,
    subjectType: requestType,
    detailStatus: mapping.detail,
    reconciliationStatus: paymentStatusCode === 'cleared' ? 1 : 0,
    amountReceived: amountReceived.toString(),
    payerRef,
    reconciliationId,
    dateCreated: created,
    datePayment: paymentDate,
    outcome,
    resource,
  });
  return { status: 201, body: resource };
}
