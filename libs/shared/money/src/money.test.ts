import fc from 'fast-check';
import { ValidationError } from '@payment-layer/shared-errors';
import {
  addMoney,
  assertSameCurrency,
  compareMoney,
  CurrencyMismatchError,
  currencyMinorUnits,
  isCurrencyCode,
  isNegative,
  isPositive,
  isZero,
  money,
  MOJALOOP_AMOUNT_PATTERN,
  moneyEquals,
  parseAmount,
  parseDecimal,
  parseFhirMoney,
  subtractMoney,
  sumMoney,
  toDecimal,
  toFhirMoney,
  toFineractAmount,
  toMojaloopAmount,
  type Money,
} from './index';

/** A decimal string with up to `integerDigits` integer digits and up to `scale` decimals, possibly negative. */
function decimalString(scale: number, integerDigits = 15): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.bigInt({ min: 0n, max: 10n ** BigInt(integerDigits) - 1n }),
      fc.integer({ min: 0, max: 10 ** scale - 1 }),
      fc.integer({ min: 0, max: scale }),
      fc.boolean(),
    )
    .map(([int, frac, digits, neg]) => {
      const fracText = digits === 0 ? '' : `.${String(frac % 10 ** digits).padStart(digits, '0')}`;
      return `${neg ? '-' : ''}${int.toString()}${fracText}`;
    });
}

const currencies = fc.constantFrom('USD', 'TZS', 'UGX', 'JPY', 'BHD', 'KWD', 'CLF', 'EUR');
const moneyArb: fc.Arbitrary<Money> = currencies.chain((c) =>
  decimalString(currencyMinorUnits(c)).map((s) => money(s, c)),
);
const sameCurrencyTriple = currencies.chain((c) => {
  const arb = decimalString(currencyMinorUnits(c)).map((s) => money(s, c));
  return fc.tuple(arb, arb, arb);
});

describe('parseAmount / money', () => {
  it.each([
    ['10000', 'USD', '10000.00'],
    ['10000.5', 'USD', '10000.50'],
    ['10000.50', 'USD', '10000.50'],
    ['10000.5000', 'USD', '10000.50'],
    ['-3.2', 'USD', '-3.20'],
    ['-0', 'USD', '0.00'],
    ['0007.1', 'USD', '7.10'],
    ['500', 'UGX', '500'],
    ['1.234', 'BHD', '1.234'],
    ['1.2345', 'CLF', '1.2345'],
  ])('%s %s → %s', (input, currency, expected) => {
    expect(money(input, currency)).toEqual({ amount: expected, currency });
  });

  it.each([
    [10000.0, 'USD', '10000.00'],
    [150000.5, 'USD', '150000.50'],
    [0.1, 'USD', '0.10'],
    [123456789012.34, 'USD', '123456789012.34'],
    [-0, 'USD', '0.00'],
    [1e3, 'JPY', '1000'],
  ])('JSON number %s %s → %s', (input, currency, expected) => {
    expect(parseAmount(input, currency)).toEqual({ amount: expected, currency });
  });

  it.each([
    ['1e3', 'exponent'],
    ['1,000.00', 'grouping'],
    ['+5', 'sign'],
    ['.5', 'leading dot'],
    ['5.', 'trailing dot'],
    ['', 'empty'],
    [' 5', 'whitespace'],
    ['10.001', 'too many decimals for USD'],
    ['1234567890123456789', 'more than 18 integer digits'],
  ])('rejects the string %j (%s)', (input) => {
    expect(() => parseAmount(input, 'USD', 'Invoice.totalGross.value')).toThrow(ValidationError);
  });

  it.each([
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [0.1 + 0.2],
    [JSON.parse('1234567890123456.7') as number],
    [1e16],
    [10.005],
  ])('rejects the number %s', (input) => {
    expect(() => parseAmount(input, 'USD')).toThrow(ValidationError);
  });

  it('rejects 0.5 for a currency without minor units', () => {
    expect(() => money('0.5', 'UGX')).toThrow(/more than 0 decimals/);
  });

  it('names the location in the issue', () => {
    try {
      parseAmount('1.001', 'USD', 'Invoice.totalGross.value');
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.location).toBe('Invoice.totalGross.value');
    }
  });

  it('rejects unknown currencies and non-amounts', () => {
    expect(() => money('1', '$')).toThrow(/unknown currency/);
    expect(() => money('1', 'usd')).toThrow(ValidationError);
    expect(() => money('1', 'XXX')).toThrow(ValidationError);
    expect(() => parseAmount(null, 'USD')).toThrow(ValidationError);
    expect(() => parseAmount(true, 'USD')).toThrow(ValidationError);
    expect(isCurrencyCode('TZS')).toBe(true);
    expect(isCurrencyCode('tzs')).toBe(false);
  });

  it('accepts every double of at most 15 significant digits and keeps its exact decimal value', () => {
    fc.assert(
      fc.property(decimalString(2, 13), (s) => {
        // The literal as JSON.parse would produce it from the same text.
        const n = JSON.parse(s) as number;
        expect(parseAmount(n, 'USD')).toEqual(money(s, 'USD'));
      }),
    );
  });

  it('never accepts a double whose shortest form has more than 15 significant digits', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        let result: Money | undefined;
        try {
          result = parseAmount(n, 'CLF');
        } catch (err) {
          expect(err).toBeInstanceOf(ValidationError);
          return;
        }
        expect(toDecimal(result).equals(String(n))).toBe(true);
        expect(toDecimal(result).precision(true)).toBeLessThanOrEqual(15);
      }),
    );
  });
});

