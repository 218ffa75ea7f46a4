import { NotFoundError, UpstreamError } from '@payment-layer/shared-errors';
import type { HttpResponse } from '@payment-layer/shared-http';

/**
 * Decodes a Bundle `link[].url` as openIMIS sends it: the whole URL passed through Python's `quote_plus`
 * (`http%3A%2F%2Fhost%2F...%3Fpage-offset%3D2`). A link that is already a plain URL is returned unchanged,
 * so a server that fixes the double encoding keeps working.
 *
 * @param url - `link[].url` as received
 * @returns the URL to request
 */
export function decodeBundleLink(url: string): string {
  if (/^https?:\/\//i.test(url)) {
    return url;
  }
  // quote_plus turns spaces into '+'; decodeURIComponent alone would keep them as '+'.
  return decodeURIComponent(url.replace(/\+/g, ' '));
}

/** What an openIMIS error body says, when it is an OperationOutcome. */
export interface OutcomeSummary {
  /** `issue[0].details.text`, else `issue[0].diagnostics`. */
  readonly text?: string;
  /** `issue[0].code`. */
  readonly code?: string;
}

/**
 * Reads the first issue of an OperationOutcome body.
 *
 * @param text - response body
 * @returns the summary, or undefined when the body is not an OperationOutcome
 */
export function readOutcome(text: string): OutcomeSummary | undefined {
  const body = parseJson(text);
  if (!isRecord(body) || body.resourceType !== 'OperationOutcome') {
    return undefined;
  }
  const issue = Array.isArray(body.issue) ? (body.issue[0] as unknown) : undefined;
  if (!isRecord(issue)) {
    return {};
  }
  const details = isRecord(issue.details) ? issue.details : {};
  const text0 =
    typeof details.text === 'string'
      ? details.text
      : typeof issue.diagnostics === 'string'
        ? issue.diagnostics
        : undefined;
  return {
    ...(text0 !== undefined ? { text: clip(text0) } : {}),
    ...(typeof issue.code === 'string' ? { code: issue.code } : {}),
  };
}

/**
 * The typed error of a non-2xx openIMIS answer.
 *
 * @param res - the answer
 * @param what - the operation, for the message (e.g. `read Patient/123`)
 * @param notFound - when set, a 404 with an OperationOutcome body means "no such resource" and becomes a NotFoundError with this message
 * @returns the error to throw
 */
export function errorFromResponse(res: HttpResponse, what: string, notFound?: string): Error {
  const outcome = readOutcome(res.text);
  const detail = outcome?.text ?? `HTTP ${res.status}`;
  const upstream = new UpstreamError('openimis', `openIMIS ${what} failed: ${detail}`, {
    upstreamStatus: res.status,
    ...(outcome?.code !== undefined ? { upstreamCode: outcome.code } : {}),
  });
  // A Django HTML 404 means a wrong base URL or path, not a missing resource: keep it an upstream error.
  if (res.status === 404 && notFound !== undefined && outcome !== undefined) {
    return new NotFoundError(notFound, { cause: upstream });
  }
  return upstream;
}

/**
 * Parses a 2xx JSON body.
 *
 * @param res - the answer
 * @param what - the operation, for the message
 * @returns the parsed value
 * @throws UpstreamError when the body is not JSON
 */
export function jsonBody(res: HttpResponse, what: string): unknown {
  const body = parseJson(res.text);
  if (body === undefined) {
    throw new UpstreamError('openimis', `openIMIS ${what} answered ${res.status} without a JSON body`, {
      upstreamStatus: res.status,
    });
  }
  return body;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Whether a value is a plain JSON object.
 *
 * @param value - anything
 * @returns true for non-array objects
 */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clip(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
