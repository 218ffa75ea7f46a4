import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AuthenticationError,
  ConfigError,
  MediatorError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
  type IssueDetail,
} from '@payment-layer/shared-errors';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@payment-layer/fhir-util';
import { runWithOrchestrations, type OrchestrationScope } from '@payment-layer/shared-http';
import type { Dispatcher } from 'undici';
import { checkCaller, type CallerAuth } from './caller-auth';
import {
  resolveMediatorDefinition,
  validateMediatorDefinition,
  type MediatorDefinition,
  type MediatorEndpointSettings,
} from './definition';
import {
  buildEnvelope,
  OPENHIM_CONTENT_TYPE,
  statusForHttp,
  type EnvelopeProperties,
  type MediatorStatus,
} from './envelope';
import { KitMetrics } from './metrics';
import { OpenHimApi } from './openhim-api';
import { errorToOutcome, operationOutcome } from './outcome';
import { MediatorRegistration } from './registration';
import { RemoteConfig } from './remote-config';

/** What a route handler returns to the caller, whether or not the call came through OpenHIM. */
export interface MediatorResult {
  /** HTTP status for the client. */
  httpStatus: number;
  /** A FHIR resource (or any JSON), or a string. */
  body: unknown;
  /** Defaults to `application/fhir+json`. */
  contentType?: string;
  /** Flat key/values for the OpenHIM console (ids, outcome, counts). */
  properties?: EnvelopeProperties;
  /** Overrides the transaction status derived from the HTTP status (e.g. `Completed with error(s)`). */
  status?: MediatorStatus;
  /** For retryable failures only: makes core auto-retry (when the channel enables it). */
  retryableError?: string;
}

/** Connection to OpenHIM core; registration is skipped when `enabled` is false. */
export interface OpenHimConnectionOptions {
  readonly enabled: boolean;
  readonly apiUrl: string;
  readonly username: string;
  readonly password: string;
  readonly trustSelfSigned?: boolean;
  readonly heartbeatIntervalMs?: number;
  readonly installChannels?: boolean;
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  readonly dispatcher?: Dispatcher;
}

/** One row of the audit trail, reported after each mediated request (no personal data). */
export interface AuditEvent {
  transactionId: string | undefined;
  urn: string;
  method: string;
  route: string;
  httpStatus: number;
  /** The transaction status reported to core. */
  status: MediatorStatus;
  startedAt: Date;
  durationMs: number;
  properties: EnvelopeProperties;
}

/** Options of the mediator kit plugin. */
export interface MediatorKitOptions<C extends Record<string, unknown> = Record<string, unknown>> {
  /** The committed `mediator.json` (routes without credentials). */
  readonly definition: MediatorDefinition;
  /** Where this instance listens and the credentials core presents. */
  readonly endpoint: MediatorEndpointSettings;
  readonly openhim: OpenHimConnectionOptions;
  /** Caller authentication of mediator routes (health, readiness and metrics stay open). */
  readonly auth: CallerAuth;
  /** Extra validation of the operator config beyond its configDefs. */
  readonly configCheck?: (config: C) => void;
  /** Receives one event per answered mediator request (wire it to the staging audit table). */
  readonly onAudit?: (event: AuditEvent) => void;
}

/** What the kit decorates the Fastify instance with (`app.mediator`). */
export interface MediatorKit<C extends Record<string, unknown> = Record<string, unknown>> {
  readonly urn: string;
  readonly definition: MediatorDefinition;
  /** Operator config in force (defaults overlaid with core's, validated). */
  readonly config: RemoteConfig<C>;
  /** Undefined when registration is switched off. */
  readonly registration: MediatorRegistration | undefined;
  readonly metrics: KitMetrics;
  /**
   * Adds a readiness check run by `GET /ready`.
   *
   * @param name - shown in the answer
   * @param check - resolves when ready, throws otherwise
   */
  addReadinessCheck(name: string, check: () => Promise<void> | void): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    mediator: MediatorKit;
  }
  interface FastifyReply {
    /** Sends a result: json+openhim envelope when called through OpenHIM, plain FHIR JSON otherwise. */
    sendResult(result: MediatorResult): FastifyReply;
  }
  interface FastifyRequest {
    /** Outbound calls recorded while serving this request. */
    orchestrationScope: OrchestrationScope | undefined;
  }
  interface FastifyContextConfig {
    /** Route needs no caller credentials (health, readiness, metrics, or its own scheme). */
    public?: boolean;
    /**
     * Route decides by the operator config (e.g. moves money): until core's config has arrived it answers 503 with
     * `Retry-After` instead of acting on the defaults.
     */
    needsConfig?: boolean;
  }
}

