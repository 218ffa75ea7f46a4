// Fineract's error bodies (ApiGlobalErrorResponse + ApiParameterError) and the statuses its exception mappers
// use. `httpStatusCode` is a string; the specific code of a 403/404 sits in `errors[0]`.

/** One entry of `errors[]` in a Fineract error body. */
export interface FineractParameterError {
  developerMessage: string;
  defaultUserMessage: string;
  userMessageGlobalisationCode: string;
  parameterName: string;
  value: unknown;
  args: { value: unknown }[];
}

/** A Fineract error body (`ApiGlobalErrorResponse`). */
export interface FineractErrorBody {
  developerMessage: string;
  httpStatusCode: string;
  defaultUserMessage: string;
  userMessageGlobalisationCode: string;
  errors: FineractParameterError[];
}

/** An error answered with a Fineract JSON error body. Handlers throw it; the pipeline turns it into a reply. */
export class FineractApiError extends Error {
  /**
   * @param status - HTTP status
   * @param body - the error body
   */
  constructor(
    readonly status: number,
    readonly body: FineractErrorBody | FineractParameterError,
  ) {
    super(body.defaultUserMessage);
  }
}

/**
 * Builds one `errors[]` entry.
 * @param code - `userMessageGlobalisationCode`
 * @param message - developer and user message
 * @param parameterName - the parameter concerned (`id` for entity-level errors)
 * @param value - the offending value
 * @param args - message arguments
 * @returns the entry
 */
export function parameterError(
  code: string,
  message: string,
  parameterName: string,
  value: unknown = null,
  args: unknown[] = [],
): FineractParameterError {
  return {
    developerMessage: message,
    defaultUserMessage: message,
    userMessageGlobalisationCode: code,
    parameterName,
    value: value ?? null,
    args: args.map((a) => ({ value: a })),
  };
}

/** 400 `validation.msg.validation.errors.exist` with the given field errors. */
export function validationErrors(errors: FineractParameterError[]): FineractApiError {
  return new FineractApiError(400, {
    developerMessage:
      'The request was invalid. This typically will happen due to validation errors which are provided.',
    httpStatusCode: '400',
    defaultUserMessage: 'Validation errors exist.',
    userMessageGlobalisationCode: 'validation.msg.validation.errors.exist',
    errors,
  });
}

/** 400 for keys outside the command's whitelist: one `error.msg.parameter.unsupported` per key. */
export function unsupportedParameters(names: readonly string[]): FineractApiError {
  return validationErrors(
    names.map((n) =>
      parameterError('error.msg.parameter.unsupported', `The parameter ${n} is not supported.`, n, null, [n]),
    ),
  );
}

/**
 * 400 for a body that is not JSON, or not the JSON object a command reads (Fineract turns Gson's syntax errors
 * into a PlatformApiDataValidationException `error.msg.invalid.json` without field errors).
 */
export function invalidJson(): FineractApiError {
  return new FineractApiError(400, {
    developerMessage:
      'The request was invalid. This typically will happen due to validation errors which are provided.',
    httpStatusCode: '400',
    defaultUserMessage: 'The provided JSON is invalid.',
    userMessageGlobalisationCode: 'error.msg.invalid.json',
    errors: [],
  });
}

/**
 * 400 for a missing body on a command that needs one (InvalidJsonExceptionMapper): the answer is a single
 * ApiParameterError, not the usual error envelope.
 */
export function blankBody(): FineractApiError {
  return new FineractApiError(
    400,
    parameterError(
      'error.msg.invalid.request.body',
      'The JSON provided in the body of the request is invalid or missing.',
      'id',
    ),
  );
}

/** 400 for an unknown value of a query parameter such as `?command=`. */
export function unrecognisedQueryParam(
  name: string,
  value: string,
  supported: readonly string[],
): FineractApiError {
  return validationErrors([
    parameterError(
      `error.msg.unknown.${name}.value`,
      `The query parameter ${name} that has value ${value} is not supported.`,
      name,
      value,
      [...supported],
    ),
  ]);
}

