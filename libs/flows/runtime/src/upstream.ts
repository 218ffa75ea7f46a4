import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditEvent, EnvSchema } from '@payment-layer/openhim-mediator';
import {
  createRepositories,
  openStagingDb,
  type AuditInput,
  type AuditOutcome,
  type StagingDb,
  type StagingRepositories,
} from '@payment-layer/staging-db';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import { isUuid } from '@payment-layer/fhir-util';

/**
 * What every mediator process of the payment layer shares beyond the OpenHIM kit: the environment of its upstreams
 * (openIMIS, Fineract) and of the staging store, and how those are opened. One place, so the three mediators cannot
 * drift apart in how they reach openIMIS and Fineract.
 */
export const UPSTREAM_ENV_SCHEMA: EnvSchema = {
  type: 'object',
  required: [
    'OPENIMIS_URL',
    'OPENIMIS_USERNAME',
    'OPENIMIS_PASSWORD',
    'FINERACT_URL',
    'FINERACT_USERNAME',
    'FINERACT_PASSWORD',
  ],
  properties: {
    STAGING_DB_PATH: {
      type: 'string',
      default: 'data/payment-layer.sqlite',
      description:
        'SQLite staging database of the layer (links, payment ledger, outbox, sync cursors, audit), shared by the mediators of one host; created and migrated at boot.',
    },
    STAGING_MIGRATIONS_DIR: {
      type: 'string',
      description:
        'Folder of the staging SQL migrations (set by the container image; default: the source tree).',
    },
    OPENIMIS_URL: {
      type: 'string',
      pattern: '^https?://',
      description: 'openIMIS FHIR R4 base URL, e.g. https://openimis.example.org/api/api_fhir_r4/',
    },
    OPENIMIS_GRAPHQL_URL: {
      type: 'string',
      pattern: '^https?://',
      description: 'openIMIS GraphQL URL (default: derived from OPENIMIS_URL, …/api/graphql).',
    },
    OPENIMIS_USERNAME: { type: 'string', minLength: 1, description: 'openIMIS API user.' },
    OPENIMIS_PASSWORD: { type: 'string', minLength: 1, secret: true, description: 'openIMIS API password.' },
    OPENIMIS_CA_FILE: {
      type: 'string',
      description: 'CA certificates (PEM) trusted for openIMIS, in place of the system CAs.',
    },
    OPENIMIS_TIMEOUT_MS: {
      type: 'integer',
      default: 20_000,
      minimum: 100,
      description: 'Time limit of one openIMIS call.',
    },
    FINERACT_URL: {
      type: 'string',
      pattern: '^https?://',
      description: 'Fineract API base URL, e.g. https://fineract.example.org:8443/fineract-provider/api/v1',
    },
    FINERACT_TENANT_ID: {
      type: 'string',
      default: 'default',
      description: 'Fineract tenant (Fineract-Platform-TenantId).',
    },
    FINERACT_USERNAME: { type: 'string', minLength: 1, description: 'Fineract API user.' },
    FINERACT_PASSWORD: { type: 'string', minLength: 1, secret: true, description: 'Fineract API password.' },
    FINERACT_CA_FILE: {
      type: 'string',
      description: 'CA certificates (PEM) trusted for Fineract, in place of the system CAs.',
    },
    FINERACT_ALLOW_SELF_SIGNED: {
      type: 'boolean',
      default: false,
      description: "Accept Fineract's self-signed development certificate. Never in production.",
    },
    FINERACT_TIMEOUT_MS: {
      type: 'integer',
      default: 20_000,
      minimum: 100,
      description: 'Time limit of one Fineract call.',
    },
    OUTBOX_INTERVAL_MS: {
      type: 'integer',
      default: 5_000,
      minimum: 100,
      description:
        'How often unfinished steps in the outbox (e.g. a PaymentNotice openIMIS could not take yet) are retried.',
    },
  },
};

/** Typed values of {@link UPSTREAM_ENV_SCHEMA}. */
export interface UpstreamEnv {
  STAGING_DB_PATH: string;
  STAGING_MIGRATIONS_DIR?: string;
  OPENIMIS_URL: string;
  OPENIMIS_GRAPHQL_URL?: string;
  OPENIMIS_USERNAME: string;
  OPENIMIS_PASSWORD: string;
  OPENIMIS_CA_FILE?: string;
  OPENIMIS_TIMEOUT_MS: number;
  FINERACT_URL: string;
  FINERACT_TENANT_ID: string;
  FINERACT_USERNAME: string;
  FINERACT_PASSWORD: string;
  FINERACT_CA_FILE?: string;
  FINERACT_ALLOW_SELF_SIGNED: boolean;
  FINERACT_TIMEOUT_MS: number;
  OUTBOX_INTERVAL_MS: number;
}

/**
 * Opens the staging store (creating its folder) and runs the committed migrations.
 *
 * @param env - validated environment
 * @returns the database and its repositories
 */
export function openStaging(
  env: UpstreamEnv,
  options: { now?: () => Date } = {},
): { db: StagingDb; repos: StagingRepositories } {
  mkdirSync(dirname(env.STAGING_DB_PATH), { recursive: true });
  const db = openStagingDb({
    path: env.STAGING_DB_PATH,
    ...(env.STAGING_MIGRATIONS_DIR ? { migrationsFolder: env.STAGING_MIGRATIONS_DIR } : {}),
  });
  db.migrate();
  return { db, repos: createRepositories(db, options.now ? { clock: options.now } : {}) };
}

