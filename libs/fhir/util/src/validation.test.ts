import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Patient } from 'fhir/r4';
import { ValidationError } from '@payment-layer/shared-errors';
import {
  assertValidResource,
  isFhirR4ResourceType,
  MAX_VALIDATION_ISSUES,
  precompileFhirValidators,
  validateResource,
} from './validation';

// The vendored openIMIS samples (fixtures/ at the repository root).
const FIXTURES = join(__dirname, '../../../../fixtures/openimis');

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
}

function patient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
    name: [{ family: 'Doe', given: ['Jane'] }],
    birthDate: '1990-01-12',
    gender: 'female',
    ...overrides,
  };
}

/**
 * Backend fixtures that are not valid FHIR R4, with the exact reason. openIMIS really emits these shapes (the
 * reference documents `Invoice.status: "active"` and `Group.type: "Person"`), so flows that receive them must
 * expect these issues; validation is not loosened to hide them.
 */
const INVALID_R4_FIXTURES: Record<string, readonly { location: string; code: string }[]> = {
  // R4 Claim.insurance is 1..* (required); the openIMIS POST payloads omit it.
  'Claim__openimis-be-api_fhir_r4_py__test_claim.json': [{ location: 'Claim.insurance', code: 'required' }],
  'Claim__openimis-be-api_fhir_r4_py__test_claim_with_code_references.json': [
    { location: 'Claim.insurance', code: 'required' },
  ],
  // Period.start/end are dateTime: a time needs a time zone ("2021-08-20T00:00:00" has none).
  'Coverage__openimis-be-api_fhir_r4_py__test_coverage.json': [
    { location: 'Coverage.period.start', code: 'value' },
    { location: 'Coverage.period.end', code: 'value' },
  ],
  // Group.type is the lower-case code "person" and Group.actual a JSON boolean; openIMIS sends "Person" and "True".
  'Group__openimis-be-api_fhir_r4_py__test_group.json': [
    { location: 'Group.type', code: 'value' },
    { location: 'Group.actual', code: 'structure' },
  ],
  // Invoice.status must be draft|issued|balanced|cancelled|entered-in-error; openIMIS hard-codes "active".
  'Invoice__openimis-be-api_fhir_r4_py__test_invoice.json': [{ location: 'Invoice.status', code: 'value' }],
  // PaymentNotice.created is a dateTime: "2022-05-17T10:58:46.807554" lacks a time zone.
  'PaymentNotice__openimis-be-api_fhir_r4_py__test_payment_notice.json': [
    { location: 'PaymentNotice.created', code: 'value' },
  ],
};

