import {
  checkConfigRanges,
  MAX_ID,
  UPSTREAM_ENV_SCHEMA,
  type UpstreamEnv,
} from '@payment-layer/flows-runtime';
import { ConfigError } from '@payment-layer/shared-errors';
import { parseDecimal } from '@payment-layer/shared-money';
import {
  loadEnvConfig,
  MEDIATOR_ENV_SCHEMA,
  mergeEnvSchemas,
  type EnvSchema,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import type {
  ClaimFlowSettings,
  MojaloopRailOptions,
  PayoutBasis,
  PayoutRouting,
  PayoutWallet,
} from '@payment-layer/flows-claim';
import { MOJALOOP_PARTY_ID_TYPES, type MojaloopClientOptions } from '@payment-layer/mifos-mojaloop-client';

import type { PayoutRailName } from '@payment-layer/staging-db';

const RAILS: readonly PayoutRailName[] = ['fineract', 'mojaloop'];

const PARTY_ID_TYPES: readonly string[] = MOJALOOP_PARTY_ID_TYPES;

/** Environment variables of the claim mediator (on top of the kit's and the upstreams'). */
export const CLAIM_ENV_SCHEMA: EnvSchema = mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, UPSTREAM_ENV_SCHEMA, {
  type: 'object',
  required: [],
  properties: {
    PORT: {
      type: 'integer',
      default: 3004,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
    },
    PAYOUT_RAIL: {
      type: 'string',
      default: 'fineract',
      enum: RAILS,
      description: 'Rail health facilities are paid over unless PAYOUT_RAIL_BY_FACILITY says otherwise.',
    },
    PAYOUT_RAIL_BY_FACILITY: {
      type: 'string',
      default: '{}',
      description:
        'JSON object of health facility code → rail (fineract or mojaloop), e.g. {"TED00001":"mojaloop"}. A payout routed to a rail this mediator has not configured waits (listed), never goes over another rail.',
    },
    PAYOUT_WALLET_BY_FACILITY: {
      type: 'string',
      default: '{}',
      description:
        'JSON object of health facility code → Mojaloop party the Mojaloop rail pays, e.g. {"TED00001":{"idType":"MSISDN","idValue":"255712345678"}}.',
    },
    PAYOUT_INTERVAL_MS: {
      type: 'integer',
      default: 5_000,
      minimum: 100,
      description: 'How often due payouts (new, or waiting out a back-off) are run.',
    },
    PAYOUT_CONCURRENCY: {
      type: 'integer',
      default: 2,
      minimum: 1,
      maximum: 32,
      description:
        'How many payouts (of different facilities; one per facility at most) are in flight at once.',
    },
    MOJALOOP_SDK_URL: {
      type: 'string',
      pattern: '^https?://',
      description:
        'Outbound API of the Mojaloop SDK scheme adapter (run with AUTO_ACCEPT_QUOTES=false, AUTO_ACCEPT_PARTY=true), e.g. http://sdk-scheme-adapter:4001. Set: the Mojaloop rail pays facilities routed to it; unset: their payouts wait, listed.',
    },
    MOJALOOP_SDK_CA_FILE: {
      type: 'string',
      description:
        "PEM file of the CAs that sign the SDK's certificate (replaces the system CAs for the SDK).",
    },
    MOJALOOP_PAYER_ID_TYPE: {
      type: 'string',
      default: 'BUSINESS',
      enum: PARTY_ID_TYPES,
      description: 'Party id type of the scheme as the payer of every Mojaloop payout.',
    },
    MOJALOOP_PAYER_ID_VALUE: {
      type: 'string',
      description: 'Party id of the scheme as the payer (required with MOJALOOP_SDK_URL).',
    },
    MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID: {
      type: 'integer',
      minimum: 1,
      description:
        'Fineract savings account the Mojaloop payouts are withdrawn from before the quote is accepted (and refunded to when a transfer fails); required with MOJALOOP_SDK_URL.',
    },
    MOJALOOP_PAYER_PAYMENT_TYPE_ID: {
      type: 'integer',
      minimum: 1,
      description:
        'Fineract payment type of the float withdrawals and refunds (required with MOJALOOP_SDK_URL).',
    },
    MOJALOOP_PAYER_MAX_FEE: {
      type: 'string',
      default: '0',
      description:
        'Most the scheme pays in payee FSP fees on top of a payout (decimal, payout currency); a quote with a higher fee is refused.',
    },
    MOJALOOP_PREPARE_EXPIRY_MS: {
      type: 'integer',
      default: 90_000,
      minimum: 1_000,
      description:
        "The switch's prepare expiry plus a margin: only after it is a transfer the switch never saw refunded to the float.",
    },
  },
});

