import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MediatorResult } from '@payment-layer/openhim-mediator';
import { informationalOutcome } from '../outcome';

/** Options of {@link singleRunHandler}. */
export interface SingleRunOptions<T> {
  /** What a trigger during a run is told, e.g. `a sync is already running`. */
  readonly busy: string;
  /**
   * Starts the run.
   *
   * @param request - the triggering request (query parameters)
   * @param signal - aborted when the app closes
   */
  run(request: FastifyRequest, signal: AbortSignal): Promise<T>;
  /**
   * The answer of a finished run.
   *
   * @param result - what the run returned
   */
  answer(result: T): MediatorResult;
}

/**
 * A route handler that runs one job at a time (a sync, a reconciliation): a trigger while a run is going is
 * answered at once, 200 with an informational OperationOutcome and the `skipped` property, and changes nothing
 * (OpenHIM's polling channel triggers again on its next tick). On close the run in flight is aborted and awaited.
 *
 * @param app - the routes' instance (its onClose waits for the run)
 * @param options - the run and its answers
 * @returns the handler for `app.get`/`app.post`
 */
export function singleRunHandler<T>(
  app: FastifyInstance,
  options: SingleRunOptions<T>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  let running: Promise<T> | undefined;
  const abort = new AbortController();
  app.addHook('onClose', async () => {
    abort.abort();
    await running?.catch(() => undefined);
  });
  return async (request, reply) => {
    if (running) {
      return reply.sendResult({
        httpStatus: 200,
        body: informationalOutcome(options.busy),
        properties: { skipped: options.busy },
      });
    }
    running = options.run(request, abort.signal);
    try {
      return await reply.sendResult(options.answer(await running));
    } finally {
      running = undefined;
    }
  };
}
