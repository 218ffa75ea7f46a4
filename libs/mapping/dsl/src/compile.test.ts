import { ConfigError, MappingError, ValidationError } from '@payment-layer/shared-errors';
import { compileMapping, MappingDocumentError } from './compile';
import { MAPPING_SCHEMA_ID, type FieldRule } from './types';

function doc(fields: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    $schema: MAPPING_SCHEMA_ID,
    id: 'test-doc',
    source: 'Patient',
    target: 'fineract.clients.create',
    fields,
    ...extra,
  };
}

function problems(d: unknown, file?: string): readonly string[] {
  try {
    compileMapping(d, file === undefined ? {} : { file });
  } catch (err) {
    expect(err).toBeInstanceOf(MappingDocumentError);
    expect(err).toBeInstanceOf(ConfigError);
    return (err as MappingDocumentError).problems;
  }
  throw new Error('expected the document to be rejected');
}

const patient = {
  resourceType: 'Patient',
  id: '8E33033A-9F60-43AD-BE3E-9BFEB992AEEE',
  name: [{ family: 'Doe', given: ['Jane'] }],
  gender: 'female',
  telecom: [{ system: 'phone', value: '+255700000001' }],
  member: [{ entity: { reference: 'Patient/a' } }, { entity: { reference: 'Patient/b' } }],
};

