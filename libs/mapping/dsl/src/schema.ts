/**
 * The meta-schema of mapping documents (JSON Schema draft-07, as ajv 8 reads it by default). Structure only:
 * transform names and arguments, lookup table names, paths and target fields are checked by the compiler,
 * which knows the registries and reports the same `file: /pointer: message` form.
 */
import { MAPPING_SCHEMA_ID } from './types';

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

/** The mapping meta-schema, `$id` {@link MAPPING_SCHEMA_ID}. */
export const MAPPING_META_SCHEMA = {
  $id: MAPPING_SCHEMA_ID,
  title: 'openIMIS payment layer — mapping document v1',
  type: 'object',
  additionalProperties: false,
  required: ['$schema', 'id', 'source', 'target', 'fields'],
  properties: {
    $schema: { const: MAPPING_SCHEMA_ID },
    id: { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' },
    description: { type: 'string' },
    notes: { type: 'string' },
    source: { type: 'string', pattern: '^[A-Z][A-Za-z]+$' },
    target: { type: 'string', minLength: 1 },
    lookups: {
      type: 'object',
      propertyNames: { pattern: NAME },
      additionalProperties: { type: 'object' },
    },
    identity: { $ref: '#/definitions/identity' },
    fields: { $ref: '#/definitions/fields' },
  },
  definitions: {
    identity: {
      type: 'object',
      additionalProperties: false,
      required: ['modes', 'key'],
      properties: {
        modes: {
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          items: { enum: ['uuid', 'code'] },
        },
        key: { $ref: '#/definitions/paths' },
        code: { $ref: '#/definitions/paths' },
        notes: { type: 'string' },
      },
    },
    paths: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ],
    },
    fields: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: NAME },
      additionalProperties: { $ref: '#/definitions/rule' },
    },
    rule: {
      type: 'object',
      additionalProperties: false,
      properties: {
        from: {
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          ],
        },
        template: { type: 'string', minLength: 1 },
        const: {},
        config: { type: 'string', minLength: 1 },
        transform: {
          type: 'array',
          items: {
            anyOf: [
              { type: 'string', minLength: 1 },
              { type: 'object', minProperties: 1, maxProperties: 1 },
            ],
          },
        },
        lookup: { type: 'string', minLength: 1 },
        default: {},
        required: {
          anyOf: [
            { type: 'boolean' },
            {
              type: 'object',
              additionalProperties: false,
              properties: { message: { type: 'string' }, error: { enum: ['validation', 'mapping'] } },
            },
          ],
        },
        when: { $ref: '#/definitions/condition' },
        each: { $ref: '#/definitions/fields' },
        notes: { type: 'string' },
      },
    },
    condition: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        path: { type: 'string', minLength: 1 },
        config: { type: 'string', minLength: 1 },
        exists: { type: 'boolean' },
        equals: {},
        in: { type: 'array' },
        all: { type: 'array', minItems: 1, items: { $ref: '#/definitions/condition' } },
        any: { type: 'array', minItems: 1, items: { $ref: '#/definitions/condition' } },
        not: { $ref: '#/definitions/condition' },
      },
    },
  },
} as const;
