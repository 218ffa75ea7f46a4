import { ValidationError } from '@payment-layer/shared-errors';
import { normaliseResponse, onlyWhitelisted, parseFineractJson, plainDecimal } from './wire';

describe('parseFineractJson', () => {
  it('keeps amounts exact, beyond what a double can hold', () => {
    const text =
      '{"id":7,"amount":12345678901234567.89,"summary":{"accountBalance": 0.10},"note":"a \\"amount\\":1.5 inside text","count":12345678901234567}';
    const v = parseFineractJson(text) as Record<string, unknown>;
    expect(v['amount']).toBe('12345678901234567.89');
    expect((v['summary'] as Record<string, unknown>)['accountBalance']).toBe('0.10');
    expect(v['note']).toBe('a "amount":1.5 inside text');
    expect(v['id']).toBe(7);
    // Not a money key: left to JSON.parse.
    expect(typeof v['count']).toBe('number');
  });

  it('expands exponents on the digits', () => {
    expect(plainDecimal('1.5E+3')).toBe('1500');
    expect(plainDecimal('-2.50e-3')).toBe('-0.0025');
    expect(plainDecimal('1E+21')).toBe('1000000000000000000000');
    expect(plainDecimal('15000.00')).toBe('15000.00');
    expect(
      (parseFineractJson('[{"transactionAmount":1E+2}]') as Record<string, unknown>[])[0]![
        'transactionAmount'
      ],
    ).toBe('100');
  });

  it('normalises date arrays and numeric amounts of parsed values', () => {
    expect(
      normaliseResponse({
        activationDate: [2024, 1, 5],
        amount: 5,
        dates: [1, 2, 3],
        nested: [{ dueDate: [2024, 12, 31] }],
      }),
    ).toEqual({
      activationDate: '2024-01-05',
      amount: '5',
      dates: [1, 2, 3],
      nested: [{ dueDate: '2024-12-31' }],
    });
  });
});

describe('onlyWhitelisted', () => {
  it('drops undefined values and names the first unknown key', () => {
    expect(onlyWhitelisted({ a: 1, b: undefined }, new Set(['a', 'b']), 'x')).toEqual({ a: 1 });
    try {
      onlyWhitelisted({ a: 1, evil: 2 }, new Set(['a']), 'POST /clients');
      throw new Error('expected a throw');
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]!.location).toBe('evil');
    }
  });
});