describe('document validation', () => {
  it('names file and pointer of an unknown transform', () => {
    expect(
      problems(
        doc({ lastname: { from: 'name[0].family', transform: ['uper'] } }),
        '/x/patient-to-client.mapping.json',
      ),
    ).toContain('patient-to-client.mapping.json: /fields/lastname/transform/0: unknown transform "uper"');
  });

  it.each<[Record<string, unknown>, string]>([
    [{ lastname: { form: 'name' } }, '/fields/lastname: unknown key "form"'],
    [
      { lastname: { from: 'name', const: 1 } },
      '/fields/lastname: needs exactly one of "from", "template", "const", "config"',
    ],
    [{ lastname: {} }, '/fields/lastname: needs exactly one of'],
    [{ lastname: { from: 'name[' } }, '/fields/lastname/from: invalid path "name["'],
    [{ lastname: { from: ['name', 'x..y'] } }, '/fields/lastname/from/1: invalid path "x..y"'],
    [{ lastname: { from: 'name', lookup: 'nope' } }, '/fields/lastname/lookup: unknown lookup table "nope"'],
    [
      { lastname: { from: 'name', transform: [{ date: 5 }] } },
      '/fields/lastname/transform/0/date: must be string',
    ],
    [
      { lastname: { from: 'name', transform: ['date'] } },
      '/fields/lastname/transform/0: transform "date" needs an argument',
    ],
    [
      { lastname: { from: 'name', transform: [{ trim: true }] } },
      '/fields/lastname/transform/0: transform "trim" takes no argument',
    ],
    [
      { lastname: { from: 'name', transform: [{ date: 'HH:mm' }] } },
      '/fields/lastname/transform/0: unsupported date pattern',
    ],
    [
      { lastname: { from: 'name', transform: [{ a: 1, b: 2 }] } },
      '/fields/lastname/transform/0: must be a transform name',
    ],
    [
      { lastname: { from: 'name', transform: [{ substring: { stop: 1 } }] } },
      '/fields/lastname/transform/0/substring: must NOT have additional properties',
    ],
    [
      { lastname: { from: 'name', when: { path: 'x' } } },
      '/fields/lastname/when: a condition needs exactly one of',
    ],
    [
      { lastname: { from: 'name', when: { path: 'x', exists: true, equals: 1 } } },
      '/fields/lastname/when: a condition needs',
    ],
    [
      { lastname: { from: 'name', when: { not: { path: 'x[', exists: true } } } },
      '/fields/lastname/when/not/path: invalid path',
    ],
    [
      { lastname: { from: 'name', when: { all: [{ path: 'x', exists: true }], any: [] } } },
      '/fields/lastname/when',
    ],
    [{ lastname: { const: 'x', each: { a: { from: 'b' } } } }, '/fields/lastname/each: "each" needs "from"'],
    [
      { lastname: { template: 'no placeholders' } },
      '/fields/lastname/template: a template needs at least one {path}',
    ],
    [{ lastname: { template: '{name} }' } }, '/fields/lastname/template: unbalanced'],
    [{ shoeSize: { const: 42 } }, '/fields/shoeSize: "shoeSize" is not accepted by fineract.clients.create'],
  ])('%j → %s', (fields, expected) => {
    const found = problems(doc(fields));
    expect(found.some((p) => p.includes(expected))).toBe(true);
  });

  it.each<[Record<string, unknown>, string]>([
    [
      { $schema: 'https://openimis.org/payment-layer/mapping/v0' },
      `/$schema: must be "${MAPPING_SCHEMA_ID}"`,
    ],
    [{ target: 'fineract.loans.create' }, '/target: unknown target "fineract.loans.create"'],
    [{ source: 'patient' }, '/source: must match pattern'],
    [{ colour: 'blue' }, '/: unknown key "colour"'],
    [
      { lookups: { g: { $config: 'x', male: 1 } } },
      '/lookups/g: a config table is exactly { "$config": "<key>" }',
    ],
  ])('document %j → %s', (extra, expected) => {
    const found = problems(doc({ lastname: { from: 'name[0].family' } }, extra));
    expect(found.some((p) => p.includes(expected))).toBe(true);
  });

  it('reports every problem at once (structure first, then registries)', () => {
    expect(problems(doc({ lastname: { form: 'x' }, firstname: { frm: 'y' } }))).toHaveLength(2);
    expect(
      problems(doc({ lastname: { from: 'name', transform: ['uper', 'lowr'] }, x: { const: 1 } })),
    ).toHaveLength(3);
  });

  it('checks the identity section: known modes, parsable paths', () => {
    const fields = { lastname: { from: 'name[0].family' } };
    expect(
      problems(
        doc(fields, { identity: { modes: ['uuid', 'code'], key: ['identifier(UUID).value', 'id['] } }),
      ),
    ).toEqual([expect.stringMatching(/^\/identity\/key\/1: invalid path "id\["/)]);
    expect(problems(doc(fields, { identity: { modes: ['chfid'], key: 'id' } }))).not.toHaveLength(0);
    expect(() =>
      compileMapping(
        doc(fields, { identity: { modes: ['code'], key: 'id', code: 'identifier(Code).value' } }),
      ),
    ).not.toThrow();
  });

  it('checks the id against the file name', () => {
    expect(problems(doc({ lastname: { from: 'name' } }), 'dir/other.mapping.json')).toContain(
      'other.mapping.json: /id: "test-doc" does not match the file name (expected "other")',
    );
  });

  it('rejects non-objects', () => {
    expect(problems(null).length).toBeGreaterThan(0);
    expect(problems([]).length).toBeGreaterThan(0);
  });
});

