import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Bundle, FhirResource, PaymentNotice } from 'fhir/r4';
import type { Dispatcher } from 'undici';
import { ConfigError, NotFoundError, UpstreamError, ValidationError } from '@payment-layer/shared-errors';
import { HttpClient, type HttpRequest, type HttpResponse, type TlsOptions } from '@payment-layer/shared-http';
import {
  OpenImisMutationError,
  OpenImisMutationPendingError,
  connectionNodes,
  graphqlIntChoice,
  graphqlLiteral,
  optionalString,
  toInvoiceStatus,
  toPaymentRecord,
  type CreatePremiumInput,
  type PaymentRecord,
  type InvoiceStatus,
  type MutationAccepted,
  type MutationSucceeded,
} from './graphql';
import { formatLastUpdated } from './last-updated';
import { decodeBundleLink, errorFromResponse, isRecord, jsonBody, readOutcome } from './responses';
import { ResourceSync, type SyncCursor } from './sync';

/** Construction options of {@link OpenImisClient}. */
export interface OpenImisClientOptions {
  /** FHIR R4 base with its trailing slash, e.g. `https://host/api/api_fhir_r4/`. */
  readonly fhirBaseUrl: string;
  /** GraphQL endpoint, e.g. `https://host/api/graphql`. */
  readonly graphqlUrl: string;
  /** API user (needs the rights listed in the reference §2). */
  readonly username: string;
  readonly password: string;
  /** Injected dispatcher (undici `MockAgent` in tests); otherwise one agent per client with {@link tls}. */
  readonly dispatcher?: Dispatcher;
  /** TLS policy (verification is on unless `allowSelfSigned`). */
  readonly tls?: TlsOptions;
  /** Time limit of each call. Default 30 s. */
  readonly timeoutMs?: number;
  /** Epoch milliseconds; injected in tests to move token expiry. Default `Date.now`. */
  readonly clock?: () => number;
  /** IANA time zone of the openIMIS server (Django `TIME_ZONE`): `_lastUpdated` values are server-local. Default `UTC`. */
  readonly serverTimeZone?: string;
  /** Seconds an incremental sync window reaches back before the previous walk's start. Default 300. */
  readonly syncOverlapSeconds?: number;
}

/** Query parameters of a FHIR search (`_count`, `page-offset`, `_lastUpdated`, `identifier`, …). */
export type SearchParams = Readonly<Record<string, string | number | undefined>>;

/** The `fhir/r4` type of a resource type name. */
export type OpenImisResource<K extends FhirResource['resourceType']> = Extract<
  FhirResource,
  { resourceType: K }
>;

/** One page of search results. */
export interface SearchPage<T> {
  /** The resources of the page (a bare-resource answer, e.g. `Invoice/?code=`, gives one). */
  readonly resources: T[];
  /** `Bundle.total`, when given. */
  readonly total: number | undefined;
  /** Decoded absolute URL of the next page, absent on the last page. */
  readonly next: string | undefined;
  /** The Bundle as received, when the answer was a Bundle. */
  readonly bundle: Bundle | undefined;
  /** Server clock at the answer (HTTP `Date` header), if given. */
  readonly serverDate: Date | undefined;
}

/** Options of {@link OpenImisClient.syncSince}. */
export interface SyncSinceOptions {
  /**
   * Where the previous run stopped: a {@link SyncCursor}, or just a `YYYY-MM-DDTHH:MM:SS` server-local time to
   * start from; absent = from the beginning.
   */
  readonly cursor?: SyncCursor | string;
  /** Compatibility alias: ids already processed at `cursor.since` (merged into `cursor.seen`). */
  readonly seenIds?: readonly string[];
  /** `_count` per page. Default 100. */
  readonly pageSize?: number;
  /** Extra search parameters, e.g. `{ resourceType: 'invoice' }` for `Invoice`. */
  readonly params?: SearchParams;
}

/** Options of {@link OpenImisClient.waitForMutation}. */
export interface WaitForMutationOptions {
  /** Give up (outcome unknown) after this long. Default 30 s. */
  readonly timeoutMs?: number;
  /** First delay between polls; doubles up to 5 s. Default 250 ms. */
  readonly intervalMs?: number;
}

