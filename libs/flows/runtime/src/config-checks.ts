import { ConfigError } from '@payment-layer/shared-errors';
import { isCurrencyCode } from '@payment-layer/shared-money';

/** Largest id a Fineract entity can have (ids are JSON numbers: exact up to 2^53 - 1). */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * Range checks shared by the operator configs (OpenHIM console) of the mediators: each named setting must be a
 * whole number from 1 to its maximum, and `currency` (when given) an ISO 4217 code. configDefs only say "number";
 * a config failing here is refused and the previous one kept.
 *
 * @param config - candidate config
 * @param limits - setting name → its maximum (use {@link MAX_ID} for Fineract ids)
 * @param options - `currency: true` also checks `config.currency`
 * @throws ConfigError naming the first setting out of range
 */
export function checkConfigRanges<C extends Record<string, unknown>>(
  config: C,
  limits: Partial<Record<keyof C & string, number>>,
  options: { readonly currency?: boolean } = {},
): void {
  for (const [name, max] of Object.entries(limits) as [string, number][]) {
    const v = config[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw new ConfigError(`${name} must be an integer from 1 to ${max}`);
    }
  }
  if (options.currency && !isCurrencyCode(config.currency)) {
    throw new ConfigError(`currency must be an ISO 4217 code, not "${String(config.currency)}"`);
  }
}
