import { isRecord, newObjectId } from './util';

/**
 * A small stand-in for the mongoose schemas of core's `Mediator` and `Channel` models (openhim.md §3.1–3.4):
 * casting (`"3000"` → 3000), defaults, unknown fields dropped (mongoose `strict`), sub-document `_id`s, and the
 * validators `required`, `enum`, `min`, `max`. Messages follow mongoose's wording so 400 bodies look like core's.
 */

/** How one field is cast and validated. */
export type FieldSpec =
  | { kind: 'string'; required?: boolean; enum?: readonly string[]; default?: string }
  | { kind: 'number'; required?: boolean; min?: number; max?: number; default?: number }
  | { kind: 'boolean'; default?: boolean }
  | { kind: 'date'; required?: boolean }
  | { kind: 'stringArray'; enum?: readonly string[]; requiredItems?: boolean }
  | { kind: 'docArray'; schema: Schema }
  | { kind: 'doc'; schema: Schema; noId?: boolean }
  | { kind: 'mixed' }
  | { kind: 'mixedArray' };

/** A mongoose-like schema: field name → spec. */
export type Schema = Readonly<Record<string, FieldSpec>>;

const ROUTE_SCHEMA: Schema = {
  name: { kind: 'string', required: true },
  type: { kind: 'string', enum: ['http', 'kafka'], default: 'http' },
  cert: { kind: 'string' },
  status: { kind: 'string', enum: ['enabled', 'disabled'], default: 'enabled' },
  secured: { kind: 'boolean' },
  host: { kind: 'string' },
  port: { kind: 'number', min: 0, max: 65536 },
  path: { kind: 'string' },
  pathTransform: { kind: 'string' },
  primary: { kind: 'boolean' },
  username: { kind: 'string' },
  password: { kind: 'string' },
  forwardAuthHeader: { kind: 'boolean', default: false },
  waitPrimaryResponse: { kind: 'boolean' },
  statusCodesCheck: { kind: 'string' },
  kafkaClientId: { kind: 'string' },
  kafkaTopic: { kind: 'string' },
};

const CONTACT_USER_SCHEMA: Schema = {
  user: { kind: 'string', required: true },
  method: { kind: 'string', required: true, enum: ['email', 'sms'] },
  maxAlerts: { kind: 'string', enum: ['no max', '1 per hour', '1 per day'], default: 'no max' },
};

const ALERT_SCHEMA: Schema = {
  condition: { kind: 'string', enum: ['status', 'auto-retry-max-attempted'], default: 'status' },
  status: { kind: 'string' },
  failureRate: { kind: 'number' },
  groups: { kind: 'stringArray' },
  users: { kind: 'docArray', schema: CONTACT_USER_SCHEMA },
};

