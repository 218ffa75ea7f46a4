import type { FineractClient } from '@payment-layer/mifos-fineract-client';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import type { StagingRepositories } from '@payment-layer/staging-db';
import type { CompiledMapping } from '@payment-layer/mapping-dsl';
import type { FlowLogger, InsureeFlowContext } from '@payment-layer/flows-parties';

/** Who turns openIMIS bills (claim batches, commissions, fees) into payables. */
export type BillsHandledBy = 'invoice' | 'claim';

/** Operator settings of the invoice flow (the mediator's OpenHIM config, validated). */
export interface InvoiceFlowSettings {
  /** Client charge definition (chargeAppliesTo client, specified due date, flat) applied per invoice. */
  readonly chargeId: number;
  /** ISO 4217 code every invoice total must be in (the charge definition's currency). */
  readonly currency: string;
  /** Fineract office of entity clients created for Organization recipients. */
  readonly fineractOfficeId: number;
  /** `claim`: bills are skipped here (the claim mediator pays them); `invoice`: they are charged like invoices. */
  readonly billsHandledBy: BillsHandledBy;
  /** Read the real openIMIS status (GraphQL) before the first charge and skip paid or cancelled invoices. */
  readonly checkOpenImisStatus: boolean;
  /** Invoices per openIMIS page during a sync. */
  readonly syncPageSize: number;
  /** Business date (`YYYY-MM-DD`) for the mapping documents (activation dates of new entity clients). */
  readonly today: string;
}

/** Everything the invoice flow needs, passed explicitly (no globals). */
export interface InvoiceFlowContext {
  readonly fineract: FineractClient;
  readonly openimis: OpenImisClient;
  readonly repos: StagingRepositories;
  /** The insuree flow, used to create or link the client of a Patient recipient (same code, same keys). */
  readonly insuree: InsureeFlowContext;
  readonly mappings: {
    readonly invoiceToClientCharge: CompiledMapping;
    readonly organizationToClient: CompiledMapping;
  };
  /** Settings in force now (operators change them at run time through the OpenHIM console). */
  readonly settings: () => InvoiceFlowSettings;
  readonly log: FlowLogger;
}
