/**
 * The build of the mediator images, driven by one description (`docker/images.json`): bundle the app with esbuild
 * (npm packages stay external), copy the files the bundle reads at run time (mapping documents, staging migrations),
 * and install the external packages for production at the versions of the root lockfile. `docker/Dockerfile` runs
 * these steps through `cli.ts`; the image test runs the same functions into a temporary folder and boots the result.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** The repository root (this file is `tools/images/src/images.ts`). */
export const ROOT = resolve(__dirname, '..', '..', '..');

/** The description every image build reads. */
export const DESCRIPTION_FILE = join(ROOT, 'docker', 'images.json');

/** A build step failed: the message names the app and what is wrong. */
export class ImageBuildError extends Error {
  override readonly name = 'ImageBuildError';
}

/** One app's entry in `docker/images.json`. */
export interface ImageEntry {
  /** The TypeScript entry point, relative to the repository root. */
  readonly entry: string;
  /** Default port (documentation and compose; the app's own env default decides). */
  readonly port: number;
  /** Folder in the image → folder in the repository, for every file the app reads at run time. */
  readonly assets: Readonly<Record<string, string>>;
  /** npm packages this image keeps external (default: the description's `external`). */
  readonly external?: readonly string[];
}

/** The whole of `docker/images.json`. */
export interface ImageDescription {
  /** Major Node.js version of the base image. */
  readonly node: string;
  /** Where the bundle goes in the image, relative to the image's working directory. */
  readonly bundle: string;
  /** The image's command (CMD), run in the image's working directory. */
  readonly cmd: readonly string[];
  /** npm packages every image keeps external and installs for production. */
  readonly external: readonly string[];
  /**
   * npm packages the bundle looks for (`require.resolve`) but does without, left out of the images on purpose
   * (pino-pretty, for logs on a terminal).
   */
  readonly optional?: readonly string[];
  readonly images: Readonly<Record<string, ImageEntry>>;
}

/** Everything needed to build one app's image. */
export interface ImageSpec {
  readonly app: string;
  readonly entry: string;
  readonly port: number;
  readonly bundle: string;
  readonly cmd: readonly string[];
  readonly assets: Readonly<Record<string, string>>;
  readonly external: readonly string[];
  readonly optional: readonly string[];
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');

const SAFE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * Reads and checks the image description.
 *
 * @param file - path of the description (default {@link DESCRIPTION_FILE})
 * @returns the description
 * @throws ImageBuildError naming the field at fault
 */
export function readImageDescription(file: string = DESCRIPTION_FILE): ImageDescription {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new ImageBuildError(`${file}: ${what}`);
  };
  if (typeof raw.node !== 'string' || !/^\d+$/.test(raw.node)) {
    fail('"node" must be a major version such as "22"');
  }
  if (typeof raw.bundle !== 'string' || !raw.bundle.endsWith('.js')) {
    fail('"bundle" must be the path of a .js file');
  }
  if (!isStringArray(raw.cmd) || raw.cmd.length === 0) {
    fail('"cmd" must be a non-empty array of strings');
  }
  if (!isStringArray(raw.external)) {
    fail('"external" must be an array of npm package names');
  }
  if (raw.optional !== undefined && !isStringArray(raw.optional)) {
    fail('"optional" must be an array of npm package names');
  }
  const images = raw.images;
  if (typeof images !== 'object' || images === null || Object.keys(images).length === 0) {
    fail('"images" must name at least one app');
  }
  for (const [app, entry] of Object.entries(images as Record<string, unknown>)) {
    const e = entry as Record<string, unknown>;
    if (!SAFE_NAME.test(app)) {
      fail(`image name "${app}" must be lower-case letters, digits, ".", "_" or "-"`);
    }
    if (typeof e.entry !== 'string' || !e.entry.endsWith('.ts')) {
      fail(`images.${app}.entry must be a .ts file`);
    }
    if (typeof e.port !== 'number' || !Number.isInteger(e.port)) {
      fail(`images.${app}.port must be an integer`);
    }
    if (typeof e.assets !== 'object' || e.assets === null) {
      fail(`images.${app}.assets must map image folders to repository folders`);
    }
    for (const [to, from] of Object.entries(e.assets as Record<string, unknown>)) {
      if (!SAFE_NAME.test(to) || typeof from !== 'string' || from.startsWith('/') || from.includes('..')) {
        fail(`images.${app}.assets.${to} must map a plain folder name to a repository path`);
      }
    }
    if (e.external !== undefined && !isStringArray(e.external)) {
      fail(`images.${app}.external must be an array of npm package names`);
    }
  }
  return raw as unknown as ImageDescription;
}

