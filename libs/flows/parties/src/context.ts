import type { FineractClient } from '@payment-layer/mifos-fineract-client';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import type { StagingRepositories } from '@payment-layer/staging-db';
import type { CompiledMapping } from '@payment-layer/mapping-dsl';

/** Operator settings of the insuree flow (the mediator's OpenHIM config, validated). */
export interface InsureeFlowSettings {
  /** Fineract office of new clients and groups. */
  readonly fineractOfficeId: number;
  /** Open a savings account for every new client. */
  readonly createSavingsAccount: boolean;
  /** Savings product of those accounts (required when createSavingsAccount is on). */
  readonly savingsProductId?: number | undefined;
  /** Patients per Fineract batch during a sync (1 turns batching off). */
  readonly batchSize: number;
  /** Patients per openIMIS page during a sync. */
  readonly syncPageSize: number;
  /** Upserts running at once during a sync. */
  readonly syncConcurrency: number;
  /** Values the mapping documents read with `config` rules (office id, legal form, gender code ids…). */
  readonly mappingConfig: Readonly<Record<string, unknown>>;
}

/** The subset of a pino logger the flow uses. */
export interface FlowLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Everything the insuree flow needs, passed explicitly (no globals). */
export interface InsureeFlowContext {
  readonly fineract: FineractClient;
  readonly openimis: OpenImisClient;
  readonly repos: StagingRepositories;
  readonly mappings: {
    readonly patientToClient: CompiledMapping;
    readonly groupToGroup: CompiledMapping;
  };
  /** Settings in force now (operators change them at run time through the OpenHIM console). */
  readonly settings: () => InsureeFlowSettings;
  readonly log: FlowLogger;
  readonly now?: () => Date;
}
