/**
 * Helpers the process-level benchmarks share: free ports, CPU and peak memory of a child process (Linux /proc),
 * percentiles.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1.
 *
 * @returns the port number
 */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * CPU seconds (user + system) a process has used (Linux /proc/<pid>/stat).
 *
 * @param pid - process id
 * @returns seconds of CPU
 */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks (100/s).
  return (Number.parseInt(fields[11] ?? '0', 10) + Number.parseInt(fields[12] ?? '0', 10)) / 100;
}

/**
 * Peak resident set size of a process in MiB (Linux VmHWM).
 *
 * @param pid - process id
 * @returns MiB, rounded
 */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Math.round(Number.parseInt(kb, 10) / 1024) : Number.NaN;
}

/**
 * The p-th percentile of sorted values (nearest rank, no interpolation).
 *
 * @param sorted - ascending values
 * @param p - percentile, 0–100
 * @returns the value, NaN for no values
 */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
