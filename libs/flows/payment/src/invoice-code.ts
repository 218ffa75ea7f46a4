import type { LedgerInvoice } from '@payment-layer/staging-db';
import type { PaymentFlowContext } from './context';

/** At most this many words of a deposit note are looked up as invoice codes. */
const MAX_NOTE_TOKENS = 20;

/**
 * Finds the invoice a deposit pays: its receipt number, or a word of its note, is the invoice code.
 *
 * @param ctx - flow context
 * @param receipt - receipt number
 * @param note - free-text note
 * @returns the ledger invoice, or undefined
 */
export function findInvoiceByCode(
  ctx: PaymentFlowContext,
  receipt: string | undefined,
  note: string | undefined,
): LedgerInvoice | undefined {
  const candidates = [
    receipt?.trim(),
    ...(note ?? '')
      .split(/[\s,;:()[\]"']+/)
      .filter((t) => t.length >= 3)
      .slice(0, MAX_NOTE_TOKENS),
  ];
  for (const code of candidates) {
    if (code) {
      const hit = ctx.repos.ledger.getInvoiceByCode(code);
      if (hit) {
        return hit;
      }
    }
  }
  return undefined;
}