const REWRITE_RULE_SCHEMA: Schema = {
  fromHost: { kind: 'string', required: true },
  toHost: { kind: 'string', required: true },
  fromPort: { kind: 'number', required: true, default: 80 },
  toPort: { kind: 'number', required: true, default: 80 },
  pathTransform: { kind: 'string' },
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

/** Core's `ChannelDef` (v8.5). */
export const CHANNEL_SCHEMA: Schema = {
  name: { kind: 'string', required: true },
  description: { kind: 'string' },
  urlPattern: { kind: 'string', required: true },
  isAsynchronousProcess: { kind: 'boolean', default: false },
  maxBodyAgeDays: { kind: 'number', min: 1, max: 36500 },
  lastBodyCleared: { kind: 'date' },
  timeout: { kind: 'number', min: 1, max: 3_600_000 },
  methods: { kind: 'stringArray', enum: METHODS },
  type: { kind: 'string', enum: ['http', 'tcp', 'tls', 'polling'], default: 'http' },
  priority: { kind: 'number', min: 1 },
  tcpPort: { kind: 'number', min: 0, max: 65536 },
  tcpHost: { kind: 'string' },
  pollingSchedule: { kind: 'string' },
  requestBody: { kind: 'boolean' },
  responseBody: { kind: 'boolean' },
  allow: { kind: 'stringArray', requiredItems: true },
  whitelist: { kind: 'stringArray' },
  authType: { kind: 'string', enum: ['private', 'public'], default: 'private' },
  routes: { kind: 'docArray', schema: ROUTE_SCHEMA },
  matchContentTypes: { kind: 'stringArray' },
  matchContentRegex: { kind: 'string' },
  matchContentXpath: { kind: 'string' },
  matchContentJson: { kind: 'string' },
  matchContentValue: { kind: 'string' },
  properties: { kind: 'mixedArray' },
  txViewAcl: { kind: 'stringArray' },
  txViewFullAcl: { kind: 'stringArray' },
  txRerunAcl: { kind: 'stringArray' },
  alerts: { kind: 'docArray', schema: ALERT_SCHEMA },
  status: { kind: 'string', enum: ['enabled', 'disabled', 'deleted'], default: 'enabled' },
  rewriteUrls: { kind: 'boolean', default: false },
  addAutoRewriteRules: { kind: 'boolean', default: true },
  rewriteUrlsConfig: { kind: 'docArray', schema: REWRITE_RULE_SCHEMA },
  autoRetryEnabled: { kind: 'boolean', default: false },
  autoRetryPeriodMinutes: { kind: 'number', min: 1, default: 60 },
  autoRetryMaxAttempts: { kind: 'number', min: 0 },
  updatedBy: { kind: 'doc', noId: true, schema: { id: { kind: 'string' }, name: { kind: 'string' } } },
};

const CONFIG_DEF_SCHEMA: Schema = {
  param: { kind: 'string' },
  displayName: { kind: 'string' },
  description: { kind: 'string' },
  type: {
    kind: 'string',
    enum: ['string', 'bool', 'number', 'option', 'bigstring', 'map', 'struct', 'password'],
  },
  values: { kind: 'stringArray' },
  template: { kind: 'mixedArray' },
  array: { kind: 'boolean' },
};

/** Core's `MediatorSchema` (without the internal `_…` fields, which only core sets). */
export const MEDIATOR_SCHEMA: Schema = {
  urn: { kind: 'string', required: true },
  version: { kind: 'string', required: true },
  name: { kind: 'string', required: true },
  description: { kind: 'string' },
  endpoints: { kind: 'docArray', schema: ROUTE_SCHEMA },
  defaultChannelConfig: { kind: 'docArray', schema: CHANNEL_SCHEMA },
  configDefs: { kind: 'docArray', schema: CONFIG_DEF_SCHEMA },
  config: { kind: 'mixed' },
};

/** A failed cast; on an update (no validators) mongoose throws it as a `CastError` and core answers 500. */
export class CoreCastError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CastError';
  }
}

interface Issue {
  readonly path: string;
  readonly message: string;
  readonly cast: boolean;
}

function describe(value: unknown): string {
  const type = Array.isArray(value) ? 'Array' : value === null ? 'null' : typeof value;
  let shown: string;
  try {
    shown = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    shown = String(value);
  }
  return `value "${shown}" (type ${type})`;
}

function castString(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  // mongoose casts anything with its own toString (numbers, booleans); plain objects and arrays fail.
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return undefined;
}

function castNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 1 : 0;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

function castBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === 1 || value === '1' || value === 'yes') {
    return true;
  }
  if (value === false || value === 'false' || value === 0 || value === '0' || value === 'no') {
    return false;
  }
  return undefined;
}

