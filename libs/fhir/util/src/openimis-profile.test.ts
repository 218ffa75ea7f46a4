import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaimResponse, Group, Invoice, Organization, Patient } from '@payment-layer/fhir-types';
import { ValidationError } from '@payment-layer/shared-errors';
import {
  findExtension,
  findIdentifier,
  getBusinessCode,
  getExtensions,
  getIdentifierValue,
  getInvoiceKind,
  getOpenImisUuid,
  getValuatedTotal,
  identifierTypeCode,
  isContributionInvoice,
  isUuid,
  lastPathSegment,
  openImisExtensionUrl,
  parseReference,
  referenceId,
} from './openimis-profile';

// The mediators' golden fixtures are copies of the shared openIMIS samples (see each SOURCES.md there).
const ROOT = join(__dirname, '..', '..', '..', '..');
function fixture(app: string, name: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, 'apps', app, 'test', 'fixtures', name), 'utf8'));
}

const patient = fixture('insuree-mediator', 'patient-member.fhir.json') as Patient;
const head = fixture('insuree-mediator', 'patient-head.fhir.json') as Patient;
const group = fixture('insuree-mediator', 'group-family.fhir.json') as Group;
const organization = fixture('claim-mediator', 'organization-health-facility.fhir.json') as Organization;
const entered = fixture('claim-mediator', 'claimresponse-entered.fhir.json') as ClaimResponse;
const valuated = fixture('claim-mediator', 'claimresponse-valuated.fhir.json') as ClaimResponse;
const invoice = fixture('invoice-mediator', 'invoice-contribution.fhir.json') as Invoice;

describe('lastPathSegment', () => {
  it.each([
    ['https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-is-head', 'patient-is-head'],
    ['https://openimis.github.io/openimis_fhir_r4_ig//StructureDefinition/unit-price', 'unit-price'],
    ['https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition-patient-is-head', 'patient-is-head'],
    [
      'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem-openimis-identifiers',
      'openimis-identifiers',
    ],
    ['CodeSystem/group-type', 'group-type'],
    ['https://x/StructureDefinition/group-type/', 'group-type'],
    ['number', 'number'],
  ])('%s → %s', (url, name) => {
    expect(lastPathSegment(url)).toBe(name);
  });

  it('builds the canonical single-slash URL', () => {
    expect(openImisExtensionUrl('patient-is-head')).toBe(
      'https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-is-head',
    );
  });
});

describe('identifiers', () => {
  it('finds identifiers by type code', () => {
    expect(getIdentifierValue(patient, 'Code')).toBe('827192671');
    expect(getIdentifierValue(patient, 'UUID')).toBe('8e33033a-9f60-43ad-be3e-9bfeb992aeee');
    expect(getIdentifierValue(patient, 'PPN')).toBeUndefined();
    expect(identifierTypeCode(patient.identifier![1]!)).toBe('Code');
    expect(findIdentifier(patient.identifier, ['MR', 'Code'])?.value).toBe('827192671');
  });

  it('accepts identifiers without a type system (older IG builds)', () => {
    expect(getIdentifierValue(head, 'Code')).toBe('070707070');
    expect(getIdentifierValue(organization, 'Code')).toBe('RAHOS001');
  });

  it('reads the business code whichever type a deployment emits', () => {
    expect(getBusinessCode(entered)).toBe('codeTest');
    expect(getBusinessCode(group)).toBe('TestChfId1');
    const mr = { identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'CLM-1' }] };
    expect(getBusinessCode(mr)).toBe('CLM-1');
    const lc = { identifier: [{ type: { coding: [{ code: 'LC' }] }, value: 'HF-1' }] };
    expect(getBusinessCode(lc)).toBe('HF-1');
    const sb = { identifier: [{ type: { coding: [{ code: 'SB' }] }, value: 'OLD-1' }] };
    expect(getBusinessCode(sb)).toBe('OLD-1');
    const both = { identifier: [...lc.identifier, { type: { coding: [{ code: 'Code' }] }, value: 'C' }] };
    expect(getBusinessCode(both)).toBe('C');
    expect(getBusinessCode({})).toBeUndefined();
  });

  it('skips identifiers without a value', () => {
    const ids = [
      { type: { coding: [{ code: 'Code' }] } },
      { type: { coding: [{ code: 'Code' }] }, value: 'B' },
    ];
    expect(getIdentifierValue(ids, 'Code')).toBe('B');
  });

  it('reads the openIMIS UUID from the UUID identifier or a UUID id, in lower case', () => {
    expect(getOpenImisUuid(patient)).toBe('8e33033a-9f60-43ad-be3e-9bfeb992aeee');
    expect(getOpenImisUuid(head)).toBe('b7d3a3c1-5f7e-4f0a-9c55-2e4b8d1a6f10');
    expect(getOpenImisUuid(organization)).toBe('d8a25f21-f36a-4d4d-9e58-1db8ffbe7036');
    expect(getOpenImisUuid(invoice)).toBe('233a684a-00b0-4493-b733-1c5d400740c9');
    expect(getOpenImisUuid(entered)).toBe('ae580700-0277-4c98-adab-d98c0f7e681b');
    expect(getOpenImisUuid({ id: 'RaptaDistrictHospital' })).toBeUndefined();
    expect(getOpenImisUuid(undefined)).toBeUndefined();
    expect(isUuid('8e33033a-9f60-43ad-be3e-9bfeb992aeee')).toBe(true);
    expect(isUuid('827192671')).toBe(false);
  });
});

