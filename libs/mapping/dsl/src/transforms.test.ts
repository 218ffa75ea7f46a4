import { MappingError, ValidationError } from '@payment-layer/shared-errors';
import { readConfig, TRANSFORMS } from './transforms';

function t(name: string, args?: unknown, config: Record<string, unknown> = {}): (v: unknown) => unknown {
  const def = TRANSFORMS.get(name);
  if (def === undefined) {
    throw new Error(`no transform ${name}`);
  }
  const fn = def.compile(args);
  return (v) => fn(v, config, 'Patient.x');
}

describe('transforms', () => {
  it('every transform has a description, and those with arguments a schema', () => {
    for (const def of TRANSFORMS.values()) {
      expect(def.description.length).toBeGreaterThan(5);
      if (def.argsRequired === true) {
        expect(def.args).toBeDefined();
      }
    }
  });

  it('lets missing values through (except default)', () => {
    const args: Record<string, unknown> = {
      concat: { prefix: 'a' },
      substring: { end: 1 },
      slice: { start: 1 },
      replace: { pattern: 'a', with: 'b' },
      maxLength: 3,
      date: 'yyyy-MM-dd',
      join: ' ',
    };
    for (const name of TRANSFORMS.keys()) {
      if (name !== 'default') {
        expect(t(name, args[name])(undefined)).toBeUndefined();
      }
    }
  });

  it('trim, upper, lower, string (also per item of a list)', () => {
    expect(t('trim')('  a b ')).toBe('a b');
    expect(t('trim')([' a', 'b '])).toEqual(['a', 'b']);
    expect(t('upper')('abc')).toBe('ABC');
    expect(t('lower')('ABC')).toBe('abc');
    expect(t('string')(12)).toBe('12');
    expect(t('string')(true)).toBe('true');
    expect(() => t('upper')(12)).toThrow(MappingError);
    expect(() => t('string')({})).toThrow(MappingError);
  });

  it('integer', () => {
    expect(t('integer')('42')).toBe(42);
    expect(t('integer')(' 7 ')).toBe(7);
    expect(t('integer')(3)).toBe(3);
    expect(() => t('integer')('4.2')).toThrow(ValidationError);
    expect(() => t('integer')(4.2)).toThrow(ValidationError);
    expect(() => t('integer')('99999999999999999999')).toThrow(ValidationError);
  });

  it('boolean', () => {
    expect(t('boolean')('True')).toBe(true);
    expect(t('boolean')('false')).toBe(false);
    expect(t('boolean')(true)).toBe(true);
    expect(() => t('boolean')('yes')).toThrow(ValidationError);
  });

  it('first, last, slice', () => {
    expect(t('first')(['a', 'b'])).toBe('a');
    expect(t('first')('a')).toBe('a');
    expect(t('last')(['a', 'b'])).toBe('b');
    expect(t('slice', { start: 1 })(['a', 'b', 'c'])).toEqual(['b', 'c']);
    expect(t('slice', { start: 1, end: 2 })(['a', 'b', 'c'])).toEqual(['b']);
    expect(t('slice', { start: 1 })('a')).toBeUndefined();
  });

  it('join', () => {
    expect(t('join', ' ')(['Jane', 'Mary'])).toBe('Jane Mary');
    expect(t('join')(['Jane', 'Mary'])).toBe('Jane Mary');
    expect(t('join', ', ')(['a', '', null, 'b'])).toBe('a, b');
    expect(t('join', ' ')('solo')).toBe('solo');
    expect(t('join', ' ')([])).toBeUndefined();
  });

  it('concat, substring, replace, maxLength', () => {
    expect(t('concat', { prefix: 'openIMIS claim ' })('x')).toBe('openIMIS claim x');
    expect(t('concat', { suffix: '!' })('x')).toBe('x!');
    expect(t('substring', { start: 1, end: 3 })('abcdef')).toBe('bc');
    expect(t('substring', { end: 2 })('abcdef')).toBe('ab');
    expect(t('replace', { pattern: '[^0-9+]', with: '' })('813-996-476')).toBe('813996476');
    expect(t('maxLength', 3)('abc')).toBe('abc');
    expect(() => t('maxLength', 3)('abcd')).toThrow(ValidationError);
  });

  it('default', () => {
    expect(t('default', 'x')(undefined)).toBe('x');
    expect(t('default', 'x')('y')).toBe('y');
  });

  it('date', () => {
    expect(t('date', 'yyyy-MM-dd')('1990-03-24')).toBe('1990-03-24');
    expect(t('date', 'dd MMMM yyyy')('2009-03-04')).toBe('04 March 2009');
    expect(t('date', 'd MMM yyyy')('2009-03-04')).toBe('4 Mar 2009');
    expect(t('date', 'dd/MM/yyyy')('2024-05-17T10:58:46+03:00')).toBe('17/05/2024');
    expect(t('date', 'M/d/yyyy')('2024-12-01T00:00:00Z')).toBe('12/1/2024');
    expect(() => t('date', 'yyyy-MM-dd')('1990')).toThrow(ValidationError);
    expect(() => t('date', 'yyyy-MM-dd')('1990-02-30')).toThrow(/not a calendar date/);
    expect(() => t('date', 'yyyy-MM-dd')('24/03/1990')).toThrow(ValidationError);
    expect(() => t('date', 'yyyy-MM-dd')(19900324)).toThrow(MappingError);
    expect(() => TRANSFORMS.get('date')?.compile('yyyy-MM-dd HH:mm')).toThrow(/unsupported date pattern/);
    expect(() => TRANSFORMS.get('date')?.compile('dd-MM')).toThrow(/unsupported date pattern/);
  });

  it('decimal (exact, via the money lib)', () => {
    expect(t('decimal')(10000.0)).toBe('10000');
    expect(t('decimal')('15000.50')).toBe('15000.5');
    expect(t('decimal', { maxDecimals: 2 })(1.25)).toBe('1.25');
    expect(() => t('decimal', { maxDecimals: 2 })(1.255)).toThrow(ValidationError);
    expect(() => t('decimal')(0.1 + 0.2)).toThrow(ValidationError);
    expect(() => t('decimal')('1e3')).toThrow(ValidationError);
  });

  it('money', () => {
    expect(t('money')({ value: 10000.0, currency: 'USD' })).toBe('10000.00');
    expect(t('money', { format: 'mojaloop' })({ value: 150000.5, currency: 'USD' })).toBe('150000.5');
    expect(t('money', { currency: 'USD' })({ value: 1, currency: 'USD' })).toBe('1.00');
    expect(() => t('money', { currency: 'TZS' })({ value: 1, currency: 'USD' })).toThrow(
      /not the expected TZS/,
    );
    expect(
      t('money', { currencyConfig: 'currency' }, { currency: 'USD' })({ value: 2, currency: 'USD' }),
    ).toBe('2.00');
    expect(() =>
      t('money', { currencyConfig: 'currency' }, { currency: 'TZS' })({ value: 2, currency: 'USD' }),
    ).toThrow(ValidationError);
    expect(() => t('money')({ value: 1, currency: '$' })).toThrow(ValidationError);
    expect(() => t('money')({ value: 1.001, currency: 'USD' })).toThrow(ValidationError);
    expect(() =>
      t('money')([
        { value: 1, currency: 'USD' },
        { value: 2, currency: 'USD' },
      ]),
    ).toThrow(ValidationError);
  });

  it('uuid', () => {
    expect(t('uuid')('D8A25F21-F36A-4D4D-9E58-1DB8FFBE7036')).toBe('d8a25f21-f36a-4d4d-9e58-1db8ffbe7036');
    expect(() => t('uuid')('RaptaDistrictHospital')).toThrow(ValidationError);
  });

  it('referenceId', () => {
    expect(t('referenceId')({ reference: 'Patient/abc' })).toBe('abc');
    expect(t('referenceId')('Group/x/')).toBe('x');
    expect(t('referenceId')([{ reference: 'Patient/a' }, { reference: 'Patient/b' }])).toEqual(['a', 'b']);
    expect(() => t('referenceId')(5)).toThrow(MappingError);
  });

  it('errors name the source location', () => {
    try {
      t('uuid')('nope');
    } catch (err) {
      expect((err as ValidationError).issues[0]?.location).toBe('Patient.x');
    }
  });
});

describe('readConfig', () => {
  it('reads plain and dotted keys', () => {
    const config = { officeId: 1, fineract: { office: { id: 2 } } };
    expect(readConfig(config, 'officeId')).toBe(1);
    expect(readConfig(config, 'fineract.office.id')).toBe(2);
    expect(readConfig(config, 'fineract.nothing.id')).toBeUndefined();
    expect(readConfig(config, 'officeId.x')).toBeUndefined();
  });
});
