import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { request as undiciRequest } from 'undici';
import {
  isMediatorContentType,
  serialiseKoaBody,
  setKoaResponse,
  storedBodyOf,
  validateResponseUpdate,
  type KoaLikeResponse,
} from './envelope';
import { clientIpOf, parseBasicAuth, readBody } from './http-util';
import { castAndValidate, type Schema } from './schema';
import type { CoreState, StoredChannel } from './state';
import type {
  OpenHimClient,
  OpenHimErrorRecord,
  OpenHimOrchestration,
  OpenHimRequestRecord,
  OpenHimRoute,
  OpenHimRouteRecord,
  OpenHimTransaction,
} from './types';
import {
  asText,
  clone,
  errorMessage,
  isNil,
  isRecord,
  newObjectId,
  transformPath,
  truncateBody,
} from './util';

/** Core's default router timeout (openhim.md §1). */
export const DEFAULT_ROUTER_TIMEOUT_MS = 60_000;

/** The generic body core sends when the primary route failed or answered an unusable envelope. */
export const INTERNAL_ERROR_BODY = 'An internal server error occurred';

/** One request entering the transaction pipeline (from a client, a rerun or the poller). */
export interface PipelineRequest {
  readonly channel: StoredChannel;
  readonly client?: OpenHimClient;
  readonly method: string;
  readonly path: string;
  readonly querystring: string;
  /** Lower-cased request headers as received. */
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  readonly clientIP: string;
  readonly parentID?: string;
  readonly taskID?: string;
}

interface RouteCall {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  readonly timestamp: string;
}

interface Outgoing {
  readonly method: string;
  readonly url: string;
  readonly pathWithQuery: string;
  readonly headers: Record<string, string | string[]>;
  readonly body?: Buffer;
}

interface RouterOptions {
  readonly channelCacheMs: number;
  readonly dispatcher: Dispatcher;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
  'te',
  'trailer',
  'proxy-connection',
]);

const ROUTE_RECORD_SCHEMA: Schema = {
  name: { kind: 'string', required: true },
  request: { kind: 'mixed' },
  response: {
    kind: 'doc',
    noId: true,
    schema: {
      status: { kind: 'number' },
      headers: { kind: 'mixed' },
      body: { kind: 'string' },
      timestamp: { kind: 'date' },
    },
  },
  orchestrations: { kind: 'mixedArray' },
  properties: { kind: 'mixed' },
  error: { kind: 'mixed' },
};