interface CachedToken {
  readonly value: string;
  /** Epoch ms after which a new login is made. */
  readonly refreshAt: number;
}

const DEFAULT_TOKEN_CACHE_MS = 5 * 60_000;
const MAX_REFRESH_MARGIN_MS = 60_000;
const MAX_POLL_INTERVAL_MS = 5_000;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * Client of the openIMIS FHIR R4 API and its GraphQL endpoint (reference `openimis-fhir.md`), on the shared
 * {@link HttpClient}: every call is timed out, recorded as an OpenHIM orchestration with the JWT and password
 * masked, and mapped to typed errors (OperationOutcome `issue[0].details.text` → {@link UpstreamError}).
 *
 * Authentication: `POST login/` once, JWT cached until shortly before its `exp`, one login in flight at a
 * time, and on a 401 one new login and one retry.
 */
export class OpenImisClient {
  readonly fhirBaseUrl: string;
  readonly graphqlUrl: string;
  private readonly fhir: HttpClient;
  private readonly graphql: HttpClient;
  private readonly username: string;
  private readonly password: string;
  private readonly clock: () => number;
  private readonly serverTimeZone: string;
  private readonly syncOverlapSeconds: number;
  private token: CachedToken | undefined;
  private loginInFlight: Promise<CachedToken> | undefined;

  constructor(options: OpenImisClientOptions) {
    if (!options.username || !options.password) {
      throw new ConfigError('openIMIS username and password are required');
    }
    const fhirBase = parseUrl(options.fhirBaseUrl, 'fhirBaseUrl');
    const graphqlUrl = parseUrl(options.graphqlUrl, 'graphqlUrl');
    this.fhirBaseUrl = fhirBase.href.endsWith('/') ? fhirBase.href : `${fhirBase.href}/`;
    this.graphqlUrl = graphqlUrl.href;
    this.username = options.username;
    this.password = options.password;
    this.clock = options.clock ?? Date.now;
    this.serverTimeZone = options.serverTimeZone ?? 'UTC';
    try {
      formatLastUpdated(new Date(0), this.serverTimeZone);
    } catch (err) {
      throw new ConfigError(`unknown openIMIS server time zone: ${this.serverTimeZone}`, { cause: err });
    }
    this.syncOverlapSeconds = options.syncOverlapSeconds ?? 300;
    const common = {
      system: 'openimis' as const,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    };
    this.fhir = new HttpClient({ ...common, baseUrl: this.fhirBaseUrl });
    // GraphQL is addressed by its absolute URL (no trailing slash), so its client's base is the origin.
    this.graphql =
      graphqlUrl.origin === fhirBase.origin
        ? this.fhir
        : new HttpClient({ ...common, baseUrl: graphqlUrl.origin });
  }

  /**
   * Reads one resource: `GET <Type>/<id>/`.
   *
   * @param type - FHIR resource type, e.g. `Patient`
   * @param id - UUID, or the business code where openIMIS accepts one (CHF id, claim code, invoice code)
   * @returns the resource
   * @throws NotFoundError when openIMIS has no such resource
   * @throws UpstreamError for any other non-2xx answer
   */
  async read<K extends FhirResource['resourceType']>(type: K, id: string): Promise<OpenImisResource<K>> {
    assertResourceType(type);
    if (id === '' || id.length > 128) {
      throw new ValidationError(`invalid ${type} id`);
    }
    const what = `read ${type}/${id}`;
    const res = await this.fhirCall({
      method: 'GET',
      path: `${type}/${encodeURIComponent(id)}/`,
      name: `openIMIS read ${type}`,
    });
    if (res.status !== 200) {
      throw errorFromResponse(res, what, `openIMIS has no ${type} ${id}`);
    }
    const body = jsonBody(res, what);
    if (!isRecord(body) || body.resourceType !== type) {
      throw new UpstreamError('openimis', `openIMIS ${what} answered something other than a ${type}`, {
        upstreamStatus: res.status,
      });
    }
    return body as unknown as OpenImisResource<K>;
  }

