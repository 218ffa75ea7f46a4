import { readFileSync } from 'node:fs';
import { ConfigError } from '@payment-layer/shared-errors';
import type { CallerAuth } from './caller-auth';
import type { EnvSchema } from './env-config';
import type { MediatorEndpointSettings } from './definition';
import type { OpenHimConnectionOptions } from './plugin';
import type { ServerOptionsInput } from './server-options';

/** Environment variables every mediator reads (an app merges its own on top). */
export const MEDIATOR_ENV_SCHEMA: EnvSchema = {
  type: 'object',
  required: ['MEDIATOR_CLIENT_PASSWORD'],
  properties: {
    HOST: { type: 'string', default: '0.0.0.0', description: 'Interface the mediator listens on.' },
    PORT: {
      type: 'integer',
      default: 3000,
      minimum: 0,
      maximum: 65535,
      description: 'Port the mediator listens on.',
    },
    LOG_LEVEL: {
      type: 'string',
      default: 'info',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      description: 'pino log level. Logs never contain credentials or personal data.',
    },
    BODY_LIMIT_BYTES: {
      type: 'integer',
      default: 1_048_576,
      minimum: 1024,
      description: 'Largest accepted request body; larger bodies get 413.',
    },
    MEDIATOR_PUBLIC_HOST: {
      type: 'string',
      default: 'localhost',
      description:
        'Host name OpenHIM core uses to reach this mediator (registered as endpoint and route host).',
    },
    MEDIATOR_PUBLIC_PORT: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'Port OpenHIM core uses to reach this mediator (default: PORT).',
    },
    MEDIATOR_AUTH: {
      type: 'string',
      default: 'basic',
      enum: ['basic', 'mtls'],
      description: 'How callers authenticate: HTTP Basic (set on the OpenHIM route) or mutual TLS.',
    },
    MEDIATOR_CLIENT_USERNAME: {
      type: 'string',
      default: 'openhim',
      description: 'User name OpenHIM core presents (installed on the channel routes).',
    },
    MEDIATOR_CLIENT_PASSWORD: {
      type: 'string',
      minLength: 12,
      secret: true,
      description:
        'Password OpenHIM core presents (at least 12 characters; installed on the channel routes).',
    },
    MEDIATOR_TLS_CERT_FILE: {
      type: 'string',
      description: 'Server certificate (PEM); serve HTTPS when set.',
    },
    MEDIATOR_TLS_KEY_FILE: { type: 'string', description: 'Server private key (PEM).' },
    MEDIATOR_TLS_CA_FILE: {
      type: 'string',
      description: 'CA (PEM) that signs client certificates, for MEDIATOR_AUTH=mtls.',
    },
    OPENHIM_REGISTER: {
      type: 'boolean',
      default: true,
      description: 'Register with OpenHIM core, heartbeat and take config from it. false runs standalone.',
    },
    OPENHIM_API_URL: {
      type: 'string',
      default: 'https://localhost:8080',
      description: 'OpenHIM core management API.',
    },
    OPENHIM_USERNAME: {
      type: 'string',
      default: 'root@openhim.org',
      description: 'OpenHIM API user (admin group).',
    },
    OPENHIM_PASSWORD: {
      type: 'string',
      secret: true,
      description: 'OpenHIM API password (required when registering).',
    },
    OPENHIM_TRUST_SELF_SIGNED: {
      type: 'boolean',
      default: false,
      description:
        "Accept core's self-signed certificate. Development only; for a private CA use NODE_EXTRA_CA_CERTS.",
    },
    OPENHIM_HEARTBEAT_INTERVAL_MS: {
      type: 'integer',
      default: 10_000,
      minimum: 1000,
      maximum: 30_000,
      description: 'Heartbeat period (core marks a mediator down after 60 s without one).',
    },
    OPENHIM_INSTALL_CHANNELS: {
      type: 'boolean',
      default: true,
      description:
        "Install the default channels core lacks and keep this mediator's routes in them current (host, port, credentials) after registering.",
    },
  },
};

/** The typed values of {@link MEDIATOR_ENV_SCHEMA}. */
export interface MediatorEnv {
  HOST: string;
  PORT: number;
  LOG_LEVEL: string;
  BODY_LIMIT_BYTES: number;
  MEDIATOR_PUBLIC_HOST: string;
  MEDIATOR_PUBLIC_PORT?: number;
  MEDIATOR_AUTH: 'basic' | 'mtls';
  MEDIATOR_CLIENT_USERNAME: string;
  MEDIATOR_CLIENT_PASSWORD: string;
  MEDIATOR_TLS_CERT_FILE?: string;
  MEDIATOR_TLS_KEY_FILE?: string;
  MEDIATOR_TLS_CA_FILE?: string;
  OPENHIM_REGISTER: boolean;
  OPENHIM_API_URL: string;
  OPENHIM_USERNAME: string;
  OPENHIM_PASSWORD?: string;
  OPENHIM_TRUST_SELF_SIGNED: boolean;
  OPENHIM_HEARTBEAT_INTERVAL_MS: number;
  OPENHIM_INSTALL_CHANNELS: boolean;
}

