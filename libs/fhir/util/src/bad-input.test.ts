import { ValidationError } from '@payment-layer/shared-errors';
import type { Invoice } from 'fhir/r4';
import { assertInvoiceLineItems, assertProcessableBundle, MAX_JSON_DEPTH, validateResource } from './index';

function patient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
    name: [{ family: 'Doe', given: ['Jane'] }],
    birthDate: '1990-01-12',
    ...overrides,
  };
}

function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = patient();
  let cur = root;
  for (let i = 0; i < levels; i++) {
    const next: Record<string, unknown> = { url: 'http://example.org/x' };
    cur.extension = [next];
    cur = next;
  }
  cur.valueString = 'leaf';
  return root;
}

function locations(resource: unknown): (string | undefined)[] {
  return validateResource(resource).issues.map((i) => i.location);
}

describe('bad input the R4 schema lets through', () => {
  it('reports a resource nested 2,000 levels deep as one issue instead of overflowing the stack', () => {
    const result = validateResource(nested(2000));
    expect(result.valid).toBe(false);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ code: 'too-long', location: 'Patient' });
  });

  it('still accepts ordinary nesting (extensions in extensions)', () => {
    expect(validateResource(nested(10)).valid).toBe(true);
    expect(MAX_JSON_DEPTH).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['a C0 control character', 'Do\u0001e'],
    ['NUL', 'Doe\u0000'],
    ['ESC', '\u001b[31mDoe'],
    ['a lone high surrogate', 'Doe\ud800'],
    ['a lone low surrogate', '\udc00Doe'],
  ])('rejects %s in a string element, naming it', (_what, value) => {
    expect(locations(patient({ name: [{ family: value, given: ['Jane'] }] }))).toEqual([
      'Patient.name[0].family',
    ]);
  });

  it('rejects control characters in codes, ids, URIs and inline choice elements too', () => {
    expect(locations(patient({ gender: 'fe\u0007male' }))).toContain('Patient.gender');
    expect(locations(patient({ extension: [{ url: 'http://x\u0002' }] }))).toContain(
      'Patient.extension[0].url',
    );
    expect(locations(patient({ extension: [{ url: 'http://x', valueString: 'a\u0003' }] }))).toContain(
      'Patient.extension[0].valueString',
    );
  });

  it('accepts tabs, line breaks, non-Latin text and surrogate pairs', () => {
    expect(
      validateResource(patient({ name: [{ family: 'Nakato\tNamukasa\r\n', given: ['Ñandú'] }] })).valid,
    ).toBe(true);
    expect(validateResource(patient({ name: [{ family: 'Test 😀', given: ['ሰላም'] }] })).valid).toBe(true);
  });

  it('never echoes the offending text', () => {
    const issues = validateResource(patient({ name: [{ family: 'Secretname\u0001' }] })).issues;
    expect(JSON.stringify(issues)).not.toContain('Secretname');
  });

  it.each([
    ['birthDate', '2023-02-30'],
    ['birthDate', '2023-02-29'],
    ['birthDate', '2021-04-31'],
    ['deceasedDateTime', '2023-02-30T10:00:00Z'],
    ['deceasedDateTime', '2023-02-30'],
  ])('rejects %s %s, a day that is not in the calendar', (field, value) => {
    expect(locations(patient({ [field]: value }))).toEqual([`Patient.${field}`]);
  });

  it('accepts 29 February of a leap year, partial dates and instants', () => {
    expect(validateResource(patient({ birthDate: '2024-02-29' })).valid).toBe(true);
    expect(validateResource(patient({ birthDate: '2000-02-29' })).valid).toBe(true);
    expect(validateResource(patient({ birthDate: '1990-02' })).valid).toBe(true);
    expect(validateResource(patient({ deceasedDateTime: '2024-12-31T23:59:59.999+03:00' })).valid).toBe(true);
  });

  it('rejects 1900-02-29 (not a leap year)', () => {
    expect(locations(patient({ birthDate: '1900-02-29' }))).toEqual(['Patient.birthDate']);
  });

  it('rejects a non-finite decimal (1e309 parses to Infinity), naming it', () => {
    const invoice = JSON.parse(
      '{"resourceType":"Invoice","status":"issued","totalGross":{"value":1e309,"currency":"USD"}}',
    ) as unknown;
    const issues = validateResource(invoice).issues;
    expect(issues.map((i) => i.location)).toEqual(['Invoice.totalGross.value']);
    expect(issues[0]?.message).toMatch(/finite/);
  });
});

describe('assertProcessableBundle', () => {
  const bundle = (entry: unknown, type = 'batch'): unknown => ({ resourceType: 'Bundle', type, entry });

  it.each([
    [[null], 'Bundle.entry[0]'],
    [[{ resource: patient() }, 'x'], 'Bundle.entry[1]'],
    [[[]], 'Bundle.entry[0]'],
    [[{ resource: null }], 'Bundle.entry[0].resource'],
    [[{ resource: 'Patient' }], 'Bundle.entry[0].resource'],
    [[{ resource: [] }], 'Bundle.entry[0].resource'],
    [{}, 'Bundle.entry'],
    ['x', 'Bundle.entry'],
  ])('rejects entries %j naming %s', (entry, location) => {
    let thrown: unknown;
    try {
      assertProcessableBundle(bundle(entry));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).issues.map((i) => i.location)).toContain(location);
  });

  it.each([
    [null],
    ['Bundle'],
    [[]],
    [{ resourceType: 'Patient' }],
    [{ resourceType: 'Bundle', type: 'history' }],
  ])('rejects %j as not a processable Bundle', (value) => {
    expect(() => assertProcessableBundle(value)).toThrow(ValidationError);
  });

  it('returns a Bundle whose entries may be empty, without resource, or of any type (judged per entry)', () => {
    expect(assertProcessableBundle(bundle(undefined)).entry).toBeUndefined();
    expect(
      assertProcessableBundle(bundle([{}, { resource: { resourceType: 'Claim' } }], 'transaction')).entry,
    ).toHaveLength(2);
  });
});

describe('assertInvoiceLineItems', () => {
  const invoice = (amounts: unknown[], currency = 'USD'): Invoice =>
    ({
      resourceType: 'Invoice',
      status: 'issued',
      lineItem: [
        {
          priceComponent: amounts.map((value) => ({ type: 'base', amount: { value, currency } })),
        },
      ],
    }) as Invoice;

  it.each([
    [Infinity, /finite/],
    [-1, /greater than zero/],
    [0, /greater than zero/],
    [10.001, /decimals/],
  ])('rejects a line amount of %p naming the element', (value, message) => {
    let thrown: unknown;
    try {
      assertInvoiceLineItems(invoice([100, value]), 'USD');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    const issue = (thrown as ValidationError).issues[0];
    expect(issue?.location).toBe('Invoice.lineItem[0].priceComponent[1].amount.value');
    expect(issue?.message).toMatch(message);
  });

  it('rejects a line amount in another currency', () => {
    expect(() => {
      assertInvoiceLineItems(invoice([100], 'EUR'), 'USD');
    }).toThrow(/currency/);
  });

  it('accepts positive amounts in the currency, and invoices without lines or amounts', () => {
    expect(() => {
      assertInvoiceLineItems(invoice([10000, 0.5]), 'USD');
    }).not.toThrow();
    expect(() => {
      assertInvoiceLineItems({}, 'USD');
    }).not.toThrow();
    expect(() => {
      assertInvoiceLineItems({ lineItem: [{ priceComponent: [{ type: 'base' }] }] }, 'USD');
    }).not.toThrow();
  });
});
