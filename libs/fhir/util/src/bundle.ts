import type { Bundle } from 'fhir/r4';
import { ValidationError, type IssueDetail } from '@payment-layer/shared-errors';

/** Bundle types a mediator processes entry by entry. */
export const PROCESSABLE_BUNDLE_TYPES = ['batch', 'transaction', 'searchset', 'collection'] as const;

/**
 * Checks the envelope of a Bundle that a flow processes entry by entry: a Bundle of a processable type whose
 * `entry` (when present) is an array of objects, each with a `resource` that (when present) is an object. What is
 * inside each resource is left to the entry's own validation, so one bad entry fails alone; an entry that is not
 * even an object cannot be processed or answered on its own and fails the whole request instead.
 *
 * @param resource - the parsed body
 * @returns the Bundle, typed
 * @throws ValidationError (400) naming every malformed element, e.g. `Bundle.entry[3]`
 */
export function assertProcessableBundle(resource: unknown): Bundle {
  const b = resource as Partial<Bundle> | null;
  if (!isRecord(b) || b.resourceType !== 'Bundle') {
    throw invalid([{ message: 'expected a Bundle', location: 'Bundle.resourceType', code: 'invalid' }]);
  }
  if (!(PROCESSABLE_BUNDLE_TYPES as readonly unknown[]).includes(b.type)) {
    throw invalid([
      {
        message: `must be one of: ${PROCESSABLE_BUNDLE_TYPES.join(', ')}`,
        location: 'Bundle.type',
        code: 'value',
      },
    ]);
  }
  if (b.entry === undefined) {
    return b as Bundle;
  }
  if (!Array.isArray(b.entry)) {
    throw invalid([{ message: 'must be an array', location: 'Bundle.entry', code: 'structure' }]);
  }
  const issues: IssueDetail[] = [];
  b.entry.forEach((entry: unknown, i) => {
    if (!isRecord(entry)) {
      issues.push({
        message: `entry must be an object, not ${describe(entry)}`,
        location: `Bundle.entry[${i}]`,
        code: 'structure',
      });
    } else if (entry.resource !== undefined && !isRecord(entry.resource)) {
      issues.push({
        message: `resource must be an object, not ${describe(entry.resource)}`,
        location: `Bundle.entry[${i}].resource`,
        code: 'structure',
      });
    }
  });
  if (issues.length > 0) {
    throw invalid(issues);
  }
  return b as Bundle;
}

function invalid(issues: IssueDetail[]): ValidationError {
  const [first] = issues;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ValidationError(
    `Invalid Bundle: ${first?.location ?? 'Bundle'}: ${first?.message ?? ''}${more}`,
    {
      issues: issues.slice(0, 100),
    },
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}
