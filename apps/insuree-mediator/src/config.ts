import {
  checkConfigRanges,
  MAX_ID,
  UPSTREAM_ENV_SCHEMA,
  type UpstreamEnv,
} from '@payment-layer/flows-runtime';
import { ConfigError } from '@payment-layer/shared-errors';
import {
  loadEnvConfig,
  MEDIATOR_ENV_SCHEMA,
  mergeEnvSchemas,
  type EnvSchema,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import type { InsureeFlowSettings } from '@payment-layer/flows-parties';

/** Environment variables of the insuree mediator (on top of the kit's). */
export const INSUREE_ENV_SCHEMA: EnvSchema = mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, UPSTREAM_ENV_SCHEMA, {
  type: 'object',
  required: [],
  properties: {
    PORT: {
      type: 'integer',
      default: 3001,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
    },
  },
});

/** Typed environment of the insuree mediator. */
export interface InsureeEnv extends MediatorEnv, UpstreamEnv {}

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
  checkConfigRanges(c, {
    fineractOfficeId: MAX_ID,
    savingsProductId: MAX_ID,
    batchSize: 200,
    syncPageSize: 1000,
    syncConcurrency: 64,
  });
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