/**
 * The build of each app, with the shared settings filled in.
 *
 * @param description - the image description
 * @returns one spec per app, in the description's order
 */
export function imageSpecs(description: ImageDescription = readImageDescription()): ImageSpec[] {
  return Object.entries(description.images).map(([app, e]) => ({
    app,
    entry: e.entry,
    port: e.port,
    bundle: description.bundle,
    cmd: description.cmd,
    assets: e.assets,
    external: e.external ?? description.external,
    optional: description.optional ?? [],
  }));
}

/**
 * The apps of the repository that have a `src/main.ts` (each of them needs an image).
 *
 * @param root - repository root
 * @returns app folder names
 */
export function appsWithMain(root: string = ROOT): string[] {
  return readdirSync(join(root, 'apps'))
    .filter((name) => existsSync(join(root, 'apps', name, 'src', 'main.ts')))
    .sort();
}

const BUILTINS = new Set(builtinModules);

/**
 * The npm package an import path belongs to (`drizzle-orm/migrator` → `drizzle-orm`), or undefined for Node's
 * built-in modules.
 *
 * @param path - an import path as the bundle has it
 * @returns the package name
 */
export function packageOf(path: string): string | undefined {
  if (path.startsWith('node:') || BUILTINS.has(path.split('/')[0] ?? '')) {
    return undefined;
  }
  const parts = path.split('/');
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** What {@link bundleApp} produced. */
export interface BundleResult {
  /** Path of the bundle. */
  readonly file: string;
  /** npm packages the bundle imports (from esbuild's metafile). */
  readonly imports: readonly string[];
}

/**
 * Bundles the app's workspace code into `<outDir>/<bundle>` (with a source map); npm packages stay external.
 *
 * @param spec - the app's image spec
 * @param outDir - the image's working directory being built
 * @param root - repository root
 * @returns the bundle and the npm packages it imports
 */
export async function bundleApp(spec: ImageSpec, outDir: string, root: string = ROOT): Promise<BundleResult> {
  const entry = join(root, spec.entry);
  if (!existsSync(entry)) {
    throw new ImageBuildError(`${spec.app}: entry ${spec.entry} does not exist`);
  }
  const file = join(outDir, spec.bundle);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    outfile: file,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const i of output.imports) {
      const name = i.external ? packageOf(i.path) : undefined;
      if (name !== undefined) {
        imports.add(name);
      }
    }
  }
  return { file, imports: [...imports].sort() };
}

/**
 * Checks that every npm package the bundle imports is kept external by the description and is a production
 * dependency of the repository (a devDependency would be missing from the image), or is one the bundle only looks
 * for and does without (`optional`: the image started on a terminal proves it boots without them).
 *
 * @param spec - the app's image spec
 * @param imports - packages the bundle imports
 * @param root - repository root
 * @throws ImageBuildError listing what is missing
 */
export function checkExternals(spec: ImageSpec, imports: readonly string[], root: string = ROOT): void {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const production = new Set(Object.keys(manifest.dependencies ?? {}));
  const notListed = imports.filter((name) => !spec.external.includes(name) && !spec.optional.includes(name));
  if (notListed.length > 0) {
    throw new ImageBuildError(
      `${spec.app}: the bundle imports ${notListed.join(', ')}, which docker/images.json does not keep external (add to "external")`,
    );
  }
  const notProduction = spec.external.filter((name) => !production.has(name));
  if (notProduction.length > 0) {
    throw new ImageBuildError(
      `${spec.app}: ${notProduction.join(', ')} must be in package.json "dependencies" to be installed in the image`,
    );
  }
}

/**
 * Copies the app's run-time files (mapping documents, migrations) next to the bundle.
 *
 * @param spec - the app's image spec
 * @param outDir - the image's working directory being built
 * @param root - repository root
 * @throws ImageBuildError when a source folder does not exist
 */
export function copyAssets(spec: ImageSpec, outDir: string, root: string = ROOT): void {
  for (const [to, from] of Object.entries(spec.assets)) {
    const source = join(root, from);
    if (!existsSync(source) || !statSync(source).isDirectory()) {
      throw new ImageBuildError(`${spec.app}: asset folder ${from} does not exist`);
    }
    cpSync(source, join(outDir, to), { recursive: true });
  }
}

