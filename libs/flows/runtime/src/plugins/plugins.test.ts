import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  loadEnvConfig,
  MEDIATOR_ENV_SCHEMA,
  mergeEnvSchemas,
  type MediatorDefinition,
  type MediatorEnv,
} from '@payment-layer/openhim-mediator';
import { UPSTREAM_ENV_SCHEMA, type UpstreamEnv } from '../upstream';
import { createMediatorApp, singleRunHandler, worker } from './index';

const DEFINITION: MediatorDefinition = {
  urn: 'urn:mediator:payment-layer-runtime-test',
  version: '1.0.0',
  name: 'Runtime test mediator',
  description: 'Exercises the flows runtime plugins',
  endpoints: [{ name: 'runtime-test', type: 'http', primary: true, path: '/' }],
  defaultChannelConfig: [],
  configDefs: [{ param: 'batchSize', type: 'number' }],
  config: { batchSize: 10 },
};

const PASSWORD = 'route-password-123';
const auth = `Basic ${Buffer.from(`openhim:${PASSWORD}`).toString('base64')}`;

/** A gate a job waits on, opened by the test. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(condition()).toBe(true);
}

describe('flows runtime plugins', () => {
  let dir: string;
  let env: MediatorEnv & UpstreamEnv;
  let app: FastifyInstance | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flows-runtime-'));
    env = loadEnvConfig<MediatorEnv & UpstreamEnv>(
      mergeEnvSchemas(MEDIATOR_ENV_SCHEMA, UPSTREAM_ENV_SCHEMA),
      {
        env: {
          MEDIATOR_CLIENT_PASSWORD: PASSWORD,
          OPENHIM_REGISTER: 'false',
          STAGING_DB_PATH: join(dir, 'data', 'staging.sqlite'),
          OPENIMIS_URL: 'http://openimis.invalid/api/api_fhir_r4/',
          OPENIMIS_USERNAME: 'u',
          OPENIMIS_PASSWORD: 'p',
          FINERACT_URL: 'http://fineract.invalid/fineract-provider/api/v1',
          FINERACT_USERNAME: 'u',
          FINERACT_PASSWORD: 'p',
        },
      },
    );
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const base = (upstreams?: { fineract?: boolean; openimis?: boolean }): Promise<FastifyInstance> =>
    createMediatorApp({
      definition: DEFINITION,
      env,
      fhirTypes: ['Patient'],
      logLevel: 'silent',
      ...(upstreams ? { upstreams } : {}),
      configCheck: (c: { batchSize?: unknown }) => {
        if (typeof c.batchSize !== 'number') {
          throw new Error('batchSize must be a number');
        }
      },
    });

  it('builds the base: staging migrated and ready, audit rows per request, clients, all closed on close', async () => {
    app = await base({ openimis: false });
    app.post('/fhir/Patient', async (_request, reply) =>
      reply.sendResult({ httpStatus: 201, body: {}, properties: { resourceType: 'Patient' } }),
    );
    await app.ready();
    expect(app.staging.repos.outbox.list()).toEqual([]); // migrated
    expect(app.fineract).toBeDefined();
    expect(() => app?.openimis).toThrow(/openIMIS client was not asked for/);

    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.body).toContain('staging');

    const r = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth },
      payload: {},
    });
    expect(r.statusCode).toBe(201);
    app.audit.flush();
    expect(app.staging.repos.audit.listAudit().map((a) => [a.outcome, a.httpStatus])).toEqual([
      ['successful', 201],
    ]);

    const { db } = app.staging;
    await app.close();
    app = undefined;
    expect(db.sqlite.open).toBe(false);
  });

  it('a worker runs one run at a time every interval, and a disabled one never runs', async () => {
    app = await base();
    const job = gate();
    let runs = 0;
    let disabledRuns = 0;
    await app.register(worker, {
      name: 'outbox',
      intervalMs: 100,
      run: async () => {
        runs++;
        await job.wait;
      },
    });
    await app.register(worker, {
      name: 'catch-up',
      intervalMs: 100,
      enabled: false,
      run: async () => {
        disabledRuns++;
      },
    });
    await app.ready();
    await until(() => runs === 1);
    // Ticks while the first run is blocked join it instead of starting another.
    await new Promise((r) => setTimeout(r, 350));
    expect(runs).toBe(1);
    expect(app.workers.get('outbox')?.running).toBe(true);
    job.open();
    await until(() => runs === 2);
    await app.workers.get('catch-up')?.trigger();
    expect(disabledRuns).toBe(0);
    expect([...app.workers.keys()]).toEqual(['outbox', 'catch-up']);
  });

  it('closing aborts the run in flight and waits for it before the staging store closes', async () => {
    const built = await base();
    app = built;
    const job = gate();
    let started = false;
    let aborted = false;
    let wrote: 'written' | Error | undefined;
    await app.register(worker, {
      name: 'outbox',
      intervalMs: 60_000,
      runAtStart: true,
      run: async (signal) => {
        started = true;
        // Like a step waiting for Fineract: the answer arrives after close began, and is then recorded.
        await job.wait;
        aborted = signal.aborted;
        try {
          built.staging.repos.outbox.enqueue({ kind: 'test.step', idempotencyKey: 'k1', payload: {} });
          wrote = 'written';
        } catch (err) {
          wrote = err as Error;
        }
      },
    });
    await app.ready();
    await until(() => started);
    const { db } = app.staging;
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    app = undefined;
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    expect(db.sqlite.open).toBe(true);
    job.open();
    await closing;
    expect(aborted).toBe(true);
    expect(wrote).toBe('written');
    expect(db.sqlite.open).toBe(false);
  });

  it('a single-run route answers a trigger during a run with 200 skipped, and runs again afterwards', async () => {
    app = await base();
    const job = gate();
    let runs = 0;
    await app.register(async (routes) => {
      const handler = singleRunHandler(routes, {
        busy: 'a sync is already running',
        run: async () => {
          runs++;
          await job.wait;
          return runs;
        },
        answer: (n) => ({ httpStatus: 200, body: { n }, properties: { runs: n } }),
      });
      routes.post('/sync/things', handler);
    });
    await app.ready();
    const post = () => app!.inject({ method: 'POST', url: '/sync/things', headers: { authorization: auth } });
    const first = post();
    await until(() => runs === 1);
    const busy = await post();
    expect(busy.statusCode).toBe(200);
    expect(busy.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', diagnostics: 'a sync is already running' }],
    });
    job.open();
    expect((await first).json()).toEqual({ n: 1 });
    expect((await post()).json()).toEqual({ n: 2 });
  });
});
