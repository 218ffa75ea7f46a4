import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

/** Options of one {@link worker}. */
export interface WorkerOptions {
  /** Names the worker in `app.workers` and in logs (`outbox`, `catch-up`); unique per app. */
  readonly name: string;
  /** Time between two runs, in ms. */
  readonly intervalMs: number;
  /**
   * One run of the job. The signal is aborted when the app closes: stop between units of work; the app waits for
   * the run to end before it closes the staging store.
   */
  readonly run: (signal: AbortSignal) => Promise<unknown>;
  /** False: the worker never runs (tests drive the job themselves); `trigger()` does nothing. Default true. */
  readonly enabled?: boolean;
  /** Run once as soon as the app is ready, then every interval (default: first run after one interval). */
  readonly runAtStart?: boolean;
  /** How a failed run is logged (default `error`; `warn` for jobs whose next run simply retries). */
  readonly failureLevel?: 'error' | 'warn';
}

/** A registered worker, from `app.workers`. */
export interface Worker {
  readonly name: string;
  /** True while a run is in flight. */
  readonly running: boolean;
  /**
   * Starts a run now unless one is in flight or the app is closing.
   *
   * @returns the run in flight (it never rejects: a failure is logged)
   */
  trigger(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The periodic jobs of this app, by name. */
    workers: ReadonlyMap<string, Worker>;
  }
}

async function workerPlugin(app: FastifyInstance, opts: WorkerOptions): Promise<void> {
  if (!app.hasDecorator('workers')) {
    app.decorate('workers', new Map<string, Worker>());
  }
  const registry = app.workers as Map<string, Worker>;
  if (registry.has(opts.name)) {
    throw new Error(`worker ${opts.name} is registered twice`);
  }
  const enabled = opts.enabled !== false;
  const closing = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const trigger = (): Promise<void> => {
    if (!enabled || closing.signal.aborted) {
      return Promise.resolve();
    }
    // One run at a time: a tick while the previous run is still going joins it instead of starting another.
    inFlight ??= opts
      .run(closing.signal)
      .then(
        () => undefined,
        (err: unknown) => {
          app.log[opts.failureLevel ?? 'error']({ err, worker: opts.name }, `${opts.name} run failed`);
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  registry.set(opts.name, {
    name: opts.name,
    get running() {
      return inFlight !== undefined;
    },
    trigger,
  });

  if (enabled) {
    app.addHook('onReady', async () => {
      if (opts.runAtStart) {
        void trigger();
      }
      timer = setInterval(() => void trigger(), opts.intervalMs);
      timer.unref();
    });
  }
  // Registered after the staging store, so this runs first on close: no new run starts, the run in flight is told
  // to stop and is awaited, and only then do the clients and the store close under it.
  app.addHook('onClose', async () => {
    clearInterval(timer);
    closing.abort();
    await inFlight;
  });
}

/**
 * A periodic job runner: runs `run` every `intervalMs` (one run at a time), aborts its signal on close and waits
 * for the run in flight before the app goes on closing. Register it once per job (`app.workers.get(name)`).
 */
export const worker = fp(workerPlugin, { name: 'worker', dependencies: ['staging'], fastify: '5.x' });
