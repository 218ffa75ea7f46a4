/**
 * The openIMIS backend simulator: a node:http server with the URL layout, authentication, trailing-slash
 * behaviour, FHIR read/search, PaymentNotice create and GraphQL of a real openIMIS (reference
 * `docs/contracts/openimis-fhir.md`), plus in-process access and fault switches for tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FhirResource, Organization } from 'fhir/r4';
import { identifier, INSURER_ID } from './fhir-shapes';
import { findFixturesDir, loadFixtures } from './fixtures';
import { presentBundle, presentResource, type IdentityMode } from './identity-mode';
import { loadVariantFixtures } from './variants';
import { readResource, searchResources, type FhirRequestContext } from './fhir-api';
import { handleGraphql } from './graphql';
import { DJANGO_NOT_FOUND, outcomeReply, writeReply, type SimReply } from './http-util';
import { signToken, verifyToken } from './jwt';
import { createPaymentNotice } from './payment-notice';
import { generatePopulation, type PopulationOptions } from './population';
import { parseQuery } from './search';
import {
  createSubscription,
  SubscriptionNotifier,
  type SubscriptionDelivery,
  type SubscriptionSignals,
} from './subscriptions';
import { OpenImisStore, RESOURCE_TYPES, epochSeconds, type OpenImisResourceType } from './store';

/** Options of {@link startOpenImisSimulator}. */
export interface OpenImisSimulatorOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** Port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Django `SITE_ROOT` mount point. Default `/api/` (FHIR base `/api/api_fhir_r4/`, GraphQL `/api/graphql`). */
  readonly sitePrefix?: string;
  /** API user name (matched case-insensitively, as openIMIS does). Default `Admin`. */
  readonly username?: string;
  /** API user password. Default `admin123`. */
  readonly password?: string;
  /** JWT lifetime (`JWT_EXPIRATION_DELTA`). Default 86400 s. */
  readonly tokenLifetimeSeconds?: number;
  /** Seed of the generated population. Default `openimis`. */
  readonly seed?: string | number;
  /** Generated data; omitted means fixtures only. */
  readonly population?: Omit<PopulationOptions, 'seed'>;
  /** Seed the shared fixtures (`fixtures/openimis`). Default true. */
  readonly includeFixtures?: boolean;
  /** Where the fixtures are; default: found by walking up from this file. */
  readonly fixturesDir?: string;
  /** Clock of every timestamp (`_lastUpdated`, token expiry). Default `() => new Date()`. */
  readonly clock?: () => Date;
  /** Wall-clock delay before an asynchronous mutation (`createPremium`) has run. Default 50 ms. */
  readonly mutationDelayMs?: number;
  /**
   * Behave like Django with `DEBUG=True`: a POST/PUT/PATCH to a path without its trailing slash is a 500
   * (`RuntimeError`) instead of the production 301. Default false.
   */
  readonly djangoDebug?: boolean;
  /**
   * Module signals that push resources to active rest-hook Subscriptions. All off by default, as in openIMIS
   * (`subscribe_invoice_signal`, `subscribe_insuree_signal`, `subscribe_location_signal`).
   */
  readonly subscriptionSignals?: SubscriptionSignals;
  /**
   * Identity mode of what is served (module setting `default_response_identifier`): `uuid` (default) or `code`
   * (ids and references are business codes: CHF id, head CHF id, invoice code). Reads by UUID or code work in both.
   */
  readonly identityMode?: IdentityMode;
  /** Seed the made-for-test variant household (`variants/`, see `variants.ts`). Default false. */
  readonly variants?: boolean;
}

/** How {@link OpenImisSimulator.setDown} makes the server unavailable. */
export type DownMode = 'refuse' | '503';

