import type { Invoice } from 'fhir/r4';
import {
  getBusinessCode,
  getOpenImisIdentity,
  withOpenImisUuid,
  type OpenImisIdentity,
} from '@payment-layer/fhir-util';
import { resolveOpenImisUuid } from '@payment-layer/flows-parties';
import { OPENIMIS_IDENTIFIER_TYPE, OPENIMIS_IDENTIFIER_TYPE_SYSTEM } from '@payment-layer/fhir-types';
import type { InvoiceFlowContext } from './context';

/**
 * An Invoice in either openIMIS identity mode, made explicit: in code mode (`default_response_identifier` set to
 * codes) the `id` is the invoice code and the UUID identifier is still listed, so nothing changes; an Invoice that
 * carries only its code (no UUID anywhere) is read from openIMIS by that code for its UUID, and the code taken from
 * the `id` is added as a `Code` identifier. The UUID keys the ledger and the charge in both modes
 * (docs/decisions/0009).
 *
 * @param ctx - flow context (only `openimis.read` is used, and only for a code-only Invoice)
 * @param invoice - a validated Invoice
 * @returns the Invoice with its UUID and Code identifiers, and its identity
 * @throws ValidationError (400) naming Invoice.identifier when it carries neither UUID nor code
 * @throws MappingError (422) naming Invoice.identifier when openIMIS knows no invoice with that code
 */
export async function identifyInvoice(
  ctx: Pick<InvoiceFlowContext, 'openimis'>,
  invoice: Invoice,
): Promise<{ invoice: Invoice; identity: OpenImisIdentity & { uuid: string } }> {
  const identity = getOpenImisIdentity(invoice);
  if (
    identity.uuid !== undefined &&
    (identity.code === undefined || getBusinessCode(invoice) !== undefined)
  ) {
    return { invoice, identity: { ...identity, uuid: identity.uuid } };
  }
  const { uuid } = await resolveOpenImisUuid(ctx.openimis, 'Invoice', identity, 'Invoice.identifier');
  let identified = withOpenImisUuid(invoice, uuid);
  if (identity.code !== undefined && getBusinessCode(identified) === undefined) {
    identified = {
      ...identified,
      identifier: [
        ...(identified.identifier ?? []),
        {
          type: {
            coding: [{ system: OPENIMIS_IDENTIFIER_TYPE_SYSTEM, code: OPENIMIS_IDENTIFIER_TYPE.CODE }],
          },
          value: identity.code,
        },
      ],
    };
  }
  return { invoice: identified, identity: { ...identity, uuid } };
}
