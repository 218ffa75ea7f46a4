import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '@payment-layer/shared-errors';
import { parseHookDelivery } from './hooks';
import { clientChargePaidHook, hookHeaders, savingsDepositHook } from './testing';

const FIXTURES = join(__dirname, '../../../../fixtures/fineract');

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues[0]?.location;
  }
  throw new Error('expected a ValidationError');
}

describe('parseHookDelivery', () => {
  it('parses a savings deposit delivery (reference §11), body as text or object', () => {
    const d = savingsDepositHook();
    const expected = {
      kind: 'savingsDeposit',
      tenantId: 'default',
      entityName: 'SAVINGSACCOUNT',
      actionName: 'DEPOSIT',
      createdBy: 1,
      createdByName: 'mifos',
      timestamp: '2024-02-01T09:12:44.123Z',
      officeId: 1,
      savingsId: 1,
      transactionId: 47,
      clientId: 2,
      amount: '15000.00',
      transactionDate: '2024-02-01',
      dateFormat: 'yyyy-MM-dd',
      paymentTypeId: 1,
      receiptNumber: 'IV-BCUL0001-13000001-2024-02',
    };
    expect(parseHookDelivery(d)).toEqual(expected);
    expect(parseHookDelivery({ headers: d.headers, body: JSON.stringify(d.body) })).toEqual(expected);
    expect(parseHookDelivery({ headers: d.headers, body: Buffer.from(JSON.stringify(d.body)) })).toEqual(
      expected,
    );
  });

  it('parses a withdrawal with a numeric amount from the legacy fixture (05) request', () => {
    const f05 = JSON.parse(readFileSync(join(FIXTURES, '05-savings-deposit-withdrawal.json'), 'utf8')) as {
      withdrawal: { request: Record<string, unknown>; response: Record<string, unknown> };
    };
    const { officeId: _o, ...response } = f05.withdrawal.response;
    const d = parseHookDelivery({
      headers: hookHeaders('SAVINGSACCOUNT', 'WITHDRAWAL'),
      body: {
        entityName: 'SAVINGSACCOUNT',
        actionName: 'WITHDRAWAL',
        request: { ...f05.withdrawal.request, transactionAmount: 500 },
        officeId: 1,
        response,
      },
    });
    expect(d).toMatchObject({
      kind: 'savingsWithdrawal',
      savingsId: 1,
      transactionId: 48,
      amount: '500',
      paymentTypeId: 14,
      receiptNumber: 'rec123',
    });
  });

  it('keeps a numeric amount exact when the body arrives as text', () => {
    const d = savingsDepositHook();
    const text = JSON.stringify(d.body).replace(
      '"transactionAmount":"15000.00"',
      '"transactionAmount":12345678901234567.89',
    );
    expect(parseHookDelivery({ headers: d.headers, body: text })).toMatchObject({
      amount: '12345678901234567.89',
    });
  });

  it('parses a client charge payment', () => {
    expect(parseHookDelivery(clientChargePaidHook())).toMatchObject({
      kind: 'clientChargePaid',
      clientId: 12,
      clientChargeId: 31,
      transactionId: 88,
      transactionExternalId: 'pay-7f3c2a',
      amount: '5000.00',
      paymentTypeId: 3,
      receiptNumber: 'IV-2024-0042',
    });
  });

  it('parses failure deliveries (status Exception) without requiring business fields', () => {
    const d = parseHookDelivery({
      headers: hookHeaders('SAVINGSACCOUNT', 'WITHDRAWAL'),
      body: {
        entityName: 'SAVINGSACCOUNT',
        actionName: 'WITHDRAWAL',
        status: 'Exception',
        request: { transactionAmount: '1.00' },
        response: {
          errorCode: 'error.msg.savingsaccount.transaction.insufficient.account.balance',
          statusCode: 403,
          defaultUserMessage: 'Insufficient account balance.',
        },
      },
    });
    expect(d).toEqual({
      kind: 'failure',
      tenantId: 'default',
      entityName: 'SAVINGSACCOUNT',
      actionName: 'WITHDRAWAL',
      statusCode: 403,
      errorCode: 'error.msg.savingsaccount.transaction.insufficient.account.balance',
      errorMessage: 'Insufficient account balance.',
    });
  });

  it('passes other events through as "other" (e.g. CLIENT/CREATE, the hook fixture 10 event LOAN/DISBURSE)', () => {
    expect(
      parseHookDelivery({
        headers: {
          ...hookHeaders('CLIENT', 'CREATE'),
          'X-Fineract-Endpoint': 'https://fineract.example/api',
        },
        body: {
          entityName: 'CLIENT',
          actionName: 'CREATE',
          request: { officeId: 1 },
          officeId: 1,
          clientId: 5,
          response: { clientId: 5, resourceId: 5 },
        },
      }),
    ).toMatchObject({
      kind: 'other',
      entityName: 'CLIENT',
      actionName: 'CREATE',
      resourceId: 5,
      clientId: 5,
      endpoint: 'https://fineract.example/api',
    });
    const f10 = JSON.parse(readFileSync(join(FIXTURES, '10-post-hooks-web.json'), 'utf8')) as {
      request: { events: { entityName: string; actionName: string }[] };
    };
    const ev = f10.request.events[0]!;
    expect(
      parseHookDelivery({
        headers: hookHeaders(ev.entityName, ev.actionName),
        body: { ...ev, response: { loanId: 3, resourceId: 3 } },
      }),
    ).toMatchObject({ kind: 'other', entityName: 'LOAN', actionName: 'DISBURSE', resourceId: 3 });
  });

  it('rejects malformed deliveries naming the field', () => {
    const d = savingsDepositHook();
    expect(
      fieldOf(() =>
        parseHookDelivery({ headers: { ...d.headers, 'fineract-platform-tenantid': '' }, body: d.body }),
      ),
    ).toBe('Fineract-Platform-TenantId');
    expect(fieldOf(() => parseHookDelivery({ headers: d.headers, body: 'payload=x' }))).toBe('body');
    expect(fieldOf(() => parseHookDelivery({ headers: d.headers, body: [1] }))).toBe('body');
    expect(
      fieldOf(() =>
        parseHookDelivery({ headers: hookHeaders('SAVINGSACCOUNT', 'WITHDRAWAL'), body: d.body }),
      ),
    ).toBe('actionName');
    expect(
      fieldOf(() =>
        parseHookDelivery({ headers: { 'fineract-platform-tenantid': 't' }, body: { actionName: 'X' } }),
      ),
    ).toBe('entityName');
    const { response: _r, ...noResponse } = d.body;
    expect(fieldOf(() => parseHookDelivery({ headers: d.headers, body: noResponse }))).toBe('response');
    expect(
      fieldOf(() =>
        parseHookDelivery({ headers: d.headers, body: { ...d.body, response: { savingsId: 1 } } }),
      ),
    ).toBe('response.resourceId');
    expect(
      fieldOf(() =>
        parseHookDelivery({
          headers: d.headers,
          body: { ...d.body, request: { ...(d.body['request'] as object), transactionAmount: '15,000.00' } },
        }),
      ),
    ).toBe('request.transactionAmount');
    expect(
      fieldOf(() => parseHookDelivery({ headers: d.headers, body: { ...d.body, status: 'Weird' } })),
    ).toBe('status');
    const c = clientChargePaidHook();
    expect(
      fieldOf(() =>
        parseHookDelivery({
          headers: c.headers,
          body: { ...c.body, response: { clientId: 12, resourceId: 31 } },
        }),
      ),
    ).toBe('response.subResourceId');
    expect(
      fieldOf(() => parseHookDelivery({ headers: c.headers, body: { ...c.body, createdBy: 'x' } })),
    ).toBe('createdBy');
  });
});
