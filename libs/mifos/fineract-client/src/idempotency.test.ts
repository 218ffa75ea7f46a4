import fc from 'fast-check';
import { ValidationError } from '@payment-layer/shared-errors';
import { IDEMPOTENCY_KEY_MAX_LENGTH, idempotencyKey } from './idempotency';

describe('idempotencyKey', () => {
  it('keeps short, safe operation keys readable: prefix:operation:attempt', () => {
    expect(idempotencyKey('deposit:claim-CL123', 1)).toBe('pl:deposit:claim-CL123:1');
    expect(idempotencyKey('deposit:claim-CL123', 2)).toBe('pl:deposit:claim-CL123:2');
    expect(idempotencyKey('deposit:claim-CL123', 1, 'ins')).toBe('ins:deposit:claim-CL123:1');
  });

  it('shortens long keys deterministically to at most 50 characters, keeping the head and the attempt', () => {
    const op = 'client:2f6c1d4e-0b7a-4c35-9d1e-6a1b2c3d4e5f-and-more';
    const k1 = idempotencyKey(op, 1);
    expect(k1.length).toBeLessThanOrEqual(IDEMPOTENCY_KEY_MAX_LENGTH);
    expect(k1).toMatch(/^pl:client:2f6c[^~]*~[A-Za-z0-9]{16}:1$/);
    expect(idempotencyKey(op, 1)).toBe(k1);
    expect(idempotencyKey(op, 2)).toBe(k1.replace(/:1$/, ':2'));
    expect(idempotencyKey(`${op}x`, 1)).not.toBe(k1);
  });

  it('hashes keys with unsafe characters (spaces, non-ASCII, ~) so headers stay clean', () => {
    for (const op of ['deposit: claim 1', 'client:Zoë', 'a~b']) {
      const k = idempotencyKey(op, 1);
      expect(k).toMatch(/^[\x21-\x7e]+$/);
      expect(k).toContain('~');
    }
    expect(idempotencyKey('deposit: claim 1', 1)).not.toBe(idempotencyKey('deposit:_claim_1', 1));
  });

  it('rejects empty keys, bad attempts and bad prefixes', () => {
    expect(() => idempotencyKey('', 1)).toThrow(ValidationError);
    expect(() => idempotencyKey('x', 0)).toThrow(ValidationError);
    expect(() => idempotencyKey('x', 1.5)).toThrow(ValidationError);
    expect(() => idempotencyKey('x', 1, 'has space')).toThrow(ValidationError);
    expect(() => idempotencyKey('x', 1, 'much-too-long-prefix')).toThrow(ValidationError);
  });

  it('is injective over (operation, attempt) and always fits', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 120 }),
        fc.string({ minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        (a, b, n, m) => {
          const ka = idempotencyKey(a, n);
          const kb = idempotencyKey(b, m);
          expect(ka.length).toBeLessThanOrEqual(IDEMPOTENCY_KEY_MAX_LENGTH);
          expect(ka === kb).toBe(a === b && n === m);
        },
      ),
      { numRuns: 500 },
    );
  });
});