  /**
   * One page of a search: `GET <Type>/?<params>`. Also handles the searches openIMIS turns into reads
   * (`Invoice/?code=`, `PaymentNotice/?identifier=`), which answer a bare resource.
   *
   * @param type - FHIR resource type
   * @param params - search parameters, e.g. `{ _count: 100, 'page-offset': 2, _lastUpdated: 'ge2024-05-17T10:58:46' }`
   * @returns the page; an empty page when openIMIS answers 404 with an OperationOutcome (unknown code, page beyond the end)
   */
  async search<K extends FhirResource['resourceType']>(
    type: K,
    params: SearchParams = {},
  ): Promise<SearchPage<OpenImisResource<K>>> {
    assertResourceType(type);
    return this.fetchPage(type, {
      method: 'GET',
      path: `${type}/`,
      query: params,
      name: `openIMIS search ${type}`,
    });
  }

  /**
   * Every page of a search, following `next` links (decoded from their `quote_plus` form; always
   * read from the configured origin, whatever origin the link names).
   *
   * @param type - FHIR resource type
   * @param params - search parameters of the first page
   * @returns pages in server order
   */
  async *searchPages<K extends FhirResource['resourceType']>(
    type: K,
    params: SearchParams = {},
  ): AsyncGenerator<SearchPage<OpenImisResource<K>>> {
    let page = await this.search(type, params);
    const visited = new Set<string>();
    yield page;
    const base = new URL(this.fhirBaseUrl);
    while (page.next !== undefined) {
      const link = URL.canParse(page.next) ? new URL(page.next) : undefined;
      if (!link) {
        throw new UpstreamError('openimis', 'openIMIS paging link is not a URL');
      }
      if (!link.pathname.startsWith(base.pathname)) {
        throw new UpstreamError(
          'openimis',
          `openIMIS paging link leaves the FHIR API (${link.pathname}, not under ${base.pathname})`,
        );
      }
      // openIMIS builds links from the Host header it received; behind a proxy that rewrites Host (nginx's default)
      // they name an internal origin. The page is always read from the configured origin: the JWT never goes
      // anywhere else, and paging works through proxies.
      const url = new URL(`${link.pathname}${link.search}`, base.origin);
      if (visited.has(url.href)) {
        throw new UpstreamError('openimis', `openIMIS paging loops back to ${url.search}`);
      }
      visited.add(url.href);
      page = await this.fetchPage(type, { method: 'GET', path: url.href, name: `openIMIS search ${type}` });
      yield page;
    }
  }

  /**
   * Every resource of a search, across all pages.
   *
   * @param type - FHIR resource type
   * @param params - search parameters
   * @returns resources in server order
   */
  async *searchAll<K extends FhirResource['resourceType']>(
    type: K,
    params: SearchParams = {},
  ): AsyncGenerator<OpenImisResource<K>> {
    for await (const page of this.searchPages(type, params)) {
      yield* page.resources;
    }
  }

