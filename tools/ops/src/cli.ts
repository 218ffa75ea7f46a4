import { existsSync } from 'node:fs';
import { createRepositories, openStagingDb } from '@payment-layer/staging-db';
import { MediatorError } from '@payment-layer/shared-errors';
import { runCommand, USAGE } from './commands';

// Operator CLI over the staging file the mediators share: `npx tsx tools/ops/src/cli.ts <command>`.
function main(argv: readonly string[]): number {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 2 : 0;
  }
  const path = process.env.STAGING_DB_PATH ?? 'data/payment-layer.sqlite';
  if (!existsSync(path)) {
    process.stderr.write(`no staging database at ${path} (set STAGING_DB_PATH)\n`);
    return 2;
  }
  const db = openStagingDb({ path });
  try {
    process.stdout.write(`${runCommand(createRepositories(db), argv)}\n`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${message}\n`);
    return err instanceof MediatorError && err.statusCode < 500 ? 2 : 1;
  } finally {
    db.close();
  }
}

process.exitCode = main(process.argv.slice(2));
