/**
 * openIMIS deployment variants end to end: the openIMIS simulator serves the made-for-test household and its
 * contribution invoice (tools/sandbox/src/openimis/variants) in the code identity mode
 * (`default_response_identifier`): the Invoice's id is its code and its recipient is `Patient/<CHF id>`.
 */
import type { Invoice } from 'fhir/r4';
import { OPENIMIS_VARIANT_HOUSEHOLD as HH } from '@payment-layer/sandbox';
import { AUTH, copy, startHarness, type Harness } from './harness';

jest.setTimeout(60_000);

interface Envelope {
  response: { status: number; body: string };
  properties: Record<string, unknown>;
}

describe('invoice mediator: openIMIS variants (code identity mode)', () => {
  let h: Harness;
  let tx = 0;
  beforeEach(async () => {
    h = await startHarness({
      openimis: { includeFixtures: false, variants: true, identityMode: 'code', population: { families: 0 } },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  const post = async (body: unknown): Promise<{ status: number; envelope: Envelope }> => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/Invoice',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    return { status: res.statusCode, envelope: res.json<Envelope>() };
  };
  /** The invoice as this openIMIS serves it (code mode), read over HTTP. */
  const served = async (): Promise<Invoice> =>
    copy(await h.app.invoice.openimis.read('Invoice', HH.invoiceCode));
  const charges = () => [...h.fineract.state.clientCharges.values()];
  const clients = () => [...h.fineract.state.clients.values()];

  it('charges an Invoice whose id is its code and whose recipient is Patient/<CHF id> to the head, once', async () => {
    const invoice = await served();
    expect(invoice.id).toBe(HH.invoiceCode);
    expect(invoice.recipient?.reference).toBe(`Patient/${HH.headChfId}`);

    const first = await post(invoice);
    expect(first.status).toBe(201);
    expect(first.envelope.properties).toMatchObject({
      fhirId: HH.invoiceId,
      invoiceCode: HH.invoiceCode,
      outcome: 'charged',
    });
    expect(clients()).toHaveLength(1);
    expect(clients()[0]).toMatchObject({ externalId: HH.headId, firstname: 'Amina', lastname: 'Okello' });
    expect(charges()).toHaveLength(1);
    expect(charges()[0]).toMatchObject({ clientId: clients()[0]!.id, amount: HH.invoiceTotal });
    expect(h.repos.ledger.getInvoiceByOpenimisId(HH.invoiceId)).toMatchObject({
      code: HH.invoiceCode,
      recipientId: HH.headId,
    });

    // The same invoice as a UUID-mode deployment serves it: the same ledger row, no second charge.
    const byUuid = copy(h.openimis.store.get('Invoice', HH.invoiceId)) as Invoice;
    expect((await post(byUuid)).envelope.properties.outcome).toBe('unchanged');

    // By code only (no UUID anywhere): looked up in openIMIS, still the same invoice.
    const codeOnly: Invoice = {
      ...invoice,
      identifier: invoice.identifier?.filter((i) => i.type?.coding?.[0]?.code !== 'UUID') ?? [],
    };
    const third = await post(codeOnly);
    expect(third.envelope.properties).toMatchObject({ fhirId: HH.invoiceId, outcome: 'unchanged' });
    expect(charges()).toHaveLength(1);
    expect(clients()).toHaveLength(1);
  });

  it('a recipient CHF id openIMIS does not know is a 422 naming Invoice.recipient, and charges nothing', async () => {
    const invoice = await served();
    invoice.recipient = {
      reference: 'Patient/990199999',
      type: 'Patient',
      identifier: { type: { coding: [{ code: 'Code' }] }, value: '990199999' },
    };
    const res = await post(invoice);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.envelope.response.body).issue[0].expression).toEqual(['Invoice.recipient']);
    expect(charges()).toHaveLength(0);
    expect(clients()).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceByOpenimisId(HH.invoiceId)).toBeUndefined();
  });
});