describe('parseFhirMoney', () => {
  it('reads openIMIS Money', () => {
    expect(parseFhirMoney({ value: 10000.0, currency: 'USD' }, 'Invoice.totalGross')).toEqual({
      amount: '10000.00',
      currency: 'USD',
    });
    expect(parseFhirMoney({ value: '15.5', currency: 'TZS' })).toEqual({ amount: '15.50', currency: 'TZS' });
  });

  it.each([
    [undefined, 'Invoice.totalGross'],
    [{ value: 1 }, 'Invoice.totalGross.currency'],
    [{ currency: 'USD' }, 'Invoice.totalGross.value'],
    [{ value: 1, currency: '$' }, 'Invoice.totalGross.currency'],
    [{ value: 1.001, currency: 'USD' }, 'Invoice.totalGross.value'],
  ])('rejects %j naming %s', (input, location) => {
    try {
      parseFhirMoney(input, 'Invoice.totalGross');
      throw new Error('expected a failure');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.location).toBe(location);
    }
  });
});

describe('formatting', () => {
  it('formats for Fineract and Mojaloop', () => {
    const m = money('150000.50', 'USD');
    expect(toFineractAmount(m)).toBe('150000.50');
    expect(toMojaloopAmount(m)).toBe('150000.5');
    expect(toMojaloopAmount(money('100.00', 'USD'))).toBe('100');
    expect(toMojaloopAmount(money('0', 'USD'))).toBe('0');
    expect(toMojaloopAmount(money('0.0001', 'CLF'))).toBe('0.0001');
    expect(() => toMojaloopAmount(money('-1', 'USD'))).toThrow(ValidationError);
  });

  it('formats for FHIR as a JSON number', () => {
    expect(toFhirMoney(money('10000.00', 'USD'))).toEqual({ value: 10000, currency: 'USD' });
    expect(JSON.stringify(toFhirMoney(money('0.10', 'USD')))).toBe('{"value":0.1,"currency":"USD"}');
    expect(() => toFhirMoney(money('1234567890123456.78', 'USD'))).toThrow(ValidationError);
  });

  it('round-trips parse ↔ format (Fineract, Mojaloop, FHIR)', () => {
    fc.assert(
      fc.property(moneyArb, (m) => {
        expect(money(toFineractAmount(m), m.currency)).toEqual(m);
        if (!isNegative(m)) {
          expect(money(toMojaloopAmount(m), m.currency)).toEqual(m);
        }
        if (toDecimal(m).precision(false) <= 15) {
          expect(parseFhirMoney(JSON.parse(JSON.stringify(toFhirMoney(m))))).toEqual(m);
        }
      }),
    );
  });

  it('always produces a Mojaloop amount matching the FSPIOP pattern', () => {
    fc.assert(
      fc.property(moneyArb, (m) => {
        if (isNegative(m)) {
          return;
        }
        expect(toMojaloopAmount(m)).toMatch(MOJALOOP_AMOUNT_PATTERN);
      }),
    );
  });

  it('Fineract amounts are plain decimals', () => {
    fc.assert(
      fc.property(moneyArb, (m) => {
        expect(toFineractAmount(m)).toMatch(/^-?\d+(\.\d+)?$/);
      }),
    );
  });
});

