import type { PaymentNotice } from 'fhir/r4';
import { Decimal } from 'decimal.js';
import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { assertValidResource, isUuid, parseReference } from '@payment-layer/fhir-util';
import { parseFhirMoney } from '@payment-layer/shared-money';
import type { PaymentFlowContext } from './context';
import { recordIncomingPayment, type PaymentOutcome } from './record';

/** Longest payment identifier (`system|value`) the ledger keeps. */
const MAX_PAYMENT_ID_LENGTH = 255;

/** Result of {@link handlePaymentNotice}. */
export interface PaymentNoticeOutcome extends PaymentOutcome {
  /** openIMIS invoice/bill UUID the notice pays. */
  readonly invoiceUuid: string;
}

/**
 * Records a FHIR PaymentNotice from another rail (a bank, a mobile-money aggregator) like a Fineract payment:
 * once per payment identifier (source `fhir`), accumulated on the invoice, the PaymentNotice to openIMIS enqueued
 * when the invoice is fully paid. The caller is answered synchronously, so input it can correct is refused and
 * nothing is recorded: an invalid resource → 400, no payment identifier → 400, a `request` that is not
 * `Invoice/<uuid>` → 400, an invoice or bill the ledger does not know → 404, one it holds without a Fineract charge
 * (never charged) → 409. A payment to a known invoice that
 * cannot be applied (other currency, zero or negative amount, over-payment) is recorded `needs_attention`.
 *
 * @param ctx - flow context
 * @param resource - the PaymentNotice as received
 * @returns the outcome (`duplicate` for a replay)
 * @throws ValidationError, NotFoundError, ConflictError as above; ConflictError for a known identifier with another
 * body
 */
export function handlePaymentNotice(ctx: PaymentFlowContext, resource: unknown): PaymentNoticeOutcome {
  const notice: PaymentNotice = assertValidResource(resource, 'PaymentNotice');
  const identifier = notice.identifier?.find((i) => typeof i.value === 'string' && i.value !== '');
  if (!identifier?.value) {
    throw new ValidationError('PaymentNotice.identifier is required: it is the payment id of the rail', {
      issues: [
        {
          message: 'a payment identifier is required',
          location: 'PaymentNotice.identifier',
          code: 'required',
        },
      ],
    });
  }
  const ref = parseReference(notice.request);
  if ((ref.resourceType !== 'Invoice' && ref.resourceType !== 'Bill') || !isUuid(ref.id)) {
    throw new ValidationError(
      'PaymentNotice.request must reference Invoice/<openIMIS invoice or bill UUID>',
      {
        issues: [{ message: 'not Invoice/<uuid>', location: 'PaymentNotice.request', code: 'value' }],
      },
    );
  }
  // Everything the notice itself gets wrong is a 400, before the ledger is asked about the invoice.
  // Exact in its currency (an ISO 4217 code; more decimals than it has are refused, never rounded). The amount
  // may be negative or zero: kept for an operator, never applied.
  const { amount, currency } = parseFhirMoney(notice.amount, 'PaymentNotice.amount');
  const sourceTxnId = identifier.system ? `${identifier.system}|${identifier.value}` : identifier.value;
  // The ledger keys payments by this id (at most 255 characters): refuse a longer one naming the FHIR element.
  if (sourceTxnId.length > MAX_PAYMENT_ID_LENGTH) {
    const at = notice.identifier?.indexOf(identifier) ?? 0;
    throw new ValidationError(
      `PaymentNotice.identifier system and value together exceed ${MAX_PAYMENT_ID_LENGTH} characters`,
      {
        issues: [
          {
            message: `system|value must be at most ${MAX_PAYMENT_ID_LENGTH} characters`,
            location: `PaymentNotice.identifier[${at}].value`,
            code: 'too-long',
          },
        ],
      },
    );
  }
  const invoiceUuid = ref.id.toLowerCase();
  const invoice = ctx.repos.ledger.getInvoiceByOpenimisId(invoiceUuid);
  if (invoice === undefined) {
    throw new NotFoundError(`no invoice or bill ${invoiceUuid} is awaiting payment here`, {
      issues: [
        {
          message: `unknown ${ref.resourceType} ${invoiceUuid}`,
          location: 'PaymentNotice.request',
          code: 'not-found',
        },
      ],
    });
  }
  if (invoice.fineractChargeId === null) {
    // Recorded but never charged (its charge failed or is still uncertain): nothing is payable yet.
    throw new ConflictError(`invoice ${invoice.code} has no Fineract charge: it is not payable (yet)`, {
      issues: [
        {
          message: `${ref.resourceType} ${invoiceUuid} has no charge to pay`,
          location: 'PaymentNotice.request',
          code: 'business-rule',
        },
      ],
    });
  }
  const outcome = recordIncomingPayment(ctx, {
    source: 'fhir',
    sourceTxnId,
    invoice,
    amount: new Decimal(amount).toFixed(),
    currency,
    payerRef: notice.payee?.reference ?? null,
    reference: notice.payment.reference ?? identifier.value,
    requestText: JSON.stringify(resource),
  });
  return { ...outcome, invoiceUuid };
}
