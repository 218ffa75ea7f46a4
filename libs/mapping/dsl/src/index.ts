/**
 * The mapping DSL: declarative openIMIS → Fineract field mappings as JSON documents, validated by a versioned
 * meta-schema, compiled once into closures, and rendered as the human "fields mapping document".
 */
export {
  compileMapping,
  validateMappingDocument,
  MappingDocumentError,
  type CompileOptions,
} from './compile';
export {
  loadMappingDir,
  loadMappingFile,
  listMappingFiles,
  readMappingFile,
  MAPPING_FILE_SUFFIX,
} from './load';
export { parsePath, compilePath, formatLocation, locateMissing, PathSyntaxError } from './path';
export type { ParsedPath, PathStep, PathGetter } from './path';
export { renderMappingMarkdown, renderWorkspaceMappingDocs, type RenderableMapping } from './render';
export { MAPPING_META_SCHEMA } from './schema';
export { MAPPING_TARGETS, type MappingTarget } from './targets';
export { TRANSFORMS, readConfig } from './transforms';
export type { MappingConfig, TransformDefinition, TransformFn, ArgsSchema } from './transforms';
export { MAPPING_SCHEMA_ID } from './types';
export type {
  CompiledMapping,
  Condition,
  FieldExplanation,
  FieldRule,
  IdentityMode,
  IdentityRule,
  JsonValue,
  LookupTable,
  MappingContext,
  MappingDocument,
  RequiredSpec,
  TransformSpec,
} from './types';
