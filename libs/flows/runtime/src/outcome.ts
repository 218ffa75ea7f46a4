import type { OperationOutcome } from 'fhir/r4';
import { getStatus, isMediatorError } from '@payment-layer/shared-errors';
import type { MediatorResult } from '@payment-layer/openhim-mediator';

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

/** What a sync or reconciliation run reports to OpenHIM (see {@link runReport}). */
export interface RunReportInput {
  /** One line of counts, e.g. `invoices: 3 charged, 0 failed`. */
  readonly text: string;
  /** How many resources failed or were flagged: the transaction is then "Completed with error(s)". */
  readonly problems: number;
  /** The first failures, each already named (`Invoice/<id>`) with its message. */
  readonly failures: readonly { readonly ref: string; readonly error: string }[];
  /** Transaction properties shown in the OpenHIM console (counts, timings). */
  readonly properties: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The answer of a finished run (a polling channel's sync): 200 with an OperationOutcome whose first issue is the
 * counts (a warning when something failed) followed by one error per failure, "Completed with error(s)" when
 * there were problems, and the counts as transaction properties.
 *
 * @param input - counts text, problems, failures and properties
 * @returns the mediator result for `reply.sendResult`
 */
export function runReport(input: RunReportInput): MediatorResult {
  return {
    httpStatus: 200,
    body: {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: input.problems > 0 ? 'warning' : 'information',
          code: 'informational',
          diagnostics: input.text,
        },
        ...input.failures.map((f) => ({
          severity: 'error' as const,
          code: 'processing' as const,
          diagnostics: `${f.ref}: ${f.error}`,
        })),
      ],
    },
    ...(input.problems > 0 ? { status: 'Completed with error(s)' as const } : {}),
    properties: input.properties,
  };
}
