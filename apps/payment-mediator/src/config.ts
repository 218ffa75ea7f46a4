import { checkConfigRanges, UPSTREAM_ENV_SCHEMA, type UpstreamEnv } from '@payment-layer/flows-runtime';
import { ConfigError } from '@payment-layer/shared-errors';
import {
  loadEnvConfig,
  MEDIATOR_ENV_SCHEMA,
  mergeEnvSchemas,
  type EnvSchema,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import type {
  MojaloopPayeeSettings,
  PaymentFlowSettings,
  PremiumPayType,
} from '@payment-layer/flows-payment';

/** Environment variables of the payment mediator (on top of the kit's). */
export const PAYMENT_ENV_SCHEMA: EnvSchema = mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, UPSTREAM_ENV_SCHEMA, {
  type: 'object',
  required: ['FINERACT_HOOK_SECRET'],
  properties: {
    PORT: {
      type: 'integer',
      default: 3003,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
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
    NOTICE_READ_BACK_WINDOW_MS: {
      type: 'integer',
      default: 600_000,
      minimum: 1_000,
      description:
        'How long a PaymentNotice POST without answer (outcome unknown) is read back before an operator decides; never re-posted automatically.',
    },
    FINERACT_CATCH_UP_INTERVAL_MS: {
      type: 'integer',
      default: 60_000,
      minimum: 0,
      description:
        'How often open invoices are checked in Fineract for charge payments whose hook was lost (0: never).',
    },
    OUTBOX_CONCURRENCY: {
      type: 'integer',
      default: 4,
      minimum: 1,
      maximum: 64,
      description:
        'How many invoices have their PaymentNotice, verification or premium step in flight at once (calls to openIMIS and Fineract).',
    },
    MOJALOOP_PAYEE_ID_TYPE: {
      type: 'string',
      default: 'BUSINESS',
      pattern: '^(MSISDN|ACCOUNT_NO|EMAIL|PERSONAL_ID|BUSINESS|DEVICE|ACCOUNT_ID|IBAN|ALIAS)$',
      description:
        'Mojaloop party id type of the account mobile-money payers pay contributions to (BUSINESS, MSISDN, ACCOUNT_ID, …).',
    },
    MOJALOOP_PAYEE_ID_VALUE: {
      type: 'string',
      pattern: '^.{1,128}$',
      description:
        'Party id of that account (payers add the invoice code as sub-id); unset: the SDK backend routes /mojaloop/… are off.',
    },
    MOJALOOP_PAYEE_NAME: {
      type: 'string',
      default: 'openIMIS contributions',
      pattern: '^.{1,128}$',
      description: 'Display name payers see when they look the account up.',
    },
    MOJALOOP_DFSP_ID: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.-]{1,32}$',
      description: "Our DFSP id on the scheme (the SDK's DFSP_ID), returned as the account's fspId.",
    },
  },
});

/** Typed environment of the payment mediator. */
export interface PaymentEnv extends MediatorEnv, UpstreamEnv {
  FINERACT_HOOK_SECRET: string;
  OUTBOX_INTERVAL_MS: number;
  OUTBOX_CONCURRENCY: number;
  NOTICE_READ_BACK_WINDOW_MS: number;
  FINERACT_CATCH_UP_INTERVAL_MS: number;
  MOJALOOP_PAYEE_ID_TYPE: string;
  MOJALOOP_PAYEE_ID_VALUE?: string;
  MOJALOOP_PAYEE_NAME: string;
  MOJALOOP_DFSP_ID?: string;
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
  checkConfigRanges(c, { mutationTimeoutMs: 600_000, maxVerifyAttempts: 1000 });
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

/**
 * Our account on the Mojaloop scheme, when the SDK backend API is enabled (MOJALOOP_PAYEE_ID_VALUE set).
 *
 * @param env - validated environment
 * @returns the payee settings, or undefined when Mojaloop payments are not taken
 */
export function mojaloopPayeeSettings(env: PaymentEnv): MojaloopPayeeSettings | undefined {
  if (env.MOJALOOP_PAYEE_ID_VALUE === undefined) {
    return undefined;
  }
  return {
    idType: env.MOJALOOP_PAYEE_ID_TYPE,
    idValue: env.MOJALOOP_PAYEE_ID_VALUE,
    displayName: env.MOJALOOP_PAYEE_NAME,
    fspId: env.MOJALOOP_DFSP_ID,
  };
}
