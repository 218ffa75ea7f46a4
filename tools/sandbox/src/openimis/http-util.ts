/**
 * Small HTTP helpers shared by the simulator's handlers: JSON replies, OperationOutcome bodies in the shape of
 * the backend's `OperationOutcomeConverter`, and Django's plain 404 page.
 */
import type { ServerResponse } from 'node:http';
import type { OperationOutcome } from 'fhir/r4';

/** A reply computed by a handler; the server writes it. */
export interface SimReply {
  readonly status: number;
  readonly body?: unknown;
  /** Raw body (HTML pages, empty bodies); wins over `body`. */
  readonly raw?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An OperationOutcome as openIMIS builds it: `severity` `fatal` for DRF API exceptions (authentication,
 * parse errors, invalid page), `error` for FHIR and generic errors; `code` `exception` (or `not-found`);
 * the message in `issue[0].details.text`.
 *
 * @param severity - issue severity
 * @param code - issue type code
 * @param text - message; omitted when undefined (the 404 of a missing resource has none)
 * @returns the outcome
 */
export function operationOutcome(
  severity: 'fatal' | 'error',
  code: 'exception' | 'not-found',
  text?: string,
): OperationOutcome {
  const issue: OperationOutcome['issue'][number] = { severity, code };
  if (text !== undefined) {
    issue.details = { text };
  }
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/**
 * A FHIR-path error reply.
 *
 * @param status - HTTP status
 * @param severity - issue severity
 * @param text - message
 * @returns the reply
 */
export function outcomeReply(status: number, severity: 'fatal' | 'error', text?: string): SimReply {
  return {
    status,
    body: operationOutcome(severity, status === 404 && text === undefined ? 'not-found' : 'exception', text),
  };
}

/** Django's 404 page for a URL no pattern matches (DEBUG off). */
export const DJANGO_NOT_FOUND: SimReply = {
  status: 404,
  contentType: 'text/html',
  raw: '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
};

/**
 * Writes a reply.
 *
 * @param res - node response
 * @param reply - the reply
 */
export function writeReply(res: ServerResponse, reply: SimReply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let payload = '';
  if (reply.raw !== undefined) {
    payload = reply.raw;
    if (reply.contentType !== undefined) {
      headers['content-type'] = reply.contentType;
    }
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = reply.contentType ?? 'application/json';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}