function isEnabled(status: unknown): boolean {
  return isNil(status) || status === 'enabled';
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Value at a dotted path of a JSON document (core's `matchContentJson`). */
function valueAtPath(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const key of path.split('.')) {
    if (!isRecord(current) && !Array.isArray(current)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function safeRegExp(source: unknown): RegExp | undefined {
  if (typeof source !== 'string') {
    return undefined;
  }
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

/**
 * Core's router (openhim.md §8, §9, §7.1): channel matching and client authorisation, forwarding to the routes,
 * the json+openhim envelope, and transaction storage.
 */
export class CoreRouter {
  private cache: StoredChannel[] | undefined;
  private cachedAt = 0;
  private readonly lastRunAt = new Map<string, Date>();

  constructor(
    private readonly state: CoreState,
    private readonly options: RouterOptions,
  ) {}

  /** Channels as the router sees them: a snapshot refreshed at most every `channelCacheMs`. */
  private channels(): StoredChannel[] {
    const now = Date.now();
    if (this.cache === undefined || now - this.cachedAt >= this.options.channelCacheMs) {
      this.cache = clone(this.state.channels);
      this.cachedAt = now;
    }
    return this.cache;
  }

  /** Drops the channel cache (only when the cache is disabled, so `channelCacheMs` keeps its meaning). */
  invalidate(): void {
    if (this.options.channelCacheMs <= 0) {
      this.cache = undefined;
    }
  }

  private authenticate(header: string | undefined): OpenHimClient | undefined {
    const credentials = parseBasicAuth(header);
    if (!credentials) {
      return undefined;
    }
    const client = this.state.findClient(credentials.user);
    return client && client.password === credentials.password ? client : undefined;
  }

  private matches(
    channel: StoredChannel,
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer,
  ): boolean {
    const pattern = safeRegExp(channel.urlPattern);
    if (!pattern?.test(path)) {
      return false;
    }
    if (channel.matchContentRegex) {
      const regex = safeRegExp(channel.matchContentRegex);
      if (!regex?.test(body.toString('utf8'))) {
        return false;
      }
    } else if (channel.matchContentXpath && channel.matchContentValue) {
      this.state.log(
        'warn',
        { channel: channel.name },
        'matchContentXpath is not supported by the simulator: no match',
      );
      return false;
    } else if (channel.matchContentJson && channel.matchContentValue) {
      let doc: unknown;
      try {
        doc = JSON.parse(body.toString('utf8'));
      } catch {
        return false;
      }
      const value = valueAtPath(doc, channel.matchContentJson);
      if (value === undefined || asText(value) !== channel.matchContentValue) {
        return false;
      }
    }
    if (Array.isArray(channel.matchContentTypes) && channel.matchContentTypes.length > 0) {
      const contentType = headerString(headers['content-type']);
      if (
        contentType === undefined ||
        !channel.matchContentTypes.includes(contentType.split(';')[0]?.trim() ?? '')
      ) {
        return false;
      }
    }
    // Core ≥ 7.0.1: an empty or missing method list matches no request.
    return Array.isArray(channel.methods) && (channel.methods as string[]).includes(method);
  }

  /** The first enabled channel, by ascending priority (channels without priority last), matching the request. */
  matchChannel(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer,
  ): StoredChannel | undefined {
    const candidates = this.channels()
      .filter((c) => isEnabled(c.status))
      .map((c, i) => ({ c, i }))
      .sort((a, b) => {
        const pa = typeof a.c.priority === 'number' ? a.c.priority : Number.POSITIVE_INFINITY;
        const pb = typeof b.c.priority === 'number' ? b.c.priority : Number.POSITIVE_INFINITY;
        return pa === pb ? a.i - b.i : pa - pb;
      });
    return candidates.find(({ c }) => this.matches(c, method, path, headers, body))?.c;
  }

  private authorised(channel: StoredChannel, client: OpenHimClient | undefined, ip: string): boolean {
    const whitelist = Array.isArray(channel.whitelist) ? channel.whitelist : [];
    if (whitelist.length > 0 && !whitelist.includes(ip)) {
      return false;
    }
    if (channel.authType === 'public') {
      return true;
    }
    if (!client) {
      return false;
    }
    const allow = Array.isArray(channel.allow) ? channel.allow : [];
    return allow.includes(client.clientID) || client.roles.some((r) => allow.includes(r));
  }

  /** The node:http handler of the router port. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://router.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = req.headers as Record<string, string | string[]>;
    const client = this.authenticate(headerString(headers.authorization));
    const channel = this.matchChannel(method, url.pathname, headers, body);
    if (!channel) {
      res.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    const ip = clientIpOf(req);
    if (!this.authorised(channel, client, ip)) {
      res.writeHead(401, { 'www-authenticate': 'Basic', 'content-length': '0' }).end();
      return;
    }
    const { response } = await this.runTransaction({
      channel,
      ...(client ? { client } : {}),
      method,
      path: url.pathname,
      querystring: url.search.startsWith('?') ? url.search.slice(1) : url.search,
      headers,
      body,
      clientIP: ip,
    });
    res.writeHead(response.status, response.headers);
    res.end(response.bodyBytes);
  }

  /**
   * Runs one transaction: stores it, calls the routes, builds the client's answer and stores the outcome. Resolves
   * once the primary route answered; secondary routes may still be running (the transaction's `finished` says).
   */
  async runTransaction(input: PipelineRequest): Promise<{
    transaction: OpenHimTransaction;
    response: { status: number; headers: Record<string, string | string[]>; bodyBytes: Buffer };
  }> {
    const { channel } = input;
    const requestTimestamp = this.state.clock.now().toISOString();
    const host = headerString(input.headers.host);
    const requestBodyText = input.body.toString('utf8');
    const tx: OpenHimTransaction = {
      _id: newObjectId(),
      status: 'Processing',
      ...(input.client ? { clientID: input.client._id } : {}),
      channelID: channel._id,
      clientIP: input.clientIP,
      ...(input.parentID ? { parentID: input.parentID } : {}),
      ...(input.taskID ? { taskID: input.taskID } : {}),
      childIDs: [],
      wasRerun: false,
      canRerun: true,
      autoRetry: false,
      request: {
        ...(host !== undefined ? { host: host.split(':')[0] ?? '' } : {}),
        ...(host?.includes(':') ? { port: host.split(':')[1] ?? '' } : {}),
        path: input.path,
        headers: { ...input.headers },
        querystring: input.querystring,
        body: truncateBody(requestBodyText),
        method: input.method,
        timestamp: requestTimestamp,
      },
      orchestrations: [],
      routes: [],
      finished: false,
    };
    // A channel with requestBody false keeps no body, so a POST/PUT/PATCH on it cannot be rerun.
    if (channel.requestBody === false || requestBodyText === '') {
      tx.request.body = '';
      if (channel.requestBody === false && ['POST', 'PUT', 'PATCH'].includes(input.method)) {
        tx.canRerun = false;
      }
    }
    this.state.transactions.set(tx._id, tx);

    const forwarded: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(input.headers)) {
      if (!HOP_BY_HOP.has(k)) {
        forwarded[k] = v;
      }
    }
    delete forwarded.host;
    forwarded['x-openhim-transactionid'] = tx._id;
    if (input.client) {
      forwarded['x-openhim-clientid'] = input.client.clientID;
    }
    const xff = headerString(input.headers['x-forwarded-for']);
    forwarded['x-forwarded-for'] = xff ? `${xff}, ${input.clientIP}` : input.clientIP;
    if (host !== undefined) {
      forwarded['x-forwarded-host'] = host;
    }

    const koa: KoaLikeResponse = { status: 404, headers: {}, body: undefined };
    let mediatorResponse: Record<string, unknown> | undefined;
    let ctxError: unknown;
    let autoRetry: boolean | undefined;
    const coreOrchestrations: OpenHimOrchestration[] = [];
    const routes = (Array.isArray(channel.routes) ? channel.routes : []).filter((r) => isEnabled(r.status));
    const primaries = routes.filter((r) => r.primary === true);
    const secondaries = routes.filter((r) => r.primary !== true);

    const fail = (err: unknown): void => {
      autoRetry = true;
      koa.status = 500;
      koa.timestamp = this.state.clock.now().toISOString();
      koa.body = INTERNAL_ERROR_BODY;
      ctxError = {
        message: errorMessage(err),
        ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
      };
      this.state.log('error', { transactionId: tx._id, err: errorMessage(err) }, 'primary route failed');
    };

    const routeRecords: OpenHimRouteRecord[] = [];
    const runSecondary = async (route: OpenHimRoute): Promise<void> => {
      const { record, networkError } = await this.callSecondary(
        route,
        input,
        forwarded,
        requestTimestamp,
        channel,
      );
      // Only a failed call marks the transaction for auto-retry; a secondary's envelope `error` does not.
      if (networkError) {
        autoRetry = true;
      }
      routeRecords.push(record);
    };

    let primaryDone: () => void = () => undefined;
    const primaryFinished = new Promise<void>((resolve) => {
      primaryDone = resolve;
    });
    const secondaryRuns = secondaries.map(async (route) => {
      if (route.waitPrimaryResponse === true) {
        await primaryFinished;
      }
      await runSecondary(route);
    });

    if (primaries.length > 1) {
      fail(
        new Error(
          'Cannot route transaction: Channel contains multiple primary routes and only one primary is allowed',
        ),
      );
    } else if (primaries[0]) {
      const route = primaries[0];
      const outgoing = this.outgoing(route, input, forwarded);
      const orchestrationRequest: OpenHimRequestRecord = {
        host: route.host ?? '',
        port: String(route.port ?? ''),
        path: outgoing.pathWithQuery,
        headers: { ...forwarded },
        method: input.method,
        ...(outgoing.body ? { body: outgoing.body.toString('utf8') } : {}),
        timestamp: requestTimestamp,
      };
      try {
        const call = await this.send(route, outgoing, channel);
        const text = call.body.toString('utf8');
        coreOrchestrations.push({
          name: route.name,
          request: orchestrationRequest,
          response: {
            status: call.status,
            headers: { ...call.headers },
            body: text,
            timestamp: call.timestamp,
          },
        });
        if (isMediatorContentType(headerString(call.headers['content-type']))) {
          const parsed: unknown = JSON.parse(text);
          mediatorResponse = isRecord(parsed) ? parsed : undefined;
          if (!isNil(mediatorResponse?.error)) {
            autoRetry = true;
            ctxError = mediatorResponse.error;
          }
          setKoaResponse(koa, mediatorResponse?.response, tx._id);
        } else {
          setKoaResponse(
            koa,
            { status: call.status, headers: { ...call.headers }, body: call.body, timestamp: call.timestamp },
            tx._id,
          );
        }
      } catch (err) {
        if (coreOrchestrations.length === 0) {
          coreOrchestrations.push({
            name: route.name,
            request: orchestrationRequest,
            error: {
              message: errorMessage(err),
              ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
            },
          });
        }
        fail(err);
      }
    }
    primaryDone();

    // The client's answer, as Koa would write it.
    const serialised = serialiseKoaBody(koa.body);
    const clientHeaders: Record<string, string | string[]> = { ...koa.headers };
    if (clientHeaders['content-type'] === undefined && serialised.defaultType !== undefined) {
      clientHeaders['content-type'] = serialised.defaultType;
    }
    clientHeaders['content-length'] = String(serialised.text.length);
    tx.clientResponse = {
      status: koa.status,
      headers: { ...clientHeaders },
      body: serialised.text.toString('utf8'),
    };

    const storedHeaders: Record<string, unknown> = { ...clientHeaders };
    delete storedHeaders['content-length'];
    const validated = validateResponseUpdate({
      response: {
        status: koa.status,
        headers: storedHeaders,
        body: channel.responseBody === false ? '' : storedBodyOf(koa.body),
        ...(koa.timestamp !== undefined ? { timestamp: koa.timestamp as string } : {}),
      },
      error: ctxError,
      mediatorOrchestrations: mediatorResponse?.orchestrations,
      coreOrchestrations,
      properties: mediatorResponse?.properties,
    });
    if (validated.ok) {
      tx.response = validated.update.response;
      tx.orchestrations = validated.update.orchestrations;
      if (validated.update.error !== undefined) {
        tx.error = validated.update.error;
      }
      if (validated.update.properties !== undefined) {
        tx.properties = validated.update.properties;
      }
    } else {
      // Core only logs this: the transaction keeps no response, orchestrations, properties or error.
      tx.storageError = validated.error;
      this.state.log(
        'error',
        { transactionId: tx._id, err: validated.error },
        'Could not save response metadata for transaction',
      );
    }

    const finish = (): void => {
      for (const record of routeRecords) {
        const cast = castAndValidate(
          'Transaction',
          ROUTE_RECORD_SCHEMA,
          record as unknown as Record<string, unknown>,
          'update',
          false,
        );
        if (cast.ok) {
          tx.routes.push(cast.doc as unknown as OpenHimRouteRecord);
        } else {
          tx.storageError = tx.storageError ?? String(cast.error);
          this.state.log('error', { transactionId: tx._id, err: String(cast.error) }, 'Could not save route');
        }
      }
      tx.status = this.finalStatus(koa.status, routeRecords, mediatorResponse, channel);
      if (autoRetry !== undefined) {
        tx.autoRetry = this.reachedMaxAttempts(tx, channel) ? false : autoRetry;
      }
      tx.finished = true;
      this.state.events.emit('transaction-finished', tx);
    };

    if (secondaryRuns.length === 0) {
      finish();
    } else {
      void Promise.allSettled(secondaryRuns).then(finish);
    }
    return {
      transaction: tx,
      response: { status: koa.status, headers: clientHeaders, bodyBytes: serialised.text },
    };
  }

  private reachedMaxAttempts(tx: OpenHimTransaction, channel: StoredChannel): boolean {
    const max = channel.autoRetryMaxAttempts;
    return typeof max === 'number' && max > 0 && (tx.autoRetryAttempt ?? 0) >= max;
  }

  /** Core's `setFinalStatus` (openhim.md §7.1). */
  private finalStatus(
    primaryStatus: number,
    routes: readonly OpenHimRouteRecord[],
    mediatorResponse: Record<string, unknown> | undefined,
    channel: StoredChannel,
  ): string {
    if (!isNil(mediatorResponse?.status)) {
      return asText(mediatorResponse.status);
    }
    let routeFailures = false;
    let routeSuccess = true;
    for (const route of routes) {
      const status =
        typeof route.response?.status === 'number' ? route.response.status : Number(route.response?.status);
      if (status >= 500 && status <= 599) {
        routeFailures = true;
      }
      if (!(status >= 200 && status <= 299)) {
        routeSuccess = false;
      }
    }
    let status = 'Processing';
    if (primaryStatus >= 500 && primaryStatus <= 599) {
      status = 'Failed';
    } else {
      if (routeFailures) {
        status = 'Completed with error(s)';
      }
      if (primaryStatus >= 200 && primaryStatus <= 299 && routeSuccess) {
        status = channel.isAsynchronousProcess === true ? 'Pending Async' : 'Successful';
      }
      if (primaryStatus >= 400 && primaryStatus <= 499 && routeSuccess) {
        status = 'Completed';
      }
    }
    return status === 'Processing' ? 'Completed' : status;
  }

  private outgoing(
    route: OpenHimRoute,
    input: PipelineRequest,
    forwarded: Record<string, string | string[]>,
  ): Outgoing {
    let path = input.path;
    if (route.path) {
      path = route.path;
    } else if (route.pathTransform) {
      path = transformPath(input.path, route.pathTransform);
    }
    const pathWithQuery = input.querystring ? `${path}?${input.querystring}` : path;
    const headers: Record<string, string | string[]> = { ...forwarded };
    if (route.forwardAuthHeader !== true) {
      delete headers.authorization;
    }
    // Node's `auth` option only applies when no Authorization header is being sent.
    if (route.username && route.password && headers.authorization === undefined) {
      headers.authorization = `Basic ${Buffer.from(`${route.username}:${route.password}`).toString('base64')}`;
    }
    const scheme = route.secured === true ? 'https' : 'http';
    const hostPart = (route.host ?? '').includes(':') ? `[${route.host ?? ''}]` : (route.host ?? '');
    const sendBody = ['POST', 'PUT', 'PATCH'].includes(input.method);
    return {
      method: input.method,
      url: `${scheme}://${hostPart}:${String(route.port ?? '')}${pathWithQuery.startsWith('/') ? '' : '/'}${pathWithQuery}`,
      pathWithQuery,
      headers,
      ...(sendBody ? { body: input.body } : {}),
    };
  }

  private async send(route: OpenHimRoute, outgoing: Outgoing, channel: StoredChannel): Promise<RouteCall> {
    if (route.type === 'kafka') {
      throw new Error('kafka routes are not supported by the OpenHIM simulator');
    }
    const timeout = typeof channel.timeout === 'number' ? channel.timeout : DEFAULT_ROUTER_TIMEOUT_MS;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(new Error(`Request took longer than ${timeout}ms`));
    }, timeout);
    try {
      const res = await undiciRequest(outgoing.url, {
        method: outgoing.method,
        headers: outgoing.headers,
        ...(outgoing.body ? { body: outgoing.body } : {}),
        dispatcher: this.options.dispatcher,
        signal: controller.signal,
      });
      let body = Buffer.from(await res.body.arrayBuffer());
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) {
          headers[k] = v;
        }
      }
      // Core decompresses gzip/deflate answers before using them.
      const encoding = headerString(headers['content-encoding']);
      if (encoding === 'gzip') {
        body = gunzipSync(body);
      } else if (encoding === 'deflate') {
        body = inflateSync(body);
      }
      return { status: res.statusCode, headers, body, timestamp: this.state.clock.now().toISOString() };
    } catch (err) {
      if (controller.signal.aborted && controller.signal.reason instanceof Error) {
        throw controller.signal.reason;
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async callSecondary(
    route: OpenHimRoute,
    input: PipelineRequest,
    forwarded: Record<string, string | string[]>,
    requestTimestamp: string,
    channel: StoredChannel,
  ): Promise<{ record: OpenHimRouteRecord; networkError: boolean }> {
    const outgoing = this.outgoing(route, input, forwarded);
    const request: OpenHimRequestRecord = {
      host: route.host ?? '',
      port: String(route.port ?? ''),
      path: outgoing.pathWithQuery,
      headers: { ...forwarded },
      querystring: input.querystring,
      method: input.method,
      timestamp: requestTimestamp,
    };
    try {
      const call = await this.send(route, outgoing, channel);
      const text = call.body.toString('utf8');
      if (isMediatorContentType(headerString(call.headers['content-type']))) {
        const parsed: unknown = JSON.parse(text);
        const envelope = isRecord(parsed) ? parsed : {};
        const response = isRecord(envelope.response) ? envelope.response : undefined;
        const record: OpenHimRouteRecord = {
          name: route.name,
          request,
          response: response ?? { status: 500, timestamp: requestTimestamp },
          ...(envelope.orchestrations !== undefined
            ? { orchestrations: envelope.orchestrations as OpenHimOrchestration[] }
            : {}),
          ...(envelope.properties !== undefined
            ? { properties: envelope.properties as Record<string, unknown> }
            : {}),
          ...(envelope.error !== undefined ? { error: envelope.error as OpenHimErrorRecord } : {}),
        };
        return { record, networkError: false };
      }
      const record: OpenHimRouteRecord = {
        name: route.name,
        request,
        response: {
          status: call.status,
          headers: { ...call.headers },
          body: channel.responseBody === false ? '' : truncateBody(text),
          timestamp: call.timestamp,
        },
      };
      return { record, networkError: false };
    } catch (err) {
      this.state.log('error', { route: route.name, err: errorMessage(err) }, 'secondary route failed');
      const record: OpenHimRouteRecord = {
        name: route.name,
        request,
        response: { status: 500, timestamp: requestTimestamp },
        error: {
          message: errorMessage(err),
          ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
        },
      };
      return { record, networkError: true };
    }
  }

  /**
   * Core's poller: `GET /trigger` with `channel-id` and `X-OpenHIM-LastRunAt` (a `Date#toString()` value, absent
   * on the first run), routed to the channel without client authentication.
   */
  async poll(channel: StoredChannel): Promise<OpenHimTransaction> {
    const previous = this.lastRunAt.get(channel._id);
    this.lastRunAt.set(channel._id, new Date());
    const headers: Record<string, string> = {
      accept: 'application/json, text/plain, */*',
      'user-agent': 'axios/1.6.0',
      host: 'localhost:7788',
      'channel-id': channel._id,
    };
    if (previous) {
      headers['x-openhim-lastrunat'] = previous.toString();
    }
    const { transaction } = await this.runTransaction({
      channel,
      method: 'GET',
      path: '/trigger',
      querystring: '',
      headers,
      body: Buffer.alloc(0),
      clientIP: '127.0.0.1',
    });
    return transaction;
  }
}