  /**
   * Incremental sync of one resource type with `_lastUpdated=ge<YYYY-MM-DDTHH:MM:SS>` (server-local), walking
   * every page and skipping what the cursor says was processed. Persist `item.cursor` after each success and,
   * when the loop completes, `sync.cursor` (the next window). See {@link ResourceSync}.
   *
   * @param type - FHIR resource type, e.g. `Patient`
   * @param options - cursor, page size, extra parameters
   * @returns an async iterable of {@link SyncItem}s with the cursor after each
   */
  syncSince<K extends FhirResource['resourceType']>(
    type: K,
    options: SyncSinceOptions = {},
  ): ResourceSync<OpenImisResource<K>> {
    assertResourceType(type);
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new ValidationError('pageSize must be an integer from 1 to 1000');
    }
    const base: SyncCursor =
      typeof options.cursor === 'string'
        ? { since: options.cursor, seen: [] }
        : (options.cursor ?? { seen: [] });
    const cursor: SyncCursor = options.seenIds ? { ...base, seen: [...base.seen, ...options.seenIds] } : base;
    return new ResourceSync<OpenImisResource<K>>(
      {
        pages: (params) => this.searchPages(type, params),
        now: () => this.clock(),
        serverTimeZone: this.serverTimeZone,
      },
      {
        type,
        cursor,
        pageSize,
        overlapSeconds: this.syncOverlapSeconds,
        ...(options.params ? { params: options.params } : {}),
      },
    );
  }

  /**
   * Records a payment in openIMIS: `POST PaymentNotice/`, which marks the invoice or bill PAID when the amount
   * equals its line-item total exactly (reference §9).
   *
   * **openIMIS does not de-duplicate**: every call creates a new payment and "pays" the invoice again. Callers
   * must keep their own ledger keyed by the source transaction and check it before calling; after a timeout the
   * outcome is unknown — look the payment up (`search('PaymentNotice', …)` / GraphQL) before sending again.
   * A 201 does not prove the invoice is paid: verify with {@link getInvoiceStatus}.
   *
   * @param notice - the PaymentNotice; `amount.value` a JSON number with at most 2 decimals (from a decimal string)
   * @returns the stored PaymentNotice (its `id` is the openIMIS payment UUID)
   * @throws ValidationError for a notice openIMIS would mishandle (draft status → 500, wrong request type, …)
   * @throws UpstreamError when openIMIS rejects it
   */
  async createPaymentNotice(notice: PaymentNotice): Promise<PaymentNotice> {
    assertSendablePaymentNotice(notice);
    const res = await this.fhirCall({
      method: 'POST',
      path: 'PaymentNotice/',
      body: notice,
      name: 'openIMIS create PaymentNotice',
    });
    if (res.status !== 201 && res.status !== 200) {
      throw errorFromResponse(res, 'create PaymentNotice');
    }
    const body = jsonBody(res, 'create PaymentNotice');
    if (!isRecord(body) || body.resourceType !== 'PaymentNotice') {
      throw new UpstreamError(
        'openimis',
        'openIMIS create PaymentNotice answered something other than a PaymentNotice',
        {
          upstreamStatus: res.status,
        },
      );
    }
    return body as unknown as PaymentNotice;
  }

  /**
   * Reads an invoice's (or bill's) real status through GraphQL (FHIR always says `active`), reference §10.
   *
   * @param ref - invoice UUID or invoice code
   * @param kind - `invoice` (default) or `bill`
   * @returns status (2 = paid), amounts as decimal strings, line items (policy UUID in `lineId`)
   * @throws NotFoundError when no invoice matches
   */
  async getInvoiceStatus(ref: string, kind: 'invoice' | 'bill' = 'invoice'): Promise<InvoiceStatus> {
    if (ref === '' || ref.length > 255) {
      throw new ValidationError(`invalid ${kind} reference`);
    }
    const filter = UUID.test(ref) ? { id: ref } : { code: ref };
    const args = Object.entries(filter)
      .map(([k, v]) => `${k}: ${graphqlLiteral(v)}`)
      .join(', ');
    const query =
      `query { ${kind}(${args}) { edges { node { id code status amountTotal amountNet currencyCode datePayed ` +
      `lineItems { edges { node { lineId lineTypeName amountTotal } } } } } } }`;
    const data = await this.graphqlCall(query, `${kind} status`);
    const nodes = connectionNodes(data[kind]);
    const node =
      nodes.find((n) => String(n.id).toLowerCase() === ref.toLowerCase() || n.code === ref) ??
      (nodes.length === 1 ? nodes[0] : undefined);
    if (!node) {
      throw new NotFoundError(`openIMIS has no ${kind} ${ref}`);
    }
    return toInvoiceStatus(node);
  }

  /**
   * Payments openIMIS has recorded against an invoice or bill (GraphQL `paymentInvoice`, reference §10): the
   * duplicate check before a PaymentNotice, and the read-back after one timed out (outcome unknown). A payment
   * sent by {@link createPaymentNotice} has `payerRef` = its `payment.reference`.
   *
   * @param subjectId - invoice or bill UUID
   * @returns the payments, possibly none
   */
  async findInvoicePayments(subjectId: string): Promise<PaymentRecord[]> {
    if (!UUID.test(subjectId)) {
      throw new ValidationError('findInvoicePayments needs the invoice or bill UUID');
    }
    const query =
      `query { paymentInvoice(subjectIds: [${graphqlLiteral(subjectId)}]) { edges { node { id codeExt payerRef ` +
      `amountReceived reconciliationStatus invoicePayments { edges { node { status amount subjectTypeName } } } } } } }`;
    const data = await this.graphqlCall(query, 'invoice payments');
    return connectionNodes(data.paymentInvoice).map(toPaymentRecord);
  }

  /**
   * Starts `createPremium` (reference §11.1): the mutation is asynchronous; follow it with {@link waitForMutation}.
   *
   * @param input - premium; `amount` a decimal string
   * @returns the `clientMutationId` to poll (generated when the input has none) and openIMIS' `internalId`
   */
  async createPremium(input: CreatePremiumInput): Promise<MutationAccepted> {
    if (!/^-?\d+(\.\d+)?$/.test(input.amount)) {
      throw new ValidationError('createPremium amount must be a plain decimal string');
    }
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.payDate)) {
      throw new ValidationError('createPremium payDate must be YYYY-MM-DD');
    }
    const clientMutationId = input.clientMutationId ?? randomUUID().replace(/-/g, '');
    const literal = graphqlLiteral({ ...input, clientMutationId });
    const data = await this.graphqlCall(
      `mutation { createPremium(input: ${literal}) { clientMutationId internalId } }`,
      'createPremium',
    );
    const result = isRecord(data.createPremium) ? data.createPremium : {};
    return {
      clientMutationId: optionalString(result.clientMutationId) ?? clientMutationId,
      internalId: optionalString(result.internalId),
    };
  }

  /**
   * Polls `mutationLogs` until the mutation has a final status (reference §11.2), with back-off.
   *
   * @param clientMutationId - from {@link createPremium} (or any other openIMIS mutation)
   * @param options - deadline and first poll interval
   * @returns when openIMIS reports success (status 2)
   * @throws OpenImisMutationError when openIMIS reports an error (status 1) — do not resend unchanged
   * @throws OpenImisMutationPendingError when no final status came before the deadline — outcome unknown
   */
  async waitForMutation(
    clientMutationId: string,
    options: WaitForMutationOptions = {},
  ): Promise<MutationSucceeded> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    let interval = options.intervalMs ?? 250;
    const started = performance.now();
    const query = `query { mutationLogs(clientMutationId: ${graphqlLiteral(clientMutationId)}) { edges { node { id status error clientMutationId } } } }`;
    for (;;) {
      const data = await this.graphqlCall(query, 'mutation status');
      const node = connectionNodes(data.mutationLogs)[0];
      const status = node ? graphqlIntChoice(node.status) : undefined;
      if (node && status === 2) {
        return { clientMutationId, id: optionalString(node.id) };
      }
      if (node && status === 1) {
        throw new OpenImisMutationError(clientMutationId, optionalString(node.error));
      }
      const elapsed = performance.now() - started;
      if (elapsed + interval > timeoutMs) {
        throw new OpenImisMutationPendingError(clientMutationId, Math.round(elapsed));
      }
      await sleep(interval);
      interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
    }
  }

  /**
   * Closes the connections this client opened (an injected dispatcher is left to its owner).
   */
  async close(): Promise<void> {
    await this.fhir.close();
    if (this.graphql !== this.fhir) {
      await this.graphql.close();
    }
  }

  private async fetchPage<T>(type: string, req: HttpRequest): Promise<SearchPage<T>> {
    const what = `search ${type}`;
    const res = await this.fhirCall(req);
    const serverDate = parseHttpDate(res.headers.date);
    if (res.status === 404 && readOutcome(res.text) !== undefined) {
      return { resources: [], total: 0, next: undefined, bundle: undefined, serverDate };
    }
    if (res.status !== 200) {
      throw errorFromResponse(res, what);
    }
    const body = jsonBody(res, what);
    if (!isRecord(body)) {
      throw new UpstreamError('openimis', `openIMIS ${what} answered something other than a resource`, {
        upstreamStatus: res.status,
      });
    }
    if (body.resourceType !== 'Bundle') {
      // Invoice/?code= and PaymentNotice/?identifier= answer the bare resource.
      if (body.resourceType !== type) {
        throw new UpstreamError('openimis', `openIMIS ${what} answered a ${String(body.resourceType)}`, {
          upstreamStatus: res.status,
        });
      }
      return { resources: [body as T], total: 1, next: undefined, bundle: undefined, serverDate };
    }
    const bundle = body as unknown as Bundle;
    const resources = (bundle.entry ?? []).flatMap((e) =>
      e.resource && e.resource.resourceType === type ? [e.resource as T] : [],
    );
    const nextLink = bundle.link?.find((l) => l.relation === 'next')?.url;
    return {
      resources,
      total: typeof bundle.total === 'number' ? bundle.total : undefined,
      next: nextLink === undefined ? undefined : decodeBundleLink(nextLink),
      bundle,
      serverDate,
    };
  }

  /** A FHIR call with the bearer token; on a 401, one new login and one retry. */
  private async fhirCall(req: HttpRequest): Promise<HttpResponse> {
    return this.authorised(this.fhir, req);
  }

  private async graphqlCall(query: string, what: string): Promise<Record<string, unknown>> {
    const res = await this.authorised(this.graphql, {
      method: 'POST',
      path: this.graphqlUrl,
      body: { query },
      name: `openIMIS GraphQL ${what}`,
    });
    if (res.status !== 200) {
      throw errorFromResponse(res, `GraphQL ${what}`);
    }
    const body = jsonBody(res, `GraphQL ${what}`);
    const errors = isRecord(body) && Array.isArray(body.errors) ? body.errors : [];
    if (errors.length > 0) {
      const first: unknown = errors[0];
      const message = isRecord(first) && typeof first.message === 'string' ? first.message : 'unknown error';
      throw new UpstreamError('openimis', `openIMIS GraphQL ${what} failed: ${message.slice(0, 300)}`, {
        upstreamStatus: 400,
        upstreamCode: 'graphql',
      });
    }
    if (!isRecord(body) || !isRecord(body.data)) {
      throw new UpstreamError('openimis', `openIMIS GraphQL ${what} answered without data`, {
        upstreamStatus: res.status,
      });
    }
    return body.data;
  }

  private async authorised(http: HttpClient, req: HttpRequest): Promise<HttpResponse> {
    const token = await this.getToken();
    const res = await http.request(withBearer(req, token.value));
    if (res.status !== 401) {
      return res;
    }
    // The token was revoked or expired early: one new login, one retry (a 401 means nothing was processed).
    if (this.token?.value === token.value) {
      this.token = undefined;
    }
    const fresh = await this.getToken();
    const retry = await http.request(withBearer(req, fresh.value));
    if (retry.status === 401) {
      this.token = undefined;
      const outcome = readOutcome(retry.text);
      throw new UpstreamError(
        'openimis',
        `openIMIS refused the API user's fresh token: ${outcome?.text ?? 'HTTP 401'}`,
        { upstreamStatus: 401, upstreamCode: outcome?.code ?? 'login' },
      );
    }
    return retry;
  }

  private async getToken(): Promise<CachedToken> {
    const cached = this.token;
    if (cached && this.clock() < cached.refreshAt) {
      return cached;
    }
    // Single flight: concurrent callers share one login.
    this.loginInFlight ??= this.login().finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private async login(): Promise<CachedToken> {
    const loggedInAt = this.clock();
    const res = await this.fhir.request({
      method: 'POST',
      path: 'login/',
      body: { username: this.username, password: this.password },
      name: 'openIMIS login',
    });
    if (res.status !== 200) {
      const outcome = readOutcome(res.text);
      throw new UpstreamError('openimis', `openIMIS login failed: ${outcome?.text ?? `HTTP ${res.status}`}`, {
        upstreamStatus: res.status,
        upstreamCode: outcome?.code ?? 'login',
      });
    }
    const body = jsonBody(res, 'login');
    const value = isRecord(body) ? body.token : undefined;
    if (typeof value !== 'string' || value === '') {
      throw new UpstreamError('openimis', 'openIMIS login answered without a token', {
        upstreamStatus: res.status,
      });
    }
    const expSeconds = isRecord(body) && typeof body.exp === 'number' ? body.exp : jwtExp(value);
    const token: CachedToken = {
      value,
      refreshAt: refreshTime(loggedInAt, expSeconds === undefined ? undefined : expSeconds * 1000),
    };
    this.token = token;
    return token;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refresh a little before expiry: a tenth of the lifetime, at most a minute. */
function refreshTime(now: number, expMs: number | undefined): number {
  if (expMs === undefined) {
    return now + DEFAULT_TOKEN_CACHE_MS;
  }
  const lifetime = expMs - now;
  return expMs - Math.min(MAX_REFRESH_MARGIN_MS, Math.max(0, lifetime / 10));
}

/** `exp` of a JWT payload, when the login answer has no `exp` field. */
function jwtExp(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) {
    return undefined;
  }
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    return isRecord(claims) && typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

function withBearer(req: HttpRequest, token: string): HttpRequest {
  return { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } };
}

function parseHttpDate(value: string | undefined): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function parseUrl(value: string, name: string): URL {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error('not http(s)');
    }
    return url;
  } catch (err) {
    throw new ConfigError(`openIMIS ${name} is not a valid http(s) URL`, { cause: err });
  }
}

