import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { StagingDb, StagingRepositories } from '@payment-layer/staging-db';
import { openStaging, type UpstreamEnv } from '../upstream';

/** Options of the {@link staging} plugin. */
export interface StagingPluginOptions {
  /** Validated environment (`STAGING_DB_PATH`, `STAGING_MIGRATIONS_DIR`). */
  readonly env: UpstreamEnv;
  /** Clock of the repositories (tests move it). */
  readonly now?: () => Date;
}

/** The staging store decorated on the instance (`app.staging`). */
export interface StagingStore {
  readonly db: StagingDb;
  readonly repos: StagingRepositories;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The staging store of this process (opened and migrated at boot, closed on close). */
    staging: StagingStore;
  }
}

async function stagingPlugin(app: FastifyInstance, opts: StagingPluginOptions): Promise<void> {
  // Opened and migrated during registration: a store that cannot be migrated fails the boot, not a request.
  const store: StagingStore = openStaging(opts.env, opts.now ? { now: opts.now } : {});
  app.decorate('staging', store);
  app.mediator.addReadinessCheck('staging', () => {
    store.db.sqlite.prepare('select 1').get();
  });
  // Fastify runs onClose hooks in reverse order of registration: every plugin registered after this one (audit,
  // upstreams, routes, workers) has finished with the store when it closes.
  app.addHook('onClose', async () => {
    store.db.close();
  });
}

/**
 * Opens the staging store from the environment, runs its migrations, decorates `app.staging` (`{ db, repos }`),
 * adds the `staging` readiness check and closes the database on close, after everything registered later.
 */
export const staging = fp(stagingPlugin, {
  name: 'staging',
  dependencies: ['openhim-mediator'],
  fastify: '5.x',
});
