import { ValidationError } from '@payment-layer/shared-errors';
import { parseFhirMoney } from './money';

function issueOf(fn: () => unknown): { location?: string; message: string } | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues[0];
  }
  throw new Error('expected a ValidationError');
}

describe('parseFhirMoney rules', () => {
  it.each([
    [10.001, 'USD'],
    ['10.001', 'USD'],
    [1.5, 'UGX'],
    ['0.0001', 'JPY'],
  ])('refuses %p %s: more decimals than the currency has, never rounded', (value, currency) => {
    const issue = issueOf(() => parseFhirMoney({ value, currency }, 'Invoice.totalGross'));
    expect(issue?.location).toBe('Invoice.totalGross.value');
    expect(issue?.message).toMatch(/decimals/);
  });

  it.each([[Infinity], [-Infinity], [NaN]])('refuses %p', (value) => {
    expect(issueOf(() => parseFhirMoney({ value, currency: 'USD' }, 'X.amount'))?.location).toBe(
      'X.amount.value',
    );
  });

  it.each([[0], [-1], ['0.00'], ['-0.01']])('with positive: refuses %p naming the value', (value) => {
    const issue = issueOf(() => parseFhirMoney({ value, currency: 'USD' }, 'L.amount', { positive: true }));
    expect(issue).toMatchObject({ location: 'L.amount.value' });
    expect(issue?.message).toMatch(/greater than zero/);
  });

  it('with currency: refuses another currency naming it', () => {
    const issue = issueOf(() =>
      parseFhirMoney({ value: 1, currency: 'EUR' }, 'L.amount', { currency: 'USD' }),
    );
    expect(issue).toMatchObject({ location: 'L.amount.currency' });
  });

  it('accepts an exact positive amount in the currency', () => {
    expect(
      parseFhirMoney({ value: 10.5, currency: 'USD' }, 'L', { positive: true, currency: 'USD' }),
    ).toEqual({
      amount: '10.50',
      currency: 'USD',
    });
    expect(parseFhirMoney({ value: '-3', currency: 'USD' }, 'L')).toEqual({
      amount: '-3.00',
      currency: 'USD',
    });
  });
});
