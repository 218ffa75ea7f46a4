// A claim mediator process that runs the due payouts once and exits: the kill -9 test kills it mid-payout.
// Its environment comes as JSON in CLAIM_CHILD_ENV (the test's simulators and staging file).
import { buildApp } from '../src/app';
import { loadClaimEnv } from '../src/config';

async function main(): Promise<void> {
  const env = JSON.parse(process.env.CLAIM_CHILD_ENV ?? '{}') as Record<string, string>;
  const app = await buildApp({ env: loadClaimEnv(env), logLevel: 'silent', payoutWorker: false });
  process.stdout.write('ready\n');
  await app.runPayouts();
  await app.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