/** Typed environment of the claim mediator. */
export interface ClaimEnv extends MediatorEnv, UpstreamEnv {
  PORT: number;
  PAYOUT_RAIL: PayoutRailName;
  PAYOUT_RAIL_BY_FACILITY: string;
  PAYOUT_WALLET_BY_FACILITY: string;
  PAYOUT_INTERVAL_MS: number;
  PAYOUT_CONCURRENCY: number;
  MOJALOOP_SDK_URL?: string;
  MOJALOOP_SDK_CA_FILE?: string;
  MOJALOOP_PAYER_ID_TYPE: string;
  MOJALOOP_PAYER_ID_VALUE?: string;
  MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID?: number;
  MOJALOOP_PAYER_PAYMENT_TYPE_ID?: number;
  MOJALOOP_PAYER_MAX_FEE: string;
  MOJALOOP_PREPARE_EXPIRY_MS: number;
}

/**
 * Reads the claim mediator's configuration from the environment (fails at boot naming the variable), including the
 * per-facility rail map.
 *
 * @param env - defaults to process.env
 * @returns typed config
 * @throws ConfigError for a malformed PAYOUT_RAIL_BY_FACILITY
 */
export function loadClaimEnv(env: Record<string, string | undefined> = process.env): ClaimEnv {
  const loaded = loadEnvConfig<ClaimEnv>(CLAIM_ENV_SCHEMA, { env });
  payoutRouting(loaded);
  mojaloopPayerSettings(loaded);
  return loaded;
}

/** How the Mojaloop rail is built, from the environment. */
export interface MojaloopPayerSettings {
  readonly client: MojaloopClientOptions;
  readonly rail: Omit<MojaloopRailOptions, 'mojaloop' | 'fineract'>;
}

/**
 * The Mojaloop payer rail's settings, when the SDK is configured (MOJALOOP_SDK_URL set).
 *
 * @param env - validated environment
 * @returns the settings, or undefined without MOJALOOP_SDK_URL
 * @throws ConfigError naming what the rail needs and is missing or malformed
 */
export function mojaloopPayerSettings(env: ClaimEnv): MojaloopPayerSettings | undefined {
  if (env.MOJALOOP_SDK_URL === undefined) {
    return undefined;
  }
  const missing = (
    [
      'MOJALOOP_PAYER_ID_VALUE',
      'MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID',
      'MOJALOOP_PAYER_PAYMENT_TYPE_ID',
    ] as const
  ).filter((name) => env[name] === undefined || env[name] === '');
  if (missing.length > 0) {
    throw new ConfigError(`MOJALOOP_SDK_URL is set: ${missing.join(', ')} must be set too`);
  }
  let maxFee: string;
  try {
    maxFee = parseDecimal(env.MOJALOOP_PAYER_MAX_FEE);
  } catch {
    maxFee = '-';
  }
  if (maxFee.startsWith('-')) {
    throw new ConfigError(
      `MOJALOOP_PAYER_MAX_FEE must be a decimal ≥ 0, not "${env.MOJALOOP_PAYER_MAX_FEE}"`,
    );
  }
  return {
    client: {
      baseUrl: env.MOJALOOP_SDK_URL,
      ...(env.MOJALOOP_SDK_CA_FILE ? { tls: { caFile: env.MOJALOOP_SDK_CA_FILE } } : {}),
    },
    rail: {
      floatSavingsAccountId: env.MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID as number,
      paymentTypeId: env.MOJALOOP_PAYER_PAYMENT_TYPE_ID as number,
      payer: {
        idType: env.MOJALOOP_PAYER_ID_TYPE as MojaloopRailOptions['payer']['idType'],
        idValue: env.MOJALOOP_PAYER_ID_VALUE as string,
      },
      maxFee,
      prepareExpiryMs: env.MOJALOOP_PREPARE_EXPIRY_MS,
    },
  };
}

