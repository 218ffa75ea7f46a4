/**
 * The shape of a mapping document (version 1). The JSON Schema in `schema.ts` is the normative form; these types
 * mirror it for code that builds or inspects documents.
 */
import type { MappingConfig } from './transforms';

/** `$id` of the mapping meta-schema; every document's `$schema` must be exactly this (the version lives in it). */
export const MAPPING_SCHEMA_ID = 'https://openimis.org/payment-layer/mapping/v1';

/** Any JSON value. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A transform in a rule's `transform` list: a bare name, or `{ "<name>": <argument> }`. */
export type TransformSpec = string | { readonly [name: string]: JsonValue };

/**
 * A condition (`when`). Either a test — exactly one subject (`path` in the source, or `config` key) and exactly
 * one of `exists`, `equals`, `in` — or a combination with `all`, `any` or `not`.
 */
export interface Condition {
  readonly path?: string;
  readonly config?: string;
  readonly exists?: boolean;
  readonly equals?: JsonValue;
  readonly in?: readonly JsonValue[];
  readonly all?: readonly Condition[];
  readonly any?: readonly Condition[];
  readonly not?: Condition;
}

/** What `required` says when the value is missing. */
export interface RequiredSpec {
  /** Message for the caller (the location is added). */
  readonly message?: string;
  /** `validation` (400, default: the input lacks something) or `mapping` (422: valid input we cannot map). */
  readonly error?: 'validation' | 'mapping';
}

/**
 * How one target field is produced. Exactly one source — `from` (a path, or a list of paths tried in order),
 * `template`, `const` or `config` — then, in this order: `transform`s, `lookup`, `default`, `required`. `when` decides
 * whether the field is produced at all; `each` maps every item of the `from` list into an object.
 * A field whose final value is missing (`undefined`, `null`, `""` or an empty list) is left out of the output.
 */
export interface FieldRule {
  readonly from?: string | readonly string[];
  /** Text with `{path}` placeholders, e.g. `"{name} ({identifier(Code).value})"`; missing if any placeholder is. */
  readonly template?: string;
  readonly const?: JsonValue;
  readonly config?: string;
  readonly transform?: readonly TransformSpec[];
  readonly lookup?: string;
  readonly default?: JsonValue;
  readonly required?: boolean | RequiredSpec;
  readonly when?: Condition;
  readonly each?: Readonly<Record<string, FieldRule>>;
  readonly notes?: string;
}

/** A lookup table: code → value, or `{ "$config": "<key>" }` to take the table from the apply-time config. */
export type LookupTable = Readonly<Record<string, JsonValue>>;

/** A mapping document. */
export interface MappingDocument {
  readonly $schema: typeof MAPPING_SCHEMA_ID;
  /** kebab-case id, equal to the file name without `.mapping.json`. */
  readonly id: string;
  readonly description?: string;
  /** FHIR resource type the document reads. */
  readonly source: string;
  /** Target operation (see `MAPPING_TARGETS`): the fields must be in its whitelist. */
  readonly target: string;
  readonly lookups?: Readonly<Record<string, LookupTable>>;
  /** How the source resource is identified in openIMIS (reported in the generated mapping document). */
  readonly identity?: IdentityRule;
  /** Target field name → rule, in output order. */
  readonly fields: Readonly<Record<string, FieldRule>>;
  /** Free text for the generated mapping document. */
  readonly notes?: string;
}

/**
 * openIMIS identity modes: `uuid` (the default: `id` and references are UUIDs) or `code` (module setting
 * `default_response_identifier`: `id` and references are business codes — CHF id, head CHF id, invoice code).
 */
export type IdentityMode = 'uuid' | 'code';

/** How a document's source resource is identified: the modes accepted and where the link key is read. */
export interface IdentityRule {
  /** Identity modes of openIMIS deployments whose resources the mediator accepts. */
  readonly modes: readonly IdentityMode[];
  /** Paths of the link key (the openIMIS UUID), in order of preference. */
  readonly key: string | readonly string[];
  /** Paths of the business code the resource may arrive by instead, in order of preference. */
  readonly code?: string | readonly string[];
  /** How a resource given by code only is matched (free text for the generated document). */
  readonly notes?: string;
}

/** What a caller passes to `apply`/`explain`. */
export interface MappingContext {
  /** Values `config` rules, `$config` lookups and `when: {config}` read (mediator config, `today`, …). */
  readonly config?: MappingConfig;
}

/** How one output field came about (`explain`). */
export interface FieldExplanation {
  /** Target field. */
  readonly field: string;
  /** The rule as written. */
  readonly rule: FieldRule;
  /** Where the value comes from: FHIRPath-like locations, `config <key>` or `const`. */
  readonly source: readonly string[];
  /** The value read from the source, before transforms. */
  readonly sourceValue: unknown;
  /** The final value (absent when the field is not emitted). */
  readonly value?: unknown;
  /** Whether the field is in the output. */
  readonly emitted: boolean;
  /** Why it is not: its `when` is false, its value is missing, or an error. */
  readonly reason?: 'when' | 'missing' | 'error';
  /** The error message, for `reason: "error"`. */
  readonly error?: string;
}

/** A document compiled into closures. */
export interface CompiledMapping {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** The file it was loaded from, when known. */
  readonly file?: string;
  readonly document: MappingDocument;
  /**
   * Maps a resource. Returns only the document's fields (Fineract rejects unknown keys).
   *
   * @throws ValidationError (400) listing every missing required source field or invalid value, MappingError (422)
   *   when the input cannot be mapped (e.g. a code without lookup), ConfigError when a `config` value is missing
   */
  apply(resource: unknown, context?: MappingContext): Record<string, unknown>;
  /** Explains, per field, the rule, the source path and value, and the result. Never throws for input errors. */
  explain(resource: unknown, context?: MappingContext): FieldExplanation[];
}
