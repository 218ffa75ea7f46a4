// The HTTP edge of the Fineract simulator (node:http): tenant and Basic authentication checks as in
// Fineract's TenantAwareBasicAuthenticationFilter, fault injection, then the batch API or the router.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runBatch } from './batch';
import { Command } from './command';
import { FineractApiError, genericError, invalidJson, notAuthenticated, serverError } from './errors';
import { FineractFaults, type FineractFaultOptions } from './faults';
import { HookDeliverer, type HookDelivery } from './hooks';
import { isJsonObject, JsonSyntaxError, parseJson } from './json';
import {
  type ApiResponse,
  errorResponse,
  reserve,
  runCommand,
  runRead,
  type SimCore,
  tenantState,
} from './pipeline';
import { route } from './router';
import {
  createTenantState,
  type FineractSeed,
  type SimClient,
  type SimClientCharge,
  type SimClientTransaction,
  type SimGroup,
  type SimHook,
  type SimIdempotencyEntry,
  type SimSavingsAccount,
  type SimSavingsTransaction,
  type TenantState,
} from './state';

/** The context path and API root of Fineract. */
export const FINERACT_API_PATH = '/fineract-provider/api/v1';

/** Options of {@link startFineractSimulator}. */
export interface FineractSimulatorOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0 = any free port). Plain HTTP: the real server's default is HTTPS on 8443. */
  port?: number;
  /** Tenant identifiers (default `['default']`); every tenant gets its own state and the same seed. */
  tenants?: readonly string[];
  /** Basic-auth user (default `mifos`). */
  username?: string;
  /** Basic-auth password (default `password`). */
  password?: string;
  /** Reference data (offices, products, charges, payment types, code values). */
  seed?: FineractSeed;
  /** Fault injection at start-up (all settable later through `faults`). */
  faults?: FineractFaultOptions;
  /** Clock for the business date and timestamps (default: the system clock). */
  clock?: () => Date;
  /** Value of the `X-Fineract-Endpoint` hook header (Fineract's `baseUrl` JVM property; default: not sent). */
  hookEndpoint?: string;
}

/** In-process read access to the simulator's data. Returned objects are live: do not modify them. */
export interface FineractSimulatorState {
  /** The whole state of a tenant (default: the first tenant). */
  tenant(tenantId?: string): TenantState;
  /** Clients of the first tenant by id. */
  readonly clients: ReadonlyMap<number, SimClient>;
  /** Groups of the first tenant by id. */
  readonly groups: ReadonlyMap<number, SimGroup>;
  /** Savings accounts of the first tenant by id. */
  readonly savingsAccounts: ReadonlyMap<number, SimSavingsAccount>;
  /** Savings transactions of the first tenant by id. */
  readonly savingsTransactions: ReadonlyMap<number, SimSavingsTransaction>;
  /** Client charges of the first tenant by id. */
  readonly clientCharges: ReadonlyMap<number, SimClientCharge>;
  /** Client transactions (charge payments, waivers) of the first tenant by id. */
  readonly clientTransactions: ReadonlyMap<number, SimClientTransaction>;
  /** Hooks of the first tenant by id. */
  readonly hooks: ReadonlyMap<number, SimHook>;
  /** Idempotency store of the first tenant, keyed `ACTION|ENTITY|key`. */
  readonly idempotency: ReadonlyMap<string, SimIdempotencyEntry>;
}

/** A running simulator. */
export interface FineractSimulator {
  /** `http://host:port`. */
  readonly url: string;
  /** `http://host:port/fineract-provider/api/v1`. */
  readonly baseUrl: string;
  /** The first tenant. */
  readonly tenantId: string;
  readonly username: string;
  readonly password: string;
  /** Ready-made `Authorization` header value. */
  readonly authorization: string;
  readonly state: FineractSimulatorState;
  /** Fault injection controls. */
  readonly faults: FineractFaults;
  /** Every hook delivery attempt (successful or lost), in completion order. */
  readonly hookDeliveries: readonly HookDelivery[];
  /** Resolves when all scheduled hook deliveries have finished. */
  hooksIdle(): Promise<void>;
  /** Stops the server; held (never answered) requests are cut. */
  close(): Promise<void>;
}

const TEXT = 'text/plain;charset=UTF-8';
const JSON_TYPE = 'application/json';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function send(res: ServerResponse, r: ApiResponse, contentType = JSON_TYPE): void {
  if (res.destroyed) {
    return;
  }
  res.writeHead(r.status, { 'content-type': contentType, ...r.headers });
  res.end(r.body);
}

function authenticationResponse(username: string, officeName: string): Record<string, unknown> {
  return {
    username,
    userId: 1,
    base64EncodedAuthenticationKey: '',
    authenticated: true,
    officeId: 1,
    officeName,
    roles: [
      {
        id: 1,
        name: 'Super user',
        description: 'This role provides all application permissions.',
        disabled: false,
      },
    ],
    permissions: ['ALL_FUNCTIONS'],
    shouldRenewPassword: false,
    isTwoFactorAuthenticationRequired: false,
  };
}

/**
 * Starts a Fineract simulator.
 * @param options - see {@link FineractSimulatorOptions}
 * @returns the running simulator
 */
