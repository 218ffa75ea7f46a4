/**
 * What `npm start` reads from its command line and environment, validated before anything starts.
 *
 * Two modes: the **sandbox** (no upstream configured: simulators, generated secrets kept under `data/sandbox/`) and
 * **real systems** (OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL set): then the host OpenHIM core uses to reach
 * the mediators, the route password core presents and the Fineract hook secret come from the environment and are
 * never invented, because the channels and the Fineract hook that already exist carry them.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** Command-line options of `npm start`. */
export interface StartArgs {
  /** Forget the sandbox's previous state (staging store, logs, generated secrets) before starting. */
  readonly reset: boolean;
  /** Root of the data directory (default `data/` of the checkout). */
  readonly dataDir: string;
  /** `default`: the well-known ports; `random`: free ports (when 8080, 5001, 8000, 8443, 4001 or 3001-3004 are taken). */
  readonly ports: 'default' | 'random';
}

/** Usage text, printed for `--help` and with an argument error. */
export const START_USAGE = `usage: npm start [-- [--reset] [--data-dir <dir>] [--ports default|random]]
  --reset            sandbox only: delete data/sandbox/ (staging store, logs, generated secrets) before starting
  --data-dir <dir>   where the layer keeps its files (default: data/ of the checkout)
  --ports random     the sandbox on free ports instead of 8080, 5001, 8000, 8443, 4001 and 3001-3004`;

/**
 * Parses the command line of `npm start`.
 *
 * @param argv - the arguments after the script name
 * @param defaultDataDir - `data/` of the checkout
 * @returns the options
 * @throws RangeError naming an unknown or incomplete argument
 */
export function parseStartArgs(argv: readonly string[], defaultDataDir: string): StartArgs {
  let reset = false;
  let dataDir = defaultDataDir;
  let ports: StartArgs['ports'] = 'default';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') {
        throw new RangeError(`${name} needs a value`);
      }
      return v;
    };
    switch (name) {
      case '--reset':
        reset = true;
        break;
      case '--data-dir':
        dataDir = resolve(value());
        break;
      case '--ports': {
        const v = value();
        if (v !== 'default' && v !== 'random') {
          throw new RangeError(`--ports must be default or random, got "${v}"`);
        }
        ports = v;
        break;
      }
      default:
        throw new RangeError(`unknown argument "${arg}"`);
    }
  }
  return { reset, dataDir, ports };
}

/** How the mediators are reached by OpenHIM core and what they check, in one mode. */
export interface MediatorSettings {
  /** Interface the mediators listen on. */
  readonly listenHost: string;
  /** Host name OpenHIM core uses to reach them (registered on their endpoints and channel routes). */
  readonly publicHost: string;
  /** Route password core presents (installed on the channel routes). */
  readonly routePassword: string;
  /** Secret of the Fineract web hook (in the Payload URL or as the Basic password). */
  readonly hookSecret: string;
}

const ROUTE_PASSWORD_MIN = 12;
const HOOK_SECRET_MIN = 16;
// A DNS name (labels of letters, digits and hyphens) or an IP address: no scheme, port or path.
const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function checkHost(name: string, value: string): string | undefined {
  return HOST_NAME.test(value) || isIP(value) !== 0
    ? undefined
    : `${name} must be a host name or IP address (no scheme, port or path), got "${value}"`;
}

/**
 * The settings of the mediators against real systems, all from the environment: MEDIATOR_PUBLIC_HOST (required:
 * a default would register a host core cannot reach), MEDIATOR_CLIENT_PASSWORD (≥ 12 characters),
 * FINERACT_HOOK_SECRET (≥ 16 characters), HOST (listen interface, default 0.0.0.0).
 *
 * @param env - the environment
 * @returns the settings
 * @throws Error listing every missing or invalid variable
 */
export function realSystemsSettings(env: NodeJS.ProcessEnv): MediatorSettings {
  const problems: string[] = [];
  const publicHost = env.MEDIATOR_PUBLIC_HOST ?? '';
  if (publicHost === '') {
    problems.push(
      'MEDIATOR_PUBLIC_HOST is required: the host name OpenHIM core uses to reach the mediators (registered on their channel routes)',
    );
  } else {
    const p = checkHost('MEDIATOR_PUBLIC_HOST', publicHost);
    if (p) {
      problems.push(p);
    }
  }
  const listenHost = env.HOST === undefined || env.HOST === '' ? '0.0.0.0' : env.HOST;
  const hostProblem = checkHost('HOST', listenHost);
  if (hostProblem) {
    problems.push(hostProblem);
  }
  const routePassword = env.MEDIATOR_CLIENT_PASSWORD ?? '';
  if (routePassword.length < ROUTE_PASSWORD_MIN) {
    problems.push(
      `MEDIATOR_CLIENT_PASSWORD is required, at least ${ROUTE_PASSWORD_MIN} characters: the password OpenHIM core presents to the mediators (set on their channel routes)`,
    );
  }
  const hookSecret = env.FINERACT_HOOK_SECRET ?? '';
  if (hookSecret.length < HOOK_SECRET_MIN) {
    problems.push(
      `FINERACT_HOOK_SECRET is required, at least ${HOOK_SECRET_MIN} characters: the secret in the Payload URL of the Fineract web hook`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`invalid configuration for real systems:\n  ${problems.join('\n  ')}`);
  }
  return { listenHost, publicHost, routePassword, hookSecret };
}

/**
 * The settings of the mediators in the sandbox: everything on 127.0.0.1; the route password and hook secret from
 * the environment when set (validated like real systems), otherwise the ones generated and kept for this data
 * directory.
 *
 * @param env - the environment
 * @param kept - the secrets kept under data/sandbox/ (generated on first use)
 * @returns the settings
 * @throws Error when a secret given in the environment is too short
 */
export function sandboxSettings(
  env: NodeJS.ProcessEnv,
  kept: { routePassword: string; hookSecret: string },
): MediatorSettings {
  const routePassword = env.MEDIATOR_CLIENT_PASSWORD || kept.routePassword;
  const hookSecret = env.FINERACT_HOOK_SECRET || kept.hookSecret;
  if (routePassword.length < ROUTE_PASSWORD_MIN) {
    throw new Error(`MEDIATOR_CLIENT_PASSWORD must be at least ${ROUTE_PASSWORD_MIN} characters`);
  }
  if (hookSecret.length < HOOK_SECRET_MIN) {
    throw new Error(`FINERACT_HOOK_SECRET must be at least ${HOOK_SECRET_MIN} characters`);
  }
  return { listenHost: '127.0.0.1', publicHost: '127.0.0.1', routePassword, hookSecret };
}
