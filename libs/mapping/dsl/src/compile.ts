/**
 * Validation and compilation of mapping documents. A document is checked once (meta-schema with ajv, then the
 * registries: transforms, lookups, paths, target whitelist) and turned into plain closures: `apply` walks an
 * array of field closures and never looks at the document again.
 */
import { basename } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import {
  ConfigError,
  MappingError,
  MediatorError,
  ValidationError,
  type IssueDetail,
} from '@payment-layer/shared-errors';
import {
  compilePath,
  locateMissing,
  parsePath,
  PathSyntaxError,
  formatLocation,
  type ParsedPath,
  type PathGetter,
} from './path';
import { MAPPING_META_SCHEMA } from './schema';
import { MAPPING_TARGETS, type MappingTarget } from './targets';
import { readConfig, TRANSFORMS, type MappingConfig, type TransformFn } from './transforms';
import type {
  CompiledMapping,
  Condition,
  FieldExplanation,
  FieldRule,
  JsonValue,
  LookupTable,
  MappingContext,
  MappingDocument,
  RequiredSpec,
} from './types';

/** A mapping document failed validation. Lists every problem as `file: /json/pointer: message`. */
export class MappingDocumentError extends ConfigError {
  /** The file, when known. */
  readonly file: string | undefined;
  /** One line per problem, `file: /pointer: message`. */
  readonly problems: readonly string[];

  constructor(file: string | undefined, problems: readonly string[]) {
    super(problems.join('\n'), {
      issues: problems.map((message) => ({ message, code: 'invalid' as const })),
    });
    this.file = file;
    this.problems = problems;
  }
}

/** Options of {@link compileMapping}. */
export interface CompileOptions {
  /** File name the document came from: used in error messages and checked against the document `id`. */
  readonly file?: string;
  /** Target registry (defaults to {@link MAPPING_TARGETS}). */
  readonly targets?: Readonly<Record<string, MappingTarget>>;
}

// One ajv instance for the process: the meta-schema and the transform argument schemas are compiled once.
let ajv: Ajv | undefined;
let validateDocument: ValidateFunction | undefined;
const argValidators = new Map<string, ValidateFunction>();

function getAjv(): Ajv {
  ajv ??= new Ajv({ allErrors: true, strict: true });
  return ajv;
}

function metaValidator(): ValidateFunction {
  validateDocument ??= getAjv().compile(MAPPING_META_SCHEMA);
  return validateDocument;
}

function argValidator(name: string, schema: Readonly<Record<string, unknown>>): ValidateFunction {
  let v = argValidators.get(name);
  if (v === undefined) {
    v = getAjv().compile(schema);
    argValidators.set(name, v);
  }
  return v;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function ajvProblem(err: ErrorObject): string | undefined {
  const at = err.instancePath === '' ? '/' : err.instancePath;
  if (err.schemaPath.includes('/anyOf/')) {
    // The anyOf error itself says it better than each branch.
    return undefined;
  }
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = (err.params as { additionalProperty: string }).additionalProperty;
      return `${at}: unknown key "${key}"`;
    }
    case 'required':
      return `${at}: missing "${(err.params as { missingProperty: string }).missingProperty}"`;
    case 'const':
      return `${at}: must be "${String((err.params as { allowedValue: unknown }).allowedValue)}"`;
    case 'anyOf':
      if (/\/transform\/\d+$/.test(at)) {
        return `${at}: must be a transform name or a one-key object { "<name>": <argument> }`;
      }
      if (at.endsWith('/from')) {
        return `${at}: must be a path or a non-empty list of paths`;
      }
      return `${at}: ${err.message ?? 'is invalid'}`;
    default:
      return `${at}: ${err.message ?? 'is invalid'}`;
  }
}

/** A reader for one config key, specialised at compile time for plain (undotted) keys. */
function configReader(key: string): (config: MappingConfig) => unknown {
  return key.includes('.') ? (config) => readConfig(config, key) : (config) => config[key];
}

/** Missing means: nothing, null, empty text or an empty list. */
function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

type Problems = string[];

/** Per-field compiled form. */
interface FieldPlan {
  readonly name: string;
  readonly rule: FieldRule;
  readonly source: readonly string[];
  readonly when: ((node: unknown, config: MappingConfig) => boolean) | undefined;
  readonly read: (node: unknown, config: MappingConfig, root: string, issues: IssueDetail[][]) => unknown;
  readonly finish: (value: unknown, config: MappingConfig) => unknown;
  readonly missing: (node: unknown, root: string) => void;
}

