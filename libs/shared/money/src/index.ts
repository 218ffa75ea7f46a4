/**
 * Decimal money for the payment layer: amounts are decimal strings at every boundary and decimal.js values
 * in arithmetic, never JS numbers.
 */
export * from './money';
export { CURRENCY_MINOR_UNITS } from './currencies';
