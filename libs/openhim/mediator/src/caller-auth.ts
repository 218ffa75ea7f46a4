import { hash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';

/** How callers (OpenHIM core) authenticate to the mediator. */
export type CallerAuth =
  | { readonly mode: 'basic'; readonly username: string; readonly password: string }
  /** Mutual TLS: the server requests a client certificate signed by the configured CA. */
  | { readonly mode: 'mtls' };

/**
 * The outcome of checking a caller: either authenticated, or refused with a reason that tells an operator what to
 * fix (which scheme was expected, what arrived) and never contains a credential or says which half of a user name /
 * password pair was wrong.
 */
export type CallerCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

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

const BASIC_EXPECTED =
  'this mediator expects HTTP Basic credentials (the user name and password set on the OpenHIM channel route, MEDIATOR_CLIENT_USERNAME / MEDIATOR_CLIENT_PASSWORD)';

/**
 * Checks the caller's credentials on a raw request and says why they were refused.
 *
 * @param req - the incoming request
 * @param auth - the configured scheme
 * @returns ok, or the reason for a 401
 */
export function checkCaller(req: IncomingMessage, auth: CallerAuth): CallerCheck {
  if (auth.mode === 'mtls') {
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.authorized === true) {
      return { ok: true };
    }
    if (socket.encrypted !== true) {
      return {
        ok: false,
        reason: 'this mediator expects HTTPS with a TLS client certificate (MEDIATOR_AUTH=mtls)',
      };
    }
    // The verification error is a fixed OpenSSL code (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE), never certificate content.
    const why: unknown = socket.authorizationError;
    return {
      ok: false,
      reason:
        why === undefined || why === null
          ? 'this mediator expects a TLS client certificate (MEDIATOR_AUTH=mtls); none was presented'
          : `the TLS client certificate was not accepted (${why instanceof Error ? why.message : typeof why === 'string' ? why : 'unverified'}); it must be signed by MEDIATOR_TLS_CA_FILE`,
    };
  }
  const header = req.headers.authorization;
  if (header === undefined || header.trim() === '') {
    return { ok: false, reason: `${BASIC_EXPECTED}; the request carried no Authorization header` };
  }
  const scheme = /^\s*(\S+)/.exec(header)?.[1] ?? '';
  if (scheme.toLowerCase() !== 'basic') {
    // Only the scheme name is echoed (cut short and reduced to token characters), never the credentials after it.
    const shown = scheme.replace(/[^A-Za-z0-9._~+-]/g, '').slice(0, 20);
    return { ok: false, reason: `${BASIC_EXPECTED}; the request used the "${shown}" scheme` };
  }
  const decoded = Buffer.from(header.trim().slice(5).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return {
      ok: false,
      reason: `${BASIC_EXPECTED}; the Basic credentials are not of the form user:password`,
    };
  }
  let expected = expectedDigests.get(auth);
  if (expected === undefined) {
    expected = { user: sha256(auth.username), pass: sha256(auth.password) };
    expectedDigests.set(auth, expected);
  }
  // Evaluate both comparisons so a wrong user name takes as long as a wrong password.
  const userOk = timingSafeEqual(sha256(decoded.slice(0, colon)), expected.user);
  const passOk = timingSafeEqual(sha256(decoded.slice(colon + 1)), expected.pass);
  if (userOk && passOk) {
    return { ok: true };
  }
  return {
    ok: false,
    reason:
      "the HTTP Basic user name or password does not match this mediator's MEDIATOR_CLIENT_USERNAME / MEDIATOR_CLIENT_PASSWORD: the OpenHIM channel route carries other credentials (the mediator updates its routes when it registers; check OPENHIM_INSTALL_CHANNELS and the mediator log)",
  };
}

/**
 * Checks the caller's credentials on a raw request.
 *
 * @param req - the incoming request
 * @param auth - the configured scheme
 * @returns whether the caller is authenticated
 */
export function isCallerAuthenticated(req: IncomingMessage, auth: CallerAuth): boolean {
  return checkCaller(req, auth).ok;
}
