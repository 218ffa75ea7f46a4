/**
 * The whole payment layer on one machine: upstreams (the sandbox simulators, or configured real systems) and the
 * mediators as child processes, as they run in their own containers in docker/. Used by `npm start` and by the
 * sandbox's end-to-end test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import type { ClaimResponse } from 'fhir/r4';
import { parseAmount, subtractMoney, toMojaloopAmount } from '@payment-layer/shared-money';
import { startFineractSimulator, type FineractSimulator } from '../fineract';
import {
  FakePayerFsp,
  startMojaloopSimulator,
  type MojaloopSimulator,
  type SimTransfer,
  type SimWallet,
  type SimWalletState,
} from '../mojaloop';
import { startOpenHimCore, type OpenHimCoreSimulator, type OpenHimTransaction } from '../openhim';
import { startOpenImisSimulator, type OpenImisSimulator } from '../openimis';
import {
  claimSandbox,
  cleanSandboxState,
  dataLayout,
  resetSandbox,
  sandboxSecrets,
  type DataLayout,
} from './data-dir';
import { realSystemsSettings, sandboxSettings, type MediatorSettings } from './settings';

export const ROOT = resolve(__dirname, '../../../..');

/** One mediator the stack runs. */
export interface MediatorSpec {
  readonly name: string;
  readonly urn: string;
  readonly main: string;
  readonly port: number;
}

/** The mediators of the payment layer, with their default ports. */
export const MEDIATORS: readonly MediatorSpec[] = [
  {
    name: 'insuree-mediator',
    urn: 'urn:mediator:openimis-payment-layer-insuree',
    main: 'apps/insuree-mediator/src/main.ts',
    port: 3001,
  },
  {
    name: 'invoice-mediator',
    urn: 'urn:mediator:openimis-payment-layer-invoice',
    main: 'apps/invoice-mediator/src/main.ts',
    port: 3002,
  },
  {
    name: 'payment-mediator',
    urn: 'urn:mediator:openimis-payment-layer-payment',
    main: 'apps/payment-mediator/src/main.ts',
    port: 3003,
  },
  {
    name: 'claim-mediator',
    urn: 'urn:mediator:openimis-payment-layer-claim',
    main: 'apps/claim-mediator/src/main.ts',
    port: 3004,
  },
];

/** Where the upstream systems are. */
export interface Upstreams {
  readonly sandbox: boolean;
  readonly openimis: { url: string; graphqlUrl?: string; username: string; password: string };
  readonly fineract: { url: string; tenant: string; username: string; password: string };
  readonly openhim: { apiUrl: string; username: string; password: string; routerUrl?: string };
  readonly sims?: {
    core: OpenHimCoreSimulator;
    openimis: OpenImisSimulator;
    fineract: FineractSimulator;
    mojaloop: MojaloopSimulator;
  };
}

/**
 * Our account on the sandbox's Mojaloop scheme: the payment mediator serves the SDK backend API for it (payer FSPs
 * pay `<idType>/<idValue>/<invoice code>`), and the SDK simulator pays out as the same DFSP.
 */
export const SANDBOX_MOJALOOP_PAYEE = {
  idType: 'BUSINESS',
  idValue: 'OPENIMIS',
  displayName: 'openIMIS contributions',
  dfspId: 'openimisfsp',
} as const;

/** OpenHIM client the sandbox's Mojaloop SDK authenticates as on the `Mojaloop SDK backend` channel. */
export const MOJALOOP_SDK_CLIENT_ID = 'mojaloop-sdk';

/**
 * The sandbox scheme's payout float: an entity client in the Fineract simulator with a savings account the claim
 * mediator withdraws every Mojaloop payout from (and refunds failed ones to), funded once at start.
 */
export const SANDBOX_PAYOUT_FLOAT = {
  name: 'openIMIS scheme',
  externalId: 'openimis-scheme-payout-float',
  amount: '10000000.00',
  receiptNumber: 'payout-float-top-up',
} as const;

/** The mobile money wallet the sandbox pays its Mojaloop-routed health facility to. */
export const SANDBOX_CLAIM_WALLET = {
  idType: 'MSISDN',
  idValue: '255700000100',
  displayName: 'Health facility wallet',
} as const;

/** How the sandbox pays one health facility's claims over Mojaloop. */
export interface SandboxClaimPayout {
  /** Code of the health facility routed to the Mojaloop rail (`PAYOUT_RAIL_BY_FACILITY`). */
  readonly facilityCode: string;
  /** Its wallet, registered in the SDK simulator (`PAYOUT_WALLET_BY_FACILITY`). */
  readonly wallet: { readonly idType: string; readonly idValue: string };
  /** The payout float's savings account (`MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID`). */
  readonly floatSavingsAccountId: number;
}

/** What an app needs to pay out over the sandbox's Mojaloop scheme (SDK simulator). */
export interface StackMojaloop {
  /** Base URL of the SDK simulator's outbound API (a payer mediator's `MojaloopClient` base URL). */
  readonly outboundUrl: string;
  /** Our DFSP id on the scheme (the SDK's `DFSP_ID`). */
  readonly dfspId: string;
  /** Registers (or replaces) a payee wallet the simulated switch resolves and credits. */
  addWallet(wallet: SimWallet): SimWalletState;
  /** The SDK simulator itself (transfers, wallets, faults). */
  readonly sim: MojaloopSimulator;
}

/** Options of {@link startStack}. */
export interface StackOptions {
  /** `default`: the well-known ports (8080/5001/8000/8443/4001, 3001-3004); `random`: free ports (tests). */
  readonly ports: 'default' | 'random';
  readonly families: number;
  readonly dataDir: string;
  /** Environment (configured upstreams are read from it). */
  readonly env: NodeJS.ProcessEnv;
  /** Sandbox only: delete `<dataDir>/sandbox/` (staging store, logs, generated secrets) first. */
  readonly reset?: boolean;
}

