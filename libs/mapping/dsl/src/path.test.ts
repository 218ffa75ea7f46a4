import { compilePath, formatLocation, locateMissing, parsePath, PathSyntaxError } from './path';

const patient = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [
    {
      type: {
        coding: [
          {
            system: 'https://openimis.github.io/openimis_fhir_r4_ig/CodeSystem/openimis-identifiers',
            code: 'UUID',
          },
        ],
      },
      value: 'u-1',
    },
    { type: { coding: [{ code: 'Code' }] }, value: '070707070' },
    { type: { coding: [{ code: 'MR' }] }, value: 'mr-1' },
  ],
  name: [
    { family: 'Doe', given: ['Jane', 'Mary'] },
    { family: 'Smith', given: ['J'] },
  ],
  telecom: [
    { system: 'email', value: 'jane@example.org' },
    { system: 'phone', value: '+255700000001' },
    { system: 'phone', value: '+255700000002' },
  ],
  extension: [
    {
      url: 'https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition/patient-is-head',
      valueBoolean: true,
    },
    {
      url: 'https://openimis.github.io/openimis_fhir_r4_ig//StructureDefinition/patient-card-issued',
      valueBoolean: false,
    },
    {
      url: 'https://openimis.github.io/openimis_fhir_r4_ig/StructureDefinition-patient-profession',
      valueString: 'x',
    },
  ],
  total: [
    { category: { coding: [{ code: '2' }] }, amount: { value: 1 } },
    { category: { coding: [{ code: '16' }] }, amount: { value: 2 } },
  ],
  empty: null,
};

function get(path: string): unknown {
  return compilePath(parsePath(path))(patient);
}

describe('path evaluation', () => {
  it.each<[string, unknown]>([
    ['id', 'p1'],
    ['name[0].family', 'Doe'],
    ['name[1].family', 'Smith'],
    ['name[2].family', undefined],
    ['name.family', ['Doe', 'Smith']],
    ['name[0].given', ['Jane', 'Mary']],
    ['name[0].given[1]', 'Mary'],
    ['name.given', ['Jane', 'Mary', 'J']],
    ['name[1].given', 'J'],
    ['name[1].given[*]', ['J']],
    ['name[*].family', ['Doe', 'Smith']],
    ['id[*]', ['p1']],
    ['id[0]', 'p1'],
    ['telecom[system=email].value', 'jane@example.org'],
    ['telecom[system=phone].value', ['+255700000001', '+255700000002']],
    ["telecom[system='phone'].value[0]", '+255700000001'],
    ['telecom[system=fax].value', undefined],
    ['total[category.coding.code=16].amount.value', 2],
    ['total[category.coding.code="2"].amount', { value: 1 }],
    ['identifier(UUID).value', 'u-1'],
    ['identifier(Code).value', '070707070'],
    ['identifier(LC|MR|Code).value', 'mr-1'],
    ['identifier(SB).value', undefined],
    ['extension(patient-is-head).valueBoolean', true],
    ['extension(patient-card-issued).valueBoolean', false],
    ['extension(patient-profession).valueString', 'x'],
    ['extension(nothing).valueString', undefined],
    ['missing.deeper', undefined],
    ['empty', undefined],
    ['resourceType.length', undefined],
  ])('%s → %j', (path, expected) => {
    expect(get(path)).toEqual(expected);
  });

  it('reads the single identifier of a Reference', () => {
    const ref = { reference: 'Group/x', identifier: { type: { coding: [{ code: 'UUID' }] }, value: 'g-1' } };
    expect(compilePath(parsePath('recipient.identifier(UUID).value'))({ recipient: ref })).toBe('g-1');
    expect(compilePath(parsePath('recipient.identifier(Code).value'))({ recipient: ref })).toBeUndefined();
  });

  it('works on a list root and on scalars', () => {
    expect(compilePath(parsePath('value'))([{ value: 1 }, { value: 2 }])).toEqual([1, 2]);
    expect(compilePath(parsePath('value'))('text')).toBeUndefined();
    expect(compilePath(parsePath('a[0]'))({ a: 'x' })).toBe('x');
  });
});

describe('path syntax', () => {
  it.each([
    ['', 'empty path'],
    ['name.', 'expected a field name'],
    ['name[', 'missing "]"'],
    ['name[x]', 'expected [index], [*] or [field=value]'],
    ['name[=x]', 'invalid filter field'],
    ['name[a=]', 'empty filter value'],
    ['foo(bar)', 'unknown function "foo()"'],
    ['identifier(UUID', 'missing ")"'],
    ['identifier(a b)', 'identifier() needs type codes'],
    ['extension()', 'extension() needs the last URL segment'],
    ['name$', 'unexpected "$"'],
    ['1name', 'expected a field name'],
  ])('%j fails: %s', (path, message) => {
    expect(() => parsePath(path)).toThrow(PathSyntaxError);
    expect(() => parsePath(path)).toThrow(message);
  });

  it('parses into steps', () => {
    expect(parsePath('identifier(Code|MR).value').steps).toEqual([
      { kind: 'identifier', types: ['Code', 'MR'] },
      { kind: 'field', name: 'value' },
    ]);
    expect(parsePath('total[category.coding.code=16][0]').steps).toEqual([
      { kind: 'field', name: 'total' },
      { kind: 'filter', path: ['category', 'coding', 'code'], value: '16' },
      { kind: 'index', index: 0 },
    ]);
    expect(parsePath('a[*]').many).toBe(true);
  });
});

describe('locations', () => {
  it('formats FHIRPath-like locations', () => {
    expect(formatLocation('Patient', parsePath('name[0].family'))).toBe('Patient.name[0].family');
    expect(formatLocation('Patient', parsePath('identifier(UUID).value'))).toBe(
      'Patient.identifier(UUID).value',
    );
    expect(formatLocation('Patient', parsePath('telecom[system=phone].value[*]'))).toBe(
      'Patient.telecom[system=phone].value[*]',
    );
    expect(formatLocation('Patient', parsePath('extension(patient-is-head).valueBoolean'), 1)).toBe(
      'Patient.extension(patient-is-head)',
    );
  });

  it('names the first missing element', () => {
    expect(locateMissing('Patient', parsePath('name[0].family'), {})).toBe('Patient.name');
    expect(locateMissing('Patient', parsePath('name[0].family'), { name: [{ given: ['x'] }] })).toBe(
      'Patient.name[0].family',
    );
    expect(locateMissing('Patient', parsePath('name[1].family'), { name: [{ family: 'x' }] })).toBe(
      'Patient.name[1]',
    );
    expect(
      locateMissing('Patient', parsePath('telecom[system=phone].value'), { telecom: [{ system: 'email' }] }),
    ).toBe('Patient.telecom[system=phone]');
  });
});