interface LockFile {
  readonly packages: Record<string, { version?: string } | undefined>;
}

/**
 * Writes the image's `package.json` (the external packages at the versions the root lockfile holds) and a copy of
 * the root lockfile, so the production install resolves exactly what development and CI tested.
 *
 * @param spec - the app's image spec
 * @param outDir - the image's working directory being built
 * @param root - repository root
 * @throws ImageBuildError when an external package is not in the lockfile
 */
export function writeProductionManifest(spec: ImageSpec, outDir: string, root: string = ROOT): void {
  const lockText = readFileSync(join(root, 'package-lock.json'), 'utf8');
  const lock = JSON.parse(lockText) as LockFile;
  const dependencies: Record<string, string> = {};
  for (const name of [...spec.external].sort()) {
    const version = lock.packages[`node_modules/${name}`]?.version;
    if (version === undefined) {
      throw new ImageBuildError(`${spec.app}: ${name} is not in package-lock.json`);
    }
    dependencies[name] = version;
  }
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: spec.app, private: true, dependencies }, null, 2)}\n`,
  );
  writeFileSync(join(outDir, 'package-lock.json'), lockText);
}

/** Options of {@link installProduction}. */
export interface InstallOptions {
  /**
   * Take compiled native add-ons (packages with a `binding.gyp`) from this `node_modules` instead of running
   * install scripts: the test reuses the add-on the development install compiled for this machine.
   */
  readonly nativeFrom?: string;
}

function installedPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith('.')) {
      continue;
    }
    if (name.startsWith('@')) {
      for (const sub of readdirSync(join(nodeModules, name))) {
        names.push(`${name}/${sub}`);
      }
    } else {
      names.push(name);
    }
  }
  return names;
}

// Under `npm test` the environment carries the workspace's npm settings (npm_config_local_prefix, npm_package_*…),
// which would point a nested npm at the workspace: keep only where the cache, the registry and the user's settings are.
const KEPT_NPM_VARS = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);

function npmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(
      ([k]) => !k.toLowerCase().startsWith('npm_') || KEPT_NPM_VARS.has(k.toLowerCase()),
    ),
  );
}

/**
 * Installs the external packages for production (`npm install --omit=dev`, from the npm cache when it has them),
 * keeping the lockfile's versions.
 *
 * @param outDir - a folder prepared by {@link writeProductionManifest}
 * @param options - see {@link InstallOptions}
 * @throws ImageBuildError when npm fails or a native add-on cannot be provided
 */
export function installProduction(outDir: string, options: InstallOptions = {}): void {
  const args = ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
  if (options.nativeFrom !== undefined) {
    args.push('--ignore-scripts');
  }
  const npm = spawnSync('npm', args, { cwd: outDir, encoding: 'utf8', env: npmEnv(process.env) });
  if (npm.status !== 0) {
    throw new ImageBuildError(`npm install --omit=dev failed in ${outDir}: ${npm.stderr || npm.stdout}`);
  }
  const nativeFrom = options.nativeFrom;
  if (nativeFrom === undefined) {
    return;
  }
  const nodeModules = join(outDir, 'node_modules');
  for (const name of installedPackages(nodeModules)) {
    if (!existsSync(join(nodeModules, name, 'binding.gyp'))) {
      continue;
    }
    const built = join(nativeFrom, name, 'build');
    if (!existsSync(built)) {
      throw new ImageBuildError(`native add-on ${name} has no build in ${nativeFrom}`);
    }
    cpSync(built, join(nodeModules, name, 'build'), { recursive: true });
  }
}

/** Options of {@link buildImage}. */
export interface BuildImageOptions extends InstallOptions {
  readonly root?: string;
}

/**
 * The whole build of one image's working directory: bundle, check the externals, copy the assets, install the
 * production packages. The Dockerfile runs exactly this (`cli.ts build <app> <outDir>`).
 *
 * @param spec - the app's image spec
 * @param outDir - the image's working directory
 * @param options - repository root and install options
 * @returns the bundle result
 */
export async function buildImage(
  spec: ImageSpec,
  outDir: string,
  options: BuildImageOptions = {},
): Promise<BundleResult> {
  const root = options.root ?? ROOT;
  const bundle = await bundleApp(spec, outDir, root);
  checkExternals(spec, bundle.imports, root);
  copyAssets(spec, outDir, root);
  writeProductionManifest(spec, outDir, root);
  installProduction(outDir, options);
  return bundle;
}
