import { ConfigError } from '@payment-layer/shared-errors';
import {
  loadEnvConfig,
  MEDIATOR_ENV_SCHEMA,
  mergeEnvSchemas,
  type EnvSchema,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import type { InsureeFlowSettings } from '@payment-layer/flows-insuree';

/** Environment variables of the insuree mediator (on top of the kit's). */
export const INSUREE_ENV_SCHEMA: EnvSchema = mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, {
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
    PORT: {
      type: 'integer',
      default: 3001,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
    },
    STAGING_DB_PATH: {
      type: 'string',
      default: 'data/insuree-mediator.sqlite',
      description:
        'SQLite staging database (links, outbox, sync cursors, audit); created and migrated at boot.',
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
    OPENIMIS_CA_FILE: { type: 'string', description: 'Extra CA certificates (PEM) to trust for openIMIS.' },
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
    FINERACT_CA_FILE: { type: 'string', description: 'Extra CA certificates (PEM) to trust for Fineract.' },
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
        'How often unfinished steps (e.g. a savings account Fineract refused for now) are retried.',
    },
  },
});

/** Typed environment of the insuree mediator. */
export interface InsureeEnv extends MediatorEnv {
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
 * Reads the insuree mediator's configuration from the environment (fails at boot naming the variable).
 *
 * @param env - defaults to process.env
 * @returns typed config
 */
export function loadInsureeEnv(env: Record<string, string | undefined> = process.env): InsureeEnv {
  return loadEnvConfig<InsureeEnv>(INSUREE_ENV_SCHEMA, { env });
}

/** The operator config (OpenHIM console) of the insuree mediator; keys match `mediator.json` configDefs. */
export interface InsureeRemoteConfig extends Record<string, unknown> {
  fineractOfficeId: number;
  genderIds: Record<string, string>;
  sendMobileNo: boolean;
  createSavingsAccount: boolean;
  savingsProductId: number;
  batchSize: number;
  syncPageSize: number;
  syncConcurrency: number;
}

/**
 * Cross-field and range checks of the operator config (beyond what configDefs express); a failing change is
 * refused and the previous config kept.
 *
 * @param c - candidate config
 */
export function checkInsureeConfig(c: InsureeRemoteConfig): void {
  const positiveInt = (name: keyof InsureeRemoteConfig, max: number): void => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw new ConfigError(`${String(name)} must be an integer from 1 to ${max}`);
    }
  };
  positiveInt('fineractOfficeId', Number.MAX_SAFE_INTEGER);
  positiveInt('savingsProductId', Number.MAX_SAFE_INTEGER);
  positiveInt('batchSize', 200);
  positiveInt('syncPageSize', 1000);
  positiveInt('syncConcurrency', 64);
  for (const [gender, id] of Object.entries(c.genderIds)) {
    if (!/^[1-9]\d*$/.test(id)) {
      throw new ConfigError(`genderIds.${gender} must be a Fineract code value id, not "${id}"`);
    }
  }
}

/**
 * The flow settings for the config in force, with the business date of today for the mapping documents.
 *
 * @param c - operator config
 * @param today - business date
 * @returns settings for the insuree flow
 */
export function flowSettings(c: InsureeRemoteConfig, today: Date = new Date()): InsureeFlowSettings {
  const genderIds = Object.fromEntries(
    Object.entries(c.genderIds).map(([k, v]) => [k, Number.parseInt(v, 10)]),
  );
  return {
    fineractOfficeId: c.fineractOfficeId,
    createSavingsAccount: c.createSavingsAccount,
    savingsProductId: c.savingsProductId,
    batchSize: c.batchSize,
    syncPageSize: c.syncPageSize,
    syncConcurrency: c.syncConcurrency,
    mappingConfig: {
      officeId: c.fineractOfficeId,
      today: today.toISOString().slice(0, 10),
      sendMobileNo: c.sendMobileNo,
      ...(Object.keys(genderIds).length > 0 ? { genderIds } : {}),
      ...(c.createSavingsAccount ? { savingsProductId: c.savingsProductId } : {}),
    },
  };
}
