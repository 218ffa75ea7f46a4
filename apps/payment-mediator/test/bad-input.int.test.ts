import type { FastifyInstance } from 'fastify';
import { createRepositories, type StagingRepositories } from '@payment-layer/staging-db';
import { FUZZ_HOOK_SECRET, startFuzzStack, type FuzzStack } from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadPaymentEnv } from '../src/config';

const INVOICE = '5a1c2e34-7b8d-4e0f-9a1b-2c3d4e5f6a7b';

function notice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'PaymentNotice',
    identifier: [{ system: 'urn:bank:acme', value: 'pay-1' }],
    status: 'active',
    request: { reference: `Invoice/${INVOICE}` },
    created: '2024-05-17T10:58:46Z',
    payment: { reference: 'urn:bank:acme:pay-1' },
    recipient: { reference: 'Organization/openIMIS-Implementation' },
    amount: { value: 100, currency: 'USD' },
    ...overrides,
  };
}

describe('payment mediator: bad input is a 400 naming the field, and records nothing', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;
  let repos: StagingRepositories;

  beforeAll(async () => {
    stack = await startFuzzStack();
    app = await buildApp({
      env: loadPaymentEnv(stack.env),
      logLevel: 'info',
      logStream: stack.logs.stream,
      outboxWorker: false,
    });
    repos = createRepositories(stack.openStaging());
    repos.ledger.upsertInvoice({
      openimisInvoiceId: INVOICE,
      code: 'IV-1',
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      amount: '100.00',
      currency: 'USD',
      invoiceDate: '2024-05-01',
    });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  async function post(payload: string): Promise<{ status: number; expressions: string[] }> {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/PaymentNotice',
      headers: { authorization: stack.authorization, 'content-type': 'application/fhir+json' },
      payload,
    });
    const body = res.json<{ issue?: { expression?: string[] }[] }>();
    return { status: res.statusCode, expressions: (body.issue ?? []).flatMap((i) => i.expression ?? []) };
  }

  it.each([
    [
      'an impossible payment date',
      JSON.stringify(notice({ paymentDate: '2023-02-30' })),
      'PaymentNotice.paymentDate',
    ],
    [
      'an impossible created date',
      JSON.stringify(notice({ created: '2023-02-30T10:00:00Z' })),
      'PaymentNotice.created',
    ],
    [
      'more decimals than USD has',
      JSON.stringify(notice({ amount: { value: 10.001, currency: 'USD' } })),
      'PaymentNotice.amount.value',
    ],
    [
      'an infinite amount',
      JSON.stringify(notice()).replace('"value":100', '"value":1e309'),
      'PaymentNotice.amount.value',
    ],
    [
      'a currency that is not ISO 4217',
      JSON.stringify(notice({ amount: { value: 100, currency: '$' } })),
      'PaymentNotice.amount.currency',
    ],
    [
      'a control character',
      JSON.stringify(notice({ identifier: [{ value: 'pay\u0001' }] })),
      'PaymentNotice.identifier[0].value',
    ],
    [
      'an unpaired surrogate',
      JSON.stringify(notice({ identifier: [{ value: 'pay\ud800' }] })),
      'PaymentNotice.identifier[0].value',
    ],
  ])('refuses %s', async (_what, payload, expression) => {
    const r = await post(payload);
    expect(r.status).toBe(400);
    expect(r.expressions).toContain(expression);
    expect(repos.ledger.listPayments()).toHaveLength(0);
  });

  it('refuses a body nested 2,000 levels deep with 400, not a stack overflow', async () => {
    const r = await post(`${'{"a":['.repeat(2000)}1${']}'.repeat(2000)}`);
    expect(r.status).toBe(400);
  });

  it.each([
    ['/sync/reconcile?from=2023-02-30', 'from'],
    ['/sync/reconcile?from=2024-01-01&to=2024-02-30', 'to'],
    ['/sync/reconcile?from=2024-01-01&from=2024-01-02', 'from'],
    ['/fhir/PaymentReconciliation?from=2023-02-30&to=2023-03-10', 'from'],
    ['/fhir/PaymentReconciliation?date=ge2023-02-30&date=lt2023-03-10', 'from'],
  ])('refuses the bound of %s instead of using another day', async (url, field) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: stack.authorization } });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json())).toContain(`"${field}"`);
  });

  it.each([
    ['POST', '/payments/fineract/hook/?secret='],
    ['POST', '/payments/fineract/HOOK?secret='],
    ['GET', '/payments/fineract/hook?secret='],
    ['POST', '/payments/fineract/hook?x=1&secret='],
  ] as const)('never logs the hook secret of %s %s…', async (method, url) => {
    stack.logs.takeNew();
    await app.inject({
      method,
      url: `${url}${FUZZ_HOOK_SECRET}`,
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(stack.logs.takeNew()).not.toContain(FUZZ_HOOK_SECRET);
  });
});
