import { INVOICE_STATUS, POLICY_STATUS } from './population';
import { startOpenImisSimulator, type OpenImisSimulator } from './server';
import { call, login } from './test-helpers';

interface GqlBody {
  // Responses are walked ad hoc in assertions; the exact shape is what the expectations check.
  data?: Record<string, any>;
  errors?: { message: string }[];
}

describe('openIMIS simulator: GraphQL', () => {
  let sim: OpenImisSimulator;
  let token: string;

  beforeAll(async () => {
    sim = await startOpenImisSimulator({
      seed: 'graphql',
      population: { families: 10 },
      // Long enough that the "still running" read right after the mutation sees status 0 on a loaded machine.
      mutationDelayMs: 1000,
    });
    token = await login(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  const gql = async (
    query: string,
    variables?: Record<string, unknown>,
    auth = true,
  ): Promise<{ status: number; body: GqlBody }> => {
    const res = await call(sim.graphqlUrl, {
      method: 'POST',
      token: auth ? token : undefined,
      json: { query, variables },
    });
    return { status: res.status, body: res.body as GqlBody };
  };
  const waitForFinal = async (
    clientMutationId: string,
  ): Promise<{ status: number; error: string | null }> => {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const res = await gql(
        `query { mutationLogs(clientMutationId: "${clientMutationId}") { edges { node { id status error clientMutationId } } } }`,
      );
      const node = res.body.data?.['mutationLogs'].edges[0]?.node as
        { status: number; error: string | null } | undefined;
      if (node !== undefined && node.status !== 0) {
        return node;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('mutation never finished');
  };

  it('requires a Bearer token', async () => {
    const res = await gql('query { invoice { totalCount } }', undefined, false);
    expect(res.status).toBe(401);
  });

  it('answers the invoice status query of the reference, with A_1 then A_2 after an exact PaymentNotice', async () => {
    const invoice = sim.store.invoices().find((i) => i.kind === 'invoice' && i.code.startsWith('IV-'))!;
    const query = `query { invoice(id: "${invoice.id}") {
      edges { node { id code status amountTotal amountNet currencyCode datePayed
                     lineItems { edges { node { lineId lineTypeName amountTotal } } } } } } }`;
    const before = await gql(query);
    expect(before.status).toBe(200);
    const node = before.body.data?.['invoice'].edges[0].node;
    expect(node).toEqual({
      id: Buffer.from(`InvoiceGQLType:${invoice.id}`).toString('base64'),
      code: invoice.code,
      status: 'A_1',
      amountTotal: invoice.amountTotal,
      amountNet: invoice.amountNet,
      currencyCode: 'USD',
      datePayed: null,
      lineItems: {
        edges: [
          {
            node: {
              lineId: invoice.lineItems[0]!.lineId,
              lineTypeName: 'policy',
              amountTotal: invoice.amountTotal,
            },
          },
        ],
      },
    });
    const pn = await call(`${sim.fhirBaseUrl}PaymentNotice/`, {
      method: 'POST',
      token,
      json: {
        resourceType: 'PaymentNotice',
        status: 'active',
        request: { reference: `Invoice/${invoice.id}`, type: 'Invoice' },
        created: '2024-05-17T10:58:46',
        payment: { reference: 'PaymentReconciliation/gql-1' },
        recipient: { reference: 'Organization/openIMIS-Implementation' },
        amount: { value: Number(invoice.amountTotal), currency: 'USD' },
        paymentStatus: { coding: [{ code: 'paid' }] },
      },
    });
    expect(pn.status).toBe(201);
    const after = await gql(query);
    expect(after.body.data?.['invoice'].edges[0].node.status).toBe('A_2');
    // payment_received never sets date_payed.
    expect(after.body.data?.['invoice'].edges[0].node.datePayed).toBeNull();
    const payments = await gql(
      `query($ids: [String]) { paymentInvoice(subjectIds: $ids) { edges { node { payerRef amountReceived reconciliationStatus invoicePayments { edges { node { status amount subjectTypeName } } } } } } }`,
      { ids: [invoice.id] },
    );
    expect(payments.body.data?.['paymentInvoice'].edges).toEqual([
      {
        node: {
          payerRef: 'PaymentReconciliation/gql-1',
          amountReceived: invoice.amountTotal,
          reconciliationStatus: 'A_0',
          invoicePayments: {
            edges: [{ node: { status: 'A_1', amount: invoice.amountTotal, subjectTypeName: 'invoice' } }],
          },
        },
      },
    ]);
  });

  it('filters invoices by thirdpartyId and subjectId, and refuses filters it does not evaluate', async () => {
    const invoice = sim.store.invoices().find((i) => i.kind === 'invoice' && i.code.startsWith('IV-'))!;
    const byThirdparty = await gql(
      `{ invoice(thirdpartyId: "${invoice.thirdpartyId ?? ''}") { totalCount edges { node { code thirdpartyId subjectId } } } }`,
    );
    expect(
      byThirdparty.body.data?.['invoice'].edges.map((e: { node: { code: string } }) => e.node.code),
    ).toContain(invoice.code);
    const bySubject = await gql(
      `{ invoice(subjectId: "${invoice.subjectId ?? ''}") { edges { node { code } } } }`,
    );
    expect(bySubject.body.data?.['invoice'].edges).toEqual([{ node: { code: invoice.code } }]);
    const unsupported = await gql('{ invoice(dateDue: "2024-01-01") { totalCount } }');
    expect(unsupported.status).toBe(200);
    expect(unsupported.body.data?.['invoice']).toBeNull();
    expect(unsupported.body.errors?.[0]?.message).toContain('dateDue');
  });

  it('queries bills with bill(...)', async () => {
    const bill = sim.store.invoices().find((i) => i.kind === 'bill')!;
    const res = await gql(`{ bill(id: "${bill.id}") { totalCount edges { node { code status } } } }`);
    expect(res.body.data?.['bill']).toEqual({
      totalCount: 1,
      edges: [{ node: { code: bill.code, status: `A_${String(INVOICE_STATUS.validated)}` } }],
    });
  });

  it('creates a premium asynchronously: pending, then success, and the policy becomes active', async () => {
    const policy = sim.store.policies()[0]!;
    const cmid = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const res = await gql(`mutation { createPremium(input: {
      clientMutationId: "${cmid}", policyUuid: "${policy.uuid}", amount: "${policy.value}",
      receipt: "RCPT-1", payDate: "2024-05-17", payType: "M", isPhotoFee: false }) { clientMutationId internalId } }`);
    expect(res.status).toBe(200);
    expect(res.body.data?.['createPremium'].clientMutationId).toBe(cmid);
    expect(res.body.data?.['createPremium'].internalId).toMatch(/^[0-9a-f-]{36}$/);
    const pending = await gql(
      `{ mutationLogs(clientMutationId: "${cmid}") { edges { node { status error } } } }`,
    );
    expect(pending.body.data?.['mutationLogs'].edges[0].node).toEqual({ status: 0, error: null });
    const final = await waitForFinal(cmid);
    expect(final.status).toBe(2);
    expect(sim.store.premiums().filter((p) => p.clientMutationId === cmid)).toHaveLength(1);
    expect(sim.store.policy(policy.uuid)?.status).toBe(POLICY_STATUS.active);
  });

  it('reports an invalid premium (unknown policy, duplicate receipt) as mutation status 1', async () => {
    await gql(`mutation { createPremium(input: { clientMutationId: "bad-policy", policyUuid: "00000000-0000-4000-8000-000000000000",
      amount: "10.00", receipt: "R-X", payDate: "2024-05-17", payType: "C" }) { clientMutationId internalId } }`);
    const unknown = await waitForFinal('bad-policy');
    expect(unknown.status).toBe(1);
    expect(JSON.parse(unknown.error ?? '[]')).toHaveLength(1);

    const policy = sim.store.policies()[1]!;
    const other =
      sim.store.policies().find((p) => p.productCode === policy.productCode && p.uuid !== policy.uuid) ??
      policy;
    await gql(
      `mutation { createPremium(input: { clientMutationId: "first", policyUuid: "${policy.uuid}", amount: "1.00", receipt: "DUP", payDate: "2024-05-17", payType: "C" }) { internalId } }`,
    );
    expect((await waitForFinal('first')).status).toBe(2);
    expect(sim.store.policy(policy.uuid)?.status).toBe(POLICY_STATUS.idle);
    await gql(
      `mutation { createPremium(input: { clientMutationId: "second", policyUuid: "${other.uuid}", amount: "1.00", receipt: "DUP", payDate: "2024-05-17", payType: "C" }) { internalId } }`,
    );
    expect((await waitForFinal('second')).status).toBe(1);
  });

  it('accepts createPremium input through variables', async () => {
    const policy = sim.store.policies()[2]!;
    const res = await gql(
      'mutation Pay($input: CreatePremiumMutationInput!) { createPremium(input: $input) { clientMutationId internalId } }',
      {
        input: {
          clientMutationId: 'via-variables',
          policyUuid: policy.uuid,
          amount: policy.value,
          receipt: 'VAR-1',
          payDate: '2024-05-18',
          payType: 'B',
        },
      },
    );
    expect(res.status).toBe(200);
    expect((await waitForFinal('via-variables')).status).toBe(2);
    expect(sim.store.premiums().find((p) => p.clientMutationId === 'via-variables')?.amount).toBe(
      policy.value,
    );
  });

  it('rejects malformed input, unknown fields and unknown queries like graphene (400 with errors)', async () => {
    const missing = await gql(
      'mutation { createPremium(input: { amount: "1.00", receipt: "x", payDate: "2024-05-17", payType: "C" }) { internalId } }',
    );
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.[0]?.message).toContain('policyUuid');
    const badDate = await gql(
      'mutation { createPremium(input: { policyUuid: "x", amount: "1.00", receipt: "x", payDate: "17/05/2024", payType: "C" }) { internalId } }',
    );
    expect(badDate.status).toBe(400);
    const unknownRoot = await gql('{ insurees { edges { node { chfId } } } }');
    expect(unknownRoot.status).toBe(400);
    expect(unknownRoot.body).toEqual({
      errors: [
        { message: 'Cannot query field "insurees" on type "Query".', locations: [{ line: 1, column: 3 }] },
      ],
    });
    const unknownField = await gql('{ invoice { edges { node { status colour } } } }');
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors?.[0]?.message).toBe(
      'Cannot query field "colour" on type "InvoiceGQLType".',
    );
    const syntax = await gql('{ invoice { edges ');
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors?.[0]?.message).toMatch(/^Syntax Error/);
    const notUuid = await gql('{ invoice(id: "IV-1") { totalCount } }');
    expect(notUuid.status).toBe(200);
    expect(notUuid.body.data?.['invoice']).toBeNull();
    expect(notUuid.body.errors).toHaveLength(1);
  });
});
