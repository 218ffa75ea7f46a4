import type { Bundle, FhirResource, OperationOutcome } from 'fhir/r4';

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
 * @returns `header.payload.signature`
 */
export function fakeJwt(expSeconds: number, username = 'Admin'): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ username, exp: expSeconds })}.c2lnbmF0dXJl`;
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
