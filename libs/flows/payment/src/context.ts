import type { FineractClient } from '@payment-layer/mifos-fineract-client';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import type { StagingRepositories } from '@payment-layer/staging-db';

/** openIMIS premium pay types (`B` bank, `C` cash, `M` mobile, `F` funding), reference §11.1. */
export type PremiumPayType = 'B' | 'C' | 'M' | 'F';

/** Operator settings of the payment flow (the mediator's OpenHIM config, validated). */
export interface PaymentFlowSettings {
  /** Check through GraphQL that openIMIS marked the invoice PAID after the PaymentNotice. */
  readonly verifyPaid: boolean;
  /** Record a premium (createPremium) for the invoice's policy once it reads PAID, so the policy activates. */
  readonly recordPremium: boolean;
  /** Pay type of those premiums. */
  readonly premiumPayType: PremiumPayType;
  /** `ENFORCE` activates the policy even when the premium does not cover its whole value. */
  readonly premiumAction?: 'ENFORCE' | 'WAIT' | undefined;
  /** `PaymentNotice.recipient` (required by FHIR, ignored by openIMIS), e.g. `Organization/openIMIS-Implementation`. */
  readonly noticeRecipient: string;
  /** How long one `createPremium` is polled before the step is retried later. */
  readonly mutationTimeoutMs: number;
  /** Verification attempts before the invoice is handed to an operator (openIMIS kept it unpaid). */
  readonly maxVerifyAttempts: number;
}

/** The subset of a pino logger the flow uses. */
export interface FlowLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Everything the payment flow needs, passed explicitly (no globals). */
export interface PaymentFlowContext {
  readonly fineract: FineractClient;
  readonly openimis: OpenImisClient;
  readonly repos: StagingRepositories;
  /** Settings in force now (operators change them at run time through the OpenHIM console). */
  readonly settings: () => PaymentFlowSettings;
  readonly log: FlowLogger;
  /** Source of "now" (tests move it forward to make retries due). */
  readonly now?: () => Date;
  /**
   * Whether the operator config is known (fetched from OpenHIM core, or no core configured). Until it is, a step
   * whose run depends on a setting that is off by default (the premium) waits instead of deciding from defaults.
   * Default: always known.
   */
  readonly configKnown?: () => boolean;
  /**
   * How long a PaymentNotice whose POST got no answer (outcome unknown) is read back from openIMIS before it is
   * handed to an operator — never posted again automatically. Default {@link DEFAULT_NOTICE_READ_BACK_WINDOW_MS}.
   */
  readonly noticeReadBackWindowMs?: number;
}

/** Default of {@link PaymentFlowContext.noticeReadBackWindowMs}: far beyond any openIMIS request's lifetime. */
export const DEFAULT_NOTICE_READ_BACK_WINDOW_MS = 10 * 60_000;

/**
 * @param ctx - flow context
 * @returns the flow's current instant
 */
export function nowOf(ctx: Pick<PaymentFlowContext, 'now'>): Date {
  return ctx.now ? ctx.now() : new Date();
}
