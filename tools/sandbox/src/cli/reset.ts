/**
 * `npm run reset`: forgets the sandbox — deletes `data/sandbox/` (staging store, logs, generated route password and
 * hook secret). It never touches the staging store used against real systems (`data/payment-layer.sqlite`).
 * Refuses while an `npm start` runs on the folder.
 */
import { join, relative } from 'node:path';
import { dataLayout, resetSandbox } from './data-dir';
import { parseStartArgs, START_USAGE } from './settings';
import { ROOT } from './stack';

try {
  const args = parseStartArgs(process.argv.slice(2), join(ROOT, 'data'));
  const layout = dataLayout(args.dataDir, true);
  resetSandbox(layout);
  process.stdout.write(`Sandbox reset: ${relative(process.cwd(), layout.dir) || layout.dir} deleted.\n`);
} catch (err) {
  process.stderr.write(`reset failed: ${err instanceof Error ? err.message : String(err)}\n${START_USAGE}\n`);
  process.exit(1);
}
