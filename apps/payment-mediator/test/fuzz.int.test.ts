import type { FastifyInstance } from 'fastify';
import { clientChargePaidHook } from '@payment-layer/mifos-fineract-client/testing';
import { createRepositories } from '@payment-layer/staging-db';
import {
  FUZZ_HOOK_SECRET,
  fuzzOptionsFromEnv,
  runBadInputFuzz,
  startFuzzStack,
  type FuzzRoute,
  type FuzzStack,
} from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadPaymentEnv } from '../src/config';

/** Personal data the seeds carry; none of it may reach a log line. */
const PERSONAL = ['Fuzzfamilyname', 'Fuzzgivenname', '+255799000111'];

// `npm test` runs a short, fixed-seed version; FUZZ_RUNS=2000 runs the full one (tools/fuzz/README.md).
const options = fuzzOptionsFromEnv(process.env, 150);

describe('payment mediator: generated bad input never 500s, never changes state, never leaks', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await startFuzzStack();
    app = await buildApp({
      env: loadPaymentEnv(stack.env),
      logLevel: 'info',
      logStream: stack.logs.stream,
      outboxWorker: false,
    });
  });
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it(`holds for ${options.runs} cases (seed ${options.seed})`, async () => {
    const staging = stack.openStaging();
    const today = new Date().toISOString().slice(0, 10);
    const invoiceUuid = '5a1c2e34-7b8d-4e0f-9a1b-2c3d4e5f6a7b';
    createRepositories(staging).ledger.upsertInvoice({
      openimisInvoiceId: invoiceUuid,
      code: 'IV-FUZZ-0001',
      kind: 'invoice',
      recipientType: 'Patient',
      recipientId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      amount: '10000.00',
      currency: 'USD',
      invoiceDate: today,
    });
    const notice = {
      resourceType: 'PaymentNotice',
      identifier: [{ system: 'urn:bank:fuzz', value: 'pay-fuzz-1' }],
      status: 'active',
      request: { reference: `Invoice/${invoiceUuid}` },
      created: `${today}T10:58:46Z`,
      payment: { reference: 'urn:bank:fuzz:pay-fuzz-1' },
      payee: { display: `${PERSONAL[0]} ${PERSONAL[1]}`, identifier: { value: PERSONAL[2] } },
      recipient: { reference: 'Organization/openIMIS-Implementation' },
      amount: { value: 2500.5, currency: 'USD' },
    };
    const hook = clientChargePaidHook({ createdByFullName: `${PERSONAL[1]} ${PERSONAL[0]}` });
    const routes: FuzzRoute[] = [
      {
        name: 'payment POST /payments/fineract/hook',
        method: 'POST',
        path: '/payments/fineract/hook',
        auth: 'hook',
        seed: hook.body,
        headers: hook.headers,
      },
      {
        name: 'payment POST /fhir/PaymentNotice',
        method: 'POST',
        path: '/fhir/PaymentNotice',
        auth: 'basic',
        seed: notice,
      },
      {
        name: 'payment GET /sync/reconcile',
        method: 'GET',
        path: '/sync/reconcile',
        auth: 'basic',
        queryParams: ['from', 'to'],
      },
      {
        name: 'payment POST /sync/reconcile',
        method: 'POST',
        path: '/sync/reconcile',
        auth: 'basic',
        queryParams: ['from', 'to'],
      },
      {
        name: 'payment GET /fhir/PaymentReconciliation',
        method: 'GET',
        path: '/fhir/PaymentReconciliation',
        auth: 'basic',
        queryParams: ['from', 'to', 'date'],
      },
    ];
    const report = await runBadInputFuzz(
      {
        name: 'payment-mediator',
        app: () => app,
        routes,
        credentials: { authorization: stack.authorization, hookSecret: FUZZ_HOOK_SECRET },
        state: { fineract: stack.fineract, openimis: stack.openimis, staging },
        logs: stack.logs,
        secrets: stack.secrets,
        personal: PERSONAL,
      },
      options,
    );
    expect(report.violations).toEqual([]);
    expect(report.cases).toBe(options.runs);
  }, 600_000);
});
