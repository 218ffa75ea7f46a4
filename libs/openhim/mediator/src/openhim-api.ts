import { registerMediator, fetchConfig } from 'openhim-mediator-utils';
import { HttpClient } from '@payment-layer/shared-http';
import { UpstreamError, UpstreamUnavailableError } from '@payment-layer/shared-errors';
import type { Dispatcher } from 'undici';
import type { InstalledChannel } from './channel-sync';
import type { MediatorDefinition, RouteDefinition } from './definition';

/** How to reach OpenHIM core's management API. */
export interface OpenHimApiOptions {
  /** e.g. `https://openhim-core:8080` */
  readonly apiUrl: string;
  /** An OpenHIM user in the `admin` group (the e-mail is the user name). */
  readonly username: string;
  readonly password: string;
  /** Accept core's self-signed certificate (its default in development). Off unless explicitly set. */
  readonly trustSelfSigned?: boolean;
  readonly timeoutMs?: number;
  /** Injected dispatcher for the calls made with undici (tests). */
  readonly dispatcher?: Dispatcher;
}

/**
 * Typed promise API over OpenHIM core's mediator endpoints. Registration and the initial config fetch use
 * `openhim-mediator-utils` 0.4.0 (callbacks promisified, the URN percent-encoded because the package
 * interpolates it raw); the periodic heartbeat and channel installation are made with the project's HTTP
 * transport, since the package keeps one module-wide heartbeat timer and emitter per process (see
 * docs/decisions/0001-openhim-registration.md).
 */
export class OpenHimApi {
  private readonly http: HttpClient;

  constructor(private readonly options: OpenHimApiOptions) {
    this.http = new HttpClient({
      system: 'openhim',
      baseUrl: options.apiUrl,
      timeoutMs: options.timeoutMs ?? 10_000,
      tls: { allowSelfSigned: options.trustSelfSigned === true },
      defaultHeaders: {
        authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
      },
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
  }

  /**
   * Registers (or, with a higher version, updates) the mediator: `POST /mediators`, 201 with empty body.
   *
   * @param mediator - the resolved definition
   */
  register(mediator: MediatorDefinition): Promise<void> {
    return new Promise((resolve, reject) => {
      registerMediator(this.utilsOptions(), mediator, (err) => {
        if (err) {
          reject(toApiError('register mediator', err));
        } else {
          resolve();
        }
      });
    });
  }

  /**
   * A heartbeat with `config: true`: the stored config, or `{}` when core has none.
   *
   * @param urn - the mediator urn
   * @returns the config object
   */
  fetchConfig(urn: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      fetchConfig({ ...this.utilsOptions(), urn: encodeURIComponent(urn) }, (err, config) => {
        if (err) {
          reject(toApiError('fetch config', err));
        } else {
          resolve(isObject(config) ? config : {});
        }
      });
    });
  }

  /**
   * A plain heartbeat (`{uptime}`): returns the config when an operator changed it since the last beat,
   * otherwise undefined (empty body, or the `OK` of very old cores).
   *
   * @param urn - the mediator urn
   * @param uptimeSeconds - process uptime
   * @returns new config, if any
   */
  async heartbeat(urn: string, uptimeSeconds: number): Promise<Record<string, unknown> | undefined> {
    const res = await this.http.request({
      method: 'POST',
      path: `/mediators/${encodeURIComponent(urn)}/heartbeat`,
      body: { uptime: uptimeSeconds },
      name: 'OpenHIM heartbeat',
    });
    if (res.status !== 200) {
      throw new UpstreamError('openhim', `heartbeat answered ${res.status}`, { upstreamStatus: res.status });
    }
    const text = res.text.trim();
    if (text === '' || text === 'OK' || text === '"OK"') {
      return undefined;
    }
    const parsed = JSON.parse(text) as unknown;
    return isObject(parsed) && Object.keys(parsed).length > 0 ? parsed : undefined;
  }

  /**
   * The channels that exist in core, as `GET /channels` returns them (route credentials included: treat as
   * sensitive, never log).
   *
   * @returns installed channels
   */
  async listChannels(): Promise<InstalledChannel[]> {
    const res = await this.http.request({ method: 'GET', path: '/channels', name: 'OpenHIM list channels' });
    if (res.status !== 200) {
      throw new UpstreamError('openhim', `listing channels answered ${res.status}`, {
        upstreamStatus: res.status,
      });
    }
    const list = JSON.parse(res.text) as unknown;
    if (!Array.isArray(list)) {
      throw new UpstreamError('openhim', 'listing channels did not answer a JSON array');
    }
    return (list as Record<string, unknown>[])
      .filter((c) => typeof c._id === 'string' && typeof c.name === 'string')
      .map((c) => c as unknown as InstalledChannel);
  }

  /**
   * Replaces the route list of one channel (`PUT /channels/:id` with only `routes`: core updates the fields sent
   * and keeps the others).
   *
   * @param id - the channel `_id`
   * @param routes - the channel's complete new route list
   * @param type - the channel's current type, for a channel that is not `http` (see ChannelRouteUpdate.type)
   */
  async updateChannelRoutes(id: string, routes: readonly RouteDefinition[], type?: string): Promise<void> {
    const res = await this.http.request({
      method: 'PUT',
      path: `/channels/${encodeURIComponent(id)}`,
      body: type === undefined ? { routes } : { type, routes },
      name: 'OpenHIM update channel routes',
    });
    if (res.status !== 200) {
      throw new UpstreamError(
        'openhim',
        `updating channel ${id} answered ${res.status}: ${res.text.slice(0, 200)}`,
        { upstreamStatus: res.status },
      );
    }
  }

  /**
   * Installs channels from the registered `defaultChannelConfig`. Core's install is not idempotent (a
   * duplicate name is a 500), so callers pass only the missing names.
   *
   * @param urn - the mediator urn
   * @param names - channel names to install
   */
  async installChannels(urn: string, names: readonly string[]): Promise<void> {
    const res = await this.http.request({
      method: 'POST',
      path: `/mediators/${encodeURIComponent(urn)}/channels`,
      body: names,
      name: 'OpenHIM install channels',
    });
    if (res.status !== 201 && res.status !== 200) {
      throw new UpstreamError(
        'openhim',
        `installing channels answered ${res.status}: ${res.text.slice(0, 200)}`,
        {
          upstreamStatus: res.status,
        },
      );
    }
  }

  /** Closes the API connections. */
  async close(): Promise<void> {
    await this.http.close();
  }

  private utilsOptions(): { apiURL: string; username: string; password: string; trustSelfSigned: boolean } {
    return {
      apiURL: this.options.apiUrl.replace(/\/$/, ''),
      username: this.options.username,
      password: this.options.password,
      trustSelfSigned: this.options.trustSelfSigned === true,
    };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Converts an axios error of the package into a typed error without its request config (which holds the password). */
function toApiError(what: string, err: Error): Error {
  const status = (err as { response?: { status?: number; data?: unknown } }).response?.status;
  const data = (err as { response?: { data?: unknown } }).response?.data;
  if (status !== undefined) {
    const detail = typeof data === 'string' && data ? `: ${data.slice(0, 300)}` : '';
    return new UpstreamError('openhim', `OpenHIM core refused to ${what} (${status})${detail}`, {
      upstreamStatus: status,
    });
  }
  const code = (err as { code?: string }).code ?? 'unknown';
  return new UpstreamUnavailableError('openhim', `OpenHIM core is unreachable to ${what} (${code})`);
}
