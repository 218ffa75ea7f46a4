import { ConfigError } from '@payment-layer/shared-errors';

/**
 * Route (endpoint) definition as OpenHIM core stores it.
 *
 * @see ../../../../docs/contracts/openhim.md §3.3
 */
export interface RouteDefinition {
  name: string;
  type?: 'http' | 'kafka';
  status?: 'enabled' | 'disabled';
  secured?: boolean;
  host?: string;
  port?: number;
  path?: string;
  pathTransform?: string;
  primary?: boolean;
  username?: string;
  password?: string;
  forwardAuthHeader?: boolean;
  waitPrimaryResponse?: boolean;
  statusCodesCheck?: string;
}

/** HTTP methods a channel can list. */
export type ChannelMethod =
  'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH';

/**
 * Channel definition (`defaultChannelConfig[]`); only the fields our mediators set are typed strictly.
 *
 * @see ../../../../docs/contracts/openhim.md §3.4
 */
export interface ChannelDefinition {
  name: string;
  description?: string;
  urlPattern: string;
  methods: ChannelMethod[];
  type?: 'http' | 'tcp' | 'tls' | 'polling';
  priority?: number;
  pollingSchedule?: string;
  timeout?: number;
  requestBody?: boolean;
  responseBody?: boolean;
  allow?: string[];
  whitelist?: string[];
  authType?: 'private' | 'public';
  routes: RouteDefinition[];
  matchContentTypes?: string[];
  autoRetryEnabled?: boolean;
  autoRetryPeriodMinutes?: number;
  autoRetryMaxAttempts?: number;
  status?: 'enabled' | 'disabled';
  [extra: string]: unknown;
}

/** Config value types the OpenHIM console can edit. */
export type ConfigDefType =
  'string' | 'bool' | 'number' | 'option' | 'bigstring' | 'map' | 'struct' | 'password';

/**
 * One operator-editable config parameter.
 *
 * @see ../../../../docs/contracts/openhim.md §3.2
 */
export interface ConfigDef {
  param: string;
  displayName?: string;
  description?: string;
  type: ConfigDefType;
  values?: string[];
  template?: Omit<ConfigDef, 'template'>[];
  array?: boolean;
}

/** The mediator document sent to `POST /mediators` (the content of an app's `mediator.json`). */
export interface MediatorDefinition {
  urn: string;
  version: string;
  name: string;
  description?: string;
  endpoints: RouteDefinition[];
  defaultChannelConfig?: ChannelDefinition[];
  configDefs?: ConfigDef[];
  config?: Record<string, unknown>;
}