describe('validateResource', () => {
  beforeAll(() => {
    precompileFhirValidators();
  });

  const fixtureFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

  it('finds the shared openIMIS fixtures', () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(fixtureFiles.filter((f) => !(f in INVALID_R4_FIXTURES)))(
    'accepts the valid R4 fixture %s',
    (file) => {
      const resource = fixture(file);
      const result = validateResource(resource, { acceptedTypes: [String(resource.resourceType)] });
      expect(result.issues).toEqual([]);
      expect(result.valid).toBe(true);
    },
  );

  it.each(Object.keys(INVALID_R4_FIXTURES))('reports exactly why %s is not valid R4', (file) => {
    const resource = fixture(file);
    const result = validateResource(resource, { acceptedTypes: [String(resource.resourceType)] });
    expect(result.valid).toBe(false);
    expect(result.issues.map(({ location, code }) => ({ location, code }))).toEqual(
      INVALID_R4_FIXTURES[file],
    );
  });

  it('accepts an openIMIS fixture once its R4 deviation is corrected', () => {
    const invoice = {
      ...fixture('Invoice__openimis-be-api_fhir_r4_py__test_invoice.json'),
      status: 'issued',
    };
    expect(validateResource(invoice).valid).toBe(true);
    const notice = {
      ...fixture('PaymentNotice__openimis-be-api_fhir_r4_py__test_payment_notice.json'),
      created: '2022-05-17T10:58:46.807554+03:00',
    };
    expect(validateResource(notice).valid).toBe(true);
  });

  it('names Patient.birthDate for a day-month-year date', () => {
    const result = validateResource(patient({ birthDate: '12-01-1990' }));
    expect(result.valid).toBe(false);
    expect(result.issues).toEqual([
      {
        location: 'Patient.birthDate',
        message: 'birthDate is not a valid FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)',
        code: 'value',
      },
    ]);
  });

  it('names Patient.name when a string is given instead of a list of HumanName', () => {
    const result = validateResource(patient({ name: 'x' }));
    expect(result.issues).toEqual([
      { location: 'Patient.name', message: 'name must be an array, not a string', code: 'structure' },
    ]);
  });

  it('rejects a string where a complex datatype is expected', () => {
    expect(validateResource(patient({ name: ['x'] })).issues).toEqual([
      { location: 'Patient.name[0]', message: 'name must be an object, not a string', code: 'structure' },
    ]);
    expect(validateResource(patient({ birthDate: 19900112 })).issues).toEqual([
      {
        location: 'Patient.birthDate',
        message: 'birthDate must be a string (FHIR date), not a number',
        code: 'structure',
      },
    ]);
  });

  it('accepts null placeholders in the extension array of a repeating primitive', () => {
    const ext = {
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'BR' }],
    };
    const name = [{ family: 'Doe', given: ['Jane', 'Ann'], _given: [null, ext] }];
    expect(validateResource(patient({ name })).issues).toEqual([]);
    const bad = [{ family: 'Doe', given: ['Jane'], _given: [{ extension: [{ valueCode: 'BR' }] }] }];
    expect(validateResource(patient({ name: bad })).issues).toEqual([
      expect.objectContaining({ location: 'Patient.name[0]._given[0].extension[0].url', code: 'required' }),
    ]);
  });

  it('rejects empty arrays, which FHIR JSON forbids', () => {
    expect(validateResource(patient({ telecom: [] })).issues).toEqual([
      {
        location: 'Patient.telecom',
        message: 'telecom must not be an empty array (omit it instead)',
        code: 'value',
      },
    ]);
  });

  it('locates errors deep inside elements', () => {
    const result = validateResource(patient({ name: [{ family: '', given: ['Jane'] }] }));
    expect(result.issues).toEqual([
      expect.objectContaining({ location: 'Patient.name[0].family', code: 'value' }),
    ]);
  });

  it('reports an unknown element once, as an unknown element, not as schema noise', () => {
    const result = validateResource(
      patient({ favouriteColour: 'blue', name: [{ family: 'Doe', nick: 'J' }] }),
    );
    expect(result.issues).toEqual([
      {
        location: 'Patient.favouriteColour',
        message: "Unknown element 'favouriteColour'",
        code: 'structure',
      },
      { location: 'Patient.name[0].nick', message: "Unknown element 'nick'", code: 'structure' },
    ]);
  });

  it('reports one issue per element even when several schema rules fail on it', () => {
    const result = validateResource(patient({ active: 'yes' }));
    expect(result.issues).toEqual([
      {
        location: 'Patient.active',
        message: 'active must be a boolean (FHIR boolean), not a string',
        code: 'structure',
      },
    ]);
  });

  it('lists the allowed codes of a required binding', () => {
    const result = validateResource(patient({ gender: 'F' }));
    expect(result.issues).toEqual([
      {
        location: 'Patient.gender',
        message: 'gender must be one of: male, female, other, unknown',
        code: 'value',
      },
    ]);
  });

  it('rejects a fractional or negative count that the schema only states as a pattern', () => {
    const result = validateResource(patient({ multipleBirthInteger: 1.5 }));
    expect(result.issues).toEqual([expect.objectContaining({ location: 'Patient.multipleBirthInteger' })]);
    const group = fixture('Group__openimis-be-api_fhir_r4_py__test_group.json');
    const bad = validateResource({ ...group, type: 'person', actual: true, quantity: -1 });
    expect(bad.issues).toEqual([expect.objectContaining({ location: 'Group.quantity', code: 'value' })]);
  });

  it('reports a missing required element', () => {
    const notice = fixture('PaymentNotice__openimis-be-api_fhir_r4_py__test_payment_notice.json');
    delete notice.status;
    notice.created = '2022-05-17T10:58:46Z';
    expect(validateResource(notice).issues).toEqual([
      { location: 'PaymentNotice.status', message: "Missing required element 'status'", code: 'required' },
    ]);
  });

  it('accepts a required primitive given only by its extension, as FHIR allows', () => {
    const notice = fixture('PaymentNotice__openimis-be-api_fhir_r4_py__test_payment_notice.json');
    delete notice.status;
    notice._status = {
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    };
    notice.created = '2022-05-17T10:58:46Z';
    expect(validateResource(notice).issues).toEqual([]);
  });

  it('explains an invalid primitive inside a choice element or extension', () => {
    const result = validateResource(
      patient({ extension: [{ url: 'https://openimis.github.io/x', valueDateTime: '2024-05-17T10:58:46' }] }),
    );
    expect(result.issues).toEqual([
      {
        location: 'Patient.extension[0].valueDateTime',
        message: expect.stringMatching(/^valueDateTime is not a valid FHIR dateTime .*time zone/),
        code: 'value',
      },
    ]);
    expect(validateResource(patient({ extension: [{ valueString: 'x' }] })).issues).toEqual([
      { location: 'Patient.extension[0].url', message: "Missing required element 'url'", code: 'required' },
    ]);
  });

  it('rejects a resourceType that is not accepted, unknown, or missing, with one clear issue', () => {
    const coverage = fixture('Coverage__openimis-be-api_fhir_r4_py__test_coverage.json');
    expect(validateResource(coverage).issues).toEqual([
      {
        location: 'resourceType',
        message: expect.stringMatching(
          /^resourceType 'Coverage' is not accepted here; expected one of: Patient, /,
        ),
        code: 'not-supported',
      },
    ]);
    expect(validateResource(patient({ resourceType: 'Patients' })).issues).toEqual([
      {
        location: 'resourceType',
        message: "Unknown resourceType 'Patients': not a FHIR R4 resource type",
        code: 'not-supported',
      },
    ]);
    expect(validateResource({ id: 'x' }).issues).toEqual([
      { location: 'resourceType', message: "Missing required element 'resourceType'", code: 'required' },
    ]);
    expect(validateResource([patient()]).issues).toEqual([
      expect.objectContaining({ location: 'resourceType', code: 'structure' }),
    ]);
  });

  it('rejects a valid resource of another type than expected without validating its content', () => {
    const group = fixture('Group__openimis-be-api_fhir_r4_py__test_group.json');
    expect(validateResource(group, { expectedType: 'Patient' }).issues).toEqual([
      { location: 'resourceType', message: 'Expected a Patient resource, got a Group', code: 'invalid' },
    ]);
    expect(validateResource(patient(), { expectedType: ['Patient', 'Bundle'] }).valid).toBe(true);
    const coverage = {
      ...fixture('Coverage__openimis-be-api_fhir_r4_py__test_coverage.json'),
      period: undefined,
    };
    expect(validateResource(coverage, { expectedType: 'Coverage' }).issues).toEqual([]);
  });

  it('validates each Bundle entry against its own type and names the entry', () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 3,
      entry: [
        {
          fullUrl: 'https://openimis.test/api/api_fhir_r4/Patient/a',
          resource: patient() as unknown as Patient,
        },
        {
          fullUrl: 'https://openimis.test/api/api_fhir_r4/Patient/b',
          resource: patient({ birthDate: '12-01-1990' }) as unknown as Patient,
        },
        { resource: { resourceType: 'Coverage', status: 'active' } as never },
      ],
    };
    const result = validateResource(bundle);
    expect(result.issues).toEqual([
      expect.objectContaining({ location: 'Bundle.entry[1].resource.birthDate', code: 'value' }),
      expect.objectContaining({ location: 'Bundle.entry[2].resource.resourceType', code: 'not-supported' }),
    ]);
  });

  it('reports Bundle-level structure errors and nested outcome errors', () => {
    const result = validateResource({
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [{ response: { status: '400', outcome: { resourceType: 'OperationOutcome', issue: [{}] } } }],
      total: 'ten',
    });
    expect(result.issues.map((i) => i.location)).toEqual([
      'Bundle.total',
      'Bundle.entry[0].response.outcome.issue[0].severity',
      'Bundle.entry[0].response.outcome.issue[0].code',
    ]);
  });

  it('validates contained resources against their own R4 type, whatever it is', () => {
    const result = validateResource(
      patient({
        contained: [
          { resourceType: 'Location', id: 'v1', name: 'Village', mode: 'sometimes' },
          { resourceType: 'NotAType' },
        ],
      }),
    );
    expect(result.issues).toEqual([
      expect.objectContaining({ location: 'Patient.contained[0].mode', code: 'value' }),
      expect.objectContaining({ location: 'Patient.contained[1].resourceType', code: 'not-supported' }),
    ]);
  });

  it('caps the number of issues reported', () => {
    const extension = Array.from({ length: 300 }, (_, i) => ({ url: `u${i}`, valueBogus: i }));
    const result = validateResource(patient({ extension }));
    expect(result.issues).toHaveLength(MAX_VALIDATION_ISSUES + 1);
    expect(result.issues[MAX_VALIDATION_ISSUES]).toEqual(
      expect.objectContaining({
        code: 'informational',
        message: expect.stringMatching(/more issues not shown/),
      }),
    );
  });

  it('never echoes submitted values in messages', () => {
    const result = validateResource(patient({ birthDate: 'SECRET-1990', telecom: [{ system: 'pager!' }] }));
    expect(JSON.stringify(result.issues)).not.toMatch(/SECRET|pager!/);
  });

  it('knows the R4 resource types', () => {
    expect(isFhirR4ResourceType('PaymentNotice')).toBe(true);
    expect(isFhirR4ResourceType('Bill')).toBe(false);
  });
});

describe('assertValidResource', () => {
  it('returns the resource, typed, when valid', () => {
    const input = patient();
    const p = assertValidResource(input, 'Patient');
    expect(p).toBe(input);
    expect(p.birthDate).toBe('1990-01-12');
  });

  it('throws a ValidationError (400) carrying every issue', () => {
    let error: unknown;
    try {
      assertValidResource(patient({ birthDate: '12-01-1990', name: 'x' }), 'Patient');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.statusCode).toBe(400);
    expect(v.message).toBe(
      'Invalid FHIR Patient: Patient.name: name must be an array, not a string (and 1 more)',
    );
    expect(v.issues.map((i) => i.location).sort()).toEqual(['Patient.birthDate', 'Patient.name']);
  });

  it('throws for a wrong resourceType', () => {
    expect(() => assertValidResource(patient(), 'Group')).toThrow(
      new ValidationError('Invalid FHIR Patient: resourceType: Expected a Group resource, got a Patient'),
    );
    expect(() => assertValidResource({ resourceType: 'Coverage' })).toThrow(ValidationError);
  });
});
