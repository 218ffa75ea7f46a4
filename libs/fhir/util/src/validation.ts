import type { FhirResource } from 'fhir/r4';
import { ValidationError, type IssueDetail } from '@payment-layer/shared-errors';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './validation/depth';
import { ajvErrorsToIssues, joinLocation } from './validation/issues';
import { fhirSchemaRegistry } from './validation/schema';

export { exceedsJsonDepth, MAX_JSON_DEPTH } from './validation/depth';
export { fhirTextProblem, isCalendarDate, type FhirTextProblem } from './validation/schema';

/**
 * Resource types the payment layer accepts as input, at the top level or as Bundle entries. Resources
 * `contained` inside them may be of any R4 type (and are validated against it).
 */
export const ACCEPTED_RESOURCE_TYPES = [
  'Patient',
  'Group',
  'Organization',
  'Invoice',
  'Claim',
  'ClaimResponse',
  'PaymentNotice',
  'PaymentReconciliation',
  'Bundle',
  'OperationOutcome',
] as const;

/** One of {@link ACCEPTED_RESOURCE_TYPES}. */
export type AcceptedResourceType = (typeof ACCEPTED_RESOURCE_TYPES)[number];

/** The `fhir/r4` type of a resource type name, e.g. `ResourceOfType<'Patient'>` is `Patient`. */
export type ResourceOfType<K extends FhirResource['resourceType']> = Extract<
  FhirResource,
  { resourceType: K }
>;

/** Options of {@link validateResource}. */
export interface ValidateResourceOptions {
  /** Resource type(s) the caller expects at the top level; anything else is one clear issue. */
  readonly expectedType?: string | readonly string[];
  /**
   * Resource types allowed at the top level and in Bundle entries. Default {@link ACCEPTED_RESOURCE_TYPES}.
   */
  readonly acceptedTypes?: readonly string[];
}

/** Outcome of {@link validateResource}. */
export interface ResourceValidationResult {
  readonly valid: boolean;
  /** Problems found, each with a FHIRPath-like location; empty when valid. */
  readonly issues: readonly IssueDetail[];
}

/** Issues reported per input at most; beyond this a caller learns nothing more useful and we spend CPU. */
export const MAX_VALIDATION_ISSUES = 100;

/** Resources nested deeper than this (Bundles in Bundles, contained in contained) are rejected. */
const MAX_NESTING = 8;

/**
 * Validates a FHIR R4 resource (or a Bundle and every entry in it) against the official HL7 R4 JSON schema,
 * after checking that its `resourceType` is one we accept. The schema of each type is compiled once per process,
 * on first use (see {@link precompileFhirValidators} to do it at boot).
 *
 * @param resource - parsed JSON input
 * @param options - expected and accepted resource types
 * @returns `valid` and OperationOutcome-ready issues such as
 *   `{ location: 'Patient.birthDate', message: 'birthDate is not a valid FHIR date (…)', code: 'value' }`
 * @see http://hl7.org/fhir/R4/json.html#schema
 */
export function validateResource(
  resource: unknown,
  options: ValidateResourceOptions = {},
): ResourceValidationResult {
  const expected =
    options.expectedType === undefined
      ? undefined
      : typeof options.expectedType === 'string'
        ? [options.expectedType]
        : options.expectedType;
  // A type the caller explicitly expects is accepted even when it is not in the default list.
  const accepted = new Set<string>([
    ...(options.acceptedTypes ?? ACCEPTED_RESOURCE_TYPES),
    ...(expected ?? []),
  ]);
  const issues: IssueDetail[] = [];
  if (expected && isRecord(resource) && typeof resource.resourceType === 'string') {
    const actual = resource.resourceType;
    if (!expected.includes(actual)) {
      issues.push({
        location: 'resourceType',
        message: `Expected ${expected.map(article).join(' or ')} resource, got ${article(safeName(actual))}`,
        code: 'invalid',
      });
      return { valid: false, issues };
    }
  }
  // The schema validator recurses per level: a body nested thousands deep would overflow the stack (a 500).
  if (exceedsJsonDepth(resource, MAX_JSON_DEPTH)) {
    issues.push({
      location:
        isRecord(resource) && typeof resource.resourceType === 'string'
          ? safeName(resource.resourceType)
          : 'resourceType',
      message: `Elements are nested more than ${MAX_JSON_DEPTH} levels deep`,
      code: 'too-long',
    });
    return { valid: false, issues };
  }
  validateInto(resource, '', accepted, issues, 0);
  if (issues.length > MAX_VALIDATION_ISSUES) {
    const more = issues.length - MAX_VALIDATION_ISSUES;
    issues.length = MAX_VALIDATION_ISSUES;
    issues.push({ message: `${more} more issues not shown`, code: 'informational' });
  }
  return { valid: issues.length === 0, issues };
}

/**
 * Validates like {@link validateResource} and throws when invalid.
 *
 * @param resource - parsed JSON input
 * @param expectedType - the resource type(s) the caller accepts at the top level
 * @param options - accepted types for the top level and Bundle entries
 * @returns the same object, typed
 * @throws ValidationError (400) carrying every issue, its message naming the first one
 */
