import { envSchema } from 'env-schema';
import { ConfigError } from '@payment-layer/shared-errors';

/** One environment variable in a config schema. */
export interface EnvProperty {
  type: 'string' | 'number' | 'integer' | 'boolean';
  description: string;
  default?: string | number | boolean;
  enum?: readonly (string | number)[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  /** Secrets are never printed (docs show no default, logs never see them). */
  secret?: boolean;
}

/** An environment schema: JSON Schema over `process.env`. */
export interface EnvSchema {
  type: 'object';
  required?: readonly string[];
  properties: Record<string, EnvProperty>;
}

/**
 * Reads and validates configuration from the environment at boot (env-schema/ajv: coercion, defaults,
 * required, patterns). Unknown variables are ignored. Fails with one message naming every bad variable.
 *
 * @param schema - the app's schema
 * @param options - `env` (default `process.env`) and `overrides` (tests pass values directly)
 * @returns the typed config
 * @throws ConfigError naming each missing or invalid variable
 */
export function loadEnvConfig<T>(
  schema: EnvSchema,
  options: { env?: Record<string, string | undefined>; overrides?: Partial<T> } = {},
): T {
  // Only the schema's own keys are read, so no unrelated secret of the environment reaches the config object.
  const source = options.env ?? process.env;
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const v = source[key];
    if (v !== undefined && v !== '') {
      data[key] = v;
    }
  }
  Object.assign(data, options.overrides);
  const jsonSchema = {
    type: 'object',
    required: [...(schema.required ?? [])],
    properties: Object.fromEntries(
      Object.entries(schema.properties).map(([k, { secret: _secret, ...p }]) => [k, p]),
    ),
  };
  try {
    return envSchema<T>({ schema: jsonSchema, data, dotenv: false, env: false });
  } catch (err) {
    const errors = (
      err as { errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] }
    ).errors;
    if (!errors) {
      throw new ConfigError(`invalid configuration: ${(err as Error).message}`, { cause: err });
    }
    const messages = errors.map((e) => {
      const name =
        e.instancePath.replace(/^\//, '') ||
        (typeof e.params?.missingProperty === 'string' ? e.params.missingProperty : '(environment)');
      return e.params?.missingProperty ? `${name} is required` : `${name} ${e.message ?? 'is invalid'}`;
    });
    throw new ConfigError(`invalid configuration: ${messages.join('; ')}`, { cause: err });
  }
}

/**
 * Renders an environment schema as a Markdown table (variable, required, default, description), so the
 * README's configuration section is generated from the schema and cannot drift.
 *
 * @param schema - the schema
 * @returns Markdown table rows with header
 */
export function renderEnvTable(schema: EnvSchema): string {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([name, p]) => {
    const def = p.default === undefined || p.secret === true ? '' : `\`${String(p.default)}\``;
    const allowed = p.enum ? ` One of ${p.enum.map((v) => `\`${String(v)}\``).join(', ')}.` : '';
    return `| \`${name}\` | ${required.has(name) ? 'yes' : ''} | ${def} | ${p.description}${allowed} |`;
  });
  return ['| Variable | Required | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Merges environment schemas (later wins on duplicate keys).
 *
 * @param schemas - schemas to merge
 * @returns one schema
 */
export function mergeEnvSchemas(...schemas: EnvSchema[]): EnvSchema {
  return {
    type: 'object',
    required: [...new Set(schemas.flatMap((s) => s.required ?? []))],
    properties: Object.assign({}, ...schemas.map((s) => s.properties)) as Record<string, EnvProperty>,
  };
}