interface Compiler {
  readonly doc: MappingDocument;
  readonly problems: Problems;
  readonly prefix: string;
}

function parseAt(c: Compiler, text: string, pointer: string): ParsedPath | undefined {
  try {
    return parsePath(text);
  } catch (err) {
    const reason = err instanceof PathSyntaxError ? err.message : String(err);
    c.problems.push(`${c.prefix}${pointer}: invalid path "${text}": ${reason}`);
    return undefined;
  }
}

function sameJson(a: unknown, b: JsonValue): boolean {
  if (Array.isArray(a)) {
    return a.some((x) => sameJson(x, b));
  }
  return a === b;
}

/** Splits `text {path} text` into literal text and parsed paths. */
function parseTemplate(c: Compiler, template: string, pointer: string): (string | ParsedPath)[] | undefined {
  const parts: (string | ParsedPath)[] = [];
  let ok = true;
  let last = 0;
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    if (m.index > last) {
      parts.push(template.slice(last, m.index));
    }
    const parsed = parseAt(c, (m[1] ?? '').trim(), pointer);
    if (parsed === undefined) {
      ok = false;
    } else {
      parts.push(parsed);
    }
    last = m.index + m[0].length;
  }
  if (last < template.length) {
    parts.push(template.slice(last));
  }
  if (!parts.some((p) => typeof p !== 'string')) {
    c.problems.push(
      `${c.prefix}${pointer}: a template needs at least one {path}; use "const" for fixed text`,
    );
    return undefined;
  }
  if (parts.some((p) => typeof p === 'string' && /[{}]/.test(p))) {
    c.problems.push(`${c.prefix}${pointer}: unbalanced "{" or "}" in template`);
    return undefined;
  }
  return ok ? parts : undefined;
}

function compileCondition(
  c: Compiler,
  cond: Condition,
  pointer: string,
): ((node: unknown, config: MappingConfig) => boolean) | undefined {
  const combos = ['all', 'any', 'not'].filter((k) => hasOwn(cond, k));
  const subjects = ['path', 'config'].filter((k) => hasOwn(cond, k));
  const tests = ['exists', 'equals', 'in'].filter((k) => hasOwn(cond, k));
  if (combos.length > 0) {
    if (combos.length > 1 || subjects.length > 0 || tests.length > 0) {
      c.problems.push(
        `${c.prefix}${pointer}: combine with exactly one of "all", "any", "not" and nothing else`,
      );
      return undefined;
    }
    if (cond.not !== undefined) {
      const inner = compileCondition(c, cond.not, `${pointer}/not`);
      return inner && ((n, cfg) => !inner(n, cfg));
    }
    const list = (cond.all ?? cond.any ?? []).map((sub, i) =>
      compileCondition(c, sub, `${pointer}/${cond.all ? 'all' : 'any'}/${i}`),
    );
    if (list.some((x) => x === undefined)) {
      return undefined;
    }
    const preds = list as ((node: unknown, config: MappingConfig) => boolean)[];
    return cond.all ? (n, cfg) => preds.every((p) => p(n, cfg)) : (n, cfg) => preds.some((p) => p(n, cfg));
  }
  if (subjects.length !== 1 || tests.length !== 1) {
    c.problems.push(
      `${c.prefix}${pointer}: a condition needs exactly one of "path", "config" and exactly one of "exists", "equals", "in"`,
    );
    return undefined;
  }
  let subject: (node: unknown, config: MappingConfig) => unknown;
  if (cond.path !== undefined) {
    const parsed = parseAt(c, cond.path, `${pointer}/path`);
    if (parsed === undefined) {
      return undefined;
    }
    const get = compilePath(parsed);
    subject = (node) => get(node);
  } else {
    const key = cond.config ?? '';
    const read = configReader(key);
    subject = (_node, config) => read(config);
  }
  if (cond.exists !== undefined) {
    const want = cond.exists;
    return (n, cfg) => isMissing(subject(n, cfg)) !== want;
  }
  if (cond.in !== undefined) {
    const options = cond.in;
    return (n, cfg) => {
      const v = subject(n, cfg);
      return options.some((o) => sameJson(v, o));
    };
  }
  const want = cond.equals as JsonValue;
  return (n, cfg) => sameJson(subject(n, cfg), want);
}