describe('rules', () => {
  function apply(
    fields: Record<string, FieldRule>,
    resource: unknown = patient,
    config: Record<string, unknown> = {},
    extra = {},
  ) {
    return compileMapping(doc(fields, extra)).apply(resource, { config });
  }

  it('returns only the document fields, in document order, without missing ones', () => {
    const out = apply({
      lastname: { from: 'name[0].family' },
      firstname: { from: 'name[0].given' },
      middlename: { from: 'nothing' },
    });
    expect(out).toEqual({ lastname: 'Doe', firstname: 'Jane' });
    expect(Object.keys(out)).toEqual(['lastname', 'firstname']);
  });

  it('reads const and config (dotted keys)', () => {
    expect(
      apply({ legalFormId: { const: 1 }, officeId: { config: 'fineract.officeId' } }, patient, {
        fineract: { officeId: 3 },
      }),
    ).toEqual({
      legalFormId: 1,
      officeId: 3,
    });
  });

  it('tries from-paths in order', () => {
    expect(apply({ externalId: { from: ['identifier(UUID).value', 'id'], transform: ['uuid'] } })).toEqual({
      externalId: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
    });
  });

  it('fills templates and leaves them out when a placeholder is missing', () => {
    expect(apply({ fullname: { template: '{name[0].family}, {name[0].given}' } })).toEqual({
      fullname: 'Doe, Jane',
    });
    expect(apply({ fullname: { template: '{name[0].family} {nickname}' } })).toEqual({});
    expect(() => apply({ fullname: { template: '{name[0].family} {nickname}', required: true } })).toThrow(
      'Patient.nickname is required (fullname)',
    );
  });

  it('looks codes up in inline and config tables, with default for unknown codes', () => {
    const lookups = { gender: { male: 1, female: 2 }, fromConfig: { $config: 'genderIds' } };
    expect(apply({ genderId: { from: 'gender', lookup: 'gender' } }, patient, {}, { lookups })).toEqual({
      genderId: 2,
    });
    expect(
      apply(
        { genderId: { from: 'gender', lookup: 'fromConfig' } },
        patient,
        { genderIds: { female: 9 } },
        { lookups },
      ),
    ).toEqual({
      genderId: 9,
    });
    const other = { ...patient, gender: 'other' };
    expect(() => apply({ genderId: { from: 'gender', lookup: 'gender' } }, other, {}, { lookups })).toThrow(
      MappingError,
    );
    expect(() => apply({ genderId: { from: 'gender', lookup: 'gender' } }, other, {}, { lookups })).toThrow(
      'no genderId for "other" in lookup "gender"',
    );
    expect(
      apply({ genderId: { from: 'gender', lookup: 'gender', default: 4 } }, other, {}, { lookups }),
    ).toEqual({ genderId: 4 });
    expect(
      apply({ genderId: { from: 'gender', lookup: 'gender', default: null } }, other, {}, { lookups }),
    ).toEqual({});
    expect(() =>
      apply({ genderId: { from: 'gender', lookup: 'fromConfig' } }, patient, {}, { lookups }),
    ).toThrow(ConfigError);
  });

  it('applies default when the source is missing', () => {
    expect(apply({ clientTypeId: { from: 'nothing', default: 5 } })).toEqual({ clientTypeId: 5 });
  });

  it('evaluates when: exists, equals, in, config, not, all, any', () => {
    const yes = { const: 'y' };
    const cases: [Record<string, unknown>, boolean][] = [
      [{ path: 'gender', exists: true }, true],
      [{ path: 'nothing', exists: true }, false],
      [{ path: 'nothing', exists: false }, true],
      [{ path: 'gender', equals: 'female' }, true],
      [{ path: 'name.given', equals: 'Jane' }, true],
      [{ path: 'gender', in: ['male', 'other'] }, false],
      [{ config: 'flag', equals: true }, true],
      [{ not: { config: 'flag', equals: true } }, false],
      [
        {
          all: [
            { config: 'flag', exists: true },
            { path: 'gender', equals: 'female' },
          ],
        },
        true,
      ],
      [
        {
          any: [
            { config: 'nothing', exists: true },
            { path: 'gender', equals: 'male' },
          ],
        },
        false,
      ],
    ];
    for (const [when, expected] of cases) {
      expect(apply({ accountNo: { ...yes, when } }, patient, { flag: true })).toEqual(
        expected ? { accountNo: 'y' } : {},
      );
    }
  });

  it('skips required checks of fields whose when is false', () => {
    expect(
      apply({ lastname: { from: 'nothing', required: true, when: { config: 'x', exists: true } } }),
    ).toEqual({});
  });

  it('maps lists with each', () => {
    const out = apply(
      {
        familyMembers: {
          from: 'member[*].entity',
          each: { externalId: { from: 'reference', transform: ['referenceId'] } },
        },
      },
      patient,
    );
    expect(out).toEqual({ familyMembers: [{ externalId: 'a' }, { externalId: 'b' }] });
  });

  it('names the item of each in errors', () => {
    const bad = { ...patient, member: [{ entity: { reference: 'Patient/a' } }, { entity: {} }] };
    expect(() =>
      apply(
        {
          familyMembers: {
            from: 'member[*].entity',
            each: { externalId: { from: 'reference', required: true } },
          },
        },
        bad,
      ),
    ).toThrow('Patient.member.entity[1].reference is required (externalId)');
  });

  it('collects every missing required field into one ValidationError', () => {
    const fields: Record<string, FieldRule> = {
      lastname: { from: 'name[0].family', required: true },
      firstname: { from: 'name[0].given', required: true },
      mobileNo: { from: 'telecom[system=sms].value', required: { message: 'an SMS number is needed' } },
    };
    try {
      apply(fields, { resourceType: 'Patient', telecom: [] });
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      const e = err as ValidationError;
      expect(e.issues.map((i) => i.location)).toEqual(['Patient.name', 'Patient.name', 'Patient.telecom']);
      expect(e.issues[2]?.message).toBe('an SMS number is needed (Patient.telecom)');
      expect(e.issues.every((i) => i.code === 'required')).toBe(true);
      expect(e.message).toContain('3 problems');
    }
  });

  it('reports unmappable input as MappingError (422) and prefers ValidationError when both occur', () => {
    const mapping = { error: 'mapping' as const, message: 'not valuated' };
    expect(() => apply({ lastname: { from: 'nothing', required: mapping } })).toThrow(MappingError);
    try {
      apply({
        lastname: { from: 'nothing', required: mapping },
        firstname: { from: 'nothing', required: true },
      });
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues).toHaveLength(2);
    }
  });

  it('requires config values as configuration, not input', () => {
    expect(() => apply({ officeId: { config: 'officeId', required: true } })).toThrow(ConfigError);
  });

  it('checks the resource type', () => {
    expect(() => apply({ lastname: { from: 'name' } }, { resourceType: 'Group' })).toThrow(ValidationError);
    expect(() => apply({ lastname: { from: 'name' } }, null)).toThrow(ValidationError);
    expect(() => apply({ lastname: { from: 'name' } }, 'Patient')).toThrow(ValidationError);
  });
});

