import closeWithGrace from 'close-with-grace';
import { buildApp } from './app';
import { loadClaimEnv } from './config';

async function main(): Promise<void> {
  const env = loadClaimEnv();
  const app = await buildApp({ env });
  closeWithGrace({ delay: 10_000 }, async ({ err }) => {
    if (err) {
      app.log.error({ err }, 'shutting down after an error');
    }
    await app.close();
  });
  await app.listen({ host: env.HOST, port: env.PORT });
}

main().catch((err: unknown) => {
  // Boot failures (bad config, unreadable mapping documents) are printed once, without a stack, and exit 1.
  process.stderr.write(
    `claim mediator failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});
