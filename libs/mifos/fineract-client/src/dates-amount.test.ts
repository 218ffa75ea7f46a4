import { ValidationError } from '@payment-layer/shared-errors';
import { assertDecimalString, assertPositiveAmount, decimalFromResponse, sameAmount } from './amount';
import { parseFineractDate, toFineractDate, withDates } from './dates';

describe('dates', () => {
  it('formats Date (UTC day) and validates YYYY-MM-DD strings', () => {
    expect(toFineractDate(new Date(Date.UTC(2024, 1, 29, 23, 59)))).toBe('2024-02-29');
    expect(toFineractDate('2024-01-15')).toBe('2024-01-15');
    expect(() => toFineractDate('2023-02-29', 'dueDate')).toThrow(/dueDate/);
    expect(() => toFineractDate('15/01/2024')).toThrow(ValidationError);
    expect(() => toFineractDate(new Date('nope'))).toThrow(ValidationError);
  });

  it('withDates adds dateFormat + locale only when a date is present', () => {
    expect(withDates({ a: 1, activationDate: new Date(Date.UTC(2024, 0, 15)) }, ['activationDate'])).toEqual({
      a: 1,
      activationDate: '2024-01-15',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
    expect(withDates({ a: 1 }, ['activationDate'])).toEqual({ a: 1 });
    expect(withDates({ transactionAmount: '5.00' })).toEqual({ transactionAmount: '5.00', locale: 'en' });
    expect(withDates({ dueDate: '2024-03-01', name: 'x' })).toEqual({
      dueDate: '2024-03-01',
      name: 'x',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
  });

  it('parses response date arrays', () => {
    expect(parseFineractDate([2013, 8, 7])).toBe('2013-08-07');
    expect(parseFineractDate('2013-08-07')).toBe('2013-08-07');
    expect(parseFineractDate(undefined)).toBeUndefined();
    expect(() => parseFineractDate([2013, 13, 7])).toThrow(ValidationError);
    expect(() => parseFineractDate('yesterday')).toThrow(ValidationError);
  });
});

describe('amounts', () => {
  it('accepts only plain decimal strings', () => {
    expect(assertDecimalString('15000.50', 'x')).toBe('15000.50');
    expect(assertDecimalString('-1', 'x')).toBe('-1');
    for (const bad of ['1,000', '1e3', '+1', '.5', '', 12, null]) {
      expect(() => assertDecimalString(bad, 'transactionAmount')).toThrow(/transactionAmount/);
    }
  });

  it('requires positive amounts for money movements', () => {
    expect(assertPositiveAmount('0.01', 'amount')).toBe('0.01');
    expect(() => assertPositiveAmount('0.00', 'amount')).toThrow(/greater than zero/);
    expect(() => assertPositiveAmount('-5', 'amount')).toThrow(/greater than zero/);
  });

  it('reads numeric amounts from responses as decimal strings and compares by value', () => {
    expect(decimalFromResponse(5000, 'amount')).toBe('5000');
    expect(decimalFromResponse(15000.5, 'amount')).toBe('15000.5');
    expect(decimalFromResponse('12.30', 'amount')).toBe('12.30');
    expect(() => decimalFromResponse(1e21, 'amount')).toThrow(ValidationError);
    expect(sameAmount('15000.00', '15000')).toBe(true);
    expect(sameAmount('015000.50', '15000.5')).toBe(true);
    expect(sameAmount('-0.00', '0')).toBe(true);
    expect(sameAmount('15000.01', '15000.1')).toBe(false);
  });
});
