/**
 * Documents of the OpenHIM core simulator, shaped like core's MongoDB documents (openhim.md §3, §7.1). Values come
 * from untrusted JSON: after the version-gated update path (which core does not validate) a field may hold
 * anything, so readers should not rely on these types beyond what the rules of §3 guarantee.
 */

/** A route of a channel or an endpoint of a mediator (openhim.md §3.3). */
export interface OpenHimRoute {
  _id?: string;
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
  cert?: string;
  kafkaClientId?: string;
  kafkaTopic?: string;
}

/** HTTP methods a channel may list. */
export type OpenHimMethod =
  'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'CONNECT' | 'OPTIONS' | 'TRACE' | 'PATCH';

/** A channel definition (`defaultChannelConfig[]`) or a stored channel (openhim.md §3.4). */
export interface OpenHimChannel {
  _id?: string;
  name: string;
  description?: string;
  urlPattern: string;
  methods?: OpenHimMethod[];
  type?: 'http' | 'tcp' | 'tls' | 'polling';
  priority?: number;
  tcpPort?: number;
  tcpHost?: string;
  pollingSchedule?: string;
  isAsynchronousProcess?: boolean;
  timeout?: number;
  requestBody?: boolean;
  responseBody?: boolean;
  maxBodyAgeDays?: number;
  allow?: string[];
  whitelist?: string[];
  authType?: 'private' | 'public';
  routes?: OpenHimRoute[];
  matchContentTypes?: string[];
  matchContentRegex?: string;
  matchContentXpath?: string;
  matchContentJson?: string;
  matchContentValue?: string;
  properties?: Record<string, unknown>[];
  txViewAcl?: string[];
  txViewFullAcl?: string[];
  txRerunAcl?: string[];
  alerts?: Record<string, unknown>[];
  status?: 'enabled' | 'disabled' | 'deleted';
  rewriteUrls?: boolean;
  addAutoRewriteRules?: boolean;
  rewriteUrlsConfig?: Record<string, unknown>[];
  autoRetryEnabled?: boolean;
  autoRetryPeriodMinutes?: number;
  autoRetryMaxAttempts?: number;
  updatedBy?: { id?: string; name?: string };
}

/** Types a mediator config parameter may have (openhim.md §3.2). */
export type OpenHimConfigType =
  'string' | 'bool' | 'number' | 'option' | 'bigstring' | 'map' | 'struct' | 'password';

/** One entry of a struct's `template`. */
export interface OpenHimConfigTemplateItem {
  param: string;
  type: OpenHimConfigType;
  displayName?: string;
  description?: string;
  values?: string[];
}

/** A mediator config definition (openhim.md §3.2). */
export interface OpenHimConfigDef {
  _id?: string;
  param: string;
  displayName?: string;
  description?: string;
  type: OpenHimConfigType;
  values?: string[];
  template?: OpenHimConfigTemplateItem[];
  array?: boolean;
}

/** A registered mediator as core stores it. Dates are ISO strings (as the API serialises them). */
export interface OpenHimMediator {
  _id: string;
  urn: string;
  version: string;
  name: string;
  description?: string;
  endpoints: OpenHimRoute[];
  defaultChannelConfig: OpenHimChannel[];
  configDefs: OpenHimConfigDef[];
  config?: Record<string, unknown>;
  _configModifiedTS?: string;
  _uptime?: number;
  _lastHeartbeat?: string;
}

/** Transaction statuses core knows (openhim.md §7). A mediator's `status` is stored verbatim, so any string may appear. */
export type OpenHimTransactionStatus =
  | 'Processing'
  | 'Failed'
  | 'Completed'
  | 'Successful'
  | 'Completed with error(s)'
  | 'Pending Async'
  | (string & {});

/** The request part of a transaction, orchestration or route record. */
export interface OpenHimRequestRecord {
  host?: string;
  port?: string;
  path?: string;
  headers?: Record<string, unknown>;
  querystring?: string;
  body?: string;
  method?: string;
  timestamp?: string;
}

/** The response part of a transaction, orchestration or route record. */
export interface OpenHimResponseRecord {
  status?: number;
  headers?: Record<string, unknown>;
  body?: string;
  timestamp?: string;
}

/** An error recorded on a transaction, route or orchestration. */
export interface OpenHimErrorRecord {
  message?: string;
  stack?: string;
}

/** One stored orchestration (the mediator's own, or core's record of the primary route call). */
export interface OpenHimOrchestration {
  name: string;
  group?: string;
  request?: OpenHimRequestRecord;
  response?: OpenHimResponseRecord;
  error?: OpenHimErrorRecord;
}

/** A stored non-primary route result (`transaction.routes[]`). */
export interface OpenHimRouteRecord {
  name: string;
  request?: OpenHimRequestRecord;
  response?: OpenHimResponseRecord;
  orchestrations?: OpenHimOrchestration[];
  properties?: Record<string, unknown>;
  error?: OpenHimErrorRecord;
}

/** What the router's client actually received (simulator-only; core does not store this). */
export interface OpenHimClientResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/**
 * A transaction as core stores it, plus simulator-only observations (`storageError`, `clientResponse`,
 * `finished`) that a real core only writes to its log.
 */
export interface OpenHimTransaction {
  _id: string;
  status: OpenHimTransactionStatus;
  /** The authenticated client's document `_id` (core stores the id, not the `clientID` name). */
  clientID?: string;
  channelID?: string;
  clientIP?: string;
  parentID?: string;
  taskID?: string;
  childIDs: string[];
  wasRerun: boolean;
  canRerun: boolean;
  autoRetry: boolean;
  autoRetryAttempt?: number;
  request: OpenHimRequestRecord;
  /** Absent when core's response update failed validation (see `storageError`). */
  response?: OpenHimResponseRecord;
  orchestrations: OpenHimOrchestration[];
  routes: OpenHimRouteRecord[];
  properties?: Record<string, unknown>;
  error?: OpenHimErrorRecord;
  /** Simulator-only: why core's response update was rejected (core only logs it). */
  storageError?: string;
  /** Simulator-only: the response the router client received. */
  clientResponse?: OpenHimClientResponse;
  /** Simulator-only: `true` once the final status is set (all routes answered). */
  finished: boolean;
}

/** A router client (core's `clients` collection, Basic auth only). */
export interface OpenHimClient {
  _id: string;
  clientID: string;
  name: string;
  roles: string[];
  password: string;
}

/** Input of {@link OpenHimClient} creation. */
export interface OpenHimClientInput {
  clientID: string;
  password: string;
  roles: string[];
  name?: string;
}
