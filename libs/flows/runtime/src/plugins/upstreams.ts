import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { FineractClient } from '@payment-layer/mifos-fineract-client';
import type { OpenImisClient } from '@payment-layer/fhir-openimis-client';
import { createFineractClient, createOpenImisClient, type UpstreamEnv } from '../upstream';

/** Options of the {@link upstreams} plugin: which clients the app uses (default: both). */
export interface UpstreamsPluginOptions {
  readonly env: UpstreamEnv;
  readonly fineract?: boolean;
  readonly openimis?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The Fineract client (throws when the app did not ask the `upstreams` plugin for it). */
    fineract: FineractClient;
    /** The openIMIS client (throws when the app did not ask the `upstreams` plugin for it). */
    openimis: OpenImisClient;
  }
}

async function upstreamsPlugin(app: FastifyInstance, opts: UpstreamsPluginOptions): Promise<void> {
  const fineract = opts.fineract === false ? undefined : createFineractClient(opts.env);
  const openimis = opts.openimis === false ? undefined : createOpenImisClient(opts.env);
  const client = <T>(name: string, c: T | undefined): T => {
    if (c === undefined) {
      throw new Error(`the ${name} client was not asked for (upstreams plugin options)`);
    }
    return c;
  };
  app.decorate('fineract', { getter: () => client('Fineract', fineract) });
  app.decorate('openimis', { getter: () => client('openIMIS', openimis) });
  app.addHook('onClose', async () => {
    await Promise.all([fineract?.close(), openimis?.close()]);
  });
}

/**
 * Creates the Fineract and openIMIS clients of the environment the app asks for, decorates them
 * (`app.fineract`, `app.openimis`) and closes them on close.
 */
export const upstreams = fp(upstreamsPlugin, { name: 'upstreams', fastify: '5.x' });