function assertResourceType(type: string): void {
  if (!RESOURCE_TYPE.test(type)) {
    throw new ValidationError(`invalid FHIR resource type: ${JSON.stringify(type.slice(0, 64))}`);
  }
}

const PAYMENT_NOTICE_STATUSES = new Set(['active', 'cancelled', 'entered-in-error']);

/** The checks openIMIS itself gets wrong or answers with a 500 (reference §9.2, §9.4). */
function assertSendablePaymentNotice(notice: PaymentNotice): void {
  const problems: { message: string; location: string }[] = [];
  if ((notice as { resourceType?: unknown }).resourceType !== 'PaymentNotice') {
    problems.push({ message: 'resourceType must be PaymentNotice', location: 'PaymentNotice.resourceType' });
  }
  if (!PAYMENT_NOTICE_STATUSES.has(notice.status)) {
    problems.push({
      message: 'status must be active, cancelled or entered-in-error (openIMIS fails with 500 on draft)',
      location: 'PaymentNotice.status',
    });
  }
  if (!notice.request?.reference?.includes('/')) {
    problems.push({
      message: 'request.reference must be Invoice/<uuid>',
      location: 'PaymentNotice.request.reference',
    });
  }
  if (!/^(invoice|bill)$/i.test(notice.request?.type ?? '')) {
    problems.push({
      message: 'request.type must be Invoice or Bill',
      location: 'PaymentNotice.request.type',
    });
  }
  if (!notice.payment.reference) {
    problems.push({ message: 'payment.reference is required', location: 'PaymentNotice.payment.reference' });
  }
  const code = notice.paymentStatus?.coding?.[0]?.code;
  if (code !== 'paid' && code !== 'cleared') {
    problems.push({
      message: 'paymentStatus.coding[0].code must be paid or cleared',
      location: 'PaymentNotice.paymentStatus',
    });
  }
  const value: unknown = notice.amount.value;
  // Checked on the JSON spelling only: no arithmetic on the amount.
  if (typeof value !== 'number' || !/^\d+(\.\d{1,2})?$/.test(JSON.stringify(value))) {
    problems.push({
      message: 'amount.value must be a non-negative JSON number with at most 2 decimals',
      location: 'PaymentNotice.amount.value',
    });
  }
  if (problems.length > 0) {
    throw new ValidationError(
      `PaymentNotice not sent to openIMIS: ${problems.map((p) => p.message).join('; ')}`,
      {
        issues: problems.map((p) => ({ ...p, code: 'invalid' as const })),
      },
    );
  }
}