/** A running simulator. */
export interface OpenImisSimulator {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** FHIR base with trailing slash, e.g. `http://127.0.0.1:41234/api/api_fhir_r4/`. */
  readonly fhirBaseUrl: string;
  /** GraphQL endpoint, e.g. `http://127.0.0.1:41234/api/graphql`. */
  readonly graphqlUrl: string;
  /** Login endpoint (`<fhirBaseUrl>login/`). */
  readonly loginUrl: string;
  /** Port the server listens on (kept across `setDown`). */
  readonly port: number;
  /** The configured API user. */
  readonly credentials: { readonly username: string; readonly password: string };
  /** In-process access to the data. */
  readonly store: OpenImisStore;
  /**
   * Makes the server unavailable: `refuse` (default) closes the listener so clients get ECONNREFUSED;
   * `503` keeps listening and answers 503. `setDown(false)` listens again on the same port.
   */
  setDown(down: boolean, mode?: DownMode): Promise<void>;
  /** Delays every response by `ms` (the request is processed, and a write stored, before the delay). */
  setLatency(ms: number): void;
  /**
   * Delays the processing of matching requests by `ms` (0 = off): a write is stored only after the delay, so a
   * client that gives up earlier and reads back finds nothing yet — openIMIS still busy with the first request.
   *
   * @param ms - delay before the request is processed
   * @param match - which requests (default: all); `path` is tested against the URL path with its query
   */
  setProcessingDelay(ms: number, match?: { readonly method?: string; readonly path?: RegExp }): void;
  /** Makes every token issued so far expired (clients must log in again). */
  expireAllTokens(): void;
  /** Every subscription push attempted so far (one attempt each, as openIMIS). */
  subscriptionDeliveries(): SubscriptionDelivery[];
  /** Resolves when the pushes started so far have finished. */
  subscriptionsIdle(): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

const normalisePrefix = (prefix: string): string =>
  `/${prefix.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/');

const SEED_EPOCH_MS = Date.UTC(2024, 0, 1, 8, 0, 0);

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new RangeError('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Starts an openIMIS simulator.
 *
 * @param options - see {@link OpenImisSimulatorOptions}
 * @returns the running simulator
 */
export async function startOpenImisSimulator(
  options: OpenImisSimulatorOptions = {},
): Promise<OpenImisSimulator> {
  const host = options.host ?? '127.0.0.1';
  const prefix = normalisePrefix(options.sitePrefix ?? '/api/');
  const fhirPrefix = `${prefix}api_fhir_r4/`;
  const graphqlPath = `${prefix}graphql`;
  const username = options.username ?? 'Admin';
  const password = options.password ?? 'admin123';
  const lifetime = options.tokenLifetimeSeconds ?? 86400;
  const clock = options.clock ?? ((): Date => new Date());
  const mutationDelayMs = options.mutationDelayMs ?? 50;
  const secret = randomBytes(32);
  const store = new OpenImisStore(clock);
  const issued = new Map<string, { expired: boolean }>();
  let latencyMs = 0;
  let processing: { ms: number; method?: string; path?: RegExp } = { ms: 0 };
  let downMode: DownMode | undefined;

  seedStore(store, options);
  // Bound after seeding: the seeded data existed before any subscription.
  const identityMode = options.identityMode ?? 'uuid';
  const notifier = new SubscriptionNotifier(store, options.subscriptionSignals ?? {}, clock, (r) =>
    presentResource(store, r, identityMode),
  );
  const presentReply = (reply: SimReply): SimReply => {
    const body = reply.body as FhirResource | undefined;
    if (identityMode === 'uuid' || reply.status !== 200 || body === undefined) {
      return reply;
    }
    return {
      ...reply,
      body:
        body.resourceType === 'Bundle'
          ? presentBundle(store, body, identityMode)
          : presentResource(store, body, identityMode),
    };
  };

  const authenticate = (
    req: IncomingMessage,
  ): { ok: true; username: string } | { ok: false; message: string } => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      return { ok: false, message: 'Authentication credentials were not provided.' };
    }
    // openIMIS's JWT authenticator runs first and rejects anything that is not a Bearer token (§2).
    const match = /^Bearer\s+(\S+)\s*$/.exec(header);
    if (match === null) {
      return { ok: false, message: "Missing 'Bearer' prefix" };
    }
    const result = verifyToken(match[1] ?? '', secret, epochSeconds(clock()));
    if (!result.ok) {
      return result;
    }
    const state = issued.get(result.claims.jti);
    if (state === undefined) {
      return { ok: false, message: 'Error decoding signature' };
    }
    if (state.expired) {
      return { ok: false, message: 'Signature has expired' };
    }
    return { ok: true, username: result.claims.username };
  };

  const login = (body: string): SimReply => {
    let data: unknown;
    try {
      data = body === '' ? {} : JSON.parse(body);
    } catch {
      return {
        status: 400,
        body: { detail: 'JSON parse error - Expecting value: line 1 column 1 (char 0)' },
      };
    }
    if (typeof data !== 'object' || data === null || !('username' in data) || !('password' in data)) {
      // LoginView answers a bare 400 when either key is missing.
      return { status: 400, raw: '' };
    }
    const { username: u, password: p } = data;
    if (
      typeof u !== 'string' ||
      typeof p !== 'string' ||
      u.toLowerCase() !== username.toLowerCase() ||
      p !== password
    ) {
      return { status: 401, raw: '' };
    }
    const iat = epochSeconds(clock());
    const exp = iat + lifetime;
    const jti = randomUUID();
    issued.set(jti, { expired: false });
    return { status: 200, body: { token: signToken({ username, exp, origIat: iat, jti }, secret), exp } };
  };

  const route = async (req: IncomingMessage): Promise<SimReply> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const qIndex = rawUrl.indexOf('?');
    const pathname = qIndex < 0 ? rawUrl : rawUrl.slice(0, qIndex);
    const rawQuery = qIndex < 0 ? '' : rawUrl.slice(qIndex + 1);
    const origin = `http://${req.headers.host ?? `${host}:${String(currentPort)}`}`;
    const body = await readBody(req, 10 * 1024 * 1024);
    // A slow server has the whole request and keeps working on it even when the client gives up.
    if (
      processing.ms > 0 &&
      (processing.method === undefined || processing.method.toUpperCase() === method) &&
      (processing.path === undefined || processing.path.test(rawUrl))
    ) {
      await sleep(processing.ms);
    }

