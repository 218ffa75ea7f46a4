/**
 * The mediator images, built without Docker: each app is bundled, given its assets and its production packages in a
 * temporary folder exactly as docker/Dockerfile does (same description, same functions), then started with `node`
 * as the image's CMD starts it, against the sandbox simulators, until it registers with OpenHIM and answers /health
 * and /ready. The bundles and the production install are made once and reused by every case.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import {
  simulatorUpstreamEnv,
  startFineractSimulator,
  startOpenHimCore,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenHimCoreSimulator,
  type OpenImisSimulator,
} from '@payment-layer/sandbox';
import {
  appsWithMain,
  bundleApp,
  checkExternals,
  copyAssets,
  imageSpecs,
  installProduction,
  readImageDescription,
  ROOT,
  writeProductionManifest,
  type BundleResult,
  type ImageSpec,
} from '../src/images';

const description = readImageDescription();
const specs = imageSpecs(description);
const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');

let work: string;
const bundles = new Map<string, BundleResult>();
const installs = new Map<string, string>();
let core: OpenHimCoreSimulator;
let openimis: OpenImisSimulator;
let fineract: FineractSimulator;

const spec = (app: string): ImageSpec => {
  const found = specs.find((s) => s.app === app);
  if (!found) {
    throw new Error(`no image ${app}`);
  }
  return found;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'payment-layer-images-'));
  for (const s of specs) {
    bundles.set(s.app, await bundleApp(s, join(work, 'bundles', s.app)));
  }
  // One production install per distinct set of external packages (today all images share one).
  for (const s of specs) {
    const key = JSON.stringify([...s.external].sort());
    if (!installs.has(key)) {
      installs.set(key, productionModules(s));
    }
  }
  [core, openimis, fineract] = await Promise.all([
    startOpenHimCore({ apiPort: 0, routerPort: 0 }),
    startOpenImisSimulator({ port: 0, seed: 'images', population: { families: 2 } }),
    startFineractSimulator({ port: 0 }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([core?.close(), openimis?.close(), fineract?.close()]);
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

/**
 * The production `node_modules` of an image, installed once per content (external packages, lockfile, Node.js
 * version) into a cache folder under the system's temporary directory: later runs on the same machine reuse it
 * (an install takes from a few seconds to half a minute on a busy machine). A new install is made beside the cache
 * entry and renamed into place, so two runs at once never see half of one.
 */
function productionModules(s: ImageSpec): string {
  const nativeFrom = join(ROOT, 'node_modules');
  const key = createHash('sha256')
    .update(JSON.stringify([...s.external].sort()))
    .update(readFileSync(join(ROOT, 'package-lock.json')))
    .update(process.version)
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), 'payment-layer-image-modules', key);
  if (!existsSync(join(dir, 'complete'))) {
    const fresh = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeProductionManifest(s, fresh);
    installProduction(fresh, { nativeFrom });
    writeFileSync(join(fresh, 'complete'), new Date().toISOString());
    try {
      renameSync(fresh, dir);
    } catch {
      // Another run put its install in place first: use that one.
      rmSync(fresh, { recursive: true, force: true });
    }
    pruneInstalls(dirname(dir), key);
  }
  // The marker's time is the last use: what pruneInstalls goes by.
  const now = new Date();
  utimesSync(join(dir, 'complete'), now, now);
  return join(dir, 'node_modules');
}

/** Removes cached installs of older lockfiles, once unused for a week (a run in progress may still use a newer one). */
function pruneInstalls(cache: string, keep: string): void {
  const weekAgo = Date.now() - 7 * 86_400_000;
  for (const name of readdirSync(cache)) {
    const marker = join(cache, name, 'complete');
    if (
      name !== keep &&
      /^[0-9a-f]{16}$/.test(name) &&
      existsSync(marker) &&
      statSync(marker).mtimeMs < weekAgo
    ) {
      rmSync(join(cache, name), { recursive: true, force: true });
    }
  }
}

