import Fastify, { type FastifyInstance } from 'fastify';
import {
  kitSettingsFromEnv,
  mediatorKit,
  mediatorServerOptions,
  type MediatorDefinition,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import { precompileFhirValidators } from '@payment-layer/fhir-util';
import { loadMappingDir, type CompiledMapping } from '@payment-layer/mapping-dsl';
import type { UpstreamEnv } from '../upstream';
import { audit } from './audit';
import { staging } from './staging';
import { upstreams } from './upstreams';

/** Logging options every app's `buildApp` takes (its options interface extends this one). */
export interface MediatorLogOptions {
  /** Log level (default: the env's LOG_LEVEL); tests pass 'silent'. */
  readonly logLevel?: string | undefined;
  /** Where log lines go (default stdout); tests read them to prove nothing secret or personal is logged. */
  readonly logStream?: NodeJS.WritableStream | undefined;
}

/** Options of {@link createMediatorApp}. */
export interface MediatorAppOptions<C extends Record<string, unknown>> extends MediatorLogOptions {
  /** The app's committed `mediator.json`. */
  readonly definition: unknown;
  /** Validated environment (the kit's and the upstreams'). */
  readonly env: MediatorEnv & UpstreamEnv;
  /** Cross-field checks of the operator config beyond its configDefs (throw `ConfigError`). */
  readonly configCheck?: (config: C) => void;
  /** FHIR resource types whose validators are compiled at boot. */
  readonly fhirTypes: readonly string[];
  /** Which upstream clients the app uses (default: both). */
  readonly upstreams?: { readonly fineract?: boolean; readonly openimis?: boolean };
}

/**
 * The base of every mediator app: Fastify with the kit's server options (and https when configured), the FHIR
 * validators compiled, and the plugins `openhim-mediator` (the kit), `staging`, `audit` (wired into the kit's
 * `onAudit`) and `upstreams` registered, in that order. The app then decorates its flow context, registers its
 * routes and its workers. Never listens.
 *
 * @param options - definition, environment and overrides
 * @returns the instance with `app.mediator`, `app.staging`, `app.audit`, `app.fineract`, `app.openimis`
 */
export async function createMediatorApp<C extends Record<string, unknown>>(
  options: MediatorAppOptions<C>,
): Promise<FastifyInstance> {
  const { env } = options;
  const kit = kitSettingsFromEnv(env);
  const app = Fastify({
    ...mediatorServerOptions({
      ...kit.server,
      logLevel: options.logLevel ?? env.LOG_LEVEL,
      pretty: process.stdout.isTTY,
      ...(options.logStream ? { stream: options.logStream } : {}),
    }),
    ...(kit.https ? { https: kit.https } : {}),
  });

  // Fail at boot, not on the first request.
  precompileFhirValidators(options.fhirTypes);

  const check = options.configCheck;
  await app.register(mediatorKit, {
    definition: options.definition as MediatorDefinition,
    endpoint: kit.endpoint,
    openhim: kit.openhim,
    auth: kit.auth,
    ...(check
      ? {
          configCheck: (c: Record<string, unknown>) => {
            check(c as C);
          },
        }
      : {}),
    // `app.audit` is decorated just below; no request is answered before the app is ready.
    onAudit: (event) => {
      app.audit(event);
    },
  });
  await app.register(staging, { env });
  await app.register(audit);
  await app.register(upstreams, { env, ...options.upstreams });
  return app;
}

/**
 * Loads a folder of mapping documents and picks those the app needs (compiled now: a bad document fails the boot).
 *
 * @param dir - the folder (the app's `mappings/` or a deployment's override)
 * @param ids - the document ids the app needs
 * @returns the compiled documents by id
 * @throws Error naming the first missing document
 */
export function requireMappings<K extends string>(
  dir: string,
  ids: readonly K[],
): Record<K, CompiledMapping> {
  const loaded = loadMappingDir(dir);
  const out = {} as Record<K, CompiledMapping>;
  for (const id of ids) {
    const found = loaded.get(id);
    if (!found) {
      throw new Error(`mapping document ${id} is required (in ${dir})`);
    }
    out[id] = found;
  }
  return out;
}