function compileTransforms(c: Compiler, rule: FieldRule, pointer: string): TransformFn[] {
  const out: TransformFn[] = [];
  (rule.transform ?? []).forEach((spec, i) => {
    const at = `${pointer}/transform/${i}`;
    const [name, args, hasArgs] =
      typeof spec === 'string'
        ? [spec, undefined, false]
        : [Object.keys(spec)[0] ?? '', Object.values(spec)[0], true];
    const def = TRANSFORMS.get(name);
    if (def === undefined) {
      c.problems.push(`${c.prefix}${at}: unknown transform "${name}"`);
      return;
    }
    if (hasArgs && def.args === undefined) {
      c.problems.push(`${c.prefix}${at}: transform "${name}" takes no argument: write "${name}"`);
      return;
    }
    if (!hasArgs && def.argsRequired === true) {
      c.problems.push(`${c.prefix}${at}: transform "${name}" needs an argument: { "${name}": … }`);
      return;
    }
    if (hasArgs && def.args !== undefined) {
      const validate = argValidator(name, def.args);
      if (!validate(args)) {
        for (const err of validate.errors ?? []) {
          c.problems.push(
            `${c.prefix}${at}/${escapePointer(name)}${err.instancePath}: ${err.message ?? 'is invalid'}`,
          );
        }
        return;
      }
    }
    try {
      out.push(def.compile(args));
    } catch (err) {
      c.problems.push(`${c.prefix}${at}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  return out;
}

const LOOKUP_MISS = Symbol('lookup-miss');

function compileLookup(
  c: Compiler,
  rule: FieldRule,
  pointer: string,
  field: string,
): ((value: unknown, config: MappingConfig, location: string) => unknown) | undefined {
  if (rule.lookup === undefined) {
    return undefined;
  }
  const name = rule.lookup;
  const table: LookupTable | undefined = c.doc.lookups?.[name];
  if (table === undefined) {
    c.problems.push(`${c.prefix}${pointer}/lookup: unknown lookup table "${name}"`);
    return undefined;
  }
  const configKey = typeof table.$config === 'string' ? table.$config : undefined;
  const inline = configKey === undefined ? new Map(Object.entries(table)) : undefined;
  const id = c.doc.id;
  const hasDefault = hasOwn(rule, 'default');
  const one = (
    map: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
    x: unknown,
    location: string,
  ): unknown => {
    const key =
      typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined;
    if (key !== undefined) {
      if (map instanceof Map) {
        if (map.has(key)) {
          return map.get(key);
        }
      } else if (hasOwn(map, key)) {
        return (map as Readonly<Record<string, unknown>>)[key];
      }
    }
    if (hasDefault) {
      return LOOKUP_MISS;
    }
    const message = `no ${field} for ${JSON.stringify(x)} in lookup "${name}"`;
    throw new MappingError(`${location}: ${message}`, { issues: [{ message, location, code: 'value' }] });
  };
  return (value, config, location) => {
    if (value === undefined) {
      return undefined;
    }
    let map: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;
    if (inline !== undefined) {
      map = inline;
    } else {
      const fromConfig = readConfig(config, configKey ?? '');
      if (typeof fromConfig !== 'object' || fromConfig === null) {
        throw new ConfigError(
          `mapping ${id}: lookup "${name}" needs an object in config "${configKey ?? ''}"`,
        );
      }
      map = fromConfig as Readonly<Record<string, unknown>>;
    }
    if (Array.isArray(value)) {
      const mapped = value.map((x) => one(map, x, location)).filter((v) => v !== LOOKUP_MISS);
      return mapped.length === 0 ? undefined : mapped;
    }
    const mapped = one(map, value, location);
    return mapped === LOOKUP_MISS ? undefined : mapped;
  };
}

function compileFields(
  c: Compiler,
  fields: Readonly<Record<string, FieldRule>>,
  pointer: string,
  whitelist: ReadonlySet<string> | undefined,
  target: string,
): FieldPlan[] {
  const plans: FieldPlan[] = [];
  for (const [name, rule] of Object.entries(fields)) {
    const at = `${pointer}/${escapePointer(name)}`;
    if (whitelist !== undefined && !whitelist.has(name)) {
      c.problems.push(
        `${c.prefix}${at}: "${name}" is not accepted by ${target} (Fineract rejects unknown keys)`,
      );
    }
    const plan = compileField(c, name, rule, at);
    if (plan !== undefined) {
      plans.push(plan);
    }
  }
  return plans;
}

function compileField(c: Compiler, name: string, rule: FieldRule, at: string): FieldPlan | undefined {
  const kinds = ['from', 'template', 'const', 'config'].filter((k) => hasOwn(rule, k));
  if (kinds.length !== 1) {
    c.problems.push(`${c.prefix}${at}: needs exactly one of "from", "template", "const", "config"`);
    return undefined;
  }
  if (rule.each !== undefined && rule.from === undefined) {
    c.problems.push(`${c.prefix}${at}/each: "each" needs "from" (the list to map)`);
  }
  const when = rule.when === undefined ? undefined : compileCondition(c, rule.when, `${at}/when`);
  const transforms = compileTransforms(c, rule, at);
  const lookup = compileLookup(c, rule, at, name);
  const required: RequiredSpec | undefined =
    rule.required === true ? {} : typeof rule.required === 'object' ? rule.required : undefined;
  const id = c.doc.id;

  // Source.
  let read: FieldPlan['read'];
  let source: string[];
  let paths: ParsedPath[] = [];
  const root = c.doc.source;
  if (rule.from !== undefined) {
    const texts = typeof rule.from === 'string' ? [rule.from] : rule.from;
    paths = texts
      .map((t, i) => parseAt(c, t, typeof rule.from === 'string' ? `${at}/from` : `${at}/from/${i}`))
      .filter((p): p is ParsedPath => p !== undefined);
    if (paths.length !== texts.length) {
      return undefined;
    }
    source = paths.map((p) => formatLocation(root, p));
    const getters = paths.map((p) => compilePath(p));
    const [only] = getters;
    let get: PathGetter;
    if (getters.length === 1 && only !== undefined) {
      get = only;
    } else {
      get = (node) => {
        for (const g of getters) {
          const v = g(node);
          if (!isMissing(v)) {
            return v;
          }
        }
        return undefined;
      };
    }
    if (rule.each !== undefined) {
      const sub = compileFields(c, rule.each, `${at}/each`, undefined, '');
      const subPath = paths[0];
      read = (node, config, rootLocation, issues) => {
        const v = get(node);
        if (isMissing(v)) {
          return undefined;
        }
        const items = Array.isArray(v) ? v : [v];
        // Items are numbered in the flattened list: `Patient.member.entity[1]`.
        const base = (subPath === undefined ? rootLocation : formatLocation(rootLocation, subPath)).replace(
          /\[\*\]/g,
          '',
        );
        const out: Record<string, unknown>[] = [];
        items.forEach((item, i) => {
          const obj = runFields(sub, item, config, `${base}[${i}]`, issues);
          if (Object.keys(obj).length > 0) {
            out.push(obj);
          }
        });
        return out;
      };
    } else {
      read = (node) => get(node);
    }
  } else if (rule.template !== undefined) {
    const parts = parseTemplate(c, rule.template, `${at}/template`);
    if (parts === undefined) {
      return undefined;
    }
    paths = parts.filter((p): p is ParsedPath => typeof p !== 'string');
    source = paths.map((p) => formatLocation(root, p));
    const compiled = parts.map((p) => (typeof p === 'string' ? p : compilePath(p)));
    read = (node) => {
      let out = '';
      for (const part of compiled) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        const v = part(node);
        if (isMissing(v)) {
          return undefined;
        }
        out += Array.isArray(v) ? v.map(String).join(' ') : String(v);
      }
      return out;
    };
  } else if (rule.config !== undefined) {
    const key = rule.config;
    source = [`config ${key}`];
    const fromConfig = configReader(key);
    read = (_node, config) => fromConfig(config);
  } else {
    const value = rule.const;
    source = ['const'];
    read = () => value;
  }

  const location = source[0] ?? root;
  const finish = compileFinish(transforms, lookup, location, hasOwn(rule, 'default'), rule.default);

  const missing = (node: unknown, rootLocation: string): void => {
    if (required === undefined) {
      return;
    }
    if (rule.config !== undefined) {
      throw new ConfigError(`mapping ${id}: config "${rule.config}" is required for ${name}`);
    }
    // The first source path that yields nothing is the one to name (for a template: the first empty placeholder).
    const first = paths.find((p) => isMissing(compilePath(p)(node))) ?? paths[0];
    const where = first === undefined ? rootLocation : locateMissing(rootLocation, first, node);
    const message =
      required.message === undefined ? `${where} is required (${name})` : `${required.message} (${where})`;
    const issue: IssueDetail = { message, location: where, code: 'required' };
    throw required.error === 'mapping'
      ? new MappingError(message, { issues: [issue] })
      : new ValidationError(message, { issues: [issue] });
  };

  return { name, rule, source, when, read, finish, missing };
}

/**
 * Chains transforms, lookup and default into one closure, specialised for the common shapes so that a field
 * without a pipeline costs nothing.
 */
function compileFinish(
  transforms: readonly TransformFn[],
  lookup: ((value: unknown, config: MappingConfig, location: string) => unknown) | undefined,
  location: string,
  hasDefault: boolean,
  fallback: unknown,
): (value: unknown, config: MappingConfig) => unknown {
  const [t0, t1] = transforms;
  let pipeline: (value: unknown, config: MappingConfig) => unknown;
  if (transforms.length === 0) {
    pipeline = (v) => v;
  } else if (transforms.length === 1 && t0 !== undefined) {
    pipeline = (v, config) => t0(v, config, location);
  } else if (transforms.length === 2 && t0 !== undefined && t1 !== undefined) {
    pipeline = (v, config) => t1(t0(v, config, location), config, location);
  } else {
    pipeline = (v, config) => {
      let x = v;
      for (const t of transforms) {
        x = t(x, config, location);
      }
      return x;
    };
  }
  if (lookup === undefined && !hasDefault) {
    return pipeline;
  }
  return (value, config) => {
    let v = pipeline(value, config);
    if (lookup !== undefined) {
      v = lookup(v, config, location);
    }
    return hasDefault && isMissing(v) ? fallback : v;
  };
}

/**
 * Runs compiled fields over one node, collecting rule errors into `issues` (one list per error, kept by kind).
 */
function runFields(
  plans: readonly FieldPlan[],
  node: unknown,
  config: MappingConfig,
  rootLocation: string,
  issues: IssueDetail[][],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = plans.length;
  let i = 0;
  // One try block around the whole loop (resumed after a failing field) keeps the happy path free of
  // per-field exception-handling setup.
  while (i < n) {
    try {
      for (; i < n; i++) {
        const plan = plans[i] as FieldPlan;
        if (plan.when !== undefined && !plan.when(node, config)) {
          continue;
        }
        const v = plan.finish(plan.read(node, config, rootLocation, issues), config);
        if (isMissing(v)) {
          plan.missing(node, rootLocation);
          continue;
        }
        out[plan.name] = v;
      }
    } catch (err) {
      collect(err, issues);
      i++;
    }
  }
  return out;
}

// issues[0] = validation issues, issues[1] = mapping issues.
function collect(err: unknown, issues: IssueDetail[][]): void {
  if (err instanceof ValidationError || err instanceof MappingError) {
    const bucket = err instanceof ValidationError ? 0 : 1;
    const list = err.issues.length > 0 ? err.issues : [{ message: err.message }];
    (issues[bucket] ??= []).push(...list);
    return;
  }
  throw err;
}

function raise(id: string, issues: IssueDetail[][]): void {
  const validation = issues[0] ?? [];
  const mapping = issues[1] ?? [];
  if (validation.length === 0 && mapping.length === 0) {
    return;
  }
  const all = [...validation, ...mapping];
  const message =
    all.length === 1
      ? (all[0]?.message ?? id)
      : `${id}: ${all.length} problems: ${all.map((i) => i.message).join('; ')}`;
  throw validation.length > 0
    ? new ValidationError(message, { issues: all })
    : new MappingError(message, { issues: all });
}

const NO_CONFIG: MappingConfig = Object.freeze({});

/**
 * Checks a mapping document against the meta-schema and the registries (transforms, lookups, paths, target
 * whitelist), without keeping the compiled form.
 *
 * @param doc - parsed JSON
 * @param options - `file` for messages
 * @throws MappingDocumentError listing every problem as `file: /pointer: message`
 */
export function validateMappingDocument(
  doc: unknown,
  options: CompileOptions = {},
): asserts doc is MappingDocument {
  compileMapping(doc, options);
}

/**
 * Compiles a mapping document into closures, once.
 *
 * @param doc - parsed JSON of a mapping document
 * @param options - `file` (for messages and the id check), `targets` (registry override)
 * @returns the compiled mapping with `apply` and `explain`
 * @throws MappingDocumentError listing every problem as `file: /pointer: message`
 */
export function compileMapping(doc: unknown, options: CompileOptions = {}): CompiledMapping {
  const file = options.file;
  const prefix = file === undefined ? '' : `${basename(file)}: `;
  const validate = metaValidator();
  if (!validate(doc)) {
    const problems = (validate.errors ?? [])
      .map(ajvProblem)
      .filter((p): p is string => p !== undefined)
      .map((p) => `${prefix}${p}`);
    throw new MappingDocumentError(file, [...new Set(problems)]);
  }
  const document = doc as MappingDocument;
  const c: Compiler = { doc: document, problems: [], prefix };
  const targets = options.targets ?? MAPPING_TARGETS;
  const target = targets[document.target];
  if (target === undefined) {
    c.problems.push(
      `${prefix}/target: unknown target "${document.target}" (known: ${Object.keys(targets).join(', ')})`,
    );
  }
  if (file !== undefined) {
    const expected = basename(file).replace(/\.mapping\.json$/, '');
    if (expected !== document.id) {
      c.problems.push(`${prefix}/id: "${document.id}" does not match the file name (expected "${expected}")`);
    }
  }
  for (const [name, table] of Object.entries(document.lookups ?? {})) {
    if (hasOwn(table, '$config') && (Object.keys(table).length !== 1 || typeof table.$config !== 'string')) {
      c.problems.push(
        `${prefix}/lookups/${escapePointer(name)}: a config table is exactly { "$config": "<key>" }`,
      );
    }
  }
  checkIdentityPaths(c, document);
  const whitelist = target === undefined ? undefined : new Set(target.fields);
  const plans = compileFields(c, document.fields, '/fields', whitelist, document.target);
  if (c.problems.length > 0) {
    throw new MappingDocumentError(file, c.problems);
  }
  return build(document, plans, file);
}

/** The identity paths must parse like any `from` path (they are documentation, but must not lie). */
function checkIdentityPaths(c: Compiler, document: MappingDocument): void {
  const identity = document.identity;
  if (identity === undefined) {
    return;
  }
  for (const part of ['key', 'code'] as const) {
    const value = identity[part];
    const paths = value === undefined ? [] : typeof value === 'string' ? [value] : value;
    paths.forEach((text, i) => {
      parseAt(c, text, `/identity/${part}${typeof value === 'string' ? '' : `/${i}`}`);
    });
  }
}

function checkResource(resource: unknown, source: string): void {
  if (
    typeof resource !== 'object' ||
    resource === null ||
    (resource as { resourceType?: unknown }).resourceType !== source
  ) {
    const message = `expected a ${source} resource`;
    throw new ValidationError(message, { issues: [{ message, location: 'resourceType', code: 'invalid' }] });
  }
}

function build(
  document: MappingDocument,
  plans: readonly FieldPlan[],
  file: string | undefined,
): CompiledMapping {
  const { id, source, target } = document;
  const apply = (resource: unknown, context?: MappingContext): Record<string, unknown> => {
    checkResource(resource, source);
    const config = context?.config ?? NO_CONFIG;
    const issues: IssueDetail[][] = [];
    const out = runFields(plans, resource, config, source, issues);
    raise(id, issues);
    return out;
  };

  const explain = (resource: unknown, context?: MappingContext): FieldExplanation[] => {
    checkResource(resource, source);
    const config = context?.config ?? NO_CONFIG;
    return plans.map((plan): FieldExplanation => {
      const base = { field: plan.name, rule: plan.rule, source: plan.source };
      if (plan.when !== undefined && !plan.when(resource, config)) {
        return { ...base, sourceValue: undefined, emitted: false, reason: 'when' };
      }
      const issues: IssueDetail[][] = [];
      let sourceValue: unknown;
      try {
        sourceValue = plan.read(resource, config, source, issues);
        raise(id, issues);
        const value = plan.finish(sourceValue, config);
        if (isMissing(value)) {
          plan.missing(resource, source);
          return { ...base, sourceValue, emitted: false, reason: 'missing' };
        }
        return { ...base, sourceValue, value, emitted: true };
      } catch (err) {
        if (err instanceof MediatorError) {
          return { ...base, sourceValue, emitted: false, reason: 'error', error: err.message };
        }
        throw err;
      }
    });
  };

  return {
    id,
    source,
    target,
    document,
    ...(file === undefined ? {} : { file }),
    apply,
    explain,
  };
}