    if (pathname === graphqlPath) {
      const auth = authenticate(req);
      if (!auth.ok) {
        return { status: 401, body: { detail: auth.message } };
      }
      return handleGraphql({ store, method, body, clock, mutationDelayMs });
    }
    if (!pathname.startsWith(fhirPrefix)) {
      return DJANGO_NOT_FOUND;
    }
    const rest = pathname.slice(fhirPrefix.length);
    const slashed = rest.endsWith('/');
    const segments = (slashed ? rest.slice(0, -1) : rest).split('/');
    const known = isKnownFhirPath(segments);
    if (!known) {
      return DJANGO_NOT_FOUND;
    }
    if (!slashed) {
      // Django CommonMiddleware APPEND_SLASH: a redirect for every method (the POST body is lost on the way);
      // with DEBUG=True, a RuntimeError for POST/PUT/PATCH instead.
      if (options.djangoDebug === true && ['POST', 'PUT', 'PATCH'].includes(method)) {
        return {
          status: 500,
          contentType: 'text/plain',
          raw: `RuntimeError: You called this URL via ${method}, but the URL doesn't end in a slash and you have APPEND_SLASH set. Django can't redirect to the slash URL while maintaining ${method} data. Change your form to point to ${req.headers.host ?? ''}${pathname}/ (note the trailing slash), or set APPEND_SLASH=False in your Django settings.`,
        };
      }
      const location = `${pathname}/${rawQuery === '' ? '' : `?${rawQuery}`}`;
      return { status: 301, raw: '', contentType: 'text/html; charset=utf-8', headers: { location } };
    }
    if (segments[0] === 'login') {
      if (method !== 'POST') {
        return { status: 405, body: { detail: `Method "${method}" not allowed.` } };
      }
      // DRF's default parsers also take form bodies here; nothing is parsed without a content type.
      if (isFormBody(req)) {
        return login(JSON.stringify(Object.fromEntries(new URLSearchParams(body))));
      }
      const media = mediaTypeError(req);
      if (media !== undefined) {
        return { status: 415, body: { detail: media } };
      }
      return login(req.headers['content-type'] === undefined ? '' : body);
    }
    const auth = authenticate(req);
    if (!auth.ok) {
      return outcomeReply(401, 'fatal', auth.message);
    }
    const type = segments[0] as OpenImisResourceType;
    const ctx: FhirRequestContext = {
      store,
      type,
      query: parseQuery(rawQuery),
      absolutePath: `${origin}${pathname}`,
      absoluteUrl: `${origin}${rawUrl}`,
      now: clock(),
    };
    const id = segments[1];
    if (method === 'GET') {
      const reply = id === undefined ? searchResources(ctx) : readResource(ctx, decodeURIComponent(id));
      return presentReply(reply);
    }
    if (method === 'POST' && id === undefined) {
      const media = mediaTypeError(req);
      if (media !== undefined) {
        return outcomeReply(415, 'fatal', media);
      }
      if (type === 'Subscription') {
        return createSubscription(store, req.headers['content-type'] === undefined ? '{}' : body);
      }
      if (type === 'PaymentNotice') {
        return createPaymentNotice(store, req.headers['content-type'] === undefined ? '{}' : body, clock);
      }
      if (type === 'Invoice') {
        // No serializer create: openIMIS answers without storing anything (§4 "no-op").
        return parseJsonBody(body) ?? { status: 201, raw: body, contentType: 'application/json' };
      }
      return outcomeReply(501, 'error', `${type} create is not implemented by the simulator`);
    }
    if (method === 'PUT' && id !== undefined) {
      if (type === 'Invoice' || type === 'PaymentNotice') {
        return parseJsonBody(body) ?? { status: 200, raw: body, contentType: 'application/json' };
      }
      return outcomeReply(501, 'error', `${type} update is not implemented by the simulator`);
    }
    return outcomeReply(405, 'fatal', `Method "${method}" not allowed.`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (downMode === '503') {
      req.resume();
      writeReply(res, {
        status: 503,
        contentType: 'text/html',
        raw: '<html><body><h1>503 Service Unavailable</h1></body></html>',
      });
      return;
    }
    const delay = latencyMs;
    void (async (): Promise<void> => {
      let reply: SimReply;
      try {
        reply = await route(req);
      } catch (err) {
        reply = outcomeReply(500, 'error', err instanceof Error ? err.message : 'Internal Server Error');
      }
      if (delay > 0) {
        await sleep(delay);
      }
      if (!res.destroyed) {
        writeReply(res, reply);
      }
    })();
  };

