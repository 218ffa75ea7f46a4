import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { getStatus, isMediatorError, type IssueCode } from '@payment-layer/shared-errors';

/**
 * Builds an OperationOutcome with one issue per message.
 *
 * @param severity - FHIR issue severity
 * @param code - FHIR issue type
 * @param diagnostics - human-readable text
 * @param location - FHIRPath-like location (`Patient.name`)
 * @returns the resource
 */
export function operationOutcome(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  diagnostics: string,
  location?: string,
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      { severity, code, diagnostics, ...(location ? { expression: [location], location: [location] } : {}) },
    ],
  };
}

/** Messages shown for 5xx failures instead of the real one, which may carry upstream internals. */
const GENERIC_500 = 'Internal error; the failure has been logged';
const GENERIC_5XX: Partial<Record<number, string>> = {
  502: 'An upstream system failed; the failure has been logged',
  503: 'Service unavailable',
  504: 'An upstream system did not answer in time; the outcome is unknown and will be checked before any retry',
};

/**
 * Turns any thrown value into the OperationOutcome the caller gets, and its HTTP status. Messages of typed
 * errors are meant for callers; for untyped errors and 500s only a generic text is returned.
 *
 * @param err - anything thrown while handling a request
 * @returns status and OperationOutcome
 */
export function errorToOutcome(err: unknown): { status: number; outcome: OperationOutcome } {
  const status = getStatus(err);
  if (isMediatorError(err) && status < 500) {
    const issues = err.issues.length > 0 ? err.issues : [{ message: err.message }];
    return {
      status,
      outcome: {
        resourceType: 'OperationOutcome',
        issue: issues.map((i) => ({
          severity: 'error',
          code: i.code ?? err.issueCode,
          diagnostics: i.message,
          ...(i.location ? { expression: [i.location], location: [i.location] } : {}),
        })),
      },
    };
  }
  if (isMediatorError(err)) {
    // Typed 5xx errors (upstream failed or timed out) carry a message we wrote ourselves, safe to show.
    return { status, outcome: operationOutcome('error', err.issueCode, err.message) };
  }
  if (status < 500) {
    const message = err instanceof Error ? err.message : 'Bad request';
    return { status, outcome: operationOutcome('error', status === 404 ? 'not-found' : 'invalid', message) };
  }
  return {
    status,
    outcome: operationOutcome('fatal', 'exception', GENERIC_5XX[status] ?? GENERIC_500),
  };
}
