/** The value that replaces every secret in recorded orchestrations and logs (as OpenHIM's console shows it). */
export const MASK = '**********';

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'fineract-platform-password',
]);

/** JSON keys whose values are secrets, whatever the nesting. */
const SECRET_KEY =
  /pass(word)?|secret|token|authori[sz]ation|api[-_]?key|credential|^pin$|base64EncodedAuthenticationKey/i;

/** Text any secret-named JSON key contains (a superset of {@link SECRET_KEY} matches, for a quick scan). */
const MAYBE_SECRET_TEXT =
  /pass|secret|token|authori[sz]ation|api[-_]?key|credential|"pin"|base64EncodedAuthenticationKey/i;

/**
 * Copies headers with secret values masked and names lower-cased, dropping array values to one string.
 *
 * @param headers - raw headers (any casing)
 * @returns masked headers
 */
export function maskHeaders(
  headers: Record<string, string | string[] | number | undefined> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) {
    return out;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) {
      continue;
    }
    const key = name.toLowerCase();
    out[key] = SECRET_HEADERS.has(key) ? MASK : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/**
 * Masks secret values inside a JSON text (recursively, by key name). Non-JSON text is returned unchanged,
 * except for `user:password@` credentials in URLs.
 *
 * @param body - a request or response body as sent on the wire
 * @returns the body with secrets replaced by {@link MASK}
 */
export function maskBody(body: string): string {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    // Most bodies name no secret at all: then there is nothing to mask and no need to parse and re-serialise.
    // A key could only hide from this scan behind a \u escape, so such a body always takes the full path.
    if (!MAYBE_SECRET_TEXT.test(body) && !body.includes('\\u')) {
      return body;
    }
    try {
      return JSON.stringify(maskValue(JSON.parse(body) as unknown));
    } catch {
      // Not JSON after all: fall through to the text rules.
    }
  }
  return maskUrlCredentials(body);
}

/**
 * Masks secrets in a parsed JSON value.
 *
 * @param value - any JSON value
 * @returns a copy with secret-named keys masked
 */
export function maskValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(maskValue);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== null && typeof v !== 'object' ? MASK : maskValue(v);
    }
    return out;
  }
  return value;
}

/**
 * Replaces `scheme://user:password@` with `scheme://user:**********@`.
 *
 * @param text - any text that may contain URLs
 * @returns the text without URL passwords
 */
export function maskUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s/]+@/gi, `$1${MASK}@`);
}