/** Lays out an image's working directory from the shared bundle and install, with the spec's assets. */
function assemble(s: ImageSpec, name: string): string {
  const dir = join(work, 'images', name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(work, 'bundles', s.app), dir, { recursive: true });
  copyAssets(s, dir);
  const modules = installs.get(JSON.stringify([...s.external].sort()));
  if (!modules) {
    throw new Error(`no production install for ${s.app}`);
  }
  symlinkSync(modules, join(dir, 'node_modules'), 'dir');
  return dir;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

interface Booted {
  readonly exitCode: number | null;
  readonly output: string;
  readonly health?: { status: number; body: unknown };
  readonly ready?: { status: number; body: { checks?: Record<string, string> } };
}

/**
 * Starts the image's CMD in `dir` (as the container would, with the Dockerfile's environment and the upstreams of
 * the simulators), waits until /ready says the staging store is ok and OpenHIM registration is done — or until the
 * process exits — then stops it with SIGTERM.
 */
async function boot(s: ImageSpec, dir: string, options: { tty?: boolean } = {}): Promise<Booted> {
  // The free port can be taken by another process between the probe and the listen: start again on a new one.
  for (let attempt = 1; ; attempt++) {
    const result = await bootOnce(s, dir, await freePort(), options);
    if (attempt === 3 || result.ready || !result.output.includes('EADDRINUSE')) {
      return result;
    }
  }
}

async function bootOnce(
  s: ImageSpec,
  dir: string,
  port: number,
  options: { tty?: boolean },
): Promise<Booted> {
  const timeoutMs = 60_000;
  const [command, ...rest] = s.cmd;
  const argv = [command === 'node' ? process.execPath : String(command), ...rest];
  // With a terminal on stdout, as `docker run -t` gives the container: util-linux `script` runs it on a pty.
  const [file, args] = options.tty
    ? ['script', ['-qec', argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '), '/dev/null']]
    : [argv[0] ?? '', argv.slice(1)];
  const child = spawn(file, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      ...simulatorUpstreamEnv(openimis, fineract),
      HOST: '127.0.0.1',
      PORT: String(port),
      MEDIATOR_PUBLIC_HOST: '127.0.0.1',
      MEDIATOR_CLIENT_PASSWORD: randomBytes(18).toString('base64url'),
      OPENHIM_REGISTER: 'true',
      OPENHIM_API_URL: core.apiUrl,
      OPENHIM_USERNAME: core.rootEmail,
      OPENHIM_PASSWORD: core.rootPassword,
      OPENHIM_HEARTBEAT_INTERVAL_MS: '1000',
      FINERACT_HOOK_SECRET: randomBytes(18).toString('base64url'),
      // As the Dockerfile's ENV: migrations next to the bundle, the database on the data volume.
      STAGING_MIGRATIONS_DIR: join(dir, 'drizzle'),
      STAGING_DB_PATH: join(dir, 'data', 'payment-layer.sqlite'),
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((r) => {
    child.once('exit', (code) => {
      r(code);
    });
  });
  let stillRunning = true;
  void exited.then(() => {
    stillRunning = false;
  });

  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await request(`http://127.0.0.1:${port}${path}`, { headersTimeout: 2000, bodyTimeout: 2000 });
    return { status: res.statusCode, body: await res.body.json() };
  };
  let health: Booted['health'];
  let ready: Booted['ready'];
  const until = Date.now() + timeoutMs;
  while (stillRunning && Date.now() < until) {
    try {
      const r = (await get('/ready')) as NonNullable<Booted['ready']>;
      if (r.status === 200 && r.body.checks?.openhim === 'registered') {
        ready = r;
        health = await get('/health');
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (stillRunning) {
    child.kill('SIGTERM');
  }
  return { exitCode: await exited, output, ...(health ? { health } : {}), ...(ready ? { ready } : {}) };
}

describe('docker/images.json', () => {
  it('describes an image for every app that has a src/main.ts', () => {
    expect(specs.map((s) => s.app).sort()).toEqual(appsWithMain());
  });

  it('is what docker/Dockerfile builds and runs', () => {
    expect(dockerfile).toContain('tools/images/src/cli.ts build "$APP" /out');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd && (JSON.parse(cmd) as unknown)).toEqual(description.cmd);
    expect(dockerfile).toMatch(/STAGING_MIGRATIONS_DIR=\/app\/drizzle/);
    expect(dockerfile).toContain(`FROM node:${description.node}-`);
    for (const s of specs) {
      expect(s.assets.drizzle).toBe('libs/staging/db/drizzle');
    }
  });

  it('has a service in docker/compose.yml for every image, built from its description', () => {
    const compose = readFileSync(join(ROOT, 'docker', 'compose.yml'), 'utf8');
    const built = [...compose.matchAll(/args: \{ APP: ([a-z0-9-]+) \}/g)].map((m) => m[1]);
    expect(built.sort()).toEqual(specs.map((s) => s.app).sort());
  });

  it.each(specs.map((s) => s.app))(
    '%s: the bundle imports only packages kept external, all production dependencies',
    (app) => {
      const imports = bundles.get(app)?.imports ?? [];
      expect(imports).toContain('fastify');
      expect(() => {
        checkExternals(spec(app), imports);
      }).not.toThrow();
      expect(() => {
        checkExternals(
          { ...spec(app), external: spec(app).external.filter((n) => n !== 'fastify') },
          imports,
        );
      }).toThrow(/imports fastify/);
      expect(() => {
        checkExternals({ ...spec(app), external: [...spec(app).external, 'jest'] }, imports);
      }).toThrow(/jest must be in package.json "dependencies"/);
    },
  );
});

describe.each(specs.map((s) => s.app))('%s image', (app) => {
  it('boots with the image CMD, registers with OpenHIM and answers /health and /ready', async () => {
    const s = spec(app);
    const result = await boot(s, assemble(s, app));
    expect({ ready: result.ready?.status, output: result.ready ? '' : result.output }).toEqual({
      ready: 200,
      output: '',
    });
    expect(result.ready?.body.checks).toMatchObject({ staging: 'ok', openhim: 'registered' });
    expect(result.health).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok' }) });
    expect(
      core.getMediator(`urn:mediator:openimis-payment-layer-${app.replace(/-mediator$/, '')}`),
    ).toBeDefined();
    // SIGTERM closes the app gracefully (close-with-grace), as `docker stop` does.
    expect(result.exitCode).toBe(0);
  }, 90_000);
});

// A missing asset must fail: the two bugs of the images' previous description, reproduced on it, and a missing
// migrations folder (which every image needs).
describe('started like the container', () => {
  it('payment-mediator boots with a terminal on stdout (docker run -t), where pino-pretty is not installed', async () => {
    const s = spec('payment-mediator');
    const result = await boot(s, assemble(s, 'payment-tty'), { tty: true });
    expect({ ready: result.ready?.status, output: result.ready ? '' : result.output }).toEqual({
      ready: 200,
      output: '',
    });
  }, 90_000);
});

describe('a missing asset fails the build or the boot', () => {
  it('payment-mediator: copying apps/payment-mediator/mappings, which does not exist, fails the build', () => {
    const s = spec('payment-mediator');
    expect(() => {
      copyAssets(
        { ...s, assets: { ...s.assets, mappings: 'apps/payment-mediator/mappings' } },
        join(work, 'old-payment'),
      );
    }).toThrow('payment-mediator: asset folder apps/payment-mediator/mappings does not exist');
  });

  it('invoice-mediator: without recipient-mappings the image crashes at boot', async () => {
    const s = spec('invoice-mediator');
    const old = { ...s, assets: { mappings: s.assets.mappings ?? '', drizzle: s.assets.drizzle ?? '' } };
    const result = await boot(old, assemble(old, 'old-invoice'));
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/invoice mediator failed to start: .*recipient-mappings/);
  }, 90_000);

  it('payment-mediator: without the staging migrations the image does not boot', async () => {
    const s = spec('payment-mediator');
    const { drizzle: _left, ...assets } = s.assets;
    const result = await boot({ ...s, assets }, assemble({ ...s, assets }, 'payment-without-drizzle'));
    expect(result.ready).toBeUndefined();
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(/payment mediator failed to start: .*drizzle/);
  }, 90_000);
});
