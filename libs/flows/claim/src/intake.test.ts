import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimResponse, CodeableConcept, Invoice } from 'fhir/r4';
import { ValidationError } from '@payment-layer/shared-errors';
import { billPayoutOrder, claimPayoutOrder } from './intake';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'fixtures', 'openimis');

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

const claimResponse = (): ClaimResponse =>
  fixture<ClaimResponse>('ClaimResponse__openimis-be-api_fhir_r4_py__test_claimResponse.json');
const invoice = (): Invoice => fixture<Invoice>('Invoice__openimis-be-api_fhir_r4_py__test_invoice.json');

const status = (code: string): CodeableConcept => ({
  coding: [{ system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/claim-status', code }],
});

/** The openIMIS sample made valuated the way openIMIS emits it: outcome complete, totals up to category 16. */
function valuated(amount: number, currency = '$'): ClaimResponse {
  const r = claimResponse();
  return {
    ...r,
    outcome: 'complete',
    request: { reference: 'Claim/ae580700-0277-4c98-adab-d98c0f7e681b' },
    total: ['2', '4', '8', '16'].map((c) => ({ category: status(c), amount: { value: amount, currency } })),
  };
}

/** The openIMIS invoice sample as a claim-batch bill paying a health facility. */
function bill(): Invoice {
  const i = invoice();
  return {
    ...i,
    type: {
      coding: [
        {
          system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/bill-type',
          code: 'claim-batch',
        },
      ],
    },
    recipient: { reference: 'Organization/5B2F0B8E-7C0A-4E0B-9F0E-3D0B1C2A3F40', type: 'Organization' },
  };
}

describe('claim intake', () => {
  it('skips the sample claim: it is only entered', () => {
    const r = claimPayoutOrder(claimResponse(), { currency: 'USD' });
    expect(r).toMatchObject({ status: 'skip', kind: 'claim' });
    expect(r.status === 'skip' && r.reason).toMatch(/entered, not valuated/);
  });

  it.each([
    ['checked', ['2', '4'], 'partial'],
    ['processed', ['2', '4', '8'], 'partial'],
  ] as const)('skips a %s claim', (name, codes, outcome) => {
    const r = claimPayoutOrder(
      {
        ...claimResponse(),
        outcome,
        total: codes.map((c) => ({ category: status(c), amount: { value: 10, currency: '$' } })),
      },
      { currency: 'USD' },
    );
    expect(r.status === 'skip' && r.reason).toMatch(new RegExp(`${name}, not valuated`));
  });

  it('skips a rejected claim (outcome complete, no valuated total)', () => {
    const r = claimPayoutOrder(
      {
        ...claimResponse(),
        outcome: 'complete',
        total: [{ category: status('1'), amount: { value: 0, currency: '$' } }],
      },
      { currency: 'USD' },
    );
    expect(r.status === 'skip' && r.reason).toMatch(/rejected/);
  });

  it('orders the exact valuated amount of a valuated claim, in the configured currency for the "$" openIMIS writes', () => {
    const r = claimPayoutOrder(valuated(1500.5), { currency: 'USD' });
    expect(r).toEqual({
      status: 'order',
      order: {
        kind: 'claim',
        sourceId: claimResponse().identifier?.[0]?.value?.toLowerCase(),
        code: 'codeTest',
        amount: '1500.50',
        currency: 'USD',
        claim: { id: 'ae580700-0277-4c98-adab-d98c0f7e681b' },
      },
    });
  });

  it('refuses a valuated total in another ISO currency', () => {
    expect(() => claimPayoutOrder(valuated(10, 'TZS'), { currency: 'USD' })).toThrow(ValidationError);
  });

  it('skips the sample invoice: a contribution invoice is not a payout', () => {
    expect(billPayoutOrder(invoice(), { currency: 'USD' })).toMatchObject({ status: 'skip', kind: 'bill' });
  });

  it('orders a claim-batch bill to the health facility it names', () => {
    const r = billPayoutOrder(bill(), { currency: 'USD' });
    expect(r).toMatchObject({
      status: 'order',
      order: {
        kind: 'bill',
        amount: '10000.00',
        currency: 'USD',
        facility: { id: '5b2f0b8e-7c0a-4e0b-9f0e-3d0b1c2a3f40' },
      },
    });
  });

  it('refuses a claim-batch bill without a facility recipient', () => {
    const b = { ...bill(), recipient: { reference: 'Patient/5B2F0B8E-7C0A-4E0B-9F0E-3D0B1C2A3F40' } };
    expect(() => billPayoutOrder(b, { currency: 'USD' })).toThrow(/health facility/);
  });
});
