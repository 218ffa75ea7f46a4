import {
  auditRecorder,
  derivedSettings,
  createFineractClient,
  createOpenImisClient,
  openStaging,
} from '@payment-layer/flows-runtime';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  kitSettingsFromEnv,
  mediatorKit,
  mediatorServerOptions,
  type MediatorDefinition,
} from '@payment-layer/openhim-mediator';
import { loadMappingDir, type CompiledMapping } from '@payment-layer/mapping-dsl';
import { precompileFhirValidators } from '@payment-layer/fhir-util';
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
  /** Where log lines go (default stdout); tests read them to prove nothing secret or personal is logged. */
  readonly logStream?: NodeJS.WritableStream;
}

declare module 'fastify' {
  interface FastifyInstance {
    invoice: InvoiceFlowContext;
  }
}

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
      ...(options.logStream ? { stream: options.logStream } : {}),
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

  const { db, repos } = openStaging(env);
  const audit = auditRecorder(repos, app.log);

  await app.register(mediatorKit, {
    definition: definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    configCheck: (c) => {
      checkInvoiceConfig(c as InvoiceRemoteConfig);
    },
    onAudit: audit,
  });

  const fineract = createFineractClient(env);
  const openimis = createOpenImisClient(env);

  const config = (): InvoiceRemoteConfig => app.mediator.config.value as InvoiceRemoteConfig;
  const insuree: InsureeFlowContext = {
    fineract,
    openimis,
    repos,
    mappings: { patientToClient, groupToGroup },
    settings: derivedSettings(config, insureeSettingsFor),
    log: app.log,
  };
  const context: InvoiceFlowContext = {
    fineract,
    openimis,
    repos,
    insuree,
    mappings: { invoiceToClientCharge, organizationToClient },
    settings: derivedSettings(config, invoiceFlowSettings),
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
    audit.flush();
    db.close();
  });
  return app;
}
