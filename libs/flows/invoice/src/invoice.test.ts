import type { Invoice } from 'fhir/r4';
import { ValidationError, MappingError } from '@payment-layer/shared-errors';
import { invoiceCalendarDate, invoiceTotal, invoiceUuid } from './invoice';
import { repairOpenImisInvoice } from './quirks';
import { parseRecipient } from './recipient';

const UUID = '233a684a-00b0-4493-b733-1c5d400740c9';
const base: Invoice = {
  resourceType: 'Invoice',
  id: UUID,
  status: 'issued',
  recipient: { reference: 'Patient/43C47D1E-5110-4880-8C53-6871E71BDDE8' },
  totalNet: { value: 10000.0, currency: 'USD' },
  totalGross: { value: 10000.0, currency: 'USD' },
};

function locations(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError || err instanceof MappingError) {
      return err.issues.map((i) => i.location ?? '');
    }
    throw err;
  }
  throw new Error('expected an error');
}

describe('repairOpenImisInvoice', () => {
  it('turns the hard-coded openIMIS status "active" into issued, without touching the input', () => {
    const input = { ...base, status: 'active' };
    expect(repairOpenImisInvoice(input)).toEqual({ ...base, status: 'issued' });
    expect(input.status).toBe('active');
  });

  it('leaves other resources and statuses alone', () => {
    const cancelled = { ...base, status: 'cancelled' };
    expect(repairOpenImisInvoice(cancelled)).toBe(cancelled);
    const patient = { resourceType: 'Patient', status: 'active' };
    expect(repairOpenImisInvoice(patient)).toBe(patient);
    expect(repairOpenImisInvoice(null)).toBeNull();
  });
});

describe('invoiceTotal', () => {
  it('reads totalGross as a decimal string, never a float', () => {
    expect(invoiceTotal({ ...base, totalGross: { value: 9202.5, currency: 'USD' } }, 'USD')).toEqual({
      amount: '9202.50',
      currency: 'USD',
    });
  });

  it('falls back to totalNet', () => {
    const { totalGross: _g, ...net } = base;
    expect(invoiceTotal(net, 'USD').amount).toBe('10000.00');
  });

  it('names every total in another currency than the configured one', () => {
    expect(locations(() => invoiceTotal(base, 'TZS'))).toEqual([
      'Invoice.totalGross.currency',
      'Invoice.totalNet.currency',
    ]);
  });

  it('rejects a missing or zero total', () => {
    const { totalGross: _g, totalNet: _n, ...none } = base;
    expect(locations(() => invoiceTotal(none, 'USD'))).toEqual(['Invoice.totalGross']);
    expect(
      locations(() => invoiceTotal({ ...base, totalGross: { value: 0, currency: 'USD' } }, 'USD')),
    ).toEqual(['Invoice.totalGross.value']);
  });
});

describe('parseRecipient', () => {
  it('reads Patient and Organization references, lower-casing the UUID', () => {
    expect(parseRecipient(base)).toEqual({ type: 'Patient', id: '43c47d1e-5110-4880-8c53-6871e71bdde8' });
    expect(
      parseRecipient({
        ...base,
        recipient: { reference: `https://host/api/api_fhir_r4/Organization/${UUID}/` },
      }),
    ).toEqual({ type: 'Organization', id: UUID });
  });

  it('reads a recipient given by code, as openIMIS serves it in code identity mode', () => {
    expect(
      parseRecipient({
        ...base,
        recipient: {
          reference: 'Patient/070707070',
          type: 'Patient',
          identifier: { type: { coding: [{ code: 'Code' }] }, value: '070707070' },
        },
      }),
    ).toEqual({ type: 'Patient', code: '070707070' });
    expect(
      parseRecipient({
        ...base,
        recipient: {
          type: 'Organization',
          identifier: { type: { coding: [{ code: 'Code' }] }, value: 'HF-01' },
        },
      }),
    ).toEqual({ type: 'Organization', code: 'HF-01' });
  });

  it('refuses the legacy Group recipient (422) and malformed references (400), naming Invoice.recipient', () => {
    expect(() => parseRecipient({ ...base, recipient: { reference: `Group/${UUID}` } })).toThrow(
      MappingError,
    );
    expect(locations(() => parseRecipient({ ...base, recipient: { reference: 'Patient/' } }))).toEqual([
      'Invoice.recipient',
    ]);
    const { recipient: _r, ...none } = base;
    expect(locations(() => parseRecipient(none))).toEqual(['Invoice.recipient']);
  });
});

describe('invoiceUuid', () => {
  it('requires an openIMIS UUID', () => {
    expect(invoiceUuid(base)).toBe(UUID);
    expect(locations(() => invoiceUuid({ ...base, id: 'x' }))).toEqual(['Invoice.identifier']);
  });
});

describe('invoiceCalendarDate', () => {
  it('takes the calendar date of a date or dateTime, and null when there is none', () => {
    expect(invoiceCalendarDate({ ...base, date: '2024-02-29' })).toBe('2024-02-29');
    expect(invoiceCalendarDate({ ...base, date: '2024-01-31T23:30:00+03:00' })).toBe('2024-01-31');
    expect(invoiceCalendarDate(base)).toBeNull();
  });

  it('refuses impossible and partial dates, naming Invoice.date', () => {
    for (const date of ['2023-02-30', '2023-02-29', '2024-13-01', '2024-04-31', '2024-02', '2024']) {
      expect(locations(() => invoiceCalendarDate({ ...base, date }))).toEqual(['Invoice.date']);
    }
  });
});