/** Everything the kit and the server need, derived from the environment. */
export interface KitSettings {
  readonly server: ServerOptionsInput & { readonly host: string; readonly port: number };
  readonly https?: {
    readonly cert: string;
    readonly key: string;
    readonly ca?: string;
    readonly requestCert: boolean;
  };
  readonly endpoint: MediatorEndpointSettings;
  readonly openhim: OpenHimConnectionOptions;
  readonly auth: CallerAuth;
}

/**
 * Turns validated environment values into kit and server settings, checking the cross-field rules the
 * schema cannot express (registration needs a password; mTLS needs TLS files).
 *
 * @param env - validated environment
 * @returns settings
 * @throws ConfigError naming the variable at fault
 */
export function kitSettingsFromEnv(env: MediatorEnv): KitSettings {
  if (env.OPENHIM_REGISTER && !env.OPENHIM_PASSWORD) {
    throw new ConfigError(
      'invalid configuration: OPENHIM_PASSWORD is required when OPENHIM_REGISTER is true',
    );
  }
  const tls = env.MEDIATOR_TLS_CERT_FILE !== undefined || env.MEDIATOR_TLS_KEY_FILE !== undefined;
  if (tls && (!env.MEDIATOR_TLS_CERT_FILE || !env.MEDIATOR_TLS_KEY_FILE)) {
    throw new ConfigError(
      'invalid configuration: MEDIATOR_TLS_CERT_FILE and MEDIATOR_TLS_KEY_FILE go together',
    );
  }
  if (env.MEDIATOR_AUTH === 'mtls' && (!tls || !env.MEDIATOR_TLS_CA_FILE)) {
    throw new ConfigError(
      'invalid configuration: MEDIATOR_AUTH=mtls needs MEDIATOR_TLS_CERT_FILE, MEDIATOR_TLS_KEY_FILE and MEDIATOR_TLS_CA_FILE',
    );
  }
  const read = (file: string, name: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(`invalid configuration: ${name} cannot be read (${file})`);
    }
  };
  return {
    server: {
      host: env.HOST,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      bodyLimit: env.BODY_LIMIT_BYTES,
    },
    ...(env.MEDIATOR_TLS_CERT_FILE && env.MEDIATOR_TLS_KEY_FILE
      ? {
          https: {
            cert: read(env.MEDIATOR_TLS_CERT_FILE, 'MEDIATOR_TLS_CERT_FILE'),
            key: read(env.MEDIATOR_TLS_KEY_FILE, 'MEDIATOR_TLS_KEY_FILE'),
            ...(env.MEDIATOR_TLS_CA_FILE
              ? { ca: read(env.MEDIATOR_TLS_CA_FILE, 'MEDIATOR_TLS_CA_FILE') }
              : {}),
            requestCert: env.MEDIATOR_AUTH === 'mtls',
          },
        }
      : {}),
    endpoint: {
      host: env.MEDIATOR_PUBLIC_HOST,
      port: env.MEDIATOR_PUBLIC_PORT ?? env.PORT,
      secured: tls,
      ...(env.MEDIATOR_AUTH === 'basic'
        ? { routeUsername: env.MEDIATOR_CLIENT_USERNAME, routePassword: env.MEDIATOR_CLIENT_PASSWORD }
        : {}),
    },
    openhim: {
      enabled: env.OPENHIM_REGISTER,
      apiUrl: env.OPENHIM_API_URL,
      username: env.OPENHIM_USERNAME,
      password: env.OPENHIM_PASSWORD ?? '',
      trustSelfSigned: env.OPENHIM_TRUST_SELF_SIGNED,
      heartbeatIntervalMs: env.OPENHIM_HEARTBEAT_INTERVAL_MS,
      installChannels: env.OPENHIM_INSTALL_CHANNELS,
    },
    auth:
      env.MEDIATOR_AUTH === 'mtls'
        ? { mode: 'mtls' }
        : { mode: 'basic', username: env.MEDIATOR_CLIENT_USERNAME, password: env.MEDIATOR_CLIENT_PASSWORD },
  };
}
