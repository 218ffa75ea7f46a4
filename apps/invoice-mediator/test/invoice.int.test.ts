import type { Invoice } from 'fhir/r4';
import { AUTH, copy, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  properties?: Record<string, unknown>;
}

describe('invoice mediator: POST /fhir/Invoice', () => {
  let h: Harness;
  let invoice: Invoice;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
    const first = h.invoices()[0];
    if (!first) {
      throw new Error('the simulator generated no contribution invoice');
    }
    invoice = copy(first);
  });

  afterEach(async () => {
    await h.close();
  });

  async function post(body: unknown, url = '/fhir/Invoice', method: 'POST' | 'PUT' = 'POST') {
    const res = await h.app.inject({
      method,
      url,
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    const envelope = res.json<Envelope>();
    return {
      status: res.statusCode,
      envelope,
      body: JSON.parse(envelope.response.body) as Record<string, unknown>,
    };
  }

  const charges = () => [...h.fineract.state.clientCharges.values()];

  it('charges a contribution invoice once to its recipient and records it awaiting payment', async () => {
    const r = await post(invoice);
    expect(r.status).toBe(201);
    const code = invoice.identifier?.find((i) => i.type?.coding?.[0]?.code === 'Code')?.value;
    const total = invoice.totalGross?.value;
    expect(r.envelope.properties).toMatchObject({
      fhirId: invoice.id,
      invoiceCode: code,
      currency: 'USD',
      outcome: 'charged',
    });
    const all = charges();
    expect(all).toHaveLength(1);
    const charge = all[0]!;
    expect(charge.chargeId).toBe(1);
    expect(charge.amount).toBe(Number(total).toFixed(2)); // the simulator stores 2-decimal strings
    expect(r.envelope.properties?.fineractChargeId).toBe(charge.id);
    expect(r.envelope.properties?.fineractClientId).toBe(charge.clientId);

    // The recipient (family head) became a Fineract client with the Patient UUID as externalId.
    const client = h.fineract.state.clients.get(charge.clientId);
    const headUuid = invoice.recipient?.reference?.split('/').pop()?.toLowerCase();
    expect(client?.externalId).toBe(headUuid);

    const row = h.repos.ledger.getInvoiceByOpenimisId(invoice.id!);
    expect(row).toMatchObject({
      code,
      kind: 'invoice',
      state: 'awaiting_payment',
      currency: 'USD',
      recipientType: 'Patient',
      recipientId: headUuid,
      fineractClientId: charge.clientId,
      fineractChargeId: charge.id,
      paidAmount: '0',
    });
    expect(row?.amount).toBe(String(r.envelope.properties?.amount));
  });

  it('never applies two charges for the same invoice (POST twice, then PUT)', async () => {
    expect((await post(invoice)).status).toBe(201);
    const again = await post(invoice);
    expect(again.status).toBe(200);
    expect(again.envelope.properties?.outcome).toBe('unchanged');
    const put = await post(invoice, `/fhir/Invoice/${invoice.id}`, 'PUT');
    expect(put.status).toBe(200);
    expect(charges()).toHaveLength(1);
  });

  it('flags a changed amount on a known invoice with 409 and applies no second charge', async () => {
    await post(invoice);
    const changed = copy(invoice);
    changed.totalGross = { value: Number(invoice.totalGross?.value) + 10, currency: 'USD' };
    changed.totalNet = changed.totalGross;
    const r = await post(changed);
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).toMatch(/amount/);
    expect(charges()).toHaveLength(1);
    const row = h.repos.ledger.getInvoiceByOpenimisId(invoice.id!);
    expect(row?.state).toBe('needs_attention');
    // The stored amount is kept; the original invoice is still answered without a new charge.
    expect(row?.amount).toBe(String(charges()[0]?.amount));
  });

  it('skips a cancelled invoice with a reason and writes nothing', async () => {
    const cancelled = { ...copy(invoice), status: 'cancelled' };
    const r = await post(cancelled);
    expect(r.status).toBe(200);
    expect(r.envelope.properties).toMatchObject({
      outcome: 'skipped',
      reason: 'Invoice.status is cancelled',
    });
    expect(charges()).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
  });

  it('sets a charged invoice that is cancelled later aside for an operator (its charge must be waived)', async () => {
    await post(invoice);
    const r = await post({ ...copy(invoice), status: 'cancelled' });
    expect(r.status).toBe(200);
    expect(r.envelope.properties).toMatchObject({ outcome: 'skipped', ledgerState: 'needs_attention' });
    const row = h.repos.ledger.getInvoiceByOpenimisId(invoice.id!);
    expect(row?.attentionReason).toMatch(/cancelled.*Fineract charge \d+ is open/);
    expect(charges()).toHaveLength(1);
  });

  it('skips a bill while bills are handled by the claim mediator (the default)', async () => {
    const bill = copy(invoice);
    bill.type = {
      coding: [
        {
          system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/bill-type',
          code: 'claim-batch',
        },
      ],
    };
    const r = await post(bill);
    expect(r.status).toBe(200);
    expect(r.envelope.properties).toMatchObject({
      outcome: 'skipped',
      reason: 'bills are handled by the claim mediator',
    });
    expect(charges()).toHaveLength(0);
  });

  it('leaves a bill the claim mediator recorded as it is (awaiting its payout), not flagged', async () => {
    const bill = copy(invoice);
    bill.type = {
      coding: [
        {
          system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/bill-type',
          code: 'claim-batch',
        },
      ],
    };
    h.repos.ledger.upsertInvoice({
      openimisInvoiceId: bill.id!,
      code: 'BL-HF1-2024-01',
      kind: 'bill',
      recipientType: 'Organization',
      recipientId: '5b2f0b8e-7c0a-4e0b-9f0e-3d0b1c2a3f40',
      amount: '10.00',
      currency: 'USD',
    });
    const r = await post(bill);
    expect(r.envelope.properties).toMatchObject({ outcome: 'skipped' });
    expect(h.repos.ledger.getInvoiceByOpenimisId(bill.id!)?.state).toBe('awaiting_payment');
  });

  it('skips an invoice that openIMIS already reports paid', async () => {
    h.openimis.store.setInvoiceStatus(invoice.id!, 2);
    const r = await post(invoice);
    expect(r.status).toBe(200);
    expect(r.envelope.properties).toMatchObject({ outcome: 'skipped', reason: 'already paid in openIMIS' });
    expect(charges()).toHaveLength(0);
  });

  it('answers 400 naming the total for a currency other than the configured one, writing nothing', async () => {
    const other = copy(invoice);
    other.totalGross = { value: 10, currency: 'EUR' };
    other.totalNet = { value: 10, currency: 'EUR' };
    const r = await post(other);
    expect(r.status).toBe(400);
    const expressions = (r.body.issue as { expression?: string[] }[]).flatMap((i) => i.expression ?? []);
    expect(expressions).toEqual(['Invoice.totalGross.currency', 'Invoice.totalNet.currency']);
    expect(charges()).toHaveLength(0);
    expect(h.fineract.state.clients.size).toBe(0);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
  });

  it('answers 422 naming Invoice.recipient for a Patient openIMIS does not know', async () => {
    const orphan = copy(invoice);
    orphan.recipient = { reference: 'Patient/0f5c2d8e-1b7a-4c3e-9d2f-6a8b1c4e7f90' };
    const r = await post(orphan);
    expect(r.status).toBe(422);
    const expressions = (r.body.issue as { expression?: string[] }[]).flatMap((i) => i.expression ?? []);
    expect(expressions).toEqual(['Invoice.recipient']);
    expect(charges()).toHaveLength(0);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
  });

  it('answers 400 for invalid FHIR', async () => {
    const r = await post({ ...copy(invoice), date: 'yesterday' });
    expect(r.status).toBe(400);
    expect(charges()).toHaveLength(0);
  });

  it('charges an invoice of an Organization to its entity client, created once', async () => {
    const org = h.openimis.store.list('Organization').find((o) => /^[0-9a-f-]{36}$/i.test(String(o.id)));
    if (!org) {
      throw new Error('the simulator has no Organization with a UUID');
    }
    const forOrg = copy(invoice);
    forOrg.recipient = { reference: `Organization/${org.id}`, type: 'Organization' };
    const r = await post(forOrg);
    expect(r.status).toBe(201);
    const client = h.fineract.state.clients.get(Number(r.envelope.properties?.fineractClientId));
    expect(client).toMatchObject({ legalFormId: 2, externalId: String(org.id).toLowerCase() });
    expect(r.envelope.properties?.recipient).toBe(`Organization/${String(org.id).toLowerCase()}`);
    const second = copy(h.invoices()[1]!);
    second.recipient = forOrg.recipient;
    expect((await post(second)).status).toBe(201);
    expect([...h.fineract.state.clients.values()].filter((c) => c.legalFormId === 2)).toHaveLength(1);
    expect(charges()).toHaveLength(2);
  });

  it('processes a Bundle entry by entry', async () => {
    const second = copy(h.invoices()[1]!);
    const bad = { ...copy(invoice), id: undefined, identifier: [] };
    const r = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: invoice }, { resource: second }, { resource: bad }],
    });
    expect(r.status).toBe(200);
    expect(r.envelope.properties).toMatchObject({ entries: 3, succeeded: 2, failed: 1, charged: 2 });
    const statuses = (r.body.entry as { response: { status: string } }[]).map((e) => e.response.status);
    expect(statuses).toEqual(['201 Created', '201 Created', '400 Bad Request']);
    expect(charges()).toHaveLength(2);
  });
});
