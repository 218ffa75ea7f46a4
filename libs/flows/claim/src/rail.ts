import type { FastifyBaseLogger } from 'fastify';
export interface PayoutWallet {
  readonly idType: string;
  readonly idValue: string;
  readonly idSubValue?: string;
}
export interface PayoutInstruction {
  readonly payoutKey: string; // 'claim:<uuid>' | 'bill:<uuid>', stable
  readonly code: string; // claim or bill code (receipt number / note)
  readonly amount: string; // decimal string > 0, the approved amount
  readonly currency: string; // ISO 4217
  readonly facility: {
    readonly id: string;
    readonly code: string;
    readonly name?: string;
    readonly fineractSavingsAccountId?: number;
    readonly wallet?: PayoutWallet;
  };
}
export interface RailContext {
  /** Progress the rail saved on an earlier call for this payout (null the first time). */
  readonly progress: Readonly<Record<string, unknown>> | null;
  /** Durably stores progress (JSON) — call before each external write whose outcome must survive a crash. */
  save(progress: Record<string, unknown>): void;
  readonly log: FastifyBaseLogger;
  readonly now: () => Date;
  readonly signal?: AbortSignal;
}
export type RailResult =
  | { readonly status: 'paid'; readonly reference: string }
  | { readonly status: 'failed'; readonly reason: string; readonly compensated: boolean }
  | { readonly status: 'pending'; readonly reason: string; readonly retryAfterMs?: number };
export interface PayoutRail {
  readonly name: 'fineract' | 'mojaloop';
  /** Idempotent per payoutKey: calling again with the saved progress resumes, never pays twice. */
  pay(instruction: PayoutInstruction, ctx: RailContext): Promise<RailResult>;
}