/** A running stack. */
export interface Stack {
  readonly up: Upstreams;
  readonly mediators: readonly (MediatorSpec & { child: ChildProcess })[];
  readonly hookSecret: string;
  readonly dataDir: string;
  /** Where this mode keeps its staging store and logs. */
  readonly layout: DataLayout;
  readonly settings: MediatorSettings;
  /** Router client of the sandbox (OpenHIM role `openimis`). */
  readonly client?: { id: string; password: string };
  /** Sandbox only: the Mojaloop SDK simulator (pay out) and the SDK's router client (pay in, role `mojaloop-sdk`). */
  readonly mojaloop?: StackMojaloop & {
    readonly sdkClient: { id: string; password: string };
    /** The Mojaloop-routed health facility, its wallet and the payout float (none when no facility fits). */
    readonly claimPayout?: SandboxClaimPayout;
  };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

function envInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw)) {
    throw new RangeError(`${name} must be a whole number, got "${raw}"`);
  }
  return Number.parseInt(raw, 10);
}

/**
 * Whether the environment points at real systems (all of OPENIMIS_URL, FINERACT_URL, OPENHIM_API_URL) or asks for
 * the sandbox (none of them).
 *
 * @param env - the environment
 * @returns `real` or `sandbox`
 * @throws Error when only some are set
 */
export function stackMode(env: NodeJS.ProcessEnv): 'real' | 'sandbox' {
  const configured = ['OPENIMIS_URL', 'FINERACT_URL', 'OPENHIM_API_URL'].filter((k) => env[k]);
  if (configured.length === 3) {
    return 'real';
  }
  if (configured.length > 0) {
    throw new Error(
      `set all of OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL, or none (only ${configured.join(', ')} set)`,
    );
  }
  return 'sandbox';
}

async function upstreams(options: StackOptions): Promise<Upstreams> {
  const env = options.env;
  if (stackMode(env) === 'real') {
    const need = (k: string): string => {
      const v = env[k];
      if (!v) {
        throw new Error(`${k} is required when OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL are set`);
      }
      return v;
    };
    return {
      sandbox: false,
      openimis: {
        url: need('OPENIMIS_URL'),
        ...(env.OPENIMIS_GRAPHQL_URL ? { graphqlUrl: env.OPENIMIS_GRAPHQL_URL } : {}),
        username: need('OPENIMIS_USERNAME'),
        password: need('OPENIMIS_PASSWORD'),
      },
      fineract: {
        url: need('FINERACT_URL'),
        tenant: env.FINERACT_TENANT_ID ?? 'default',
        username: need('FINERACT_USERNAME'),
        password: need('FINERACT_PASSWORD'),
      },
      openhim: {
        apiUrl: need('OPENHIM_API_URL'),
        username: env.OPENHIM_USERNAME ?? 'root@openhim.org',
        password: need('OPENHIM_PASSWORD'),
      },
    };
  }
  const fixed = options.ports === 'default';
  const core = await startOpenHimCore({
    apiPort: fixed ? envInt(env, 'SANDBOX_OPENHIM_API_PORT', 8080) : 0,
    routerPort: fixed ? envInt(env, 'SANDBOX_OPENHIM_ROUTER_PORT', 5001) : 0,
    channelCacheMs: fixed ? 1000 : 0,
    pollingSchedules: fixed,
  });
  const openimis = await startOpenImisSimulator({
    port: fixed ? envInt(env, 'SANDBOX_OPENIMIS_PORT', 8000) : 0,
    seed: 'sandbox',
    population: { families: options.families },
  });
  const fineract = await startFineractSimulator({
    port: fixed ? envInt(env, 'SANDBOX_FINERACT_PORT', 8443) : 0,
  });
  // The SDK scheme adapter's outbound API listens on 4001 (payments.md §1).
  const mojaloop = await startMojaloopSimulator({
    port: fixed ? envInt(env, 'SANDBOX_MOJALOOP_PORT', 4001) : 0,
    dfspId: SANDBOX_MOJALOOP_PAYEE.dfspId,
  });
  return {
    sandbox: true,
    openimis: { url: openimis.fhirBaseUrl, graphqlUrl: openimis.graphqlUrl, ...openimis.credentials },
    fineract: {
      url: fineract.baseUrl,
      tenant: fineract.tenantId,
      username: fineract.username,
      password: fineract.password,
    },
    openhim: {
      apiUrl: core.apiUrl,
      username: core.rootEmail,
      password: core.rootPassword,
      routerUrl: core.routerUrl,
    },
    sims: { core, openimis, fineract, mojaloop },
  };
}

/**
 * Starts one mediator as a child process with the environment `npm start` gives it (upstreams, shared staging file,
 * sandbox intervals), logging to `<dataDir>/logs/<name>.log`. Also used by the fault campaign, which kills and
 * restarts mediators on their own.
 *
 * @param spec - the mediator and its port
 * @param up - where the upstream systems are
 * @param options - environment
 * @param layout - where its staging file and logs are
 * @param settings - listen and public host, route password, hook secret
 * @returns the child process
 */
