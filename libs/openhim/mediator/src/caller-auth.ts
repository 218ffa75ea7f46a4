import { createHash, timingSafeEqual } from 'node:crypto';
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
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

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
  // Evaluate both comparisons so a wrong user name takes as long as a wrong password.
  const userOk = safeEqual(decoded.slice(0, colon), auth.username);
  const passOk = safeEqual(decoded.slice(colon + 1), auth.password);
  return userOk && passOk;
}
