import { UpstreamError } from '@payment-layer/shared-errors';
import { planChannelSync } from './channel-sync';
import type { MediatorDefinition } from './definition';
import type { OpenHimApi } from './openhim-api';
import type { RemoteConfig } from './remote-config';

/** The subset of a pino logger the registration uses. */
export interface KitLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Where the registration is in its life. */
export type RegistrationState = 'idle' | 'registering' | 'registered' | 'retrying' | 'stopped';

/** Options of {@link MediatorRegistration}. */
export interface RegistrationOptions {
  readonly api: OpenHimApi;
  /** The resolved mediator document. */
  readonly definition: MediatorDefinition;
  readonly remoteConfig: RemoteConfig<Record<string, unknown>>;
  readonly logger: KitLogger;
  /** Heartbeat period; core shows a mediator as down after 60 s without one. Default 10 s. */
  readonly heartbeatIntervalMs?: number;
  /**
   * After registering, install the missing `defaultChannelConfig` channels and update the mediator's routes in the
   * installed ones (see {@link planChannelSync}).
   */
  readonly installChannels?: boolean;
  /** Backoff of registration retries while core is unreachable. */
  readonly retry?: { readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Process uptime in seconds (injectable for tests). */
  readonly uptime?: () => number;
}

/** Counters exposed on /metrics. */
export interface RegistrationStats {
  registrationAttempts: number;
  heartbeatsSent: number;
  heartbeatFailures: number;
  configChangesApplied: number;
  configChangesRefused: number;
}

/**
 * Registers a mediator with OpenHIM core and keeps it alive: register → fetch config once (merged over the
 * local defaults and validated) → install missing channels and update its routes in the installed ones → heartbeat every interval, applying config
 * changes that arrive with a heartbeat. While core is unreachable the mediator keeps serving and retries
 * with exponential backoff; a heartbeat answered 404 (core lost the mediator) triggers re-registration.
 */
export class MediatorRegistration {
  private stateValue: RegistrationState = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private registeredOnce!: Promise<void>;
  private resolveRegistered!: () => void;
  readonly stats: RegistrationStats = {
    registrationAttempts: 0,
    heartbeatsSent: 0,
    heartbeatFailures: 0,
    configChangesApplied: 0,
    configChangesRefused: 0,
  };

  constructor(private readonly options: RegistrationOptions) {
    this.resetRegisteredPromise();
  }

  /** Current state. */
  get state(): RegistrationState {
    return this.stateValue;
  }

  /**
   * Starts the registration loop in the background (never throws; failures are logged and retried).
   */
  start(): void {
    if (this.stateValue !== 'idle' && this.stateValue !== 'stopped') {
      return;
    }
    this.stateValue = 'registering';
    void this.registerLoop();
  }