export function spawnMediator(
  spec: MediatorSpec,
  up: Upstreams,
  options: Pick<StackOptions, 'env'>,
  layout: DataLayout,
  settings: MediatorSettings,
): ChildProcess {
  mkdirSync(layout.logs, { recursive: true });
  const log = createWriteStream(join(layout.logs, `${spec.name}.log`), { flags: 'a' });
  const env = options.env;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', join(__dirname, 'exit-with-parent.ts'), join(ROOT, spec.main)],
    {
      cwd: ROOT,
      // stdin is a pipe this process never writes to: its end tells the mediator that this process is gone.
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...env,
        PORT: String(spec.port),
        HOST: settings.listenHost,
        MEDIATOR_PUBLIC_HOST: settings.publicHost,
        MEDIATOR_CLIENT_USERNAME: env.MEDIATOR_CLIENT_USERNAME || 'openhim',
        MEDIATOR_CLIENT_PASSWORD: settings.routePassword,
        OPENHIM_REGISTER: 'true',
        OPENHIM_API_URL: up.openhim.apiUrl,
        OPENHIM_USERNAME: up.openhim.username,
        OPENHIM_PASSWORD: up.openhim.password,
        OPENHIM_HEARTBEAT_INTERVAL_MS: up.sandbox ? '1000' : (env.OPENHIM_HEARTBEAT_INTERVAL_MS ?? '10000'),
        OPENIMIS_URL: up.openimis.url,
        ...(up.openimis.graphqlUrl ? { OPENIMIS_GRAPHQL_URL: up.openimis.graphqlUrl } : {}),
        OPENIMIS_USERNAME: up.openimis.username,
        OPENIMIS_PASSWORD: up.openimis.password,
        FINERACT_URL: up.fineract.url,
        FINERACT_TENANT_ID: up.fineract.tenant,
        FINERACT_USERNAME: up.fineract.username,
        FINERACT_PASSWORD: up.fineract.password,
        FINERACT_HOOK_SECRET: settings.hookSecret,
        OUTBOX_INTERVAL_MS: up.sandbox ? '500' : (env.OUTBOX_INTERVAL_MS ?? '5000'),
        // One staging store for the layer: the invoice mediator writes the ledger the payment mediator reads. The
        // sandbox always uses its own (a STAGING_DB_PATH meant for real systems must never receive sandbox data).
        STAGING_DB_PATH: up.sandbox ? layout.stagingDb : (env.STAGING_DB_PATH ?? layout.stagingDb),
        LOG_LEVEL: env.LOG_LEVEL ?? 'info',
      },
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
  });
  return child;
}

/** Thrown by a check to stop waiting at once (the awaited thing cannot happen any more). */
class GaveUp extends Error {}

async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await Promise.resolve()
      .then(check)
      .catch((err: unknown) => {
        if (err instanceof GaveUp) {
          throw err;
        }
        return false;
      });
    if (ok) {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether openIMIS valuated this claim (status 16) with an amount to pay. */
function isValuated(r: { resourceType?: string; total?: ClaimResponse['total'] }): boolean {
  return (
    r.resourceType === 'ClaimResponse' &&
    (r.total ?? []).some((t) => t.category.coding?.some((c) => c.code === '16') && (t.amount?.value ?? 0) > 0)
  );
}

/** The valuated claims of the simulated openIMIS, in the store's order (the Fineract claim demo pays the first). */
function valuatedClaims(openimis: OpenImisSimulator): ClaimResponse[] {
  return openimis.store
    .list('ClaimResponse')
    .filter((r): r is ClaimResponse => r.resourceType === 'ClaimResponse' && isValuated(r));
}

/** The code of the health facility a claim is paid to (its Claim.provider's `LC` identifier, as openIMIS has it). */
function claimFacilityCode(openimis: OpenImisSimulator, claim: ClaimResponse): string | undefined {
  const provider = (openimis.store.get('Claim', String(claim.id)) as { provider?: { reference?: string } })
    ?.provider?.reference;
  const uuid = provider?.startsWith('Organization/') ? provider.slice('Organization/'.length) : undefined;
  const org = uuid
    ? (openimis.store.get('Organization', uuid) as
        { identifier?: { type?: { coding?: { code?: string }[] }; value?: string }[] } | undefined)
    : undefined;
  return org?.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'LC'))?.value;
}

/**
 * Prepares the sandbox's Mojaloop claim payouts, as a scheme operator would: the payout float (an entity client
 * "openIMIS scheme" with a savings account in the Fineract simulator, funded by a deposit) and one health facility
 * routed to Mojaloop with a wallet in the SDK simulator. The facility is that of a valuated claim other than the
 * Fineract claim demo's, and not the Fineract demo's own facility (routing is per facility).
 *
 * @param up - the sandbox upstreams
 * @returns the payout settings, or undefined when the population has no second facility with a valuated claim
 */