/**
 * The payout routing of the environment: the default rail and the per-facility overrides.
 *
 * @param env - validated environment
 * @returns the routing
 * @throws ConfigError naming PAYOUT_RAIL_BY_FACILITY when it is not a JSON object of code → fineract|mojaloop
 */
export function payoutRouting(
  env: Pick<ClaimEnv, 'PAYOUT_RAIL' | 'PAYOUT_RAIL_BY_FACILITY' | 'PAYOUT_WALLET_BY_FACILITY'>,
): PayoutRouting {
  let parsed: unknown;
  try {
    parsed = JSON.parse(env.PAYOUT_RAIL_BY_FACILITY);
  } catch {
    throw new ConfigError('PAYOUT_RAIL_BY_FACILITY must be a JSON object of facility code → rail');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('PAYOUT_RAIL_BY_FACILITY must be a JSON object of facility code → rail');
  }
  const railByFacility: Record<string, PayoutRailName> = {};
  for (const [code, rail] of Object.entries(parsed)) {
    if (code.trim() === '' || !RAILS.includes(rail as PayoutRailName)) {
      throw new ConfigError(
        `PAYOUT_RAIL_BY_FACILITY: facility "${code}" must map to fineract or mojaloop, not ${JSON.stringify(rail)}`,
      );
    }
    railByFacility[code] = rail as PayoutRailName;
  }
  return {
    defaultRail: env.PAYOUT_RAIL,
    railByFacility,
    walletByFacility: walletMap(env.PAYOUT_WALLET_BY_FACILITY),
  };
}

function walletMap(raw: string): Record<string, PayoutWallet> {
  const bad = (why: string): ConfigError =>
    new ConfigError(
      `PAYOUT_WALLET_BY_FACILITY must be a JSON object of facility code → {idType, idValue, idSubValue?}: ${why}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad('not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw bad('not an object');
  }
  const wallets: Record<string, PayoutWallet> = {};
  for (const [code, w] of Object.entries(parsed as Record<string, unknown>)) {
    const { idType, idValue, idSubValue } = (w ?? {}) as Record<string, unknown>;
    if (typeof idType !== 'string' || !PARTY_ID_TYPES.includes(idType)) {
      throw bad(`facility "${code}" has no valid idType`);
    }
    if (
      typeof idValue !== 'string' ||
      idValue.trim() === '' ||
      (idSubValue !== undefined && typeof idSubValue !== 'string')
    ) {
      throw bad(`facility "${code}" needs a text idValue (and idSubValue, if any)`);
    }
    wallets[code] = { idType, idValue, ...(typeof idSubValue === 'string' ? { idSubValue } : {}) };
  }
  return wallets;
}

/** The operator config (OpenHIM console) of the claim mediator; keys match `mediator.json` configDefs. */
export interface ClaimRemoteConfig extends Record<string, unknown> {
  fineractOfficeId: number;
  savingsProductId: number;
  paymentTypeId: number;
  currency: string;
  payoutBasis: PayoutBasis;
  syncPageSize: number;
}

/**
 * Range checks of the operator config (beyond what configDefs express); a failing change is refused and the
 * previous config kept.
 *
 * @param c - candidate config
 */
export function checkClaimConfig(c: ClaimRemoteConfig): void {
  checkConfigRanges(
    c,
    { fineractOfficeId: MAX_ID, savingsProductId: MAX_ID, paymentTypeId: MAX_ID, syncPageSize: 1000 },
    { currency: true },
  );
  if (c.payoutBasis !== 'claim' && c.payoutBasis !== 'bill') {
    throw new ConfigError('payoutBasis must be claim or bill');
  }
}

/**
 * The claim flow settings for the config in force, with the business date of today.
 *
 * @param c - operator config
 * @param today - business date
 * @returns settings for the claim flow
 */
export function claimFlowSettings(c: ClaimRemoteConfig, today: Date = new Date()): ClaimFlowSettings {
  return {
    currency: c.currency,
    fineractOfficeId: c.fineractOfficeId,
    savingsProductId: c.savingsProductId,
    paymentTypeId: c.paymentTypeId,
    payoutBasis: c.payoutBasis,
    syncPageSize: c.syncPageSize,
    today: today.toISOString().slice(0, 10),
  };
}