  let server: Server = createServer(handle);
  const sockets = new Set<Socket>();
  const track = (s: Server): void => {
    s.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
  };
  track(server);
  const listen = (s: Server, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve((s.address() as AddressInfo).port);
      });
    });
  const stop = (s: Server): Promise<void> =>
    new Promise((resolve) => {
      if (!s.listening) {
        resolve();
        return;
      }
      s.close(() => {
        resolve();
      });
      for (const socket of sockets) {
        socket.destroy();
      }
      sockets.clear();
    });

  let currentPort = await listen(server, options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${String(currentPort)}`;

  return {
    url,
    fhirBaseUrl: `${url}${fhirPrefix}`,
    graphqlUrl: `${url}${graphqlPath}`,
    loginUrl: `${url}${fhirPrefix}login/`,
    port: currentPort,
    credentials: { username, password },
    store,
    async setDown(down: boolean, mode: DownMode = 'refuse'): Promise<void> {
      if (down) {
        downMode = mode;
        if (mode === 'refuse') {
          await stop(server);
        }
        return;
      }
      const wasRefusing = downMode === 'refuse';
      downMode = undefined;
      if (wasRefusing && !server.listening) {
        server = createServer(handle);
        track(server);
        currentPort = await listen(server, currentPort);
      }
    },
    setLatency(ms: number): void {
      latencyMs = Math.max(0, ms);
    },
    setProcessingDelay(ms: number, match: { readonly method?: string; readonly path?: RegExp } = {}): void {
      processing = { ms: Math.max(0, ms), ...match };
    },
    expireAllTokens(): void {
      for (const state of issued.values()) {
        state.expired = true;
      }
    },
    subscriptionDeliveries: () => notifier.list(),
    subscriptionsIdle: () => notifier.idle(),
    async close(): Promise<void> {
      await notifier.idle();
      await stop(server);
    },
  };
}

/** DRF parser negotiation: JSON bodies only (a missing content type parses as empty data). */
function isFormBody(req: IncomingMessage): boolean {
  return (
    (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ===
    'application/x-www-form-urlencoded'
  );
}

function mediaTypeError(req: IncomingMessage): string | undefined {
  const contentType = req.headers['content-type'];
  if (contentType === undefined) {
    return undefined;
  }
  const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return media === 'application/json' || media === 'application/fhir+json'
    ? undefined
    : `Unsupported media type "${contentType}" in request.`;
}

function parseJsonBody(body: string): SimReply | undefined {
  try {
    JSON.parse(body);
    return undefined;
  } catch {
    return outcomeReply(400, 'fatal', 'JSON parse error');
  }
}

function isKnownFhirPath(segments: readonly string[]): boolean {
  if (segments.length === 1 && segments[0] === 'login') {
    return true;
  }
  const [type, id] = segments;
  if (type === undefined || !(RESOURCE_TYPES as readonly string[]).includes(type)) {
    return false;
  }
  return segments.length === 1 || (segments.length === 2 && id !== undefined && id !== '');
}

/** The insurer organisation of the default module config (`R4_fhir_insurance_organisation_config`). */
function insurerOrganization(): Organization {
  return {
    resourceType: 'Organization',
    id: INSURER_ID,
    identifier: [identifier('Code', 'openIMIS')],
    type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'ins' }] }],
    name: 'openIMIS Implementation',
    telecom: [{ system: 'email', value: 'implementation@openimis.org' }],
  };
}

function seedStore(store: OpenImisStore, options: OpenImisSimulatorOptions): void {
  let tick = 0;
  const stamp = (): Date => new Date(SEED_EPOCH_MS + 1000 * tick++);
  store.put('Organization', insurerOrganization(), { lastUpdated: stamp() });
  if (options.includeFixtures ?? true) {
    const dir = options.fixturesDir ?? findFixturesDir();
    if (dir === undefined && options.fixturesDir !== undefined) {
      throw new RangeError(`fixtures directory not found: ${options.fixturesDir}`);
    }
    if (dir !== undefined) {
      for (const { type, resource } of loadFixtures(dir)) {
        store.put(type, resource, { lastUpdated: stamp() });
        if (resource.resourceType === 'Invoice') {
          // The contribution invoice fixtures pay a policy: make it a target for createPremium.
          const state = store.invoice(resource.id ?? '');
          const family =
            resource.recipient?.reference?.startsWith('Group/') === true
              ? resource.recipient.reference.slice(6)
              : '';
          const productCode = resource.lineItem?.[0]?.priceComponent?.[0]?.code?.coding?.[0]?.display ?? '';
          for (const line of state?.kind === 'invoice' ? state.lineItems : []) {
            store.putPolicy({
              uuid: line.lineId,
              familyId: family,
              productCode,
              value: line.amountTotal,
              status: 1,
            });
          }
        }
      }
    }
  }
  if (options.variants === true) {
    for (const { type, resource } of loadVariantFixtures()) {
      store.put(type, resource, { lastUpdated: stamp() });
    }
  }
  if (options.population !== undefined) {
    const pop = generatePopulation({ ...options.population, seed: options.seed ?? 'openimis' });
    for (const org of pop.organizations) {
      store.put('Organization', org, { lastUpdated: stamp() });
    }
    for (const patient of pop.patients) {
      store.put('Patient', patient, { lastUpdated: stamp() });
    }
    for (const group of pop.groups) {
      store.put('Group', group, { lastUpdated: stamp() });
    }
    for (const claim of pop.claims) {
      store.put('Claim', claim, { lastUpdated: stamp() });
    }
    for (const response of pop.claimResponses) {
      store.put('ClaimResponse', response, { lastUpdated: stamp() });
    }
    const familyOfPolicy = new Map(pop.policies.map((p) => [p.uuid, p.familyId]));
    for (const inv of pop.invoices) {
      const family = inv.kind === 'invoice' ? familyOfPolicy.get(inv.lineItems[0]?.lineId ?? '') : undefined;
      store.put('Invoice', inv.resource, {
        lastUpdated: stamp(),
        invoice: { kind: inv.kind, status: inv.status, lineItems: inv.lineItems, subjectId: family ?? null },
      });
    }
    for (const policy of pop.policies) {
      store.putPolicy({ ...policy });
    }
  }
}
