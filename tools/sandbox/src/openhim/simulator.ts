import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { ConflictError, NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { CoreApi } from './api';
import { closeServer, listen, send, urlHost } from './http-util';
import { saveChannel, setMediatorConfig as putMediatorConfig } from './mediator-api';
import { CoreRouter } from './router';
import { CoreState, type OpenHimSimLogger, type StoredChannel } from './state';
import type {
  OpenHimChannel,
  OpenHimClient,
  OpenHimClientInput,
  OpenHimMediator,
  OpenHimTransaction,
} from './types';
import { clone, errorMessage, newObjectId } from './util';

/** Options of {@link startOpenHimCore}. */
export interface OpenHimCoreOptions {
  /** Interface to bind both servers to. Default `127.0.0.1`. */
  readonly host?: string;
  /** Management API port; 0 (default) picks a free port. Real core: 8080 (HTTPS). */
  readonly apiPort?: number;
  /** HTTP router port; 0 (default) picks a free port. Real core: 5001 (HTTP) / 5000 (HTTPS). */
  readonly routerPort?: number;
  /** API user (group admin). Default `root@openhim.org`. */
  readonly rootEmail?: string;
  /** Default `openhim-password`. */
  readonly rootPassword?: string;
  /** Router clients (Basic auth with `clientID` and password). */
  readonly clients?: readonly OpenHimClientInput[];
  /**
   * How long the router may use a stale channel list. Real core refreshes about every 1000 ms; default 0 here so
   * tests see installed channels at once (the CLI uses 1000).
   */
  readonly channelCacheMs?: number;
  /** Token auth clock tolerance (`api.authWindowSeconds`). Default 10. */
  readonly authWindowSeconds?: number;
  /**
   * Answer body-less API replies with Koa's status text (`Created`, `OK`, `Not Found`, `Unauthorized`) as real core
   * does, instead of the empty bodies openhim.md describes. Default false. Also makes a heartbeat that should return
   * config, when none is stored, answer `OK`.
   */
  readonly statusTextBodies?: boolean;
  /** Run polling channels on their `every N seconds|minutes|hours` schedule. Default false (tests trigger by hand). */
  readonly pollingSchedules?: boolean;
  /** pino-like logger; silent when absent. */
  readonly logger?: OpenHimSimLogger;
}

/** A filter of {@link OpenHimCoreSimulator.listTransactions}: all given fields must match. */
export interface OpenHimTransactionFilter {
  readonly channelID?: string;
  readonly channelName?: string;
  readonly status?: string;
  readonly parentID?: string;
  readonly path?: string;
  /** Only transactions whose final status is set. */
  readonly finished?: boolean;
}

const DEFAULT_ROOT_EMAIL = 'root@openhim.org';
const DEFAULT_ROOT_PASSWORD = 'openhim-password';

const SCHEDULE = /^\s*every\s+(\d+)\s+(second|seconds|minute|minutes|hour|hours)\s*$/i;

function scheduleMs(schedule: string | undefined): number | undefined {
  const m = schedule === undefined ? null : SCHEDULE.exec(schedule);
  if (!m?.[1] || !m[2]) {
    return undefined;
  }
  const unit = m[2].toLowerCase();
  const factor = unit.startsWith('second') ? 1000 : unit.startsWith('minute') ? 60_000 : 3_600_000;
  return Number(m[1]) * factor;
}

/**
 * A faithful in-process stand-in for OpenHIM core (openhim.md §12): the management API and the HTTP router on
 * 127.0.0.1, with in-memory state and accessors for tests. Plain HTTP where real core's API uses HTTPS with a
 * self-signed certificate.
 */
export class OpenHimCoreSimulator {
  /** Base URL of the management API, e.g. `http://127.0.0.1:8080`. */
  readonly apiUrl: string;
  /** Base URL of the HTTP router, e.g. `http://127.0.0.1:5001`. */
  readonly routerUrl: string;
  /** The API user's e-mail (user name). */
  readonly rootEmail: string;
  /** The API user's password. */
  readonly rootPassword: string;

  private apiAvailable = true;
  private readonly pollTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  private constructor(
    private readonly state: CoreState,
    private readonly router: CoreRouter,
    private readonly apiServer: Server,
    private readonly routerServer: Server,
    private readonly agent: Agent,
    private readonly host: string,
    private readonly apiPort: number,
    routerPort: number,
    private readonly pollingSchedules: boolean,
  ) {
    this.apiUrl = `http://${urlHost(host)}:${apiPort}`;
    this.routerUrl = `http://${urlHost(host)}:${routerPort}`;
    this.rootEmail = state.rootUser.email;
    this.rootPassword = state.rootUser.password;
  }

  /** @internal Use {@link startOpenHimCore}. */
  static async start(options: OpenHimCoreOptions = {}): Promise<OpenHimCoreSimulator> {
    const host = options.host ?? '127.0.0.1';
    const state = new CoreState(
      options.rootEmail ?? DEFAULT_ROOT_EMAIL,
      options.rootPassword ?? DEFAULT_ROOT_PASSWORD,
      options.logger,
    );
    const agent = new Agent({ keepAliveTimeout: 1000, connections: 32 });
    const router = new CoreRouter(state, { channelCacheMs: options.channelCacheMs ?? 0, dispatcher: agent });
    state.events.on('channels-changed', () => {
      router.invalidate();
    });
    const holder: { sim?: OpenHimCoreSimulator } = {};
    const api = new CoreApi(
      state,
      {
        rerun: async (id) => {
          if (!holder.sim) {
            throw new Error('simulator not started');
          }
          return holder.sim.rerunTransaction(id);
        },
        trigger: async (channel) => router.poll(channel),
      },
      options.authWindowSeconds ?? 10,
      options.statusTextBodies ?? false,
    );
    const apiServer = createServer(guard(state, (req, res) => api.handle(req, res)));
    const routerServer = createServer(guard(state, (req, res) => router.handle(req, res)));
    const apiPort = await listen(apiServer, options.apiPort ?? 0, host);
    let routerPort: number;
    try {
      routerPort = await listen(routerServer, options.routerPort ?? 0, host);
    } catch (err) {
      await closeServer(apiServer);
      throw err;
    }
    const sim = new OpenHimCoreSimulator(
      state,
      router,
      apiServer,
      routerServer,
      agent,
      host,
      apiPort,
      routerPort,
      options.pollingSchedules ?? false,
    );
    holder.sim = sim;
    for (const client of options.clients ?? []) {
      sim.addClient(client);
    }
    if (sim.pollingSchedules) {
      state.events.on('channels-changed', () => {
        sim.syncPollingSchedules();
      });
    }
    state.log('info', { apiUrl: sim.apiUrl, routerUrl: sim.routerUrl }, 'OpenHIM core simulator started');
    return sim;
  }

  /** Stops both servers, polling timers and the outbound connection pool. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const timer of this.pollTimers.values()) {
      clearInterval(timer);
    }
    this.pollTimers.clear();
    await Promise.all([closeServer(this.apiServer), closeServer(this.routerServer)]);
    await this.agent.close();
  }

  /**
   * Makes the API reachable or not (the router keeps working), to test mediators while core's API is down. Off
   * closes the listener and every open connection, so calls fail with ECONNREFUSED; on listens on the same port again.
   */
  async setApiAvailable(available: boolean): Promise<void> {
    if (available === this.apiAvailable) {
      return;
    }
    this.apiAvailable = available;
    if (available) {
      await listen(this.apiServer, this.apiPort, this.host);
    } else {
      await closeServer(this.apiServer);
    }
  }

  /** Every registered mediator, unmasked (copies). */
  listMediators(): OpenHimMediator[] {
    return [...this.state.mediators.values()].map((m) => clone(m));
  }

  /** One mediator by urn, unmasked (a copy), or `undefined`. */
  getMediator(urn: string): OpenHimMediator | undefined {
    const m = this.state.mediators.get(urn);
    return m ? clone(m) : undefined;
  }

  /** Every stored channel (copies), including those with status `deleted`. */
  listChannels(): OpenHimChannel[] {
    return this.state.channels.map((c) => clone(c));
  }

  /**
   * Stores a channel the way mediator channel installation does (schema validation and the unique name, none of the
   * extra checks of `POST /channels`).
   *
   * @throws ValidationError with core's error text when the channel cannot be saved.
   */
  addChannel(definition: OpenHimChannel): OpenHimChannel {
    const error = saveChannel(this.state, definition);
    if (error !== undefined) {
      throw new ValidationError(error);
    }
    const saved = this.state.channels[this.state.channels.length - 1];
    return clone(saved as OpenHimChannel);
  }

  /** Transactions in arrival order (copies), optionally filtered. */
  listTransactions(
    filter?: OpenHimTransactionFilter | ((tx: OpenHimTransaction) => boolean),
  ): OpenHimTransaction[] {
    const all = [...this.state.transactions.values()];
    const selected =
      typeof filter === 'function' ? all.filter(filter) : all.filter((t) => this.matchesFilter(t, filter));
    return selected.map((t) => clone(t));
  }

  private matchesFilter(tx: OpenHimTransaction, filter: OpenHimTransactionFilter | undefined): boolean {
    if (!filter) {
      return true;
    }
    if (filter.channelName !== undefined) {
      const channel = this.state.channels.find((c) => c._id === tx.channelID);
      if (channel?.name !== filter.channelName) {
        return false;
      }
    }
    return (
      (filter.channelID === undefined || tx.channelID === filter.channelID) &&
      (filter.status === undefined || tx.status === filter.status) &&
      (filter.parentID === undefined || tx.parentID === filter.parentID) &&
      (filter.path === undefined || tx.request.path === filter.path) &&
      (filter.finished === undefined || tx.finished === filter.finished)
    );
  }

  /** One transaction (a copy), or `undefined`. */
  getTransaction(id: string): OpenHimTransaction | undefined {
    const tx = this.state.transactions.get(id);
    return tx ? clone(tx) : undefined;
  }

  /**
   * Waits for finished transactions (final status set): at least `count` of them, or at least one matching
   * `predicate`.
   *
   * @returns the finished (matching) transactions, in arrival order.
   * @throws Error after `timeoutMs` (default 5000).
   */
  async waitForTransactions(
    countOrPredicate: number | ((tx: OpenHimTransaction) => boolean),
    timeoutMs = 5000,
  ): Promise<OpenHimTransaction[]> {
    const check = (): OpenHimTransaction[] | undefined => {
      const finished = [...this.state.transactions.values()].filter((t) => t.finished);
      if (typeof countOrPredicate === 'number') {
        return finished.length >= countOrPredicate ? finished.map((t) => clone(t)) : undefined;
      }
      const matching = finished.filter(countOrPredicate);
      return matching.length > 0 ? matching.map((t) => clone(t)) : undefined;
    };
    const now = check();
    if (now) {
      return now;
    }
    return new Promise<OpenHimTransaction[]>((resolve, reject) => {
      const onFinished = (): void => {
        const result = check();
        if (result) {
          clearTimeout(timer);
          this.state.events.off('transaction-finished', onFinished);
          resolve(result);
        }
      };
      const timer = setTimeout(() => {
        this.state.events.off('transaction-finished', onFinished);
        const finished = [...this.state.transactions.values()].filter((t) => t.finished).length;
        reject(new Error(`timed out after ${timeoutMs} ms waiting for transactions (${finished} finished)`));
      }, timeoutMs);
      this.state.events.on('transaction-finished', onFinished);
    });
  }

  /**
   * Adds a router client.
   *
   * @throws ConflictError when the `clientID` exists.
   */
  addClient(input: OpenHimClientInput): OpenHimClient {
    if (this.state.findClient(input.clientID)) {
      throw new ConflictError(`client ${input.clientID} already exists`);
    }
    const client: OpenHimClient = {
      _id: newObjectId(),
      clientID: input.clientID,
      name: input.name ?? input.clientID,
      roles: [...input.roles],
      password: input.password,
    };
    this.state.clients.push(client);
    return clone(client);
  }

  /**
   * Same as `PUT /mediators/:urn/config`: masked passwords restored, validated against `configDefs`, stored, and
   * `_configModifiedTS` set (the next heartbeat returns the config).
   *
   * @throws NotFoundError for an unknown urn; ValidationError with core's message for an invalid config.
   */
  setMediatorConfig(urn: string, config: Record<string, unknown>): void {
    const reply = putMediatorConfig(this.state, urn, config);
    if (reply.status === 404) {
      throw new NotFoundError(`No mediator found for urn ${urn}`);
    }
    if (reply.status !== 200) {
      throw new ValidationError(typeof reply.body === 'string' ? reply.body : 'invalid config');
    }
  }

  /**
   * Replays a stored transaction like core's rerun task: the original channel and client (no matching or
   * authorisation), the stored request (method, path, query, headers, body — truncated if it was), a new transaction
   * with `parentID` and `taskID`; the original gets `childIDs` and `wasRerun`.
   *
   * @returns the new transaction once the primary route answered (a copy).
   * @throws NotFoundError for an unknown transaction or a channel that no longer exists; ValidationError when the
   *   transaction cannot be rerun (`canRerun: false`).
   */
  async rerunTransaction(id: string): Promise<OpenHimTransaction> {
    const original = this.state.transactions.get(id);
    if (!original) {
      throw new NotFoundError(`Could not find transaction with ID: ${id}`);
    }
    if (!original.canRerun) {
      throw new ValidationError(`Transaction ${id} cannot be rerun (its request body was not stored)`);
    }
    const channel = this.state.channels.find((c) => c._id === original.channelID);
    if (!channel) {
      throw new NotFoundError(`Channel of transaction ${id} not found`);
    }
    const client =
      original.clientID === undefined
        ? undefined
        : this.state.clients.find((c) => c._id === original.clientID);
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(original.request.headers ?? {})) {
      if (typeof v === 'string' || Array.isArray(v)) {
        headers[k] = v as string | string[];
      }
    }
    const { transaction } = await this.router.runTransaction({
      channel,
      ...(client ? { client } : {}),
      method: original.request.method ?? 'GET',
      path: original.request.path ?? '/',
      querystring: original.request.querystring ?? '',
      headers,
      body: Buffer.from(original.request.body ?? ''),
      clientIP: original.clientIP ?? '127.0.0.1',
      parentID: original._id,
      taskID: newObjectId(),
    });
    original.childIDs.push(transaction._id);
    original.wasRerun = true;
    return clone(transaction);
  }

  /**
   * Runs a polling channel once, like core's poller (`GET /trigger`, `X-OpenHIM-LastRunAt` from the second run on).
   *
   * @returns the transaction once the primary route answered (a copy).
   * @throws NotFoundError when no channel has that name.
   */
  async triggerPollingChannel(name: string): Promise<OpenHimTransaction> {
    const channel = this.state.channels.find((c) => c.name === name && c.status !== 'deleted');
    if (!channel) {
      throw new NotFoundError(`No channel named ${name}`);
    }
    return clone(await this.router.poll(channel));
  }

  private syncPollingSchedules(): void {
    const wanted = new Map<string, { channel: StoredChannel; every: number }>();
    for (const channel of this.state.channels) {
      const every = scheduleMs(channel.pollingSchedule);
      if (channel.type === 'polling' && (channel.status ?? 'enabled') === 'enabled' && every !== undefined) {
        wanted.set(channel._id, { channel, every });
      }
    }
    for (const [id, timer] of this.pollTimers) {
      if (!wanted.has(id)) {
        clearInterval(timer);
        this.pollTimers.delete(id);
      }
    }
    for (const [id, { channel, every }] of wanted) {
      if (this.pollTimers.has(id)) {
        continue;
      }
      const timer = setInterval(() => {
        this.router.poll(channel).catch((err: unknown) => {
          this.state.log('error', { channel: channel.name, err: errorMessage(err) }, 'polling failed');
        });
      }, every);
      timer.unref();
      this.pollTimers.set(id, timer);
    }
  }
}

function guard(
  state: CoreState,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handler(req, res).catch((err: unknown) => {
      state.log('error', { err: errorMessage(err) }, 'simulator request failed');
      if (!res.headersSent) {
        send(res, 500, 'Internal Server Error');
      } else {
        res.destroy();
      }
    });
  };
}

/**
 * Starts the OpenHIM core simulator (API and router) and resolves once both listen.
 *
 * @param options - ports, credentials, router clients, channel cache and logging.
 * @returns the running simulator; call `close()` when done.
 */
export async function startOpenHimCore(options: OpenHimCoreOptions = {}): Promise<OpenHimCoreSimulator> {
  return OpenHimCoreSimulator.start(options);
}