async function sandboxClaimPayout(up: Upstreams): Promise<SandboxClaimPayout | undefined> {
  const sims = up.sims;
  if (!sims) {
    return undefined;
  }
  const claims = valuatedClaims(sims.openimis);
  const fineractFacility = claims[0] ? claimFacilityCode(sims.openimis, claims[0]) : undefined;
  const facilityCode = claims
    .slice(1)
    .map((c) => claimFacilityCode(sims.openimis, c))
    .find((code) => code !== undefined && code !== fineractFacility);
  if (facilityCode === undefined) {
    return undefined;
  }
  const f = up.fineract;
  const fineractCall = async (
    path: string,
    body: Record<string, unknown>,
  ): Promise<Record<string, unknown>> => {
    const r = await request(`${f.url}/${path}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${f.username}:${f.password}`).toString('base64')}`,
        'fineract-platform-tenantid': f.tenant,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ...body, dateFormat: 'yyyy-MM-dd', locale: 'en' }),
    });
    const text = await r.body.text();
    if (r.statusCode !== 200) {
      throw new Error(`Fineract POST ${path} answered ${r.statusCode}: ${text}`);
    }
    return JSON.parse(text) as Record<string, unknown>;
  };
  const today = new Date().toISOString().slice(0, 10);
  // An active entity client opened with a savings account of the payout product (product 1 of the simulator).
  const scheme = await fineractCall('clients', {
    officeId: 1,
    legalFormId: 2,
    fullname: SANDBOX_PAYOUT_FLOAT.name,
    externalId: SANDBOX_PAYOUT_FLOAT.externalId,
    active: true,
    activationDate: today,
    submittedOnDate: today,
    savingsProductId: 1,
  });
  const floatSavingsAccountId = scheme.savingsId;
  if (typeof floatSavingsAccountId !== 'number') {
    throw new Error(`Fineract opened no savings account for the payout float: ${JSON.stringify(scheme)}`);
  }
  await fineractCall(`savingsaccounts/${floatSavingsAccountId}/transactions?command=deposit`, {
    transactionDate: today,
    transactionAmount: SANDBOX_PAYOUT_FLOAT.amount,
    paymentTypeId: 1,
    receiptNumber: SANDBOX_PAYOUT_FLOAT.receiptNumber,
  });
  sims.mojaloop.addWallet(SANDBOX_CLAIM_WALLET);
  const { idType, idValue } = SANDBOX_CLAIM_WALLET;
  return { facilityCode, wallet: { idType, idValue }, floatSavingsAccountId };
}

/**
 * Starts upstreams and mediators; resolves once every mediator answers /health and (in the sandbox) has registered
 * its channels with the OpenHIM core simulator.
 *
 * @param options - ports, population, data directory, environment
 * @returns the running stack
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  // Everything is validated and the data directory prepared before anything listens.
  const sandbox = stackMode(options.env) === 'sandbox';
  const layout = dataLayout(options.dataDir, sandbox);
  let settings: MediatorSettings;
  let claim: Awaited<ReturnType<typeof claimSandbox>> | undefined;
  if (sandbox) {
    if (options.reset === true) {
      resetSandbox(layout);
    }
    claim = await claimSandbox(layout);
    try {
      cleanSandboxState(layout);
      settings = sandboxSettings(options.env, sandboxSecrets(layout));
    } catch (err) {
      claim.release();
      throw err;
    }
  } else {
    if (options.reset === true) {
      throw new Error(
        `--reset applies to the sandbox only: against real systems the staging store (${options.env.STAGING_DB_PATH ?? layout.stagingDb}) holds the payment ledger and npm start never deletes it`,
      );
    }
    settings = realSystemsSettings(options.env);
  }
  let up: Upstreams;
  let claimPayout: SandboxClaimPayout | undefined;
  try {
    up = await upstreams(options);
  } catch (err) {
    claim?.release();
    throw err;
  }
  try {
    claimPayout = await sandboxClaimPayout(up);
  } catch (err) {
    await Promise.allSettled(
      Object.values(up.sims ?? {}).map((sim: { close(): Promise<void> }) => sim.close()),
    );
    claim?.release();
    throw err;
  }
  const specs = await Promise.all(
    MEDIATORS.map(async (m) => ({ ...m, port: options.ports === 'random' ? await freePort() : m.port })),
  );
  // In the sandbox the payment mediator is the payee of the Mojaloop scheme: its SDK backend routes are served.
  // The claim mediator pays the scheme's Mojaloop-routed facility from the payout float, as the same DFSP.
  const envFor = (spec: MediatorSpec): Pick<StackOptions, 'env'> => {
    if (up.sandbox && spec.name === 'payment-mediator') {
      return {
        env: {
          ...options.env,
          MOJALOOP_PAYEE_ID_TYPE: SANDBOX_MOJALOOP_PAYEE.idType,
          MOJALOOP_PAYEE_ID_VALUE: SANDBOX_MOJALOOP_PAYEE.idValue,
          MOJALOOP_PAYEE_NAME: SANDBOX_MOJALOOP_PAYEE.displayName,
          MOJALOOP_DFSP_ID: SANDBOX_MOJALOOP_PAYEE.dfspId,
        },
      };
    }
    if (up.sims && claimPayout && spec.name === 'claim-mediator') {
      return {
        env: {
          ...options.env,
          PAYOUT_RAIL: 'fineract',
          PAYOUT_RAIL_BY_FACILITY: JSON.stringify({ [claimPayout.facilityCode]: 'mojaloop' }),
          PAYOUT_WALLET_BY_FACILITY: JSON.stringify({ [claimPayout.facilityCode]: claimPayout.wallet }),
          MOJALOOP_SDK_URL: up.sims.mojaloop.url,
          MOJALOOP_PAYER_ID_TYPE: SANDBOX_MOJALOOP_PAYEE.idType,
          MOJALOOP_PAYER_ID_VALUE: SANDBOX_MOJALOOP_PAYEE.idValue,
          MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID: String(claimPayout.floatSavingsAccountId),
          MOJALOOP_PAYER_PAYMENT_TYPE_ID: '1',
        },
      };
    }
    return options;
  };
  const mediators = specs.map((spec) => ({
    ...spec,
    child: spawnMediator(spec, up, envFor(spec), layout, settings),
  }));
  claim?.recordChildren(mediators.map((m) => m.child.pid).filter((p): p is number => p !== undefined));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) {
      return;
    }
    stopped = true;
    await Promise.all(
      mediators.map(
        ({ child }) =>
          new Promise<void>((r) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              r();
              return;
            }
            child.once('exit', () => {
              r();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    await Promise.allSettled([
      up.sims?.core.close(),
      up.sims?.openimis.close(),
      up.sims?.fineract.close(),
      up.sims?.mojaloop.close(),
    ]);
    claim?.release();
  };
  // The mediators listen on every interface or on one address; probe where they can be reached from here.
  const probeHost = ['0.0.0.0', '::'].includes(settings.listenHost) ? '127.0.0.1' : settings.listenHost;
  const alive = (m: (typeof mediators)[number]): void => {
    if (m.child.exitCode !== null || m.child.signalCode !== null) {
      throw new GaveUp(
        `${m.name} exited (${m.child.exitCode ?? m.child.signalCode}) while starting; see ${join(layout.logs, `${m.name}.log`)}`,
      );
    }
  };
  try {
    for (const m of mediators) {
      await waitFor(`${m.name} on port ${m.port}`, async () => {
        alive(m);
        return (await request(`http://${probeHost}:${m.port}/health`)).statusCode === 200;
      });
      const core = up.sims?.core;
      if (core) {
        await waitFor(`${m.name} to register its channels`, () => {
          alive(m);
          return (
            core.getMediator(m.urn) !== undefined &&
            core.listChannels().some((c) => c.routes?.[0]?.port === m.port)
          );
        });
      }
    }
    let client: { id: string; password: string } | undefined;
    let mojaloop: Stack['mojaloop'];
    if (up.sims) {
      client = { id: 'openimis', password: randomBytes(12).toString('base64url') };
      up.sims.core.addClient({
        clientID: client.id,
        name: 'openIMIS',
        password: client.password,
        roles: ['openimis'],
      });
      const sdkClient = { id: MOJALOOP_SDK_CLIENT_ID, password: randomBytes(12).toString('base64url') };
      up.sims.core.addClient({
        clientID: sdkClient.id,
        name: 'Mojaloop SDK scheme adapter',
        password: sdkClient.password,
        roles: ['mojaloop-sdk'],
      });
      const sim = up.sims.mojaloop;
      mojaloop = {
        outboundUrl: sim.url,
        dfspId: SANDBOX_MOJALOOP_PAYEE.dfspId,
        addWallet: (wallet) => sim.addWallet(wallet),
        sim,
        sdkClient,
        ...(claimPayout ? { claimPayout } : {}),
      };
    }
    return {
      up,
      mediators,
      hookSecret: settings.hookSecret,
      dataDir: options.dataDir,
      layout,
      settings,
      ...(client ? { client } : {}),
      ...(mojaloop ? { mojaloop } : {}),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ------------------------------------------------------------------------------------------------------------ demo

/** What the insuree demo did. */
export interface InsureeDemoResult {
  patientId: string;
  patientStatus: number;
  patientText: string;
  patientTransaction: string;
  syncStatus: number;
  syncText: readonly string[];
  syncTransaction: string;
  syncSeconds: number;
}

/** What the claim payout demo did. */
export interface ClaimDemoResult {
  claimId: string;
  claimCode: string;
  status: number;
  text: string;
  transaction: string;
  /** Deposits Fineract holds with the claim code as receipt number. */
  deposits: number;
  amount: string;
  savingsAccountId?: number;
}

/** What the payment demo did. */
export interface PaymentDemoResult {
  invoiceId: string;
  invoiceCode: string;
  amount: string;
  invoiceTransaction: string;
  invoiceProperties: Record<string, unknown>;
  fineractClientId: number;
  fineractChargeId: number;
  hookTransaction?: string;
  paymentNotices: number;
  invoicePaid: boolean;
  premiums: number;
}

function routerAuth(stack: Stack): string {
  const c = stack.client;
  if (!c) {
    throw new Error('the demo runs in the sandbox only');
  }
  return `Basic ${Buffer.from(`${c.id}:${c.password}`).toString('base64')}`;
}

/**
 * Pushes one Patient through the OpenHIM router, then runs a sync of the seeded population.
 *
 * @param stack - a sandbox stack
 * @returns ids and outcomes
 */
export async function runInsureeDemo(stack: Stack): Promise<InsureeDemoResult> {
  const sims = stack.up.sims;
  const routerUrl = stack.up.openhim.routerUrl;
  if (!sims || !routerUrl) {
    throw new Error('the demo runs in the sandbox only');
  }
  const auth = routerAuth(stack);
  const patient = sims.openimis.store
    .list('Patient')
    .find((p) => typeof p.id === 'string' && /^[0-9a-f-]{36}$/.test(p.id));
  const res = await request(`${routerUrl}/fhir/Patient`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(patient),
  });
  const body = (await res.body.json()) as { issue?: { diagnostics?: string }[] };
  const started = Date.now();
  const sync = await request(`${routerUrl}/sync/insurees`, {
    method: 'POST',
    headers: { authorization: auth },
    bodyTimeout: 600_000,
    headersTimeout: 600_000,
  });
  const syncBody = (await sync.body.json()) as { issue?: { diagnostics?: string }[] };
  return {
    patientId: String(patient?.id),
    patientStatus: res.statusCode,
    patientText: body.issue?.[0]?.diagnostics ?? '',
    patientTransaction: String(res.headers['x-openhim-transactionid'] ?? ''),
    syncStatus: sync.statusCode,
    syncText: (syncBody.issue ?? []).map((i) => i.diagnostics ?? ''),
    syncTransaction: String(sync.headers['x-openhim-transactionid'] ?? ''),
    syncSeconds: (Date.now() - started) / 1000,
  };
}

