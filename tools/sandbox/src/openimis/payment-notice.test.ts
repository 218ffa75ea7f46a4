import type { OperationOutcome, PaymentNotice } from 'fhir/r4';
import { PAYMENT_NOTICE_FIXTURE_INVOICE_ID, findFixturesDir } from './fixtures';
import { INVOICE_STATUS } from './population';
import { startOpenImisSimulator, type OpenImisSimulator } from './server';
import { call, login } from './test-helpers';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

describe('openIMIS simulator: PaymentNotice create', () => {
  let sim: OpenImisSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startOpenImisSimulator({ seed: 'payments', population: { families: 20 } });
    token = await login(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  const contributionInvoices = (): ReturnType<OpenImisSimulator['store']['invoices']> =>
    sim.store.invoices().filter((i) => i.kind === 'invoice' && i.code.startsWith('IV-'));

  const notice = (
    invoiceId: string,
    amount: number,
    overrides: Record<string, unknown> = {},
  ): Record<string, unknown> => ({
    resourceType: 'PaymentNotice',
    status: 'active',
    request: { reference: `Invoice/${invoiceId}`, type: 'Invoice' },
    created: '2024-05-17T10:58:46',
    payment: { reference: 'PaymentReconciliation/4711' },
    paymentDate: '2024-05-17',
    recipient: { reference: 'Organization/openIMIS-Implementation' },
    amount: { value: amount, currency: 'USD' },
    paymentStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/paymentstatus', code: 'paid' }],
    },
    ...overrides,
  });
  const post = (body: unknown): ReturnType<typeof call> =>
    call(`${sim.fhirBaseUrl}PaymentNotice/`, { method: 'POST', token, json: body });

  it('accepts the shared fixture against the invoice it references and marks that invoice PAID', async () => {
    const dir = findFixturesDir();
    expect(dir).toBeDefined();
    const fixture = JSON.parse(
      readFileSync(
        path.join(dir ?? '', 'PaymentNotice__openimis-be-api_fhir_r4_py__test_payment_notice.json'),
        'utf8',
      ),
    ) as PaymentNotice;
    const res = await post(fixture);
    expect(res.status).toBe(201);
    expect(sim.store.invoice(PAYMENT_NOTICE_FIXTURE_INVOICE_ID)?.status).toBe(INVOICE_STATUS.paid);
    const body = res.body as PaymentNotice;
    expect(body.paymentStatus?.coding?.[0]?.code).toBe('cleared');
  });

  it('marks the invoice PAID when the amount equals the total exactly, and answers the stored notice', async () => {
    const invoice = contributionInvoices()[0]!;
    const res = await post(notice(invoice.id, Number(invoice.amountTotal)));
    expect(res.status).toBe(201);
    const body = res.body as PaymentNotice;
    expect(body.resourceType).toBe('PaymentNotice');
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.identifier?.[0]?.value).toBe(body.id);
    expect(body.identifier?.[0]?.type?.coding?.[0]?.code).toBe('UUID');
    expect(body.request?.reference).toBe(`Invoice/${invoice.id}`);
    expect(body.recipient.reference).toBe('Organization/openIMIS-Implementation');
    expect(body.payment.reference).toBe('PaymentReconciliation/4711');
    expect(body.amount.value).toBe(Number(invoice.amountTotal));
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.paid);
    const read = await call(`${sim.fhirBaseUrl}PaymentNotice/${body.id ?? ''}/`, { token });
    expect(read.status).toBe(200);
  });

  it('stores a notice with a wrong amount, answers 201, and leaves the invoice unpaid', async () => {
    const invoice = contributionInvoices()[1]!;
    const before = sim.store.paymentNotices().length;
    const off = Number(invoice.amountTotal) - 0.01;
    const res = await post(notice(invoice.id, off));
    expect(res.status).toBe(201);
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.validated);
    const stored = sim.store.paymentNotices();
    expect(stored).toHaveLength(before + 1);
    expect(stored.at(-1)?.outcome.action).toBe('none');
    expect(stored.at(-1)?.outcome.error).toContain('is not matching amount total');
    // Three decimals are not the total either.
    await post(notice(invoice.id, Number(invoice.amountTotal) + 0.001));
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.validated);
  });

  it('keeps duplicates: two identical notices are two payments', async () => {
    const invoice = contributionInvoices()[2]!;
    const body = notice(invoice.id, Number(invoice.amountTotal), {
      payment: { reference: 'PaymentReconciliation/dup-1' },
    });
    expect((await post(body)).status).toBe(201);
    expect((await post(body)).status).toBe(201);
    const payments = sim.store.paymentNotices().filter((p) => p.subjectId === invoice.id);
    expect(payments).toHaveLength(2);
    expect(new Set(payments.map((p) => p.id)).size).toBe(2);
  });

  it('rejects a request type other than Invoice/Bill with 400', async () => {
    const invoice = contributionInvoices()[3]!;
    const res = await post(
      notice(invoice.id, Number(invoice.amountTotal), {
        request: { reference: `Invoice/${invoice.id}`, type: 'Patient' },
      }),
    );
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe(
      "Bad value in type in request, should be either 'bill' or 'invoice'",
    );
    const missing = await post(
      notice(invoice.id, Number(invoice.amountTotal), { request: { reference: `Invoice/${invoice.id}` } }),
    );
    // request.type missing: the converter calls None.lower() — an unhandled 500.
    expect(missing.status).toBe(500);
    const noRequest = await post({ ...notice(invoice.id, Number(invoice.amountTotal)), request: undefined });
    expect(noRequest.status).toBe(400);
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.validated);
  });

  it('fails with 500 and stores nothing for an unknown UUID, an invoice code, a bill sent as Invoice, or draft', async () => {
    const invoice = contributionInvoices()[4]!;
    const bill = sim.store.invoices().find((i) => i.kind === 'bill')!;
    const before = sim.store.paymentNotices().length;
    const cases = [
      notice('00000000-0000-4000-8000-000000000000', 1),
      notice(invoice.code, Number(invoice.amountTotal)),
      notice(bill.id, Number(bill.amountTotal)),
    ];
    for (const body of cases) {
      const res = await post(body);
      expect(res.status).toBe(500);
      expect((res.body as OperationOutcome).issue[0]?.details?.text).toMatch(
        /^Error while saving a payment notice/,
      );
    }
    const draft = await post(notice(invoice.id, Number(invoice.amountTotal), { status: 'draft' }));
    expect(draft.status).toBe(500);
    expect((draft.body as OperationOutcome).issue[0]?.details?.text).toBe('draft is missing');
    expect(sim.store.paymentNotices()).toHaveLength(before);
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.validated);
  });

  it('pays a bill with request.type Bill (case-insensitive), whatever the reference prefix', async () => {
    const bill = sim.store
      .invoices()
      .find((i) => i.kind === 'bill' && i.status === INVOICE_STATUS.validated)!;
    const res = await post(
      notice(bill.id, Number(bill.amountTotal), { request: { reference: `Bill/${bill.id}`, type: 'bill' } }),
    );
    expect(res.status).toBe(201);
    expect(sim.store.invoice(bill.id)?.status).toBe(INVOICE_STATUS.paid);
  });

  it('reports every converter error at once, with the backend texts', async () => {
    const invoice = contributionInvoices()[5]!;
    const res = await post(
      notice(invoice.id, Number(invoice.amountTotal), {
        status: 'issued',
        paymentStatus: { coding: [{ code: 'pending' }] },
      }),
    );
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe(
      [
        "Bad value in paymentStatus, should be either 'paid' or 'cleared'",
        "Bad value in paymentStatus, should be either 'active', 'cancelled', draft', 'entered-in-error'",
        "Bad value in paymentStatus, should be either 'active', 'cancelled', draft', 'entered-in-error'",
      ].join('\n'),
    );
  });

  it('validates status, paymentStatus and required fields with 400', async () => {
    const invoice = contributionInvoices()[5]!;
    const total = Number(invoice.amountTotal);
    const bad = [
      notice(invoice.id, total, { status: 'issued' }),
      notice(invoice.id, total, { paymentStatus: { coding: [{ code: 'pending' }] } }),
      notice(invoice.id, total, { payment: {} }),
      notice(invoice.id, total, { amount: { value: String(total), currency: 'USD' } }),
      { ...notice(invoice.id, total), created: undefined },
      { ...notice(invoice.id, total), resourceType: 'Invoice' },
    ];
    for (const body of bad) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    }
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.validated);
  });

  it('refuses a body that is not JSON by content type (415) without storing it', async () => {
    const invoice = contributionInvoices()[7]!;
    const before = sim.store.paymentNotices().length;
    const res = await call(`${sim.fhirBaseUrl}PaymentNotice/`, {
      method: 'POST',
      token,
      json: notice(invoice.id, Number(invoice.amountTotal)),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(sim.store.paymentNotices()).toHaveLength(before);
  });

  it('suspends the invoice on a cancelled notice', async () => {
    const invoice = contributionInvoices()[6]!;
    const res = await post(notice(invoice.id, Number(invoice.amountTotal), { status: 'cancelled' }));
    expect(res.status).toBe(201);
    expect(sim.store.invoice(invoice.id)?.status).toBe(INVOICE_STATUS.suspended);
  });

  it('lists stored notices and reads ?identifier= as a bare resource', async () => {
    const first = sim.store.paymentNotices()[0]!;
    const res = await call(`${sim.fhirBaseUrl}PaymentNotice/?identifier=${first.id}`, { token });
    expect((res.body as PaymentNotice).resourceType).toBe('PaymentNotice');
    const list = await call(`${sim.fhirBaseUrl}PaymentNotice/?_count=100`, { token });
    expect((list.body as { total: number }).total).toBe(sim.store.paymentNotices().length);
  });
});
