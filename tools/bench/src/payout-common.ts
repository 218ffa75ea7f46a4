/**
 * What the claim payout benchmarks (Mojaloop and Fineract rails) share: the deterministic payout amounts, the
 * expected per-facility sums (decimal arithmetic) and plain stdout output.
 */
import { cpus } from 'node:os';
import { addMoney, money, parseAmount, type Money } from '@payment-layer/shared-money';

/**
 * Writes one line to stdout (the benchmarks print their report; pino is silenced).
 *
 * @param line - text without its newline
 */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/**
 * A deterministic approved amount between 1.01 and 997.99 with varied cents.
 *
 * @param i - payout index
 * @returns a decimal string
 */
export function amountOf(i: number): string {
  return `${(i % 997) + 1}.${String((i * 37) % 100).padStart(2, '0')}`;
}

/**
 * The payout indices of each facility when payout i goes to facility i mod facilities, in payout order.
 *
 * @param payouts - number of payouts
 * @param facilities - number of facilities
 * @returns one list of payout indices per facility
 */
export function facilityQueues(payouts: number, facilities: number): number[][] {
  return Array.from({ length: facilities }, (_, f) =>
    Array.from({ length: Math.ceil((payouts - f) / facilities) }, (_x, k) => f + k * facilities),
  );
}

/**
 * The sum of the amounts of the given payouts, in decimal arithmetic.
 *
 * @param indices - payout indices
 * @param currency - ISO 4217 code
 * @returns the sum
 */
export function sumOfPayouts(indices: readonly number[], currency: string): Money {
  return indices.reduce(
    (sum, i) => addMoney(sum, parseAmount(amountOf(i), currency)),
    money('0.00', currency),
  );
}

/**
 * The machine line of a results file.
 *
 * @param today - the run's date (`YYYY-MM-DD`)
 * @returns e.g. `2 × AMD EPYC (shared with other work), Node.js v20.20.2, 2026-12-04`
 */
export function machineLine(today: string): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'} (shared with other work), Node.js ${process.version}, ${today}`;
}
