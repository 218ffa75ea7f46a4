import { createHash } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseBasicAuth, readBody, send } from './http-util';
import {
  decodeUrn,
  getMediatorMasked,
  heartbeat,
  installChannels,
  registerMediator,
  saveChannel,
  setMediatorConfig,
  type CoreReply,
} from './mediator-api';
import { castAndValidate, CHANNEL_SCHEMA } from './schema';
import type { CoreState, StoredChannel } from './state';
import type { OpenHimTransaction } from './types';
import { clone, isNil, isRecord } from './util';

/** Actions of the API that need the router (reruns, manual polling). */
export interface ApiRouterHooks {
  rerun(transactionId: string): Promise<OpenHimTransaction>;
  trigger(channel: StoredChannel): Promise<OpenHimTransaction>;
}

const JSON_TYPES = [
  'application/json',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/csp-report',
  'application/scim+json',
];

class BodyParseError extends Error {}

/**
 * koa-bodyparser as core configures it: JSON content types are parsed in strict mode (objects and arrays only);
 * an empty body or any other content type gives `{}`.
 */
function parseApiBody(contentType: string | undefined, raw: Buffer): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!JSON_TYPES.includes(type)) {
    return {};
  }
  const text = raw.toString('utf8').trim();
  if (text === '') {
    return {};
  }
  if (text[0] !== '{' && text[0] !== '[') {
    throw new BodyParseError('invalid JSON, only supports object and array');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyParseError('invalid JSON');
  }
}

function sha512(text: string): string {
  return createHash('sha512').update(text).digest('hex');
}

function valueAtPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const key of path.split('.')) {
    if (!isRecord(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

function numberOfPrimaryRoutes(channel: StoredChannel): number {
  return (channel.routes ?? []).filter(
    (r) => (isNil(r.status) || r.status === 'enabled') && r.primary === true,
  ).length;
}

/** The extra checks of `POST`/`PUT /channels` that mediator channel installation skips (openhim.md §6). */
function channelApiProblem(channel: StoredChannel, checkMethods = true): string | undefined {
  if (checkMethods && (channel.type ?? 'http') !== 'http' && (channel.methods ?? []).length > 0) {
    return `Channel ${channel.name} has methods set but is not an http channel`;
  }
  if ((channel.routes ?? []).some((r) => r.path && r.pathTransform)) {
    return 'Cannot define both path and pathTransform on a route';
  }
  if ((channel.type ?? 'http') === 'http') {
    const primaries = numberOfPrimaryRoutes(channel);
    if (primaries === 0) {
      return 'Channel must have a primary route';
    }
    if (primaries > 1) {
      return 'Channel cannot have a multiple primary routes';
    }
  }
  if (!isNil(channel.maxBodyAgeDays) && channel.requestBody !== true && channel.responseBody !== true) {
    return 'maxBodyAgeDays requires the channel to store request or response bodies';
  }
  if (!isNil(channel.maxBodyAgeDays) && channel.maxBodyAgeDays > 36499) {
    return 'maxBodyAgeDays must be between 1 and 36499';
  }
  return undefined;
}

/**
 * The management API (openhim.md §2–§6): Basic and legacy token authentication against the root user, the mediator
 * endpoints, channels, transactions and a minimal `POST /tasks` rerun.
 */
export class CoreApi {
  constructor(
    private readonly state: CoreState,
    private readonly hooks: ApiRouterHooks,
    private readonly authWindowSeconds: number,
    private readonly statusTextBodies: boolean,
  ) {}

  /** Sends a reply; without a body, Koa's status text when `statusTextBodies` is on (as real core does). */
  private reply(res: ServerResponse, status: number, body?: string | object): void {
    send(
      res,
      status,
      body === undefined && this.statusTextBodies ? (STATUS_CODES[status] ?? String(status)) : body,
    );
  }

  private authenticated(req: IncomingMessage): boolean {
    const h = req.headers;
    const token = ['auth-username', 'auth-ts', 'auth-salt', 'auth-token'].some((k) => h[k] !== undefined);
    const root = this.state.rootUser;
    if (token) {
      // Core uses token auth as soon as any auth-* header is present and does not fall back to Basic.
      const username = h['auth-username'];
      const ts = h['auth-ts'];
      const salt = h['auth-salt'];
      const given = h['auth-token'];
      if (
        typeof username !== 'string' ||
        typeof ts !== 'string' ||
        typeof salt !== 'string' ||
        typeof given !== 'string'
      ) {
        return false;
      }
      const at = Date.parse(ts);
      if (
        username !== root.email ||
        Number.isNaN(at) ||
        Math.abs(Date.now() - at) > this.authWindowSeconds * 1000
      ) {
        return false;
      }
      return sha512(root.passwordHash + salt + ts) === given;
    }
    const basic = parseBasicAuth(req.headers.authorization);
    return basic !== undefined && basic.user === root.email && basic.password === root.password;
  }

  /** The node:http handler of the API port. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const segments = url.pathname.split('/').filter((s) => s !== '');
    if (method === 'GET' && url.pathname === '/heartbeat') {
      send(res, 200, this.coreHeartbeat());
      return;
    }
    if (method === 'GET' && segments[0] === 'authenticate' && segments.length === 2) {
      const email = decodeUrn(segments[1] ?? '');
      if (email !== this.state.rootUser.email) {
        send(res, 404, `Could not find user by email ${email}`);
        return;
      }
      send(res, 200, { salt: this.state.rootUser.salt, ts: new Date().toISOString() });
      return;
    }
    if (!this.authenticated(req)) {
      this.reply(res, 401);
      return;
    }
    let body: unknown;
    try {
      body = parseApiBody(req.headers['content-type'], raw);
    } catch (err) {
      send(res, 400, (err as Error).message);
      return;
    }
    const reply = await this.dispatch(method, segments, body, url.searchParams);
    this.reply(res, reply.status, reply.body);
  }

  private coreHeartbeat(): Record<string, unknown> {
    const result: Record<string, unknown> = {
      master: (Date.now() - this.state.startedAt) / 1000,
      now: Date.now(),
    };
    if (this.state.mediators.size > 0) {
      const mediators: Record<string, number | null> = {};
      for (const m of this.state.mediators.values()) {
        const last = m._lastHeartbeat === undefined ? undefined : Date.parse(m._lastHeartbeat);
        mediators[m.urn] =
          !isNil(m._uptime) && last !== undefined && Date.now() - last < 60_000 ? m._uptime : null;
      }
      result.mediators = mediators;
    }
    return result;
  }

  private async dispatch(
    method: string,
    segments: readonly string[],
    body: unknown,
    query: URLSearchParams,
  ): Promise<CoreReply> {
    const [resource, rawId, action] = segments;
    const id = rawId === undefined ? undefined : decodeUrn(rawId);
    if (resource === 'mediators') {
      if (id === undefined) {
        if (method === 'GET') {
          // The list is not masked (core bug, openhim.md §3.2): treat it as sensitive.
          return { status: 200, body: [...this.state.mediators.values()].map((m) => clone(m)) };
        }
        if (method === 'POST') {
          return registerMediator(this.state, body);
        }
      } else if (action === undefined && segments.length === 2) {
        if (method === 'GET') {
          return getMediatorMasked(this.state, id);
        }
        if (method === 'DELETE') {
          this.state.mediators.delete(id);
          return {
            status: 200,
            body: `Mediator with urn ${id} has been successfully removed by ${this.state.rootUser.email}`,
          };
        }
      } else if (segments.length === 3) {
        if (action === 'heartbeat' && method === 'POST') {
          return heartbeat(this.state, id, body);
        }
        if (action === 'config' && method === 'PUT') {
          return setMediatorConfig(this.state, id, body);
        }
        if (action === 'channels' && method === 'POST') {
          return installChannels(this.state, id, body);
        }
      }
    }
    if (resource === 'channels') {
      return this.channels(method, id, action, segments.length, body);
    }
    if (resource === 'transactions') {
      if (id === undefined && method === 'GET') {
        return { status: 200, body: this.queryTransactions(query) };
      }
      if (id !== undefined && segments.length === 2 && method === 'GET') {
        const tx = this.state.transactions.get(id);
        return tx
          ? { status: 200, body: clone(tx) }
          : { status: 404, body: `Could not find transaction with ID: ${id}` };
      }
    }
    if (resource === 'tasks' && id === undefined && method === 'POST') {
      const tids = isRecord(body) && Array.isArray(body.tids) ? body.tids : [];
      if (tids.length === 0 || !tids.every((t) => typeof t === 'string' && this.state.transactions.has(t))) {
        return { status: 400, body: 'Could not add task: transaction ids not found' };
      }
      for (const tid of tids as string[]) {
        void this.hooks.rerun(tid).catch((err: unknown) => {
          this.state.log('error', { tid, err: String(err) }, 'rerun failed');
        });
      }
      return {
        status: 201,
        body: `User ${this.state.rootUser.email} created task for ${tids.length} transaction(s)`,
      };
    }
    return { status: 404 };
  }

  private async channels(
    method: string,
    id: string | undefined,
    action: string | undefined,
    depth: number,
    body: unknown,
  ): Promise<CoreReply> {
    const { state } = this;
    if (id === undefined) {
      if (method === 'GET') {
        return {
          status: 200,
          body: state.channels.filter((c) => c.status !== 'deleted').map((c) => clone(c)),
        };
      }
      if (method === 'POST') {
        const cast = castAndValidate('Channel', CHANNEL_SCHEMA, isRecord(body) ? body : {}, 'save');
        if (!cast.ok) {
          return { status: 400, body: `Could not add channel via the API: ${String(cast.error)}` };
        }
        const problem = channelApiProblem(cast.doc as unknown as StoredChannel);
        if (problem !== undefined) {
          return { status: 400, body: problem };
        }
        const error = saveChannel(state, body);
        return error === undefined
          ? { status: 201, body: 'Channel successfully created' }
          : { status: 400, body: `Could not add channel via the API: ${error}` };
      }
      return { status: 404 };
    }
    const index = state.channels.findIndex((c) => c._id === id);
    const channel = state.channels[index];
    if (!channel) {
      return { status: 404, body: `We could not find a channel with Id:'${id}'.` };
    }
    if (depth === 3 && action === 'trigger' && method === 'POST') {
      await this.hooks.trigger(channel);
      return { status: 200 };
    }
    if (depth !== 2) {
      return { status: 404 };
    }
    if (method === 'GET') {
      return { status: 200, body: clone(channel) };
    }
    if (method === 'PUT') {
      const update: Record<string, unknown> = isRecord(body) ? clone(body) : {};
      delete update._id;
      // Core's updateChannel: a body that names a type but no methods skips the method check, and for a type other
      // than http empties the methods; otherwise the methods of the channel as it will be are checked.
      const namesType = typeof update.type === 'string' && update.type.trim() !== '';
      const checkMethods = !(namesType && (!Array.isArray(update.methods) || update.methods.length === 0));
      if (!checkMethods && update.type !== 'http') {
        update.methods = [];
      }
      const merged = {
        ...clone(channel),
        ...update,
        updatedBy: { id: state.rootUser._id, name: state.rootUser.displayName },
      };
      const cast = castAndValidate('Channel', CHANNEL_SCHEMA, merged, 'save');
      if (!cast.ok) {
        return {
          status: 400,
          body: `Could not update channel by id: ${id} via the API: ${String(cast.error)}`,
        };
      }
      const next = cast.doc as unknown as StoredChannel;
      next._id = channel._id;
      const problem = channelApiProblem(next, checkMethods);
      if (problem !== undefined) {
        return { status: 400, body: problem };
      }
      if (state.channels.some((c) => c._id !== id && c.name === next.name)) {
        return { status: 500, body: `Could not update channel by id: ${id} via the API: duplicate name` };
      }
      state.channels[index] = next;
      state.channelsChanged();
      return { status: 200, body: 'The channel was successfully updated' };
    }
    if (method === 'DELETE') {
      // Core keeps a channel that has transactions (status `deleted`) so they stay readable.
      const used = [...state.transactions.values()].some((t) => t.channelID === id);
      if (used) {
        channel.status = 'deleted';
      } else {
        state.channels.splice(index, 1);
      }
      state.channelsChanged();
      return { status: 200, body: 'The channel was successfully deleted' };
    }
    return { status: 404 };
  }

  private queryTransactions(query: URLSearchParams): OpenHimTransaction[] {
    let list = [...this.state.transactions.values()];
    const channelID = query.get('channelID');
    if (channelID) {
      list = list.filter((t) => t.channelID === channelID);
    }
    const filtersText = query.get('filters');
    if (filtersText) {
      let filters: unknown;
      try {
        filters = JSON.parse(filtersText);
      } catch {
        filters = {};
      }
      if (isRecord(filters)) {
        for (const [path, expected] of Object.entries(filters)) {
          list = list.filter((t) => {
            const actual = valueAtPath(t, path);
            return JSON.stringify(actual) === JSON.stringify(expected) || String(actual) === String(expected);
          });
        }
      }
    }
    list.sort((a, b) => (b.request.timestamp ?? '').localeCompare(a.request.timestamp ?? ''));
    const limit = Number.parseInt(query.get('filterLimit') ?? '0', 10) || 0;
    const page = Number.parseInt(query.get('filterPage') ?? '0', 10) || 0;
    if (limit > 0) {
      list = list.slice(page * limit, page * limit + limit);
    }
    return list.map((t) => clone(t));
  }
}
