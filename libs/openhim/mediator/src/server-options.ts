import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { operationOutcome } from './outcome';

/** Paths redacted from every log line: credentials, tokens, and the personal data a FHIR/Fineract body holds. */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.body',
  '*.name',
  '*.given',
  '*.family',
  '*.birthDate',
  '*.telecom',
  '*.address',
  '*.firstname',
  '*.middlename',
  '*.lastname',
  '*.fullname',
  '*.mobileNo',
  '*.dateOfBirth',
  '*.emailAddress',
];

/** What replaces a query string in logged URLs. */
export const REDACTED_QUERY = '[redacted]';

/**
 * A request URL as logs may show it: the path, and `?[redacted]` in place of any query string. Query strings carry
 * secrets (the Fineract hook's `?secret=`, in any spelling of the route) and search parameters that name people, and
 * no route needs them in a log line.
 *
 * @param url - the raw request URL (path and query)
 * @returns the path, with the query replaced
 */
export function redactUrl(url: string | undefined): string | undefined {
  if (url === undefined) {
    return undefined;
  }
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?${REDACTED_QUERY}`;
}

/** The request fields of a log line (Fastify's own, with the URL's query string redacted). */
interface LoggedRequest {
  method: string;
  url: string | undefined;
  host: string | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

function serializeRequest(req: {
  method: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number } | null;
}): LoggedRequest {
  return {
    method: req.method,
    url: redactUrl(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/**
 * Errors Fastify raises before routing (a malformed URL, a path parameter over the length limit) never reach the
 * kit's error handler: answer them with an OperationOutcome too, with the framework's 4xx status.
 */
function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status =
    typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
      ? error.statusCode
      : 400;
  const message = status === 414 ? 'a path segment of the URL is too long' : 'the request URL is malformed';
  void reply
    .code(status)
    .type('application/fhir+json')
    .send(JSON.stringify(operationOutcome('error', status === 414 ? 'too-long' : 'invalid', message)));
}

/** Input of {@link mediatorServerOptions}. */
export interface ServerOptionsInput {
  readonly logLevel?: string;
  /** Where log lines go (default stdout); tests pass a stream they read. */
  readonly stream?: NodeJS.WritableStream;
  /** Largest accepted request body in bytes. */
  readonly bodyLimit: number;
  /** Pretty logs for humans (only when stdout is a terminal). */
  readonly pretty?: boolean;
}

// pino-pretty is a development dependency: a production image started with a terminal (`docker run -t`) has none
// and logs JSON instead of failing to start.
function prettyPrinterInstalled(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Fastify server options every mediator uses: OpenHIM's transaction id as the request id (`reqId` in logs), redacting pino
 * logger (secret and personal fields, and every URL's query string), body limit, and 503 while closing.
 *
 * @param input - log level and limits
 * @returns options for `Fastify(...)`
 */
export function mediatorServerOptions(input: ServerOptionsInput): {
  logger: Record<string, unknown> | false;
  requestIdHeader: string;
  genReqId: () => string;
  bodyLimit: number;
  return503OnClosing: boolean;
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;
} {
  return {
    logger:
      input.logLevel === 'silent'
        ? false
        : {
            level: input.logLevel ?? 'info',
            redact: { paths: [...LOG_REDACT_PATHS], censor: '**********' },
            serializers: { req: serializeRequest },
            ...(input.stream !== undefined
              ? { stream: input.stream }
              : input.pretty === true && prettyPrinterInstalled()
                ? { transport: { target: 'pino-pretty' } }
                : {}),
          },
    requestIdHeader: 'x-openhim-transactionid',
    genReqId: () => randomUUID(),
    bodyLimit: input.bodyLimit,
    return503OnClosing: true,
    frameworkErrors: answerFrameworkError,
  };
}