  /**
   * Resolves once the mediator is registered and its config fetched (for tests and the demo).
   *
   * @param timeoutMs - how long to wait
   */
  async waitUntilRegistered(timeoutMs = 10_000): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.registeredOnce,
        new Promise((_, reject) => {
          t = setTimeout(() => {
            reject(new Error(`mediator not registered within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(t);
    }
  }

  /**
   * Sends one heartbeat now (also used by the timer), applying any config it returns.
   */
  async beat(): Promise<void> {
    const { api, definition, logger } = this.options;
    try {
      const config = await api.heartbeat(definition.urn, (this.options.uptime ?? process.uptime)());
      this.stats.heartbeatsSent++;
      if (config) {
        this.applyConfig(config, 'heartbeat');
      }
    } catch (err) {
      this.stats.heartbeatFailures++;
      if (err instanceof UpstreamError && err.upstreamStatus === 404) {
        logger.warn(
          { urn: definition.urn },
          'OpenHIM core does not know this mediator any more; registering again',
        );
        this.stopTimer();
        this.stateValue = 'registering';
        this.resetRegisteredPromise();
        void this.registerLoop();
        return;
      }
      logger.warn({ urn: definition.urn, err: describe(err) }, 'OpenHIM heartbeat failed; will retry');
    }
  }

  /** Stops heartbeats and retries. */
  stop(): void {
    this.stateValue = 'stopped';
    this.stopTimer();
    this.wake?.();
  }

  private async registerLoop(): Promise<void> {
    const { api, definition, logger } = this.options;
    const initial = this.options.retry?.initialDelayMs ?? 1_000;
    const max = this.options.retry?.maxDelayMs ?? 60_000;
    let delay = initial;
    while (!this.isStopped()) {
      this.stats.registrationAttempts++;
      try {
        await api.register(definition);
        // Fetch config only after registration resolved: fetching concurrently can 404 on a new mediator.
        const config = await api.fetchConfig(definition.urn);
        if (this.isStopped()) {
          return;
        }
        this.applyConfig(config, 'registration');
        if (this.options.installChannels === true) {
          await this.syncChannels();
        }
        this.stateValue = 'registered';
        logger.info({ urn: definition.urn, version: definition.version }, 'registered with OpenHIM core');
        this.resolveRegistered();
        this.scheduleHeartbeat();
        return;
      } catch (err) {
        if (this.isStopped()) {
          return;
        }
        this.stateValue = 'retrying';
        logger.warn(
          { urn: definition.urn, err: describe(err), retryInMs: delay },
          'OpenHIM core registration failed; serving anyway and retrying',
        );
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, delay);
          this.timer.unref();
        });
        delay = Math.min(delay * 2, max);
      }
    }
  }

  /**
   * Installs the channels core lacks and brings the mediator's own routes in the installed ones up to date (host,
   * port, credentials), per {@link planChannelSync}; operator changes to anything else are kept.
   */
  private async syncChannels(): Promise<void> {
    const { api, definition, logger } = this.options;
    const wanted = definition.defaultChannelConfig ?? [];
    if (wanted.length === 0) {
      return;
    }
    const plan = planChannelSync(wanted, await api.listChannels());
    if (plan.install.length > 0) {
      await api.installChannels(definition.urn, plan.install);
      logger.info({ urn: definition.urn, channels: plan.install }, 'installed OpenHIM channels');
    }
    for (const u of plan.update) {
      try {
        await api.updateChannelRoutes(u.id, u.routes, u.type);
      } catch (err) {
        // Core refusing one channel (4xx) must not stop the others nor keep the mediator from heartbeating: it is
        // reported for an operator. Anything else (core unreachable, 5xx) fails the registration, which is retried.
        const status = err instanceof UpstreamError ? err.upstreamStatus : undefined;
        if (status !== undefined && status >= 400 && status < 500) {
          logger.error(
            { urn: definition.urn, channel: u.name, changed: u.changed, err: describe(err) },
            'OpenHIM core refused the route update of a channel; core may call this mediator with old settings',
          );
          continue;
        }
        throw err;
      }
      // Field names only: the values include the route password.
      logger.info(
        { urn: definition.urn, channel: u.name, changed: u.changed },
        'updated the mediator routes of an OpenHIM channel',
      );
    }
    if (plan.leftAlone.length > 0) {
      logger.warn(
        { urn: definition.urn, channels: plan.leftAlone },
        "OpenHIM channels hold none of this mediator's routes (renamed or removed by an operator); left as they are",
      );
    }
  }

  private applyConfig(config: Record<string, unknown>, source: 'registration' | 'heartbeat'): void {
    const { logger, remoteConfig, definition } = this.options;
    try {
      if (remoteConfig.apply(config)) {
        this.stats.configChangesApplied++;
        logger.info({ urn: definition.urn, source, params: Object.keys(config) }, 'mediator config applied');
      }
    } catch (err) {
      this.stats.configChangesRefused++;
      logger.error(
        { urn: definition.urn, source, err: describe(err) },
        'mediator config refused; keeping the previous one',
      );
    }
  }

  private scheduleHeartbeat(): void {
    const interval = this.options.heartbeatIntervalMs ?? 10_000;
    const tick = (): void => {
      this.timer = setTimeout(() => {
        void this.beat().then(() => {
          if (this.stateValue === 'registered') {
            tick();
          }
        });
      }, interval);
      this.timer.unref();
    };
    tick();
  }

  // A method, not an inline comparison: `stop()` changes the state while the loop awaits.
  private isStopped(): boolean {
    return this.stateValue === 'stopped';
  }

  private stopTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private resetRegisteredPromise(): void {
    this.registeredOnce = new Promise<void>((resolve) => {
      this.resolveRegistered = resolve;
    });
    // A registration that never succeeds must not surface as an unhandled rejection.
    this.registeredOnce.catch(() => undefined);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