const OPEN_PATHS = new Set(['/health', '/ready', '/metrics']);
/** `Retry-After` of a route waiting for the config: about one registration retry or heartbeat. */
const CONFIG_RETRY_AFTER_SECONDS = 10;
const FHIR_TYPES = ['application/fhir+json', 'application/json+fhir'];

function transactionIdOf(request: FastifyRequest): string | undefined {
  const h = request.headers['x-openhim-transactionid'];
  return typeof h === 'string' && h.length > 0 ? h : undefined;
}

/**
 * Normalises framework errors (bad JSON, too large, unsupported media type, schema validation) into the
 * project's typed errors so they get the same OperationOutcome treatment.
 *
 * @param err - what Fastify or a handler threw
 * @returns a typed error, or the original when it is not a known framework error
 */
export function normaliseError(err: unknown): unknown {
  if (err instanceof MediatorError) {
    return err;
  }
  const e = err as Partial<FastifyError> & { validation?: { instancePath: string; message?: string }[] };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ValidationError('request body is not valid JSON', {
        issues: [{ message: 'request body is not valid JSON', code: 'structure' }],
      });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError('request body exceeds the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError(
        'unsupported content type: send application/fhir+json or application/json',
      );
    case undefined:
    default:
      break;
  }
  if (e.validation) {
    const issues: IssueDetail[] = e.validation.map((v) => ({
      message: v.message ?? 'is invalid',
      location: v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : undefined,
    }));
    return new ValidationError('request validation failed', { issues });
  }
  if (err instanceof SyntaxError) {
    return new ValidationError('request body is not valid JSON');
  }
  return err;
}

