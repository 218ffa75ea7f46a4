import { ConfigError } from '@payment-layer/shared-errors';
import {
  loadEnvConfig,
  MEDIATOR_ENV_SCHEMA,
  mergeEnvSchemas,
  type EnvSchema,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import type { PaymentFlowSettings, PremiumPayType } from '@payment-layer/flows-payment';

/** Environment variables of the payment mediator (on top of the kit's). */
export const PAYMENT_ENV_SCHEMA: EnvSchema = mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, {
  type: 'object',
  required: [
    'OPENIMIS_URL',
    'OPENIMIS_USERNAME',
    'OPENIMIS_PASSWORD',
    'FINERACT_URL',
    'FINERACT_USERNAME',
    'FINERACT_PASSWORD',
    'FINERACT_HOOK_SECRET',
  ],
  properties: {
    PORT: {
      type: 'integer',
      default: 3003,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
    },
    STAGING_MIGRATIONS_DIR: {
      type: 'string',
      description:
        'Folder of the staging SQL migrations (set by the container image; default: the source tree).',
    },
    STAGING_DB_PATH: {
      type: 'string',
      default: 'data/payment-layer.sqlite',
      description:
        'SQLite staging database shared with the invoice mediator (ledger, outbox, audit); created and migrated at boot.',
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
    FINERACT_HOOK_SECRET: {
      type: 'string',
      minLength: 16,
      secret: true,
      description:
        'Shared secret of the Fineract web hook: sent as ?secret= in the hook Payload URL or as the HTTP Basic password (Fineract hooks cannot sign).',
    },
    OUTBOX_INTERVAL_MS: {
      type: 'integer',
      default: 2_000,
      minimum: 100,
      description: 'How often due PaymentNotice, verification and premium steps are run.',
    },
  },
});

/** Typed environment of the payment mediator. */
export interface PaymentEnv extends MediatorEnv {
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
  FINERACT_HOOK_SECRET: string;
  OUTBOX_INTERVAL_MS: number;
}

/**
 * Reads the payment mediator's configuration from the environment (fails at boot naming the variable).
 *
 * @param env - defaults to process.env
 * @returns typed config
 */
export function loadPaymentEnv(env: Record<string, string | undefined> = process.env): PaymentEnv {
  return loadEnvConfig<PaymentEnv>(PAYMENT_ENV_SCHEMA, { env });
}

/** The operator config (OpenHIM console) of the payment mediator; keys match `mediator.json` configDefs. */
export interface PaymentRemoteConfig extends Record<string, unknown> {
  verifyPaid: boolean;
  recordPremium: boolean;
  premiumPayType: string;
  premiumEnforce: boolean;
  noticeRecipient: string;
  mutationTimeoutMs: number;
  maxVerifyAttempts: number;
}

const PAY_TYPES: readonly PremiumPayType[] = ['B', 'C', 'M', 'F'];

/**
 * Cross-field and range checks of the operator config; a failing change is refused and the previous config kept.
 *
 * @param c - candidate config
 */
export function checkPaymentConfig(c: PaymentRemoteConfig): void {
  if (!PAY_TYPES.includes(c.premiumPayType as PremiumPayType)) {
    throw new ConfigError('premiumPayType must be B (bank), C (cash), M (mobile) or F (funding)');
  }
  if (!/^[A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(c.noticeRecipient)) {
    throw new ConfigError(
      'noticeRecipient must be a FHIR reference such as Organization/openIMIS-Implementation',
    );
  }
  for (const [name, max] of [
    ['mutationTimeoutMs', 600_000],
    ['maxVerifyAttempts', 1000],
  ] as const) {
    const v = c[name];
    if (!Number.isInteger(v) || v < 1 || v > max) {
      throw new ConfigError(`${name} must be an integer from 1 to ${max}`);
    }
  }
}

/**
 * The flow settings for the config in force.
 *
 * @param c - operator config
 * @returns settings for the payment flow
 */
export function flowSettings(c: PaymentRemoteConfig): PaymentFlowSettings {
  return {
    verifyPaid: c.verifyPaid,
    recordPremium: c.recordPremium,
    premiumPayType: c.premiumPayType as PremiumPayType,
    premiumAction: c.premiumEnforce ? 'ENFORCE' : undefined,
    noticeRecipient: c.noticeRecipient,
    mutationTimeoutMs: c.mutationTimeoutMs,
    maxVerifyAttempts: c.maxVerifyAttempts,
  };
}
