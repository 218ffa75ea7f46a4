import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { OpenHimChannel, OpenHimClient, OpenHimMediator, OpenHimTransaction } from './types';
import { MonotonicClock, newObjectId } from './util';

/** The subset of a pino logger the simulator uses. */
export interface OpenHimSimLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The API user (core's root user, group `admin`), with the legacy sha512 credentials token auth needs. */
export interface RootUser {
  readonly _id: string;
  readonly email: string;
  readonly password: string;
  readonly displayName: string;
  /** Salt of the legacy token scheme (`GET /authenticate/:email`). */
  readonly salt: string;
  /** `sha512hex(salt + password)`. */
  readonly passwordHash: string;
}

/** A stored channel always has an `_id`. */
export type StoredChannel = OpenHimChannel & { _id: string };

/** The in-memory "database" shared by the API and the router. */
export class CoreState {
  readonly mediators = new Map<string, OpenHimMediator>();
  readonly channels: StoredChannel[] = [];
  readonly transactions = new Map<string, OpenHimTransaction>();
  readonly clients: OpenHimClient[] = [];
  readonly clock = new MonotonicClock();
  readonly events = new EventEmitter();
  readonly rootUser: RootUser;
  readonly startedAt = Date.now();
  private readonly logger: OpenHimSimLogger | undefined;

  constructor(rootEmail: string, rootPassword: string, logger?: OpenHimSimLogger) {
    const salt = randomBytes(16).toString('hex');
    this.rootUser = {
      _id: newObjectId(),
      email: rootEmail,
      password: rootPassword,
      displayName: 'Super User',
      salt,
      passwordHash: createHash('sha512')
        .update(salt + rootPassword)
        .digest('hex'),
    };
    this.logger = logger;
    // waitForTransactions may register many listeners in parallel tests.
    this.events.setMaxListeners(0);
  }

  /** Logs through the injected logger, if any. */
  log(level: 'info' | 'warn' | 'error', obj: object, msg: string): void {
    this.logger?.[level](obj, msg);
  }

  /** Signals the router that its channel cache is stale (it still honours `channelCacheMs`). */
  channelsChanged(): void {
    this.events.emit('channels-changed');
  }

  /** Finds a router client by its `clientID`. */
  findClient(clientID: string): OpenHimClient | undefined {
    return this.clients.find((c) => c.clientID === clientID);
  }
}
