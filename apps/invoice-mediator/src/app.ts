import {
  createMediatorApp,
  type MediatorLogOptions,
  derivedSettings,
  requireMappings,
} from '@payment-layer/flows-runtime';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { InsureeFlowContext } from '@payment-layer/flows-parties';
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
export interface BuildAppOptions extends MediatorLogOptions {
  readonly env: InvoiceEnv;
  /** Directory of the invoice mapping documents (default: the app's `mappings/`). */
  readonly mappingsDir?: string;
  /** Directory of the recipient mapping documents (default: the app's `recipient-mappings/`). */
  readonly recipientMappingsDir?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    invoice: InvoiceFlowContext;
  }
}

/**
 * Builds the invoice mediator on the flows runtime's base (OpenHIM kit, staging store shared with the payment
 * mediator, audit, openIMIS and Fineract clients): the mapping documents, the flow context and the routes. Never
 * listens (main.ts does).
 *
 * @param options - validated environment and overrides
 * @returns the Fastify instance, ready to `listen` or `inject`
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { env } = options;
  const mappings = requireMappings(options.mappingsDir ?? join(__dirname, '..', 'mappings'), [
    'invoice-to-client-charge',
  ]);
  const recipients = requireMappings(
    options.recipientMappingsDir ?? join(__dirname, '..', 'recipient-mappings'),
    ['patient-to-client', 'group-to-group', 'organization-to-entity-client'],
  );
  const app = await createMediatorApp<InvoiceRemoteConfig>({
    definition,
    env,
    configCheck: checkInvoiceConfig,
    fhirTypes: ['Invoice', 'Patient', 'Organization', 'Bundle'],
    logLevel: options.logLevel,
    logStream: options.logStream,
  });

  const config = (): InvoiceRemoteConfig => app.mediator.config.value as InvoiceRemoteConfig;
  const { fineract, openimis } = app;
  const { repos } = app.staging;
  const insuree: InsureeFlowContext = {
    fineract,
    openimis,
    repos,
    mappings: {
      patientToClient: recipients['patient-to-client'],
      groupToGroup: recipients['group-to-group'],
    },
    settings: derivedSettings(config, insureeSettingsFor),
    log: app.log,
  };
  const context: InvoiceFlowContext = {
    fineract,
    openimis,
    repos,
    insuree,
    mappings: {
      invoiceToClientCharge: mappings['invoice-to-client-charge'],
      organizationToClient: recipients['organization-to-entity-client'],
    },
    settings: derivedSettings(config, invoiceFlowSettings),
    log: app.log,
  };
  app.decorate('invoice', context);

  await app.register(invoiceRoutes);
  await app.register(syncRoutes);
  return app;
}
