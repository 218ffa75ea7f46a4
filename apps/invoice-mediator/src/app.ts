import { dirname, join } from 'node:path';
import { mkdirSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  kitSettingsFromEnv,
  mediatorKit,
  mediatorServerOptions,
  type AuditEvent,
  type MediatorDefinition,
} from '@payment-layer/openhim-mediator';
import { createRepositories, openStagingDb, type AuditOutcome } from '@payment-layer/staging-db';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import { loadMappingDir, type CompiledMapping } from '@payment-layer/mapping-dsl';
import { isUuid, precompileFhirValidators } from '@payment-layer/fhir-util';
import type { InsureeFlowContext } from '@payment-layer/flows-insuree';
import type { InvoiceFlowContext } from '@payment-layer/flows-invoice';
import {
  checkInvoiceConfig,
  insureeSettingsFor,
  invoiceFlowSettings,
  type InvoiceEnv,
  type InvoiceRemoteConfig,
} from './config';
import definition from '../mediator.json';
import { invoiceRoutes } from './routes/invoice';
import { syncRoutes } from './routes/sync';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  readonly env: InvoiceEnv;
  /** Directory of the invoice mapping documents (default: the app's `mappings/`). */
  readonly mappingsDir?: string;
  /** Directory of the recipient mapping documents (default: the app's `recipient-mappings/`). */
  readonly recipientMappingsDir?: string;
  /** Log to stdout (default: the env's LOG_LEVEL); tests pass 'silent'. */
  readonly logLevel?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    invoice: InvoiceFlowContext;
  }
}

const STATUS_TO_AUDIT: Record<AuditEvent['status'], AuditOutcome> = {
  Successful: 'successful',
  Completed: 'completed',
  'Completed with error(s)': 'completed_with_errors',
  Failed: 'failed',
  Processing: 'processing',
};

/**
 * Builds the invoice mediator: the OpenHIM kit, the staging store (shared with the payment mediator), the
 * openIMIS and Fineract clients, the mapping documents and the routes. Never listens (main.ts does).
 *
 * @param options - validated environment and overrides
 * @returns the Fastify instance, ready to `listen` or `inject`
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { env } = options;
  const kit = kitSettingsFromEnv(env);
  const app = Fastify({
    ...mediatorServerOptions({
      ...kit.server,
      logLevel: options.logLevel ?? env.LOG_LEVEL,
      pretty: process.stdout.isTTY,
    }),
    ...(kit.https ? { https: kit.https } : {}),
  });

  // Fail at boot, not on the first request: compile the FHIR validators and the mapping documents now.
  precompileFhirValidators(['Invoice', 'Patient', 'Organization', 'Bundle']);
  const mappings = loadMappingDir(options.mappingsDir ?? join(__dirname, '..', 'mappings'));
  const recipients = loadMappingDir(
    options.recipientMappingsDir ?? join(__dirname, '..', 'recipient-mappings'),
  );
  const required = (m: Map<string, CompiledMapping>, id: string): CompiledMapping => {
    const found = m.get(id);
    if (!found) {
      throw new Error(`mapping document ${id} is required`);
    }
    return found;
  };
  const invoiceToClientCharge = required(mappings, 'invoice-to-client-charge');
  const patientToClient = required(recipients, 'patient-to-client');
  const groupToGroup = required(recipients, 'group-to-group');
  const organizationToClient = required(recipients, 'organization-to-entity-client');

  mkdirSync(dirname(env.STAGING_DB_PATH), { recursive: true });
  const db = openStagingDb({
    path: env.STAGING_DB_PATH,
    ...(env.STAGING_MIGRATIONS_DIR ? { migrationsFolder: env.STAGING_MIGRATIONS_DIR } : {}),
  });
  db.migrate();
  const repos = createRepositories(db);

  await app.register(mediatorKit, {
    definition: definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    configCheck: (c) => {
      checkInvoiceConfig(c as InvoiceRemoteConfig);
    },
    onAudit: (e) => {
      const fhirId = e.properties.fhirId;
      repos.audit.recordAudit({
        transactionId: e.transactionId ?? null,
        mediator: e.urn,
        resourceType: typeof e.properties.resourceType === 'string' ? e.properties.resourceType : null,
        resourceId: typeof fhirId === 'string' && isUuid(fhirId) ? fhirId : null,
        outcome: STATUS_TO_AUDIT[e.status],
        httpStatus: e.httpStatus,
        startedAt: e.startedAt,
        finishedAt: new Date(e.startedAt.getTime() + e.durationMs),
      });
    },
  });

  const fineract = new FineractClient({
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
  const openimis = new OpenImisClient({
    fhirBaseUrl: env.OPENIMIS_URL,
    graphqlUrl:
      env.OPENIMIS_GRAPHQL_URL ?? new URL('../graphql', env.OPENIMIS_URL.replace(/\/?$/, '/')).toString(),
    username: env.OPENIMIS_USERNAME,
    password: env.OPENIMIS_PASSWORD,
    timeoutMs: env.OPENIMIS_TIMEOUT_MS,
    ...(env.OPENIMIS_CA_FILE ? { tls: { caFile: env.OPENIMIS_CA_FILE } } : {}),
  });

  const config = (): InvoiceRemoteConfig => app.mediator.config.value as InvoiceRemoteConfig;
  const insuree: InsureeFlowContext = {
    fineract,
    openimis,
    repos,
    mappings: { patientToClient, groupToGroup },
    settings: () => insureeSettingsFor(config()),
    log: app.log,
  };
  const context: InvoiceFlowContext = {
    fineract,
    openimis,
    repos,
    insuree,
    mappings: { invoiceToClientCharge, organizationToClient },
    settings: () => invoiceFlowSettings(config()),
    log: app.log,
  };
  app.decorate('invoice', context);
  app.mediator.addReadinessCheck('staging', () => {
    db.sqlite.prepare('select 1').get();
  });

  await app.register(invoiceRoutes);
  await app.register(syncRoutes);

  app.addHook('onClose', async () => {
    await Promise.all([fineract.close(), openimis.close()]);
    db.close();
  });
  return app;
}
