/**
 * Typed errors of the payment layer. Every failure that reaches a caller is one of these; the mediator kit turns
 * them into a FHIR OperationOutcome with the status from {@link getStatus}, in one place.
 */

/** FHIR `OperationOutcome.issue.code` values we use (http://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'duplicate'
  | 'business-rule'
  | 'processing'
  | 'exception'
  | 'timeout'
  | 'transient'
  | 'too-long'
  | 'not-supported'
  | 'informational';

/** One problem found in an input, located with a FHIRPath-like expression such as `Patient.name[0].family`. */
export interface IssueDetail {
  /** What is wrong, safe to show to the caller. */
  readonly message: string;
  /** FHIRPath-like location of the offending element, when known. */
  readonly location?: string;
  /** A more specific FHIR issue code than the error's own. */
  readonly code?: IssueCode;
}

/** Options common to every {@link MediatorError}. */
export interface MediatorErrorOptions {
  readonly cause?: unknown;
  readonly issues?: readonly IssueDetail[];
}

/**
 * Base class of every error the payment layer throws on purpose.
 * `message` is meant for the caller; anything secret or internal belongs in `cause`.
 */
export abstract class MediatorError extends Error {
  /** Stable machine code, e.g. `validation`, `upstream-timeout`. */
  abstract readonly code: string;
  /** HTTP status the caller gets. */
  abstract readonly statusCode: number;
  /** FHIR issue type used in the OperationOutcome. */
  abstract readonly issueCode: IssueCode;
  /** Individual problems (at least one is derived from `message` when absent). */
  readonly issues: readonly IssueDetail[];
  /**
   * Whether trying again later can succeed. The OpenHIM envelope carries an `error` (which makes core auto-retry)
   * only for retryable failures, never for bad input.
   */
  readonly retryable: boolean = false;

  constructor(message: string, options: MediatorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.issues = options.issues ?? [];
  }
}

/** Bad input: malformed JSON, invalid FHIR, missing required field. → 400 */
export class ValidationError extends MediatorError {
  readonly code = 'validation';
  readonly statusCode = 400;
  readonly issueCode: IssueCode = 'invalid';
}

/** The body is larger than the configured limit. → 413 */
export class PayloadTooLargeError extends MediatorError {
  readonly code = 'payload-too-large';
  readonly statusCode = 413;
  readonly issueCode: IssueCode = 'too-long';
}

/** The body's media type is not one the endpoint reads. → 415 */
export class UnsupportedMediaTypeError extends MediatorError {
  readonly code = 'unsupported-media-type';
  readonly statusCode = 415;
  readonly issueCode: IssueCode = 'not-supported';
}

/** The caller did not authenticate. → 401 */
export class AuthenticationError extends MediatorError {
  readonly code = 'unauthenticated';
  readonly statusCode = 401;
  readonly issueCode: IssueCode = 'login';
}

/** The caller authenticated but may not do this. → 403 */
export class ForbiddenError extends MediatorError {
  readonly code = 'forbidden';
  readonly statusCode = 403;
  readonly issueCode: IssueCode = 'forbidden';
}

/** The thing asked for does not exist (here or upstream, where absence is the caller's problem). → 404 */
export class NotFoundError extends MediatorError {
  readonly code = 'not-found';
  readonly statusCode = 404;
  readonly issueCode: IssueCode = 'not-found';
}

/** The request conflicts with the current state (e.g. an invoice whose amount changed). → 409 */
export class ConflictError extends MediatorError {
  readonly code = 'conflict';
  readonly statusCode = 409;
  readonly issueCode: IssueCode = 'conflict';
}

/** The input is valid FHIR but cannot be mapped (a mapping rule failed, a code has no lookup). → 422 */
export class MappingError extends MediatorError {
  readonly code = 'mapping';
  readonly statusCode = 422;
  readonly issueCode: IssueCode = 'processing';
}

/** Which upstream system an error came from. */
export type UpstreamSystem = 'fineract' | 'openimis' | 'openhim' | 'mojaloop';

/** Options of {@link UpstreamError}. */
export interface UpstreamErrorOptions extends MediatorErrorOptions {
  /** HTTP status the upstream answered, when it answered. */
  readonly upstreamStatus?: number;
  /** Upstream's own error code (Fineract `userMessageGlobalisationCode`, openIMIS issue code). */
  readonly upstreamCode?: string;
}

/**
 * An upstream system answered with an error. A 4xx from upstream means it rejected what we sent (→ 422,
 * not retryable); 5xx, 409 and 425 are the upstream's trouble (→ 502, retryable).
 */
export class UpstreamError extends MediatorError {
  readonly code: string = 'upstream';
  readonly statusCode: number;
  readonly issueCode: IssueCode;
  override readonly retryable: boolean;
  readonly system: UpstreamSystem;
  readonly upstreamStatus: number | undefined;
  readonly upstreamCode: string | undefined;

  constructor(system: UpstreamSystem, message: string, options: UpstreamErrorOptions = {}) {
    super(message, options);
    this.system = system;
    this.upstreamStatus = options.upstreamStatus;
    this.upstreamCode = options.upstreamCode;
    const s = options.upstreamStatus;
    const rejected =
      s !== undefined && s >= 400 && s < 500 && s !== 408 && s !== 409 && s !== 425 && s !== 429;
    this.statusCode = rejected ? 422 : 502;
    this.issueCode = rejected ? 'business-rule' : 'transient';
    this.retryable = !rejected;
  }
}

/** Upstream did not answer (connection refused, reset, DNS). The write may or may not have happened. → 502 */
export class UpstreamUnavailableError extends MediatorError {
  readonly code = 'upstream-unavailable';
  readonly statusCode = 502;
  readonly issueCode: IssueCode = 'transient';
  override readonly retryable = true;
  readonly system: UpstreamSystem;

  constructor(system: UpstreamSystem, message: string, options: MediatorErrorOptions = {}) {
    super(message, options);
    this.system = system;
  }
}

/** Upstream did not answer in time: the outcome of a write is unknown until read back. → 504 */
export class UpstreamTimeoutError extends MediatorError {
  readonly code = 'upstream-timeout';
  readonly statusCode = 504;
  readonly issueCode: IssueCode = 'timeout';
  override readonly retryable = true;
  readonly system: UpstreamSystem;

  constructor(system: UpstreamSystem, message: string, options: MediatorErrorOptions = {}) {
    super(message, options);
    this.system = system;
  }
}

/** Configuration is missing or invalid (at boot, or a remote config change that fails validation). */
export class ConfigError extends MediatorError {
  readonly code = 'config';
  readonly statusCode = 500;
  readonly issueCode: IssueCode = 'exception';
}

/**
 * The HTTP status for any thrown value: a {@link MediatorError}'s own status, a Fastify/HTTP error's
 * `statusCode` when it is a 4xx, otherwise 500.
 *
 * @param err - anything that was thrown
 * @returns the HTTP status to answer with
 */
export function getStatus(err: unknown): number {
  if (err instanceof MediatorError) {
    return err.statusCode;
  }
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const status = err.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return status;
    }
  }
  return 500;
}

/**
 * Whether a thrown value is a {@link MediatorError}.
 *
 * @param err - anything that was thrown
 * @returns true for the project's typed errors
 */
export function isMediatorError(err: unknown): err is MediatorError {
  return err instanceof MediatorError;
}