describe('extensions', () => {
  it('finds extensions by last path segment in every URL form', () => {
    expect(findExtension(patient, 'patient-is-head')?.valueBoolean).toBe(false);
    expect(findExtension(head, 'patient-is-head')?.valueBoolean).toBe(true);
    expect(findExtension(patient, 'patient-group-reference')?.valueReference?.reference).toBe(
      'Group/8e33033a-9f60-43ad-be3e-3bfeb992aae5',
    );
    const price = invoice.lineItem![0]!.priceComponent![0]!;
    expect(findExtension(price, 'unit-price')?.valueMoney).toEqual({ value: 10000, currency: 'USD' });
    expect(findExtension(organization.address![0], 'address-location-reference')).toBeDefined();
    expect(findExtension(patient, 'no-such-extension')).toBeUndefined();
    expect(getExtensions(patient, 'patient-card-issued')).toHaveLength(1);
  });

  it('matches sub-extensions by their short url', () => {
    const identification = findExtension(patient, 'patient-identification');
    expect(findExtension(identification, 'number')?.valueString).toBe('PassportB1');
  });
});

describe('references', () => {
  it.each([
    [
      'Patient/8e33033a-9f60-43ad-be3e-9bfeb992aeee',
      { resourceType: 'Patient', id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee' },
    ],
    [
      'https://imis.example.org/api/api_fhir_r4/Patient/8e33033a-9f60-43ad-be3e-9bfeb992aeee/',
      {
        resourceType: 'Patient',
        id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
        baseUrl: 'https://imis.example.org/api/api_fhir_r4/',
      },
    ],
    ['Invoice/abc/_history/3', { resourceType: 'Invoice', id: 'abc', version: '3' }],
    ['openIMIS', { id: 'openIMIS' }],
    ['urn:uuid:8e33033a-9f60-43ad-be3e-9bfeb992aeee', { id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee' }],
  ])('parses %s', (ref, expected) => {
    expect(parseReference(ref)).toEqual(expected);
  });

  it('parses openIMIS references with identifier and display', () => {
    const ref = group.member![0]!.entity;
    expect(parseReference(ref)).toEqual({
      resourceType: 'Patient',
      id: '01916024-20a9-45ba-a295-019ab0830000',
      identifierType: 'UUID',
      identifierValue: '01916024-20a9-45ba-a295-019ab0830000',
      display: 'TestChfId1',
    });
    expect(referenceId(invoice.recipient)).toBe('43C47D1E-5110-4880-8C53-6871E71BDDE8');
    expect(parseReference(invoice.recipient).resourceType).toBe('Group');
  });

  it('parses references by identifier only', () => {
    const byCode = {
      type: 'Patient',
      identifier: { type: { coding: [{ code: 'Code' }] }, value: '070707070' },
    };
    expect(parseReference(byCode)).toEqual({
      resourceType: 'Patient',
      identifierType: 'Code',
      identifierValue: '070707070',
    });
    expect(referenceId(byCode)).toBeUndefined();
    const byUuid = { type: 'Patient', identifier: { type: { coding: [{ code: 'UUID' }] }, value: 'u-1' } };
    expect(referenceId(byUuid)).toBe('u-1');
    expect(parseReference(undefined)).toEqual({});
    expect(parseReference('')).toEqual({});
  });
});

describe('ClaimResponse valuated total', () => {
  it('reads the total with category 16 as Money', () => {
    expect(getValuatedTotal(valuated)).toEqual({ amount: '1000.00', currency: 'USD' });
  });

  it('is undefined for a claim that is only entered', () => {
    expect(getValuatedTotal(entered)).toBeUndefined();
  });

  it('rejects a valuated total in a non-ISO currency, naming the element', () => {
    const bad = { total: [{ ...valuated.total![3]!, amount: { value: 1000, currency: '$' } }] };
    expect(() => getValuatedTotal(bad)).toThrow(ValidationError);
    try {
      getValuatedTotal(bad);
    } catch (err) {
      expect((err as ValidationError).issues[0]?.location).toBe('ClaimResponse.total[0].amount.currency');
    }
  });
});

describe('invoice kinds', () => {
  it('reads a contribution invoice', () => {
    expect(getInvoiceKind(invoice)).toEqual({ category: 'invoice', code: 'contribution' });
    expect(isContributionInvoice(invoice)).toBe(true);
  });

  it.each([
    [
      { system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/bill-type', code: 'claim-batch' },
      'bill',
      'claim-batch',
    ],
    [
      { system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/bill-type', code: 'policy' },
      'bill',
      'policy',
    ],
    [
      { system: 'https://openimis.github.io/openimis_fhir_r4_ig//CodeSystem/invoice-type', code: 'contract' },
      'invoice',
      'contract',
    ],
    [{ code: 'contribution' }, 'invoice', 'contribution'],
    [{ code: 'commission' }, 'bill', 'commission'],
  ])('%j is a %s', (coding, category, code) => {
    expect(getInvoiceKind({ type: { coding: [coding] } })).toEqual({ category, code });
  });

  it('does not guess', () => {
    expect(getInvoiceKind({ type: { coding: [{ code: 'policy' }] } })).toBeUndefined();
    expect(getInvoiceKind({})).toBeUndefined();
    expect(isContributionInvoice({ type: { coding: [{ code: 'claim-batch' }] } })).toBe(false);
  });
});
