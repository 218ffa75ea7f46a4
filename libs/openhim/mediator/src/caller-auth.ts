import { hash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';

/** How callers (OpenHIM core) authenticate to the mediator. */
export type CallerAuth =
  | { readonly mode: 'basic'; readonly username: string; readonly password: string }
  /** Mutual TLS: the server requests a client certificate signed by the configured CA. */
  | { readonly mode: 'mtls' };

/**
 * Compares two secrets in constant time (hashing first, so lengths do not leak either).
 *
 * @param a - presented value
 * @param b - expected value
 * @returns whether they are equal
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

// One-shot hashing: no Hash object per call.
const sha256 = (s: string): Buffer => hash('sha256', s, 'buffer');

// The configured credentials hashed once per configuration object, not on every request.
const expectedDigests = new WeakMap<object, { readonly user: Buffer; readonly pass: Buffer }>();

/**
 * Checks the caller's credentials on a raw request.
 *
 * @param req - the incoming request
 * @param auth - the configured scheme
 * @returns whether the caller is authenticated
 */
export function isCallerAuthenticated(req: IncomingMessage, auth: CallerAuth): boolean {
  if (auth.mode === 'mtls') {
    return (req.socket as Partial<TLSSocket>).authorized === true;
  }
  const header = req.headers.authorization;
  if (!header?.toLowerCase().startsWith('basic ')) {
    return false;
  }
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return false;
  }
  let expected = expectedDigests.get(auth);
  if (expected === undefined) {
    expected = { user: sha256(auth.username), pass: sha256(auth.password) };
    expectedDigests.set(auth, expected);
  }
  // Evaluate both comparisons so a wrong user name takes as long as a wrong password.
  const userOk = timingSafeEqual(sha256(decoded.slice(0, colon)), expected.user);
  const passOk = timingSafeEqual(sha256(decoded.slice(colon + 1)), expected.pass);
  return userOk && passOk;
}
