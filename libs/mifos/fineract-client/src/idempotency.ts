import { createHash } from 'node:crypto';
import { ValidationError } from '@payment-layer/shared-errors';

/**
 * Longest `Idempotency-Key` Fineract can store: the key lives in a `VARCHAR(50)` column of
 * `m_portfolio_command_source`.
 *
 * @see ../../../../docs/contracts/fineract.md §8
 */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 50;

/** Header name Fineract reads the key from (default of `FINERACT_IDEMPOTENCY_KEY_HEADER_NAME`). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Default namespace of our keys; Fineract keys are global per (entity, action), shared with other systems. */
export const DEFAULT_IDEMPOTENCY_KEY_PREFIX = 'pl';

// Characters kept verbatim. `~` is excluded on purpose: it only appears in the hashed form, so a verbatim key can
// never equal a hashed one.
const PLAIN = /^[A-Za-z0-9._:/@+=-]+$/;
const PREFIX = /^[A-Za-z0-9._-]{1,12}$/;
const HASH_CHARS = 16;

/**
 * Builds the `Idempotency-Key` of one attempt of one logical write: `prefix:operationKey:attempt` when that fits in
 * 50 characters and uses only safe characters, otherwise `prefix:<head of operationKey>~<16 chars of sha-256>:attempt`.
 * Pure and deterministic: the same (prefix, operation, attempt) always gives the same key, different operations give
 * different keys (up to a 96-bit hash collision), and the attempt number is always the last segment.
 *
 * Use the same attempt again after a timeout or a 425; a new attempt (`attempt + 1`) after an error status.
 *
 * @param operationKey - business key of the logical write, e.g. `deposit:claim-CL123`
 * @param attempt - 1-based attempt number
 * @param prefix - namespace of this deployment's keys (1–12 of `A-Za-z0-9._-`); default `pl`
 * @returns a key of at most {@link IDEMPOTENCY_KEY_MAX_LENGTH} characters
 * @throws ValidationError on an empty operation key, a bad prefix or an attempt that is not a positive integer
 * @see ../../../../docs/contracts/fineract.md §8
 */
export function idempotencyKey(
  operationKey: string,
  attempt: number,
  prefix: string = DEFAULT_IDEMPOTENCY_KEY_PREFIX,
): string {
  if (operationKey.length === 0) {
    throw new ValidationError('idempotency operation key must not be empty', {
      issues: [{ message: 'empty', location: 'operationKey' }],
    });
  }
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new ValidationError(`idempotency attempt must be a positive integer, got ${attempt}`, {
      issues: [{ message: 'not a positive integer', location: 'attempt' }],
    });
  }
  if (!PREFIX.test(prefix)) {
    throw new ValidationError('idempotency key prefix must be 1-12 characters of A-Za-z0-9._-', {
      issues: [{ message: 'invalid prefix', location: 'idempotencyKeyPrefix' }],
    });
  }
  const tail = `:${attempt}`;
  const plain = `${prefix}:${operationKey}${tail}`;
  if (plain.length <= IDEMPOTENCY_KEY_MAX_LENGTH && PLAIN.test(operationKey)) {
    return plain;
  }
  const hash = createHash('sha256')
    .update(operationKey, 'utf8')
    .digest('base64url')
    .replace(/[-_]/g, 'x')
    .slice(0, HASH_CHARS);
  const room = IDEMPOTENCY_KEY_MAX_LENGTH - prefix.length - 1 - 1 - HASH_CHARS - tail.length;
  // Keep a readable head (usually the operation name) so keys stay recognisable in Fineract's command table.
  const head = operationKey.replace(/[^A-Za-z0-9._:/@+=-]/g, '_').slice(0, Math.max(0, room));
  return `${prefix}:${head}~${hash}${tail}`;
}