/**
 * 403 business-rule violation; the specific code goes in `errors[0]`.
 * @param code - e.g. `error.msg.savingsaccount.transaction.insufficient.account.balance`
 * @param message - the message
 * @param parameterName - parameter name of the entry (Fineract uses `id` for most domain rules)
 * @param args - message arguments
 */
export function domainRule(
  code: string,
  message: string,
  parameterName = 'id',
  args: unknown[] = [],
): FineractApiError {
  return new FineractApiError(403, {
    developerMessage: 'Request was understood but caused a domain rule violation.',
    httpStatusCode: '403',
    defaultUserMessage: 'Errors contain reason for domain rule violation.',
    userMessageGlobalisationCode: 'validation.msg.domain.rule.violation',
    errors: [parameterError(code, message, parameterName, null, args)],
  });
}

/**
 * 404 `error.msg.resource.not.found` with the specific code in `errors[0]`.
 * @param code - e.g. `error.msg.client.id.invalid`
 * @param message - e.g. "Client with identifier 7 does not exist"
 * @param id - the identifier looked up
 */
export function notFound(code: string, message: string, id: unknown): FineractApiError {
  return new FineractApiError(404, {
    developerMessage: 'The requested resource is not available.',
    httpStatusCode: '404',
    defaultUserMessage: 'The requested resource is not available.',
    userMessageGlobalisationCode: 'error.msg.resource.not.found',
    errors: [parameterError(code, message, 'id', null, [id])],
  });
}

/** 409 optimistic-lock / concurrency failure ("please try again"). */
export function conflict(type: string): FineractApiError {
  return new FineractApiError(409, {
    developerMessage:
      'The server is currently unable to handle the request due to concurrent modification, please try again',
    httpStatusCode: '409',
    defaultUserMessage:
      'The server is currently unable to handle the request due to concurrent modification, please try again',
    userMessageGlobalisationCode: `error.msg.platform.service.${type}.conflict`,
    errors: [],
  });
}

/**
 * 403 unique-key violation (Fineract's PlatformDataIntegrityException): the specific code is the top-level
 * code and is repeated in `errors[0]` with the offending parameter.
 * @param code - e.g. `error.msg.client.duplicate.externalId`
 * @param message - e.g. "Client with externalId `X` already exists"
 * @param parameterName - the unique parameter
 * @param value - the duplicate value
 */
export function dataIntegrity(
  code: string,
  message: string,
  parameterName: string,
  value: unknown,
): FineractApiError {
  return new FineractApiError(403, {
    developerMessage: 'The request caused a data integrity issue to be fired by the database.',
    httpStatusCode: '403',
    defaultUserMessage: message,
    userMessageGlobalisationCode: code,
    errors: [parameterError(code, message, parameterName, value, [value])],
  });
}

/** 500 unexpected server-side error. */
export function serverError(): FineractApiError {
  return new FineractApiError(500, {
    developerMessage: 'An unexpected error occurred on the platform server.',
    httpStatusCode: '500',
    defaultUserMessage: 'Platform internal server error.',
    userMessageGlobalisationCode: 'error.msg.platform.server.side.error',
    errors: [],
  });
}

/** 401 body (with `WWW-Authenticate`). */
export function notAuthenticated(): FineractApiError {
  return new FineractApiError(401, {
    developerMessage: 'Invalid authentication details were passed in api request.',
    httpStatusCode: '401',
    defaultUserMessage: 'Unauthenticated. Please login.',
    userMessageGlobalisationCode: 'error.msg.not.authenticated',
    errors: [],
  });
}

/**
 * A generic error body for an arbitrary status (used by fault injection).
 * @param status - HTTP status
 */
export function genericError(status: number): FineractErrorBody | FineractParameterError {
  if (status === 500) {
    return serverError().body;
  }
  if (status === 409) {
    return conflict('savingsaccount').body;
  }
  return {
    developerMessage: `Simulated failure with status ${status}.`,
    httpStatusCode: String(status),
    defaultUserMessage: `Simulated failure with status ${status}.`,
    userMessageGlobalisationCode:
      status === 503 ? 'error.msg.platform.service.unavailable' : `error.msg.simulated.${status}`,
    errors: [],
  };
}
