import type { Invoice, Patient } from '@payment-layer/fhir-types';
import {
  extensionName,
  findExtension,
  getBusinessCode,
  getOpenImisIdentity,
  getOpenImisUuid,
  getReferenceIdentity,
  withOpenImisUuid,
} from './openimis-profile';

// Shapes of openimis-be-api_fhir_r4_py in code mode (`default_response_identifier`): `build_fhir_pk` puts the CHF id
// (Patient), the head's CHF id (Group) or the code (Invoice) in `id`; `build_fhir_resource_reference` makes
// `<Type>/<code>` with a `Code` identifier; the UUID identifier is still listed on the resource.
const UUID = '8E33033A-9F60-43AD-BE3E-9BFEB992AEEE';
const TYPED = 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers';

describe('getOpenImisIdentity', () => {
  it('reads a resource served in code mode: id is the CHF id, the UUID identifier is still there', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: '070707070',
      identifier: [
        { type: { coding: [{ system: TYPED, code: 'UUID' }] }, value: UUID },
        { type: { coding: [{ system: TYPED, code: 'Code' }] }, value: '070707070' },
      ],
    };
    expect(getOpenImisIdentity(patient)).toEqual({
      uuid: UUID.toLowerCase(),
      code: '070707070',
      mode: 'code',
    });
  });

  it('reads identifier types that carry no system at all, in any case', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: UUID,
      identifier: [
        { type: { coding: [{ code: 'uuid' }] }, value: UUID },
        { type: { coding: [{ code: 'code' }] }, value: '070707070' },
      ],
    };
    expect(getOpenImisIdentity(patient)).toEqual({
      uuid: UUID.toLowerCase(),
      code: '070707070',
      mode: 'uuid',
    });
    expect(getBusinessCode(patient)).toBe('070707070');
  });

  it('a code-only resource has no UUID: the caller must look it up', () => {
    const invoice = {
      resourceType: 'Invoice',
      id: 'IV-PROD-070707070-2024-05',
      status: 'issued',
    } as Invoice;
    expect(getOpenImisIdentity(invoice)).toEqual({ code: 'IV-PROD-070707070-2024-05', mode: 'code' });
    expect(getOpenImisUuid(invoice)).toBeUndefined();
  });

  it('withOpenImisUuid adds the looked-up UUID once, without touching the input', () => {
    const patient: Patient = { resourceType: 'Patient', id: '070707070' };
    const withUuid = withOpenImisUuid(patient, UUID);
    expect(getOpenImisUuid(withUuid)).toBe(UUID.toLowerCase());
    expect(patient.identifier).toBeUndefined();
    expect(withOpenImisUuid(withUuid, UUID)).toBe(withUuid);
  });
});

describe('getReferenceIdentity', () => {
  it.each([
    [{ reference: `Patient/${UUID}` }, { resourceType: 'Patient', uuid: UUID.toLowerCase(), mode: 'uuid' }],
    [
      {
        reference: 'Patient/070707070',
        type: 'Patient',
        identifier: { type: { coding: [{ system: TYPED, code: 'Code' }] }, value: '070707070' },
      },
      { resourceType: 'Patient', code: '070707070', mode: 'code' },
    ],
    [{ reference: 'Group/070707070' }, { resourceType: 'Group', code: '070707070', mode: 'code' }],
    [
      { type: 'Patient', identifier: { type: { coding: [{ code: 'Code' }] }, value: '070707070' } },
      { resourceType: 'Patient', code: '070707070', mode: 'code' },
    ],
    [
      { type: 'Patient', identifier: { type: { coding: [{ code: 'UUID' }] }, value: UUID } },
      { resourceType: 'Patient', uuid: UUID.toLowerCase(), mode: 'uuid' },
    ],
    [
      // openIMIS code mode for the family link of a Patient: `Group/<uuid>` typed UUID (families have no code).
      `https://host/api/api_fhir_r4/Group/${UUID}/`,
      { resourceType: 'Group', uuid: UUID.toLowerCase(), mode: 'uuid' },
    ],
  ])('%j', (ref, expected) => {
    expect(getReferenceIdentity(ref)).toEqual(expected);
  });

  it('keeps both when the path gives the code and the identifier the UUID', () => {
    expect(
      getReferenceIdentity({
        reference: 'Patient/070707070',
        identifier: { type: { coding: [{ code: 'UUID' }] }, value: UUID },
      }),
    ).toEqual({ resourceType: 'Patient', code: '070707070', uuid: UUID.toLowerCase(), mode: 'code' });
  });

  it('gives nothing for an empty reference', () => {
    expect(getReferenceIdentity(undefined)).toEqual({ mode: 'code' });
  });
});

describe('older extension URL spellings', () => {
  it.each([
    ['https://openimis.atlassian.net/wiki/spaces/OP/pages/960069653/isHead', 'patient-is-head'],
    ['https://openimis.atlassian.net/wiki/spaces/OP/pages/960069653/group', 'patient-group-reference'],
    [
      'https://openimis.atlassian.net/wiki/spaces/OP/pages/960495619/locationCode',
      'address-location-reference',
    ],
    [
      'https://openimis.atlassian.net/wiki/spaces/OP/pages/960331788/educationCode',
      'patient-education-level',
    ],
    ['https://openimis.atlassian.net/wiki/spaces/OP/pages/960135203/professionCode', 'patient-profession'],
    ['https://openimis.atlassian.net/wiki/spaces/OP/pages/1556643849/povertyStatus', 'group-poverty-status'],
    [
      'https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/municipality',
      'address-municipality',
    ],
    ['https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition-patient-is-head', 'patient-is-head'],
    // A generic last segment on another host is not an openIMIS family link.
    ['https://example.org/StructureDefinition/group', 'group'],
  ])('%s → %s', (url, name) => {
    expect(extensionName(url)).toBe(name);
  });

  it('findExtension finds an older-spelled extension by its current name', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      extension: [
        { url: 'https://openimis.atlassian.net/wiki/spaces/OP/pages/960069653/isHead', valueBoolean: true },
      ],
    };
    expect(findExtension(patient, 'patient-is-head')?.valueBoolean).toBe(true);
  });
});
