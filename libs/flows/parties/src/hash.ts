import { hash } from 'node:crypto';

/**
 * A stable hash of a JSON payload (keys sorted), so the same mapped client gives the same hash across runs and an
 * unchanged insuree costs no Fineract call at all.
 *
 * @param value - JSON-compatible value
 * @returns hex sha-256
 */
export function stableHash(value: unknown): string {
  return hash('sha256', canonical(value), 'hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
