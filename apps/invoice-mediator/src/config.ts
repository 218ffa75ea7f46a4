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
import type { BillsHandledBy, InvoiceFlowSettings } from '@payment-layer/flows-invoice';

/** Environment variables of the invoice mediator (on top of the kit's). */
export const INVOICE_ENV_SCHEMA: EnvSchema = mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, UPSTREAM_ENV_SCHEMA, {
  type: 'object',
  required: [],
  properties: {
    PORT: {
      type: 'integer',
      default: 3002,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
    },
  },
});

/** Typed environment of the invoice mediator. */
export interface InvoiceEnv extends MediatorEnv, UpstreamEnv {}

/**
 * Reads the invoice mediator's configuration from the environment (fails at boot naming the variable).
 *
 * @param env - defaults to process.env
 * @returns typed config
 */
export function loadInvoiceEnv(env: Record<string, string | undefined> = process.env): InvoiceEnv {
  return loadEnvConfig<InvoiceEnv>(INVOICE_ENV_SCHEMA, { env });
}

/** The operator config (OpenHIM console) of the invoice mediator; keys match `mediator.json` configDefs. */
export interface InvoiceRemoteConfig extends Record<string, unknown> {
  fineractOfficeId: number;
  chargeId: number;
  currency: string;
  billsHandledBy: BillsHandledBy;
  paymentTypeId: number;
  checkOpenImisStatus: boolean;
  syncPageSize: number;
}

/**
 * Cross-field and range checks of the operator config (beyond what configDefs express); a failing change is
 * refused and the previous config kept.
 *
 * @param c - candidate config
 */
export function checkInvoiceConfig(c: InvoiceRemoteConfig): void {
  checkConfigRanges(
    c,
    { fineractOfficeId: MAX_ID, chargeId: MAX_ID, paymentTypeId: MAX_ID, syncPageSize: 1000 },
    { currency: true },
  );
  if (c.billsHandledBy !== 'invoice' && c.billsHandledBy !== 'claim') {
    throw new ConfigError('billsHandledBy must be invoice or claim');
  }
}

/**
 * The invoice flow settings for the config in force, with the business date of today.
 *
 * @param c - operator config
 * @param today - business date
 * @returns settings for the invoice flow
 */
export function invoiceFlowSettings(c: InvoiceRemoteConfig, today: Date = new Date()): InvoiceFlowSettings {
  return {
    chargeId: c.chargeId,
    currency: c.currency,
    fineractOfficeId: c.fineractOfficeId,
    billsHandledBy: c.billsHandledBy,
    checkOpenImisStatus: c.checkOpenImisStatus,
    syncPageSize: c.syncPageSize,
    today: today.toISOString().slice(0, 10),
  };
}

/**
 * Settings of the insuree flow when it creates the client of a Patient recipient: one client at a time, no
 * savings account (the insuree mediator opens it when configured), no phone number (Fineract requires unique
 * numbers and families often share one; the insuree mediator adds it under its own config).
 *
 * @param c - operator config
 * @param today - business date
 * @returns settings for the insuree flow
 */
export function insureeSettingsFor(c: InvoiceRemoteConfig, today: Date = new Date()): InsureeFlowSettings {
  return {
    fineractOfficeId: c.fineractOfficeId,
    createSavingsAccount: false,
    batchSize: 1,
    syncPageSize: c.syncPageSize,
    syncConcurrency: 1,
    mappingConfig: {
      officeId: c.fineractOfficeId,
      today: today.toISOString().slice(0, 10),
      sendMobileNo: false,
    },
  };
}