export async function startFineractSimulator(
  options: FineractSimulatorOptions = {},
): Promise<FineractSimulator> {
  const tenants = options.tenants ?? ['default'];
  const firstTenant = tenants[0];
  if (firstTenant === undefined) {
    throw new Error('at least one tenant is needed');
  }
  const username = options.username ?? 'mifos';
  const password = options.password ?? 'password';
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const hooks = new HookDeliverer(options.hookEndpoint);
  const core: SimCore = {
    tenants: new Map(tenants.map((t) => [t, createTenantState(t, options.seed)])),
    clock: options.clock ?? (() => new Date()),
    hooks,
  };
  const faults = new FineractFaults(options.faults);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const bodyText = await readBody(req);
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${FINERACT_API_PATH}/`)) {
      send(res, { status: 404, body: 'Not Found', headers: {} }, TEXT);
      return;
    }
    const header = req.headers['fineract-platform-tenantid'];
    const tenantId =
      (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('tenantIdentifier') ?? undefined;
    if (tenantId === undefined || tenantId === '') {
      send(
        res,
        {
          status: 400,
          body: "No tenant identifier found: Add request header of 'Fineract-Platform-TenantId' or add the parameter 'tenantIdentifier' to query string of request URL.",
          headers: {},
        },
        TEXT,
      );
      return;
    }
    if (!core.tenants.has(tenantId)) {
      send(res, { status: 400, body: `The tenant identifier: ${tenantId} is not valid.`, headers: {} }, TEXT);
      return;
    }
    const apiPath = url.pathname.slice(FINERACT_API_PATH.length);
    const query = new URLSearchParams(url.searchParams);
    query.delete('tenantIdentifier');
    const queryText = query.toString();

    if (faults.shouldDrop()) {
      req.socket.destroy();
      return;
    }
    const scripted = faults.takeFailure(method, apiPath, queryText);
    if (scripted !== undefined) {
      const body = scripted.body === undefined ? genericError(scripted.status) : scripted.body;
      send(res, {
        status: scripted.status,
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: {},
      });
      return;
    }
    if (faults.shouldError()) {
      send(res, errorResponse(serverError()));
      return;
    }

    const segments = apiPath.split('/').filter((s) => s !== '');
    if (method === 'POST' && segments.length === 1 && segments[0] === 'authentication') {
      send(res, authenticate(bodyText, username, password, tenantState(core, tenantId)));
      return;
    }
    if (req.headers.authorization !== authorization) {
      const e = notAuthenticated();
      send(res, {
        status: 401,
        body: JSON.stringify(e.body),
        headers: { 'www-authenticate': 'Basic realm="Fineract Platform API"' },
      });
      return;
    }

    const timeout = faults.takeTimeout(method, apiPath, queryText);
    let response: ApiResponse;
    if (method === 'POST' && segments.length === 1 && segments[0] === 'batches') {
      if (faults.latencyMs > 0) {
        await sleep(faults.latencyMs);
      }
      response = runBatch(core, tenantId, bodyText, query.get('enclosingTransaction') === 'true', username);
    } else {
      let r;
      try {
        r = route(method, segments, query);
      } catch (err) {
        send(res, errorResponse(err));
        return;
      }
      if (r.kind === 'read') {
        if (faults.latencyMs > 0) {
          await sleep(faults.latencyMs);
        }
        response = runRead(core, tenantId, r, username);
      } else {
        const key = req.headers['idempotency-key'];
        const reservation = reserve(core, tenantId, r, Array.isArray(key) ? key[0] : key);
        if ('replay' in reservation) {
          response = reservation.replay;
        } else {
          if (faults.latencyMs > 0) {
            await sleep(faults.latencyMs);
          }
          response = runCommand(core, tenantId, r, method, bodyText, username, reservation.entryKey);
        }
      }
    }
    if (timeout !== undefined) {
      // The write has committed; the caller never learns it (or learns it too late).
      if (timeout.delayMs === undefined) {
        return;
      }
      await sleep(timeout.delayMs);
    }
    send(res, response);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      send(res, errorResponse(serverError()));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${host}:${address.port}`;

  const first = (): TenantState => tenantState(core, firstTenant);
  const state: FineractSimulatorState = {
    tenant: (t = firstTenant) => tenantState(core, t),
    get clients() {
      return first().clients;
    },
    get groups() {
      return first().groups;
    },
    get savingsAccounts() {
      return first().savingsAccounts;
    },
    get savingsTransactions() {
      return first().savingsTransactions;
    },
    get clientCharges() {
      return first().clientCharges;
    },
    get clientTransactions() {
      return first().clientTransactions;
    },
    get hooks() {
      return first().hooks;
    },
    get idempotency() {
      return first().idempotency;
    },
  };

  return {
    url: base,
    baseUrl: `${base}${FINERACT_API_PATH}`,
    tenantId: firstTenant,
    username,
    password,
    authorization,
    state,
    faults,
    hookDeliveries: hooks.deliveries,
    hooksIdle: () => hooks.idle(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      await hooks.close();
    },
  };
}

/** `POST /authentication` with credentials in the body. */
function authenticate(bodyText: string, username: string, password: string, state: TenantState): ApiResponse {
  try {
    let body: unknown;
    try {
      body = parseJson(bodyText);
    } catch (err) {
      if (err instanceof JsonSyntaxError) {
        throw invalidJson();
      }
      throw err;
    }
    if (!isJsonObject(body)) {
      throw invalidJson();
    }
    const cmd = new Command('authentication', body);
    cmd.checkWhitelist('authentication');
    const u = cmd.string('username', { required: true });
    const p = cmd.string('password', { required: true });
    cmd.throwIfErrors();
    if (u !== username || p !== password) {
      throw notAuthenticated();
    }
    const out = authenticationResponse(username, state.offices.get(1)?.name ?? 'Head Office');
    out['base64EncodedAuthenticationKey'] = Buffer.from(`${username}:${password}`).toString('base64');
    return { status: 200, body: JSON.stringify(out), headers: {} };
  } catch (err) {
    const r = errorResponse(err instanceof FineractApiError ? err : serverError());
    return r.status === 401
      ? { ...r, headers: { 'www-authenticate': 'Basic realm="Fineract Platform API"' } }
      : r;
  }
}
