import { randomUUID } from 'node:crypto';

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

/** Input of {@link mediatorServerOptions}. */
export interface ServerOptionsInput {
  readonly logLevel?: string;
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
 * logger, body limit, and 503 while closing.
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
} {
  return {
    logger:
      input.logLevel === 'silent'
        ? false
        : {
            level: input.logLevel ?? 'info',
            redact: { paths: [...LOG_REDACT_PATHS], censor: '**********' },
            ...(input.pretty === true && prettyPrinterInstalled()
              ? { transport: { target: 'pino-pretty' } }
              : {}),
          },
    requestIdHeader: 'x-openhim-transactionid',
    genReqId: () => randomUUID(),
    bodyLimit: input.bodyLimit,
    return503OnClosing: true,
  };
}
