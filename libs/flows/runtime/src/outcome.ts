import type { OperationOutcome } from 'fhir/r4';
import { getStatus, isMediatorError } from '@payment-layer/shared-errors';

/** An error as one entry of a batch answer reports it. */
export interface ErrorOutcome {
  readonly status: number;
  readonly outcome: OperationOutcome;
  readonly retryable: boolean;
}

/**
 * Turns an error of one entry into its status and OperationOutcome (locations prefixed with the entry's path);
 * untyped errors become a generic 500 text so nothing internal leaks.
 *
 * @param err - what the entry threw
 * @param prefix - FHIRPath of the entry's resource, e.g. `Bundle.entry[2].resource`
 * @returns status and outcome
 */
export function errorToOutcomeParts(err: unknown, prefix: string): ErrorOutcome {
  const status = getStatus(err);
  if (!isMediatorError(err)) {
    return {
      status,
      retryable: false,
      outcome: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'fatal',
            code: 'exception',
            diagnostics: 'Internal error; the failure has been logged',
          },
        ],
      },
    };
  }
  const issues = err.issues.length > 0 ? err.issues : [{ message: err.message }];
  return {
    status,
    retryable: err.retryable,
    outcome: {
      resourceType: 'OperationOutcome',
      issue: issues.map((i) => {
        const location = i.location ? relocate(i.location, prefix) : undefined;
        return {
          severity: 'error' as const,
          code: i.code ?? err.issueCode,
          diagnostics: i.message,
          ...(location ? { expression: [location] } : {}),
        };
      }),
    },
  };
}

/** `Patient.name` inside entry 2 becomes `Bundle.entry[2].resource.name`. */
function relocate(location: string, prefix: string): string {
  if (location.startsWith('Bundle.')) {
    return location;
  }
  const dot = location.indexOf('.');
  return dot < 0 ? prefix : `${prefix}${location.slice(dot)}`;
}

/**
 * An OperationOutcome with one informational issue: the body of a success answer or of a Bundle entry.
 *
 * @param text - what happened, for the operator
 * @param severity - `warning` when the run finished with problems
 * @returns the OperationOutcome
 */
export function informationalOutcome(
  text: string,
  severity: 'information' | 'warning' = 'information',
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code: 'informational', diagnostics: text }],
  };
}