describe('arithmetic and comparison', () => {
  it('adds, subtracts and sums exactly', () => {
    const a = money('0.10', 'USD');
    const b = money('0.20', 'USD');
    expect(addMoney(a, b)).toEqual(money('0.30', 'USD'));
    expect(subtractMoney(a, b)).toEqual(money('-0.10', 'USD'));
    expect(sumMoney([a, b, a])).toEqual(money('0.40', 'USD'));
    expect(sumMoney([], 'TZS')).toEqual(money('0', 'TZS'));
    expect(() => sumMoney([])).toThrow(ValidationError);
  });

  it('refuses to mix currencies', () => {
    const usd = money('1', 'USD');
    const tzs = money('1', 'TZS');
    expect(() => addMoney(usd, tzs)).toThrow(CurrencyMismatchError);
    expect(() => subtractMoney(usd, tzs)).toThrow(CurrencyMismatchError);
    expect(() => compareMoney(usd, tzs)).toThrow(CurrencyMismatchError);
    expect(() => sumMoney([usd, tzs])).toThrow(CurrencyMismatchError);
    expect(() => sumMoney([usd], 'TZS')).toThrow(CurrencyMismatchError);
    expect(() => {
      assertSameCurrency(usd, tzs, 'PaymentNotice.amount');
    }).toThrow(ValidationError);
    expect(moneyEquals(usd, tzs)).toBe(false);
    try {
      assertSameCurrency(usd, tzs, 'PaymentNotice.amount');
    } catch (err) {
      expect(err).toMatchObject({ expected: 'USD', actual: 'TZS', statusCode: 400 });
      expect((err as CurrencyMismatchError).issues[0]?.location).toBe('PaymentNotice.amount');
    }
  });

  it('classifies signs', () => {
    expect(isZero(money('0.00', 'USD'))).toBe(true);
    expect(isNegative(money('-0.01', 'USD'))).toBe(true);
    expect(isPositive(money('0.01', 'USD'))).toBe(true);
    expect(isNegative(money('0', 'USD'))).toBe(false);
    expect(isPositive(money('0', 'USD'))).toBe(false);
  });

  it('sum is associative and commutative', () => {
    fc.assert(
      fc.property(sameCurrencyTriple, ([a, b, c]) => {
        const left = addMoney(addMoney(a, b), c);
        const right = addMoney(a, addMoney(b, c));
        expect(left).toEqual(right);
        expect(sumMoney([a, b, c])).toEqual(left);
        expect(sumMoney([c, b, a])).toEqual(left);
      }),
    );
  });

  it('compare is consistent with equals, subtraction and antisymmetry', () => {
    fc.assert(
      fc.property(sameCurrencyTriple, ([a, b, c]) => {
        const ab = compareMoney(a, b);
        expect(compareMoney(b, a) + ab).toBe(0);
        expect(ab === 0).toBe(moneyEquals(a, b));
        const diff = subtractMoney(a, b);
        expect(ab).toBe(isZero(diff) ? 0 : isNegative(diff) ? -1 : 1);
        if (ab <= 0 && compareMoney(b, c) <= 0) {
          expect(compareMoney(a, c)).toBeLessThanOrEqual(0);
        }
        expect(subtractMoney(addMoney(a, b), b)).toEqual(a);
      }),
    );
  });
});

describe('parseDecimal', () => {
  it.each([
    [10000.0, '10000'],
    ['10000.50', '10000.5'],
    ['-0.00', '0'],
    [0.0001, '0.0001'],
    ['007', '7'],
  ])('%j → %s', (input, expected) => {
    expect(parseDecimal(input)).toBe(expected);
  });

  it('rejects what parseAmount rejects', () => {
    expect(() => parseDecimal('1e3')).toThrow(ValidationError);
    expect(() => parseDecimal(0.1 + 0.2)).toThrow(ValidationError);
    expect(() => parseDecimal('1.23', { maxDecimals: 1, location: 'x.value' })).toThrow(
      /more than 1 decimals/,
    );
    expect(() => parseDecimal(undefined)).toThrow(ValidationError);
  });
});
