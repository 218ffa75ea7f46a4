// JSON Schemas of the SDK scheme adapter APIs (v2.1.0), from the bundled, $ref-free `json-schemas.json` files of
// @mojaloop/api-snippets (payments.md §2). Read as data: the package's JS entry point does not load.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

type SchemaMap = Record<string, object>;

function load(api: 'outbound' | 'backend'): SchemaMap {
  const root = dirname(require.resolve('@mojaloop/api-snippets/package.json'));
  const file = join(root, 'lib', 'sdk-scheme-adapter', 'v2_1_0', api, 'json-schemas.json');
  return JSON.parse(readFileSync(file, 'utf8')) as SchemaMap;
}

/** A compiled schema that reports its errors as short text. */
export interface SchemaCheck {
  /** @returns the problems, empty when the value is valid */
  (value: unknown): string[];
}

function compile(ajv: Ajv, schemas: SchemaMap, name: string): SchemaCheck {
  const schema = schemas[name];
  if (schema === undefined) {
    throw new Error(`api-snippets has no schema ${name}`);
  }
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(describe));
}

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'body' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : '';
  return `${where} ${e.message ?? 'is invalid'}${extra}`;
}

/** The checks the simulator applies: requests to the outbound API, and the payee backend's answers. */
export interface SdkSchemas {
  readonly outboundTransferRequest: SchemaCheck;
  readonly outboundContinuation: SchemaCheck;
  readonly backendParty: SchemaCheck;
  readonly backendQuoteRequest: SchemaCheck;
  readonly backendQuoteResponse: SchemaCheck;
  readonly backendTransferRequest: SchemaCheck;
  readonly backendTransferResponse: SchemaCheck;
  readonly backendFulfilNotification: SchemaCheck;
  readonly backendErrorResponse: SchemaCheck;
}

let cached: SdkSchemas | undefined;

/**
 * Compiles (once per process) the api-snippets schemas the simulator checks messages against.
 *
 * @returns the checks
 */
export function sdkSchemas(): SdkSchemas {
  if (cached) {
    return cached;
  }
  // The generated schemas carry OpenAPI annotations (`example`, `title` on everything): not strict about keywords.
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The only format the two files use (the expiry-seconds overrides).
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  const outbound = load('outbound');
  const backend = load('backend');
  const continuations = [
    'transferContinuationAcceptParty',
    'transferContinuationAcceptQuote',
    'transferContinuationAcceptConversion',
    'transferContinuationAcceptQuoteOrConversion',
  ].map((n) => compile(ajv, outbound, n));
  cached = {
    outboundTransferRequest: compile(ajv, outbound, 'transferRequest'),
    // The PUT body is exactly one of four single-property objects (each `additionalProperties: false`).
    outboundContinuation: (value) => {
      const results = continuations.map((c) => c(value));
      return results.some((r) => r.length === 0)
        ? []
        : [
            'body must be exactly one of {acceptParty}, {acceptQuote}, {acceptConversion}, {acceptQuoteOrConversion}',
          ];
    },
    backendParty: compile(ajv, backend, 'transferParty'),
    backendQuoteRequest: compile(ajv, backend, 'quoteRequest'),
    backendQuoteResponse: compile(ajv, backend, 'quoteResponse'),
    backendTransferRequest: compile(ajv, backend, 'transferRequest'),
    backendTransferResponse: compile(ajv, backend, 'transferResponse'),
    backendFulfilNotification: compile(ajv, backend, 'fulfilNotification'),
    backendErrorResponse: compile(ajv, backend, 'errorResponse'),
  };
  return cached;
}
