/**
 * HS256 JSON Web Tokens with `node:crypto`, shaped like the tokens `graphql_jwt` issues for openIMIS
 * (`{username, exp, origIat}`), and the error texts of its authentication class.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Claims of a simulator token. */
export interface TokenClaims {
  readonly username: string;
  /** Expiry, unix seconds. */
  readonly exp: number;
  /** Issue time, unix seconds. */
  readonly origIat: number;
  /** Serial of the token in this simulator instance (lets `expireAllTokens` retire it). */
  readonly jti: string;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * Signs claims into a compact HS256 JWT.
 *
 * @param claims - token claims
 * @param secret - HMAC key
 * @returns the token
 */
export function signToken(claims: TokenClaims, secret: Buffer): string {
  const head = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** Outcome of {@link verifyToken}: the claims, or the message graphql_jwt would give. */
export type VerifyResult = { ok: true; claims: TokenClaims } | { ok: false; message: string };

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as Record<string, unknown>;
  return (
    typeof v['username'] === 'string' &&
    typeof v['exp'] === 'number' &&
    typeof v['origIat'] === 'number' &&
    typeof v['jti'] === 'string'
  );
}

/**
 * Verifies signature, shape and expiry of a token.
 *
 * @param token - compact JWT
 * @param secret - HMAC key
 * @param nowSeconds - current unix time in seconds
 * @returns claims or an error message
 */
export function verifyToken(token: string, secret: Buffer, nowSeconds: number): VerifyResult {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { ok: false, message: 'Error decoding signature' };
  }
  const [head = '', body = '', sig = ''] = parts;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, message: 'Error decoding signature' };
  }
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, message: 'Error decoding signature' };
  }
  if (!isClaims(claims)) {
    return { ok: false, message: 'Invalid payload' };
  }
  if (claims.exp <= nowSeconds) {
    return { ok: false, message: 'Signature has expired' };
  }
  return { ok: true, claims };
}