/**
 * The Fineract client of the environment (TLS verification on unless explicitly allowed otherwise).
 *
 * @param env - validated environment
 * @returns a client; close it on shutdown
 */
export function createFineractClient(env: UpstreamEnv): FineractClient {
  return new FineractClient({
    baseUrl: env.FINERACT_URL,
    tenantId: env.FINERACT_TENANT_ID,
    username: env.FINERACT_USERNAME,
    password: env.FINERACT_PASSWORD,
    timeoutMs: env.FINERACT_TIMEOUT_MS,
    tls: {
      allowSelfSigned: env.FINERACT_ALLOW_SELF_SIGNED,
      ...(env.FINERACT_CA_FILE ? { caFile: env.FINERACT_CA_FILE } : {}),
    },
  });
}

/**
 * The openIMIS client of the environment.
 *
 * @param env - validated environment
 * @returns a client; close it on shutdown
 */
export function createOpenImisClient(env: UpstreamEnv): OpenImisClient {
  return new OpenImisClient({
    fhirBaseUrl: env.OPENIMIS_URL,
    graphqlUrl:
      env.OPENIMIS_GRAPHQL_URL ?? new URL('../graphql', env.OPENIMIS_URL.replace(/\/?$/, '/')).toString(),
    username: env.OPENIMIS_USERNAME,
    password: env.OPENIMIS_PASSWORD,
    timeoutMs: env.OPENIMIS_TIMEOUT_MS,
    ...(env.OPENIMIS_CA_FILE ? { tls: { caFile: env.OPENIMIS_CA_FILE } } : {}),
  });
}

const STATUS_TO_AUDIT: Record<AuditEvent['status'], AuditOutcome> = {
  Successful: 'successful',
  Completed: 'completed',
  'Completed with error(s)': 'completed_with_errors',
  Failed: 'failed',
  Processing: 'processing',
};

/** The kit's `onAudit` handler: one staging audit row per mediated request, written in batches. */
export interface AuditSink {
  (event: AuditEvent): void;
  /** Writes what is pending now; call it before the staging database closes. */
  flush(): void;
}

// Rows wait at most this long, and a burst of this many is written at once.
const AUDIT_FLUSH_DELAY_MS = 50;
const MAX_PENDING_AUDIT_ROWS = 256;

/**
 * The kit's `onAudit` handler writing one staging audit row per mediated request (identifiers only). Rows are
 * written together at most 50 ms after the first of them (or at once when 256 are pending), so under load the audit
 * trail costs one commit per batch rather than one per request (a commit costs several rows' worth). A crash can
 * lose the rows of those last milliseconds; OpenHIM's transaction log, not this trail, is the record of requests.
 *
 * @param repos - staging repositories
 * @param log - where a row that could not be written is reported
 * @returns the handler, with `flush()` for shutdown
 */
export function auditRecorder(
  repos: StagingRepositories,
  log: { error(obj: object, msg: string): void },
): AuditSink {
  let pending: AuditInput[] = [];
  let scheduled: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (scheduled !== undefined) {
      clearTimeout(scheduled);
      scheduled = undefined;
    }
    if (pending.length === 0) {
      return;
    }
    const rows = pending;
    pending = [];
    try {
      for (const { index, error } of repos.audit.recordAudits(rows).refused) {
        log.error({ err: error, transactionId: rows[index]?.transactionId }, 'audit record refused');
      }
    } catch (err) {
      log.error({ err, rows: rows.length }, 'audit records failed');
    }
  };
  const sink = ((e: AuditEvent): void => {
    const fhirId = e.properties.fhirId;
    pending.push({
      transactionId: e.transactionId ?? null,
      mediator: e.urn,
      resourceType: typeof e.properties.resourceType === 'string' ? e.properties.resourceType : null,
      resourceId: typeof fhirId === 'string' && isUuid(fhirId) ? fhirId : null,
      outcome: STATUS_TO_AUDIT[e.status],
      httpStatus: e.httpStatus,
      startedAt: e.startedAt,
      finishedAt: new Date(e.startedAt.getTime() + e.durationMs),
    });
    if (pending.length >= MAX_PENDING_AUDIT_ROWS) {
      flush();
    } else if (scheduled === undefined) {
      // Unreferenced: pending rows never keep a process alive; shutdown flushes them (onClose).
      scheduled = setTimeout(flush, AUDIT_FLUSH_DELAY_MS).unref();
    }
  }) as AuditSink;
  sink.flush = flush;
  return sink;
}

const DAY_MS = 86_400_000;

/**
 * Flow settings derived from the operator config in force, rebuilt only when that config changes (the kit
 * replaces the object on every applied change) or the UTC day turns (settings carry today's business date), instead
 * of on every call of a request's hot path.
 *
 * @param current - the config in force
 * @param build - derives the settings from a config and the current time
 * @param clock - current time (tests)
 * @returns a function giving the settings in force
 */
export function derivedSettings<C extends object, S>(
  current: () => C,
  build: (config: C, now: Date) => S,
  clock: () => Date = () => new Date(),
): () => S {
  let cached: { config: C; day: number; settings: S } | undefined;
  return () => {
    const config = current();
    const now = clock();
    const day = Math.floor(now.getTime() / DAY_MS);
    if (cached?.config !== config || cached.day !== day) {
      cached = { config, day, settings: build(config, now) };
    }
    return cached.settings;
  };
}