describe('explain', () => {
  const compiled = compileMapping(
    doc(
      {
        legalFormId: { const: 1 },
        lastname: { from: 'name[0].family', transform: ['upper'] },
        middlename: { from: 'nothing' },
        mobileNo: { from: 'telecom[system=phone].value', when: { config: 'sendMobileNo', equals: true } },
        dateOfBirth: { from: 'birthDate', required: true },
        genderId: { from: 'gender', lookup: 'g' },
      },
      { lookups: { g: { male: 1 } } },
    ),
  );

  it('explains each field, including skipped and failing ones, without throwing', () => {
    const out = compiled.explain(patient, { config: {} });
    expect(out.map((e) => e.field)).toEqual([
      'legalFormId',
      'lastname',
      'middlename',
      'mobileNo',
      'dateOfBirth',
      'genderId',
    ]);
    expect(out[0]).toMatchObject({ source: ['const'], value: 1, emitted: true });
    expect(out[1]).toMatchObject({
      source: ['Patient.name[0].family'],
      sourceValue: 'Doe',
      value: 'DOE',
      emitted: true,
    });
    expect(out[1]?.rule).toEqual({ from: 'name[0].family', transform: ['upper'] });
    expect(out[2]).toMatchObject({ emitted: false, reason: 'missing' });
    expect(out[3]).toMatchObject({ emitted: false, reason: 'when' });
    expect(out[4]).toMatchObject({
      emitted: false,
      reason: 'error',
      error: 'Patient.birthDate is required (dateOfBirth)',
    });
    expect(out[5]).toMatchObject({ emitted: false, reason: 'error', sourceValue: 'female' });
  });

  it('keeps the document and its identity', () => {
    expect(compiled.id).toBe('test-doc');
    expect(compiled.source).toBe('Patient');
    expect(compiled.target).toBe('fineract.clients.create');
    expect(compiled.document.fields.legalFormId).toEqual({ const: 1 });
  });
});