async function mediatorKitPlugin(app: FastifyInstance, opts: MediatorKitOptions): Promise<void> {
  const definition = validateMediatorDefinition(resolveMediatorDefinition(opts.definition, opts.endpoint));
  const urn = definition.urn;
  // With OpenHIM the defaults only stand in until core's config arrives; without it they are the config.
  const remoteConfig = new RemoteConfig(
    definition.configDefs ?? [],
    definition.config ?? {},
    opts.configCheck,
    {
      known: !opts.openhim.enabled,
    },
  );
  const metrics = new KitMetrics();
  const readiness = new Map<string, () => Promise<void> | void>();

  let api: OpenHimApi | undefined;
  let registration: MediatorRegistration | undefined;
  if (opts.openhim.enabled) {
    if (!opts.openhim.password) {
      throw new ConfigError(
        'OPENHIM_PASSWORD is required when OpenHIM registration is on (OPENHIM_REGISTER=true)',
      );
    }
    api = new OpenHimApi({
      apiUrl: opts.openhim.apiUrl,
      username: opts.openhim.username,
      password: opts.openhim.password,
      ...(opts.openhim.trustSelfSigned !== undefined
        ? { trustSelfSigned: opts.openhim.trustSelfSigned }
        : {}),
      ...(opts.openhim.dispatcher ? { dispatcher: opts.openhim.dispatcher } : {}),
    });
    registration = new MediatorRegistration({
      api,
      definition,
      remoteConfig,
      logger: app.log,
      ...(opts.openhim.heartbeatIntervalMs !== undefined
        ? { heartbeatIntervalMs: opts.openhim.heartbeatIntervalMs }
        : {}),
      installChannels: opts.openhim.installChannels ?? true,
      ...(opts.openhim.retry ? { retry: opts.openhim.retry } : {}),
    });
  }

  app.decorate('mediator', {
    urn,
    definition,
    config: remoteConfig,
    registration,
    metrics,
    addReadinessCheck(name: string, check: () => Promise<void> | void) {
      readiness.set(name, check);
    },
  } satisfies MediatorKit);
  app.decorateRequest('orchestrationScope', undefined);

  // JSON and the FHIR media types parse alike (with prototype-poisoning protection), and a body nested deeper
  // than any resource is refused here, before a recursive validator or serialiser can overflow the stack on it.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    ['application/json', ...FHIR_TYPES],
    { parseAs: 'string' },
    (request, body, done) => {
      void parseJson(request, body as string, (err, value) => {
        if (err) {
          done(err, undefined);
        } else if (exceedsJsonDepth(value, MAX_JSON_DEPTH)) {
          const message = `request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
          done(new ValidationError(message, { issues: [{ message, code: 'too-long' }] }), undefined);
        } else {
          done(null, value);
        }
      });
    },
  );

  app.addHook('onRequest', async (request, reply) => {
    request.orchestrationScope = undefined;
    if (request.routeOptions.config?.public === true || OPEN_PATHS.has(request.url.split('?')[0] ?? '')) {
      return;
    }
    const caller = checkCaller(request.raw, opts.auth);
    if (!caller.ok) {
      throw new AuthenticationError(caller.reason);
    }
    if (request.routeOptions.config?.needsConfig === true && !remoteConfig.known) {
      const message = 'the mediator has not received its configuration from OpenHIM core yet; retry shortly';
      void reply.header('retry-after', String(CONFIG_RETRY_AFTER_SECONDS));
      return reply.sendResult({
        httpStatus: 503,
        body: operationOutcome('error', 'transient', message),
        retryableError: message,
        properties: { outcome: 'error', error: 'config-unknown' },
      });
    }
    return undefined;
  });

  // Open the orchestration scope right before the handler (after body parsing), so every outbound call the
  // handler makes, however deep, is recorded for this request.
  app.addHook('preHandler', (request, _reply, done) => {
    const transactionId = transactionIdOf(request);
    // Without an OpenHIM transaction there is no envelope to put orchestrations in: calls are only counted
    // (limit 0), which spares copying and masking every upstream body of a direct caller's request.
    const scope: OrchestrationScope = {
      orchestrations: [],
      ...(transactionId ? { transactionId } : { limit: 0 }),
    };
    request.orchestrationScope = scope;
    runWithOrchestrations(scope, done);
  });

  app.decorateReply(
    'sendResult',
    function sendResult(this: FastifyReply, result: MediatorResult): FastifyReply {
      const request = this.request;
      const orchestrations = request.orchestrationScope?.orchestrations ?? [];
      const omitted = request.orchestrationScope?.omitted ?? 0;
      metrics.orchestrations += orchestrations.length + omitted;
      const audited = this as FastifyReply & {
        auditProperties?: EnvelopeProperties;
        auditStatus?: MediatorStatus;
      };
      audited.auditProperties = result.properties ?? {};
      // The audit trail records the status the envelope reports, not one re-derived from the HTTP status.
      if (result.status) {
        audited.auditStatus = result.status;
      }
      if (transactionIdOf(request) === undefined) {
        return this.code(result.httpStatus)
          .type(result.contentType ?? 'application/fhir+json')
          .send(typeof result.body === 'string' ? result.body : JSON.stringify(result.body));
      }
      const envelope = buildEnvelope({
        urn,
        httpStatus: result.httpStatus,
        body: result.body,
        ...(result.contentType ? { contentType: result.contentType } : {}),
        ...(result.status ? { status: result.status } : {}),
        orchestrations,
        // Calls beyond the recording limit are reported by count, so the envelope still tells the whole truth.
        properties: { ...result.properties, ...(omitted > 0 ? { orchestrationsOmitted: omitted } : {}) },
        ...(result.retryableError ? { retryableError: result.retryableError } : {}),
      });
      return this.code(result.httpStatus).type(OPENHIM_CONTENT_TYPE).send(JSON.stringify(envelope));
    },
  );

  app.setErrorHandler((error, request, reply) => {
    const typed = normaliseError(error);
    const { status, outcome } = errorToOutcome(typed);
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
    } else {
      request.log.info({ status, code: (typed as { code?: unknown }).code }, 'request rejected');
    }
    if (status === 401) {
      void reply.header('www-authenticate', 'Basic realm="openimis-payment-layer"');
    }
    const retryable = typed instanceof MediatorError && typed.retryable;
    return reply.sendResult({
      httpStatus: status,
      body: outcome,
      ...(retryable ? { retryableError: (typed as Error).message } : {}),
      properties: { outcome: 'error', error: (typed as { code?: string }).code ?? 'internal' },
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const err = new NotFoundError(`no route for ${request.method} ${request.url.split('?')[0] ?? ''}`);
    const { status, outcome } = errorToOutcome(err);
    return reply.sendResult({ httpStatus: status, body: outcome });
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.observe(reply.statusCode, reply.elapsedTime / 1000);
    if (opts.onAudit && !OPEN_PATHS.has(request.url.split('?')[0] ?? '')) {
      try {
        opts.onAudit({
          transactionId: transactionIdOf(request),
          urn,
          method: request.method,
          route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
          httpStatus: reply.statusCode,
          status:
            (reply as FastifyReply & { auditStatus?: MediatorStatus }).auditStatus ??
            statusForHttp(reply.statusCode),
          startedAt: new Date(Date.now() - reply.elapsedTime),
          durationMs: Math.round(reply.elapsedTime),
          properties:
            (reply as FastifyReply & { auditProperties?: EnvelopeProperties }).auditProperties ?? {},
        });
      } catch (err) {
        request.log.error({ err }, 'audit record failed');
      }
    }
  });

  app.get('/health', { config: { public: true }, logLevel: 'warn' }, async () => ({ status: 'ok', urn }));

  app.get('/ready', { config: { public: true }, logLevel: 'warn' }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of readiness) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (err) {
        ready = false;
        checks[name] = err instanceof Error ? err.message : 'failed';
      }
    }
    // Core being unreachable does not make the mediator unready: it keeps serving and retries registration. Its
    // config not having arrived yet does: routes that decide by it answer 503 meanwhile.
    checks.openhim = registration ? registration.state : 'disabled';
    if (!remoteConfig.known) {
      ready = false;
      checks.config = 'waiting for the configuration from OpenHIM core';
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', { config: { public: true }, logLevel: 'warn' }, async (_request, reply) => {
    const s = registration?.stats;
    const text = metrics.render(urn, {
      openhim_registered: registration?.state === 'registered' ? 1 : 0,
      openhim_registration_attempts_total: s?.registrationAttempts ?? 0,
      openhim_heartbeats_total: s?.heartbeatsSent ?? 0,
      openhim_heartbeat_failures_total: s?.heartbeatFailures ?? 0,
      openhim_config_changes_applied_total: s?.configChangesApplied ?? 0,
      openhim_config_changes_refused_total: s?.configChangesRefused ?? 0,
    });
    return reply.type('text/plain; version=0.0.4').send(text);
  });

  app.addHook('onReady', async () => {
    metrics.start();
    registration?.start();
  });
  app.addHook('onClose', async () => {
    metrics.stop();
    registration?.stop();
    await api?.close();
  });
}

/**
 * The OpenHIM mediator kit: registration + heartbeat + remote config, caller authentication, the
 * json+openhim envelope (`reply.sendResult`), orchestration recording, one error handler producing FHIR
 * OperationOutcomes, and /health, /ready, /metrics.
 */
export const mediatorKit = fp(mediatorKitPlugin, { name: 'openhim-mediator', fastify: '5.x' });

/**
 * Builds an informational OperationOutcome (for answers that have no resource of their own).
 *
 * @param message - text for the caller
 * @returns the resource
 */
export function informational(message: string): ReturnType<typeof operationOutcome> {
  return operationOutcome('information', 'informational', message);
}
