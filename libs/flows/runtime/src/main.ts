import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';

/** What a mediator's `main.ts` hands to {@link runMediator}. */
export interface MediatorMain<E extends { readonly HOST: string; readonly PORT: number }> {
  /** Names the mediator in the boot failure line, e.g. `claim mediator`. */
  readonly name: string;
  /** Reads and validates the environment (throws a ConfigError naming the variable). */
  readonly loadEnv: () => E;
  /** Builds the app from the validated environment (never listens). */
  readonly buildApp: (options: { readonly env: E }) => Promise<FastifyInstance>;
}

/**
 * The process around a mediator app: load the environment, build the app, listen, and close gracefully on SIGINT,
 * SIGTERM or an uncaught error (10 s at most: the workers' runs in flight finish before the staging file closes).
 * A boot failure (bad config, an unreadable mapping document, a port in use) is printed once, without a stack, and
 * the process exits 1 — what an operator reading `docker logs` needs.
 *
 * @param main - the mediator's name, env loader and app builder
 */
export function runMediator<E extends { readonly HOST: string; readonly PORT: number }>(
  main: MediatorMain<E>,
): void {
  const start = async (): Promise<void> => {
    const env = main.loadEnv();
    const app = await main.buildApp({ env });
    closeWithGrace({ delay: 10_000 }, async ({ err }) => {
      if (err) {
        app.log.error({ err }, 'shutting down after an error');
      }
      await app.close();
    });
    await app.listen({ host: env.HOST, port: env.PORT });
  };
  start().catch((err: unknown) => {
    process.stderr.write(
      `${main.name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