export function assertValidResource<K extends FhirResource['resourceType']>(
  resource: unknown,
  expectedType: K | readonly K[],
  options?: Omit<ValidateResourceOptions, 'expectedType'>,
): ResourceOfType<K>;
/**
 * Validates like {@link validateResource} and throws when invalid.
 *
 * @param resource - parsed JSON input, any accepted resource type
 * @returns the same object, typed
 * @throws ValidationError (400) carrying every issue, its message naming the first one
 */
export function assertValidResource(resource: unknown): ResourceOfType<AcceptedResourceType>;
export function assertValidResource(
  resource: unknown,
  expectedType?: string | readonly string[],
  options: Omit<ValidateResourceOptions, 'expectedType'> = {},
): FhirResource {
  const result = validateResource(resource, { ...options, ...(expectedType ? { expectedType } : {}) });
  if (!result.valid) {
    const [first] = result.issues;
    const type =
      isRecord(resource) && typeof resource.resourceType === 'string'
        ? safeName(resource.resourceType)
        : 'resource';
    const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : '';
    const where = first?.location ? `${first.location}: ` : '';
    throw new ValidationError(`Invalid FHIR ${type}: ${where}${first?.message ?? 'invalid'}${more}`, {
      issues: result.issues,
    });
  }
  return resource as FhirResource;
}

/**
 * Compiles the validators of the given resource types now (at boot) instead of on the first request.
 *
 * @param resourceTypes - R4 resource types; default {@link ACCEPTED_RESOURCE_TYPES}
 */
export function precompileFhirValidators(resourceTypes: readonly string[] = ACCEPTED_RESOURCE_TYPES): void {
  const registry = fhirSchemaRegistry();
  for (const t of resourceTypes) {
    registry.validatorFor(t);
  }
}

/**
 * Whether a name is a resource type of FHIR R4.
 *
 * @param name - e.g. `Patient`
 * @returns true for the 146 R4 resource types
 */
export function isFhirR4ResourceType(name: string): boolean {
  return fhirSchemaRegistry().resourceTypes.has(name);
}

/**
 * Validates one resource at `location` ('' for the top level) and then each resource nested in it.
 *
 * @param accepted - types allowed here; `undefined` means any R4 type (contained resources)
 */
function validateInto(
  value: unknown,
  location: string,
  accepted: ReadonlySet<string> | undefined,
  issues: IssueDetail[],
  depth: number,
): void {
  const registry = fhirSchemaRegistry();
  const typeLocation = joinLocation(location, ['resourceType']);
  if (!isRecord(value)) {
    issues.push({
      location: location || 'resourceType',
      message: `A resource must be a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
      code: 'structure',
    });
    return;
  }
  const type = value.resourceType;
  if (typeof type !== 'string') {
    issues.push({
      location: typeLocation,
      message:
        type === undefined ? "Missing required element 'resourceType'" : 'resourceType must be a string',
      code: 'required',
    });
    return;
  }
  if (!registry.resourceTypes.has(type)) {
    issues.push({
      location: typeLocation,
      message: `Unknown resourceType '${safeName(type)}': not a FHIR R4 resource type`,
      code: 'not-supported',
    });
    return;
  }
  if (accepted && !accepted.has(type)) {
    issues.push({
      location: typeLocation,
      message: `resourceType '${type}' is not accepted here; expected one of: ${[...accepted].join(', ')}`,
      code: 'not-supported',
    });
    return;
  }
  if (depth > MAX_NESTING) {
    issues.push({ location: location || type, message: 'Resources are nested too deeply', code: 'too-long' });
    return;
  }
  const base = location || type;
  const validate = registry.validatorFor(type);
  if (!validate(value)) {
    issues.push(...ajvErrorsToIssues(validate.errors ?? [], base, value, registry.primitiveByPattern));
  }
  if (issues.length > MAX_VALIDATION_ISSUES) {
    return;
  }
  forEachItem(value.contained, (item, i) => {
    validateInto(item, `${base}.contained[${i}]`, undefined, issues, depth + 1);
  });
  if (type === 'Bundle') {
    forEachItem(value.entry, (entry, i) => {
      if (!isRecord(entry)) {
        return; // the Bundle schema has already reported it
      }
      if (entry.resource !== undefined) {
        validateInto(entry.resource, `${base}.entry[${i}].resource`, accepted, issues, depth + 1);
      }
      const response = entry.response;
      if (isRecord(response) && response.outcome !== undefined) {
        validateInto(
          response.outcome,
          `${base}.entry[${i}].response.outcome`,
          new Set(['OperationOutcome']),
          issues,
          depth + 1,
        );
      }
    });
  }
  if (type === 'Parameters') {
    validateParameters(value.parameter, `${base}.parameter`, issues, depth + 1);
  }
}

function validateParameters(
  parameters: unknown,
  location: string,
  issues: IssueDetail[],
  depth: number,
): void {
  forEachItem(parameters, (p, i) => {
    if (!isRecord(p)) {
      return;
    }
    if (p.resource !== undefined) {
      validateInto(p.resource, `${location}[${i}].resource`, undefined, issues, depth);
    }
    validateParameters(p.part, `${location}[${i}].part`, issues, depth + 1);
  });
}

function forEachItem(list: unknown, fn: (item: unknown, index: number) => void): void {
  if (Array.isArray(list)) {
    list.forEach(fn);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A caller-supplied type name, shortened and stripped so it cannot inject text into messages or logs. */
function safeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_-]/g, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}

function article(word: string): string {
  return /^[AEIOU]/.test(word) ? `an ${word}` : `a ${word}`;
}
