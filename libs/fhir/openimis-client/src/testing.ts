import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';
import type { MockAgent } from 'undici';

/**
 * Python's `urllib.parse.quote_plus(s, safe='')`, as openIMIS applies it to every Bundle `link[].url`.
 *
 * @param value - text to encode
 * @returns the encoded text (spaces as `+`)
 */
export function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * A JWT-shaped token (not signed) with the given expiry, like openIMIS' `login/` answer carries.
 *
 * @param expSeconds - `exp` claim, epoch seconds
 * @param username - `username` claim
 * @param jti - token id claim, to tell tokens of the same second apart
 * @returns `header.payload.signature`
 */
export function fakeJwt(expSeconds: number, username = 'Admin', jti?: string): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ username, exp: expSeconds, ...(jti ? { jti } : {}) })}.c2lnbmF0dXJl`;
}

/**
 * An openIMIS error body.
 *
 * @param text - `issue[0].details.text`
 * @param code - `issue[0].code`
 * @returns the OperationOutcome
 */
export function operationOutcome(text: string, code = 'invalid'): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: code as 'invalid', details: { text } }],
  };
}

/** Options of {@link searchsetBundle}. */
export interface SearchsetOptions {
  /** Absolute URL of this page (for `self`). */
  readonly self?: string;
  /** Absolute URL of the next page; encoded with {@link quotePlus} as openIMIS does. */
  readonly next?: string;
  readonly total?: number;
}

/**
 * A `searchset` Bundle shaped like openIMIS' (links `quote_plus`-encoded, `fullUrl` per entry).
 *
 * @param resources - entries
 * @param options - links and total
 * @returns the Bundle
 */
export function searchsetBundle(resources: readonly FhirResource[], options: SearchsetOptions = {}): Bundle {
  const link: NonNullable<Bundle['link']> = [];
  if (options.self !== undefined) {
    link.push({ relation: 'self', url: quotePlus(options.self) });
  }
  if (options.next !== undefined) {
    link.push({ relation: 'next', url: quotePlus(options.next) });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: options.total ?? resources.length,
    link,
    entry: resources.map((resource) => ({
      fullUrl: `https://openimis.test/api/api_fhir_r4/${resource.resourceType}/${resource.id ?? ''}`,
      resource,
    })),
  };
}

/** Options of {@link interceptOpenImisLogin}. */
export interface InterceptLoginOptions {
  /** Token lifetime in seconds (`exp` = now + this). Default 86400. */
  readonly lifetimeSeconds?: number;
  /** Clock used for `exp`, epoch ms. Default `Date.now`. */
  readonly clock?: () => number;
  /** Credentials to require; a mismatch answers 401 as openIMIS does. */
  readonly username?: string;
  readonly password?: string;
}

/** What {@link interceptOpenImisLogin} observed. */
export interface InterceptedLogins {
  /** Tokens handed out, in order (one per successful login). */
  readonly tokens: string[];
}

/**
 * Answers every `POST <fhirBaseUrl>login/` on a MockAgent like openIMIS: `{ token, exp }` with a fresh
 * JWT-shaped token per login (persistent interceptor).
 *
 * @param agent - the MockAgent given to the client as `dispatcher`
 * @param fhirBaseUrl - the client's FHIR base, e.g. `https://openimis.test/api/api_fhir_r4/`
 * @param options - lifetime, clock and expected credentials
 * @returns the tokens handed out so far (live array)
 */
export function interceptOpenImisLogin(
  agent: MockAgent,
  fhirBaseUrl: string,
  options: InterceptLoginOptions = {},
): InterceptedLogins {
  const base = new URL(fhirBaseUrl.endsWith('/') ? fhirBaseUrl : `${fhirBaseUrl}/`);
  const tokens: string[] = [];
  const clock = options.clock ?? Date.now;
  agent
    .get(base.origin)
    .intercept({ path: `${base.pathname}login/`, method: 'POST' })
    .reply((opts) => {
      const body = JSON.parse(typeof opts.body === 'string' ? opts.body : '{}') as Record<string, unknown>;
      if (
        (options.username !== undefined && body.username !== options.username) ||
        (options.password !== undefined && body.password !== options.password)
      ) {
        return { statusCode: 401, data: '' };
      }
      const exp = Math.floor(clock() / 1000) + (options.lifetimeSeconds ?? 86_400);
      const token = fakeJwt(
        exp,
        typeof body.username === 'string' ? body.username : 'Admin',
        `t${tokens.length + 1}`,
      );
      tokens.push(token);
      return {
        statusCode: 200,
        data: JSON.stringify({ token, exp }),
        responseOptions: { headers: { 'content-type': 'application/json' } },
      };
    })
    .persist();
  return { tokens };
}