/** Where this mediator instance listens and the credentials OpenHIM must present when it calls it. */
export interface MediatorEndpointSettings {
  /** Host name core uses to reach this mediator (a container name in docker). */
  readonly host: string;
  readonly port: number;
  /** Route credentials: core sends them as HTTP Basic on every routed call. */
  readonly routeUsername?: string;
  readonly routePassword?: string;
  /** Whether core calls the mediator over HTTPS. */
  readonly secured?: boolean;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * Checks a mediator definition against the rules core enforces and the ones it silently skips when
 * installing channels (§3, §6, §10): SemVer version, at least one named endpoint, anchored url patterns,
 * explicit methods, exactly one enabled primary route, `path` xor `pathTransform`, option values, flat structs.
 *
 * @param def - the mediator document
 * @returns the same document, for chaining
 * @throws ConfigError listing every problem
 */
export function validateMediatorDefinition(def: MediatorDefinition): MediatorDefinition {
  const problems: string[] = [];
  if (!def.urn.startsWith('urn:')) {
    problems.push(`urn "${def.urn}" must start with "urn:"`);
  }
  if (!SEMVER.test(def.version)) {
    problems.push(`version "${def.version}" is not SemVer x.y.z`);
  }
  if (!def.name) {
    problems.push('name is required');
  }
  if (def.endpoints.length === 0) {
    problems.push('at least one endpoint is required');
  }
  def.endpoints.forEach((e, i) => {
    if (!e.name) {
      problems.push(`endpoints[${i}].name is required`);
    }
  });
  const names = new Set<string>();
  (def.defaultChannelConfig ?? []).forEach((c, i) => {
    const at = `defaultChannelConfig[${i}] (${c.name})`;
    if (names.has(c.name)) {
      problems.push(`${at}: duplicate channel name`);
    }
    names.add(c.name);
    if (!c.urlPattern.startsWith('^') || !c.urlPattern.endsWith('$')) {
      problems.push(`${at}: urlPattern must be anchored with ^ and $ (core tests it unanchored)`);
    }
    try {
      new RegExp(c.urlPattern);
    } catch {
      problems.push(`${at}: urlPattern is not a valid regular expression`);
    }
    if (c.methods.length === 0) {
      problems.push(`${at}: methods must be listed (an empty list matches nothing)`);
    }
    const primaries = c.routes.filter((r) => r.primary === true && r.status !== 'disabled');
    if (primaries.length !== 1) {
      problems.push(`${at}: exactly one enabled primary route is required, found ${primaries.length}`);
    }
    c.routes.forEach((r, j) => {
      if (r.path !== undefined && r.pathTransform !== undefined) {
        problems.push(`${at}: routes[${j}] sets both path and pathTransform`);
      }
    });
    if (c.type === 'polling' && !c.pollingSchedule) {
      problems.push(`${at}: a polling channel needs pollingSchedule`);
    }
    if (c.timeout !== undefined && (c.timeout < 1 || c.timeout > 3_600_000)) {
      problems.push(`${at}: timeout must be 1..3600000 ms`);
    }
  });
  (def.configDefs ?? []).forEach((d, i) => {
    if (d.type === 'option' && (!d.values || d.values.length === 0)) {
      problems.push(`configDefs[${i}] (${d.param}): option needs values`);
    }
    if (d.type === 'struct') {
      if (!d.template || d.template.length === 0) {
        problems.push(`configDefs[${i}] (${d.param}): struct needs a template`);
      } else if (d.template.some((t) => t.type === 'struct')) {
        problems.push(`configDefs[${i}] (${d.param}): nested structs are not allowed`);
      }
    }
  });
  if (problems.length > 0) {
    throw new ConfigError(`invalid mediator definition ${def.urn}: ${problems.join('; ')}`);
  }
  return def;
}

/**
 * Fills the deployment-specific parts of a mediator definition: the endpoint host/port and every channel
 * route's host, port and Basic credentials (which must never be committed in `mediator.json`).
 *
 * @param def - the committed definition (routes without secrets)
 * @param endpoint - where this instance listens and the route credentials
 * @returns a new definition ready for `POST /mediators`
 */
export function resolveMediatorDefinition(
  def: MediatorDefinition,
  endpoint: MediatorEndpointSettings,
): MediatorDefinition {
  const route = (r: RouteDefinition): RouteDefinition => ({
    ...r,
    host: endpoint.host,
    port: endpoint.port,
    ...(endpoint.secured !== undefined ? { secured: endpoint.secured } : {}),
    ...(endpoint.routeUsername !== undefined ? { username: endpoint.routeUsername } : {}),
    ...(endpoint.routePassword !== undefined ? { password: endpoint.routePassword } : {}),
  });
  return {
    ...def,
    endpoints: def.endpoints.map(route),
    defaultChannelConfig: (def.defaultChannelConfig ?? []).map((c) => ({
      ...c,
      routes: c.routes.map(route),
    })),
  };
}

/** A JSON Schema (draft 7 subset) object. */
export type JsonSchemaObject = Record<string, unknown>;

/**
 * Derives the JSON Schema of a mediator's remote config from its `configDefs`, with the same rules core
 * applies (§3.2), plus `additionalProperties: false` ("No config definition found for parameter X").
 *
 * @param defs - the mediator's configDefs
 * @returns a JSON Schema for the config object
 */
export function configDefsToJsonSchema(defs: readonly ConfigDef[]): JsonSchemaObject {
  const one = (d: Omit<ConfigDef, 'template'> & { template?: ConfigDef['template'] }): JsonSchemaObject => {
    let schema: JsonSchemaObject;
    switch (d.type) {
      case 'string':
      case 'bigstring':
      case 'password':
        schema = { type: 'string' };
        break;
      case 'number':
        schema = { type: 'number' };
        break;
      case 'bool':
        schema = { type: 'boolean' };
        break;
      case 'option':
        schema = { type: 'string', enum: d.values ?? [] };
        break;
      case 'map':
        schema = { type: 'object', additionalProperties: { type: 'string' } };
        break;
      case 'struct':
        schema = {
          type: 'object',
          properties: Object.fromEntries((d.template ?? []).map((t) => [t.param, {}])),
          additionalProperties: false,
        };
        break;
    }
    return d.array === true ? { type: 'array', items: schema } : schema;
  };
  return {
    type: 'object',
    properties: Object.fromEntries(defs.map((d) => [d.param, one(d)])),
    additionalProperties: false,
  };
}
