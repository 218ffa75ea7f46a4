import type { FastifyBaseLogger } from 'fastify';
import type { FineractClient } from '@payment-layer/mifos-fineract-client';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import type { CompiledMapping } from '@payment-layer/mapping-dsl';
import type { PayoutRailName, StagingRepositories } from '@payment-layer/staging-db';
import type { PayoutRail, PayoutWallet } from './rail';

/** What pays health facilities: each valuated claim, or the claim-batch bills (never both: that pays twice). */
export type PayoutBasis = 'claim' | 'bill';

/** Operator settings of the claim flow (the mediator's OpenHIM config, validated). */
export interface ClaimFlowSettings {
  /** ISO 4217 code every payout is in (the facilities' savings product currency). */
  readonly currency: string;
  /** Fineract office of the health facilities' entity clients. */
  readonly fineractOfficeId: number;
  /** Savings product of the facilities' payout accounts. */
  readonly savingsProductId: number;
  /** Payment type of the payout deposits. */
  readonly paymentTypeId: number;
  /** `claim`: valuated ClaimResponses pay; `bill`: claim-batch bills pay (and ClaimResponses are skipped). */
  readonly payoutBasis: PayoutBasis;
  /** Resources per openIMIS page during a sync. */
  readonly syncPageSize: number;
  /** Business date (`YYYY-MM-DD`) of client and account creation. */
  readonly today: string;
}

/** How payouts are routed, from the environment (validated at boot). */
export interface PayoutRouting {
  /** Rail of facilities without an override. */
  readonly defaultRail: PayoutRailName;
  /** Facility code → rail. */
  readonly railByFacility: Readonly<Record<string, PayoutRailName>>;
  /** Facility code → Mojaloop wallet (party id) of the facility, for the Mojaloop rail. */
  readonly walletByFacility?: Readonly<Record<string, PayoutWallet>>;
}

/** Everything the claim flow needs, passed explicitly (no globals). */
export interface ClaimFlowContext {
  readonly fineract: FineractClient;
  readonly openimis: OpenImisClient;
  readonly repos: StagingRepositories;
  readonly mappings: {
    /** The health facility (Organization) as a Fineract entity client. */
    readonly organizationToClient: CompiledMapping;
  };
  /** The rails configured in this process; a payout routed to a missing rail waits, visibly. */
  readonly rails: Partial<Record<PayoutRailName, PayoutRail>>;
  readonly routing: PayoutRouting;
  /** Settings in force now (operators change them at run time through the OpenHIM console). */
  readonly settings: () => ClaimFlowSettings;
  readonly log: FastifyBaseLogger;
  /** Source of "now" (tests). */
  readonly now?: () => Date;
}

/**
 * @param ctx - flow context
 * @returns the flow's current instant
 */
export function nowOf(ctx: Pick<ClaimFlowContext, 'now'>): Date {
  return ctx.now ? ctx.now() : new Date();
}

/**
 * The rail a facility is paid over: its override, else the default. Chosen once, when the payout is recorded.
 *
 * @param routing - the routing settings
 * @param facilityCode - the facility's openIMIS code
 * @returns the rail name
 */
export function railFor(routing: PayoutRouting, facilityCode: string): PayoutRailName {
  return routing.railByFacility[facilityCode] ?? routing.defaultRail;
}
