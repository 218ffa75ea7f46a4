/**
 * Seeded pseudo-random numbers for the openIMIS simulator. Everything the population generator produces is
 * derived from one seed so that a test or a benchmark can rebuild exactly the same insurees, invoices and claims.
 */

/** A deterministic source of random values; never use `Math.random` in generated data. */
export interface SeededRandom {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A string of `length` decimal digits (may start with 0). */
  digits(length: number): string;
  /** A random (version 4 shaped) lower-case UUID. */
  uuid(): string;
}

/** Hashes a seed of any shape into four 32-bit words (cyrb128), so that close seeds give unrelated streams. */
function hashSeed(seed: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

const HEX = '0123456789abcdef';
const BYTE_HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => HEX.charAt(i >> 4) + HEX.charAt(i & 15),
);
const byte = (n: number): string => BYTE_HEX[n & 255] ?? '';
const word = (n: number): string => byte(n >>> 24) + byte(n >>> 16) + byte(n >>> 8) + byte(n);

/**
 * Creates a seeded generator (sfc32 over a cyrb128 hash of the seed).
 *
 * @param seed - any string or number; equal seeds give equal streams
 * @returns the generator
 */
export function createRandom(seed: string | number): SeededRandom {
  let [a, b, c, d] = hashSeed(String(seed));
  const nextUint = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  const next = (): number => nextUint() / 4294967296;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) {
        throw new RangeError('pick() needs a non-empty list');
      }
      return item;
    },
    digits: (length) => {
      let out = '';
      while (out.length < length) {
        // 9 digits per draw keep the distribution uniform (1e9 < 2^32) and the loop short.
        out += String(nextUint() % 1_000_000_000).padStart(9, '0');
      }
      return out.slice(0, length);
    },
    uuid: () => {
      const a = nextUint();
      const b = nextUint();
      const c = nextUint();
      const d = nextUint();
      return (
        word(a) +
        '-' +
        byte(b >>> 24) +
        byte(b >>> 16) +
        '-4' +
        HEX.charAt((b >>> 8) & 15) +
        byte(b) +
        '-' +
        HEX.charAt(8 + ((c >>> 28) & 3)) +
        HEX.charAt((c >>> 24) & 15) +
        byte(c >>> 16) +
        '-' +
        byte(c >>> 8) +
        byte(c) +
        word(d)
      );
    },
  };
}

/**
 * A UUID derived from a name, stable across runs (for fixtures that carry no UUID of their own).
 *
 * @param name - the name to derive from
 * @returns a version 4 shaped lower-case UUID
 */
export function uuidFromName(name: string): string {
  return createRandom(`uuid:${name}`).uuid();
}