/**
 * The contribution payment loop: an invoice posted through OpenHIM becomes a Fineract client charge; the charge is
 * paid in Fineract; Fineract's hook reaches the payment mediator through OpenHIM; openIMIS receives one
 * PaymentNotice and reads the invoice PAID; the premium is recorded.
 *
 * @param stack - a sandbox stack
 * @returns ids and outcomes
 */
export async function runPaymentDemo(stack: Stack): Promise<PaymentDemoResult> {
  const sims = stack.up.sims;
  const routerUrl = stack.up.openhim.routerUrl;
  if (!sims || !routerUrl) {
    throw new Error('the demo runs in the sandbox only');
  }
  const auth = routerAuth(stack);
  // Record premiums for this demo: an operator change through OpenHIM, applied by the mediator at its next heartbeat.
  const paymentUrn = 'urn:mediator:openimis-payment-layer-payment';
  const current = sims.core.getMediator(paymentUrn)?.config ?? {};
  const payment = stack.mediators.find((m) => m.urn === paymentUrn);
  const applied = async (): Promise<number> => {
    const text = await (await request(`http://127.0.0.1:${payment?.port ?? 0}/metrics`)).body.text();
    return Number.parseInt(/openhim_config_changes_applied_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? '0', 10);
  };
  const before = await applied();
  sims.core.setMediatorConfig(paymentUrn, { ...current, recordPremium: true });
  await waitFor(
    'the payment mediator to apply its new config',
    async () => (await applied()) > before,
    15_000,
  );

  // An unpaid contribution invoice of an insuree (the shared fixtures also hold family-addressed ones, which the
  // invoice mediator refuses: openIMIS bills families through the head insuree).
  const state = sims.openimis.store.invoices().find((i) => {
    const resource = sims.openimis.store.get('Invoice', i.id) as
      { recipient?: { reference?: string } } | undefined;
    return (
      i.kind === 'invoice' &&
      i.status !== 2 &&
      (resource?.recipient?.reference ?? '').startsWith('Patient/') &&
      sims.openimis.store.paymentNotices().every((p) => p.subjectId !== i.id)
    );
  });
  if (!state) {
    throw new Error('the sandbox population has no unpaid contribution invoice');
  }
  const invoice = sims.openimis.store.get('Invoice', state.id);
  const res = await request(`${routerUrl}/fhir/Invoice`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(invoice),
  });
  await res.body.dump();
  const invoiceTransaction = String(res.headers['x-openhim-transactionid'] ?? '');
  const [tx] = await sims.core.waitForTransactions((t) => t._id === invoiceTransaction, 30_000);
  const props = tx?.properties ?? {};
  if (
    res.statusCode >= 300 ||
    typeof props.fineractChargeId !== 'number' ||
    typeof props.fineractClientId !== 'number'
  ) {
    throw new Error(`the invoice was not charged (${res.statusCode}): ${JSON.stringify(props)}`);
  }

  // What a Fineract operator does (plain API calls, as the Mifos web app would make them): register the web hook,
  // then take the payment at the counter. Fineract calls the hook once per event, without retry.
  const f = stack.up.fineract;
  const fineractCall = async (method: 'POST', path: string, body: unknown): Promise<void> => {
    const r = await request(`${f.url}/${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(`${f.username}:${f.password}`).toString('base64')}`,
        'fineract-platform-tenantid': f.tenant,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const text = await r.body.text();
    if (r.statusCode !== 200) {
      throw new Error(`Fineract ${method} ${path} answered ${r.statusCode}: ${text}`);
    }
  };
  await fineractCall('POST', 'hooks', {
    name: 'Web',
    isActive: true,
    displayName: 'openIMIS payment layer',
    events: [
      { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
      { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
    ],
    config: {
      'Payload URL': `${routerUrl}/payments/fineract/hook?secret=${stack.hookSecret}`,
      'Content Type': 'json',
    },
  });
  await fineractCall(
    'POST',
    `clients/${props.fineractClientId}/charges/${props.fineractChargeId}?command=paycharge`,
    {
      amount: state.amountTotal,
      transactionDate: new Date().toISOString().slice(0, 10),
      paymentTypeId: 1,
      receiptNumber: state.code,
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    },
  );
  await sims.fineract.hooksIdle();
  const hookTx = sims.core.listTransactions((t) => t.request.path === '/payments/fineract/hook').at(-1)?._id;
  await waitFor(
    'openIMIS to read the invoice PAID and the premium recorded',
    () => sims.openimis.store.invoice(state.id)?.status === 2 && sims.openimis.store.premiums().length > 0,
    30_000,
  ).catch(() => undefined);
  return {
    invoiceId: state.id,
    invoiceCode: state.code,
    amount: `${state.amountTotal} ${state.currency}`,
    invoiceTransaction,
    invoiceProperties: props,
    fineractClientId: props.fineractClientId,
    fineractChargeId: props.fineractChargeId,
    ...(hookTx ? { hookTransaction: hookTx } : {}),
    paymentNotices: sims.openimis.store.paymentNotices().filter((p) => p.subjectId === state.id).length,
    invoicePaid: sims.openimis.store.invoice(state.id)?.status === 2,
    premiums: sims.openimis.store.premiums().length,
  };
}

/**
 * The claim payout: one valuated ClaimResponse posted through the OpenHIM router is paid to its health facility —
 * an entity client with a savings account in Fineract — as one deposit whose receipt number is the claim code.
 *
 * @param stack - a sandbox stack
 * @returns ids and outcomes
 */
export async function runClaimDemo(stack: Stack): Promise<ClaimDemoResult> {
  const sims = stack.up.sims;
  const routerUrl = stack.up.openhim.routerUrl;
  if (!sims || !routerUrl) {
    throw new Error('the demo runs in the sandbox only');
  }
  const valuated = valuatedClaims(sims.openimis)[0];
  if (valuated?.resourceType !== 'ClaimResponse') {
    throw new Error('the sandbox population has no valuated claim');
  }
  const code =
    valuated.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR' || c.code === 'Code'))
      ?.value ?? '';
  const res = await request(`${routerUrl}/fhir/ClaimResponse`, {
    method: 'POST',
    headers: { authorization: routerAuth(stack), 'content-type': 'application/fhir+json' },
    body: JSON.stringify(valuated),
  });
  const body = (await res.body.json()) as { issue?: { diagnostics?: string }[] };
  const deposits = [...sims.fineract.state.savingsTransactions.values()].filter(
    (t) => t.paymentDetail?.receiptNumber === code && !t.reversed,
  );
  return {
    claimId: String(valuated.id),
    claimCode: code,
    status: res.statusCode,
    text: body.issue?.[0]?.diagnostics ?? '',
    transaction: String(res.headers['x-openhim-transactionid'] ?? ''),
    deposits: deposits.length,
    amount: deposits[0]?.amount ?? '0',
    ...(deposits[0] ? { savingsAccountId: deposits[0].savingsId } : {}),
  };
}

/** One SDK backend call as it went through the OpenHIM router. */
export interface MojaloopDemoCall {
  /** `party`, `quote`, `transfer` or `notification`. */
  step: string;
  method: string;
  path: string;
  status: number;
  /** The OpenHIM transaction of the call ('' when core did not record it). */
  transaction: string;
}

/** What the Mojaloop payment demo did. */
export interface MojaloopDemoResult {
  invoiceId: string;
  invoiceCode: string;
  /** The amount paid, as a Mojaloop `Amount` with its currency. */
  amount: string;
  invoiceTransaction: string;
  /** The party the payer looked up (`<type>/<id>/<invoice code>`). */
  party: string;
  transferId: string;
  homeTransactionId: string;
  /** `transferState` of the answer to the transfer prepare (`RESERVED`). */
  prepareState: string;
  calls: MojaloopDemoCall[];
  /** What the final notification did in the ledger (transaction properties of the payment mediator). */
  paymentId?: string;
  paymentOutcome?: string;
  paymentNotices: number;
  invoicePaid: boolean;
}

const MOJALOOP_STEPS = ['party', 'quote', 'transfer', 'notification'] as const;

/**
 * A contribution paid by mobile money: an invoice posted through OpenHIM is known to the ledger; a payer FSP (the
 * fake one, as its SDK relays it to ours) looks up our party with the invoice code as sub-id, gets a quote for the
 * open balance, prepares the transfer (answered RESERVED, nothing recorded) and notifies COMMITTED; the payment
 * mediator records the payment (source `mojaloop`) through the same exactly-once path as the Fineract hooks and
 * openIMIS receives one PaymentNotice and reads the invoice PAID. Every backend call goes through the OpenHIM router
 * (channel `Mojaloop SDK backend`, client `mojaloop-sdk`).
 *
 * @param stack - a sandbox stack
 * @returns ids and outcomes
 */
export async function runMojaloopDemo(stack: Stack): Promise<MojaloopDemoResult> {
  const sims = stack.up.sims;
  const routerUrl = stack.up.openhim.routerUrl;
  const mojaloop = stack.mojaloop;
  if (!sims || !routerUrl || !mojaloop) {
    throw new Error('the demo runs in the sandbox only');
  }
  const auth = routerAuth(stack);
  // An unpaid contribution invoice of an insuree no other demo touched (see runPaymentDemo).
  const state = sims.openimis.store.invoices().find((i) => {
    const resource = sims.openimis.store.get('Invoice', i.id) as
      { recipient?: { reference?: string } } | undefined;
    return (
      i.kind === 'invoice' &&
      i.status !== 2 &&
      (resource?.recipient?.reference ?? '').startsWith('Patient/') &&
      sims.openimis.store.paymentNotices().every((p) => p.subjectId !== i.id) &&
      sims.core.listTransactions(
        (t) => t.request.path === '/fhir/Invoice' && (t.request.body ?? '').includes(i.id),
      ).length === 0
    );
  });
  if (!state) {
    throw new Error('the sandbox population has no unpaid contribution invoice left');
  }
  const res = await request(`${routerUrl}/fhir/Invoice`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(sims.openimis.store.get('Invoice', state.id)),
  });
  await res.body.dump();
  const invoiceTransaction = String(res.headers['x-openhim-transactionid'] ?? '');
  if (res.statusCode >= 300) {
    throw new Error(
      `the invoice was not accepted (${res.statusCode}); OpenHIM transaction ${invoiceTransaction}`,
    );
  }

  const before = new Set(
    sims.core.listTransactions((t) => (t.request.path ?? '').startsWith('/mojaloop/')).map((t) => t._id),
  );
  const payer = new FakePayerFsp({
    backendUrl: `${routerUrl}/mojaloop`,
    headers: {
      authorization: `Basic ${Buffer.from(`${mojaloop.sdkClient.id}:${mojaloop.sdkClient.password}`).toString('base64')}`,
    },
    payeeFspId: mojaloop.dfspId,
  });
  const payee = { idType: SANDBOX_MOJALOOP_PAYEE.idType, idValue: SANDBOX_MOJALOOP_PAYEE.idValue };
  // The open balance of a fresh invoice is its total, spelled as a Mojaloop Amount (no trailing zeros).
  const amount = toMojaloopAmount(parseAmount(state.amountTotal, state.currency));
  const paid = await payer.pay({
    payee: { ...payee, idSubValue: state.code },
    amount,
    currency: state.currency,
  });
  if (!paid.ok) {
    throw new Error(
      `the payment mediator refused the Mojaloop payment at ${paid.stage} (${paid.status}): ${JSON.stringify(paid.body)}`,
    );
  }
  // FakePayerFsp checked the answer against the backend schema: transferState is a string when present.
  const prepareState =
    (paid.exchanges[2]?.body as { transferState?: string } | undefined)?.transferState ?? '';

  await waitFor(
    'openIMIS to read the invoice PAID after the Mojaloop payment',
    () => sims.openimis.store.invoice(state.id)?.status === 2,
    30_000,
  ).catch(() => undefined);
  // The router finishes a transaction after the client got its answer: wait for the four calls to be recorded.
  const isNew = (t: OpenHimTransaction): boolean =>
    (t.request.path ?? '').startsWith('/mojaloop/') && !before.has(t._id);
  await waitFor(
    'OpenHIM to record the SDK backend calls',
    () => sims.core.listTransactions((t) => isNew(t) && t.finished).length >= paid.exchanges.length,
    10_000,
  ).catch(() => undefined);
  const txs = sims.core.listTransactions(isNew);
  const used = new Set<string>();
  const calls = paid.exchanges.map((x, i) => {
    const tx = txs.find(
      (t) => !used.has(t._id) && t.request.method === x.method && t.request.path === `/mojaloop${x.path}`,
    );
    if (tx) {
      used.add(tx._id);
    }
    return {
      step: MOJALOOP_STEPS[i] ?? '',
      method: x.method,
      path: x.path,
      status: x.status,
      transaction: tx?._id ?? '',
    };
  });
  const notification = calls.at(-1)?.transaction;
  const props = (notification ? sims.core.getTransaction(notification)?.properties : undefined) ?? {};
  return {
    invoiceId: state.id,
    invoiceCode: state.code,
    amount: `${amount} ${state.currency}`,
    invoiceTransaction,
    party: `${payee.idType}/${payee.idValue}/${state.code}`,
    transferId: paid.transferId,
    homeTransactionId: paid.homeTransactionId,
    prepareState,
    calls,
    ...(typeof props.paymentId === 'string' || typeof props.paymentId === 'number'
      ? { paymentId: String(props.paymentId) }
      : {}),
    ...(typeof props.outcome === 'string' ? { paymentOutcome: props.outcome } : {}),
    paymentNotices: sims.openimis.store.paymentNotices().filter((p) => p.subjectId === state.id).length,
    invoicePaid: sims.openimis.store.invoice(state.id)?.status === 2,
  };
}

/** What the Mojaloop claim payout demo did. */
export interface ClaimMojaloopDemoResult {
  claimId: string;
  claimCode: string;
  facilityCode: string;
  status: number;
  text: string;
  /** The OpenHIM transaction of the ClaimResponse POST. */
  transaction: string;
  /** `payoutState` the claim mediator answered with (the payout ran in the request). */
  payoutState: string;
  /** Transfers the SDK simulator holds for this payout (homeTransactionId `claim:<id>`). */
  transfers: number;
  transferId: string;
  /** The switch's state of the transfer (`COMMITTED`). */
  transferState: string;
  /** The amount and currency of the transfer. */
  amount: string;
  wallet: string;
  /** What the wallet received in this demo. */
  walletCredited: string;
  floatSavingsAccountId: number;
  /** Withdrawals from the float with the claim code as receipt number. */
  withdrawals: number;
  /** Float balance before minus after. */
  floatDebited: string;
}

/**
 * A claim paid by mobile money: one valuated ClaimResponse of the Mojaloop-routed health facility, posted through
 * the OpenHIM router; the payout runs in the request (the worker finishes it otherwise): the amount is withdrawn from
 * the scheme's payout float in Fineract, then one transfer is sent through the SDK simulator and COMMITTED to the
 * facility's wallet.
 *
 * @param stack - a sandbox stack
 * @returns ids and outcomes
 */
export async function runClaimMojaloopDemo(stack: Stack): Promise<ClaimMojaloopDemoResult> {
  const sims = stack.up.sims;
  const routerUrl = stack.up.openhim.routerUrl;
  const payout = stack.mojaloop?.claimPayout;
  if (!sims || !routerUrl || !payout) {
    throw new Error(
      'the Mojaloop claim demo runs in the sandbox, with a second health facility that has a valuated claim',
    );
  }
  const claim = valuatedClaims(sims.openimis).find(
    (c) => claimFacilityCode(sims.openimis, c) === payout.facilityCode,
  );
  if (!claim) {
    throw new Error(`health facility ${payout.facilityCode} has no valuated claim`);
  }
  const code =
    claim.identifier?.find((i) => i.type?.coding?.some((c) => c.code === 'MR' || c.code === 'Code'))?.value ??
    '';
  const { idType, idValue } = payout.wallet;
  const floatAccount = (): { accountBalance: string } | undefined =>
    sims.fineract.state.savingsAccounts.get(payout.floatSavingsAccountId);
  const floatBefore = floatAccount()?.accountBalance ?? '0';
  const walletBefore = new Map(sims.mojaloop.wallet(idType, idValue)?.balances ?? []);

  const res = await request(`${routerUrl}/fhir/ClaimResponse`, {
    method: 'POST',
    headers: { authorization: routerAuth(stack), 'content-type': 'application/fhir+json' },
    body: JSON.stringify(claim),
  });
  const body = (await res.body.json()) as { issue?: { diagnostics?: string }[] };
  const transaction = String(res.headers['x-openhim-transactionid'] ?? '');
  const [tx] = await sims.core.waitForTransactions((t) => t._id === transaction, 30_000);
  const homeTransactionId = `claim:${String(claim.id)}`;
  const ours = (): SimTransfer[] =>
    [...sims.mojaloop.transfers.values()].filter((t) => t.homeTransactionId === homeTransactionId);
  // A payout still pending after the request (an answer awaited) is finished by the claim mediator's worker.
  await waitFor(
    'the claim payout to reach the switch',
    () => ours().some((t) => t.switchState !== undefined),
    30_000,
  ).catch(() => undefined);
  const transfer = ours().find((t) => t.switchState === 'COMMITTED') ?? ours().at(-1);
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const currency = text(transfer?.request.currency);
  const money = (v: string | undefined): ReturnType<typeof parseAmount> => parseAmount(v ?? '0', currency);
  const walletAfter = sims.mojaloop.wallet(idType, idValue)?.balances.get(currency);
  return {
    claimId: String(claim.id),
    claimCode: code,
    facilityCode: payout.facilityCode,
    status: res.statusCode,
    text: body.issue?.[0]?.diagnostics ?? '',
    transaction,
    payoutState: text(tx?.properties?.payoutState),
    transfers: ours().length,
    transferId: transfer?.transferId ?? '',
    transferState: transfer?.switchState ?? transfer?.currentState ?? 'none',
    amount: `${text(transfer?.request.amount)} ${currency}`,
    wallet: `${idType}/${idValue}`,
    walletCredited: subtractMoney(money(walletAfter), money(walletBefore.get(currency))).amount,
    floatSavingsAccountId: payout.floatSavingsAccountId,
    withdrawals: [...sims.fineract.state.savingsTransactions.values()].filter(
      (t) =>
        t.savingsId === payout.floatSavingsAccountId &&
        t.paymentDetail?.receiptNumber === code &&
        !t.reversed,
    ).length,
    floatDebited: subtractMoney(money(floatBefore), money(floatAccount()?.accountBalance)).amount,
  };
}