function castField(
  name: string,
  spec: FieldSpec,
  value: unknown,
  path: string,
  issues: Issue[],
): { set: boolean; value?: unknown } {
  if (value === undefined || value === null) {
    if ('default' in spec && spec.default !== undefined) {
      return { set: true, value: spec.default };
    }
    if (spec.kind === 'stringArray' || spec.kind === 'docArray' || spec.kind === 'mixedArray') {
      return { set: true, value: [] };
    }
    if ('required' in spec && spec.required === true) {
      issues.push({ path, message: `Path \`${name}\` is required.`, cast: false });
    }
    return { set: false };
  }
  switch (spec.kind) {
    case 'string': {
      const s = castString(value);
      if (s === undefined) {
        issues.push({
          path,
          message: `Cast to string failed for ${describe(value)} at path "${name}"`,
          cast: true,
        });
        return { set: false };
      }
      if (spec.required === true && s === '') {
        issues.push({ path, message: `Path \`${name}\` is required.`, cast: false });
      } else if (spec.enum && !spec.enum.includes(s)) {
        issues.push({
          path,
          message: `\`${s}\` is not a valid enum value for path \`${name}\`.`,
          cast: false,
        });
      }
      return { set: true, value: s };
    }
    case 'number': {
      const n = castNumber(value);
      if (n === undefined) {
        issues.push({
          path,
          message: `Cast to Number failed for ${describe(value)} at path "${name}"`,
          cast: true,
        });
        return { set: false };
      }
      if (spec.min !== undefined && n < spec.min) {
        issues.push({
          path,
          message: `Path \`${name}\` (${n}) is less than minimum allowed value (${spec.min}).`,
          cast: false,
        });
      }
      if (spec.max !== undefined && n > spec.max) {
        issues.push({
          path,
          message: `Path \`${name}\` (${n}) is more than maximum allowed value (${spec.max}).`,
          cast: false,
        });
      }
      return { set: true, value: n };
    }
    case 'boolean': {
      const b = castBoolean(value);
      if (b === undefined) {
        issues.push({
          path,
          message: `Cast to Boolean failed for ${describe(value)} at path "${name}"`,
          cast: true,
        });
        return { set: false };
      }
      return { set: true, value: b };
    }
    case 'date': {
      const d = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
      if (d === undefined || Number.isNaN(d.getTime())) {
        issues.push({
          path,
          message: `Cast to date failed for ${describe(value)} at path "${name}"`,
          cast: true,
        });
        return { set: false };
      }
      return { set: true, value: d.toISOString() };
    }
    case 'stringArray': {
      const items = Array.isArray(value) ? value : [value];
      const out: string[] = [];
      items.forEach((item, i) => {
        const s = castString(item);
        if (s === undefined) {
          issues.push({
            path: `${path}.${i}`,
            message: `Cast to string failed for ${describe(item)} at path "${name}.${i}"`,
            cast: true,
          });
          return;
        }
        if (spec.requiredItems === true && s === '') {
          issues.push({ path: `${path}.${i}`, message: `Path \`${name}\` is required.`, cast: false });
        }
        if (spec.enum && !spec.enum.includes(s)) {
          issues.push({
            path: `${path}.${i}`,
            message: `\`${s}\` is not a valid enum value for path \`${name}.${i}\`.`,
            cast: false,
          });
        }
        out.push(s);
      });
      return { set: true, value: out };
    }
    case 'docArray': {
      const items = Array.isArray(value) ? value : [value];
      const out: Record<string, unknown>[] = [];
      items.forEach((item, i) => {
        if (!isRecord(item)) {
          issues.push({
            path: `${path}.${i}`,
            message: `Cast to Embedded failed for ${describe(item)} at path "${name}"`,
            cast: true,
          });
          return;
        }
        out.push(castDocument(spec.schema, item, `${path}.${i}`, issues, true));
      });
      return { set: true, value: out };
    }
    case 'doc': {
      if (!isRecord(value)) {
        issues.push({
          path,
          message: `Cast to Embedded failed for ${describe(value)} at path "${name}"`,
          cast: true,
        });
        return { set: false };
      }
      return { set: true, value: castDocument(spec.schema, value, path, issues, spec.noId !== true) };
    }
    case 'mixedArray':
      return { set: true, value: Array.isArray(value) ? value : [value] };
    case 'mixed':
      return { set: true, value };
  }
}

function castDocument(
  schema: Schema,
  raw: Record<string, unknown>,
  prefix: string,
  issues: Issue[],
  withId: boolean,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  if (withId) {
    doc._id = typeof raw._id === 'string' ? raw._id : newObjectId();
  }
  for (const [name, spec] of Object.entries(schema)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const result = castField(name, spec, raw[name], path, issues);
    if (result.set) {
      doc[name] = result.value;
    }
  }
  return doc;
}

/** Outcome of casting a document: the stored shape, or mongoose's error. */
export type CastResult =
  | { readonly ok: true; readonly doc: Record<string, unknown> }
  | { readonly ok: false; readonly error: Error };

/**
 * Casts and validates `raw` against `schema`.
 *
 * @param mode - `save` runs every validator and reports all problems as one `ValidationError`
 *   (`<Model> validation failed: path: message, …`); `update` is `findByIdAndUpdate` without `runValidators`:
 *   only casting happens and the first failure is a `CastError`.
 */
export function castAndValidate(
  modelName: string,
  schema: Schema,
  raw: Record<string, unknown>,
  mode: 'save' | 'update',
  withId = true,
): CastResult {
  const issues: Issue[] = [];
  const doc = castDocument(schema, raw, '', issues, withId);
  if (mode === 'update') {
    const cast = issues.find((i) => i.cast);
    return cast ? { ok: false, error: new CoreCastError(cast.message) } : { ok: true, doc };
  }
  if (issues.length > 0) {
    const err = new Error(
      `${modelName} validation failed: ${issues.map((i) => `${i.path}: ${i.message}`).join(', ')}`,
    );
    err.name = 'ValidationError';
    return { ok: false, error: err };
  }
  return { ok: true, doc };
}
