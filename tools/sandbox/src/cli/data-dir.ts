/**
 * The files `npm start` keeps in its data directory (`data/` by default).
 *
 * ```
 * data/
 *   payment-layer.sqlite   staging store against real systems (the payment ledger: never deleted by npm start)
 *   logs/<mediator>.log    mediator logs against real systems
 *   sandbox/               everything of the sandbox
 *     payment-layer.sqlite staging store, emptied at every start (the simulators start empty and reseeded)
 *     logs/<mediator>.log  this run's logs; the previous run's are kept as <mediator>.previous.log
 *     secrets.json         the route password and hook secret generated on first start, reused afterwards
 *     run.json             the running start process and its mediators (a second start on the same dir refuses)
 * ```
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths of one mode inside the data directory. */
export interface DataLayout {
  /** The folder of this mode (`data/` or `data/sandbox/`). */
  readonly dir: string;
  readonly stagingDb: string;
  readonly logs: string;
  /** Sandbox only. */
  readonly secrets: string;
  /** Sandbox only. */
  readonly runFile: string;
}

/**
 * The layout of a mode.
 *
 * @param dataDir - the data directory
 * @param sandbox - sandbox or real systems
 * @returns the paths
 */
export function dataLayout(dataDir: string, sandbox: boolean): DataLayout {
  const dir = sandbox ? join(dataDir, 'sandbox') : dataDir;
  return {
    dir,
    stagingDb: join(dir, 'payment-layer.sqlite'),
    logs: join(dir, 'logs'),
    secrets: join(dir, 'secrets.json'),
    runFile: join(dir, 'run.json'),
  };
}

/** Written atomically (temp file + rename) so a kill -9 mid-write never leaves half a file. */
function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RunRecord {
  pid: number;
  children: number[];
}

function readRun(path: string): RunRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunRecord>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, children: (parsed.children ?? []).filter((p) => typeof p === 'number') }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure no other start is using the sandbox folder and that the mediators of a run that died (kill -9, crash)
 * have exited, then records this run.
 *
 * @param layout - the sandbox layout
 * @param waitMs - how long to wait for a dead run's mediators to exit (they stop when their parent dies)
 * @returns a function that records the mediator processes of this run
 * @throws Error when another start is running on this folder, or a dead run's mediators do not exit
 */
export async function claimSandbox(
  layout: DataLayout,
  waitMs = 20_000,
): Promise<{ recordChildren(pids: readonly number[]): void; release(): void }> {
  mkdirSync(layout.dir, { recursive: true });
  const previous = readRun(layout.runFile);
  if (previous && previous.pid !== process.pid && isAlive(previous.pid)) {
    throw new Error(
      `another npm start (pid ${previous.pid}) is running on ${layout.dir}: stop it first (Ctrl-C), ` +
        `or delete ${layout.runFile} if that process is not a sandbox`,
    );
  }
  if (previous) {
    const until = Date.now() + waitMs;
    let left = previous.children.filter(isAlive);
    while (left.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      left = left.filter(isAlive);
    }
    if (left.length > 0) {
      throw new Error(
        `mediators of an earlier run (pids ${left.join(', ')}) are still running on ${layout.dir}; stop them first`,
      );
    }
  }
  const record: RunRecord = { pid: process.pid, children: [] };
  writeAtomic(layout.runFile, JSON.stringify(record), 0o600);
  return {
    recordChildren(pids) {
      record.children = [...pids];
      writeAtomic(layout.runFile, JSON.stringify(record), 0o600);
    },
    release() {
      if (readRun(layout.runFile)?.pid === process.pid) {
        rmSync(layout.runFile, { force: true });
      }
    },
  };
}

/**
 * Gives the sandbox a clean start: the staging store (with its WAL and shared-memory files) is deleted, because the
 * simulators it referred to lived in memory and start again empty; the previous run's logs become
 * `<name>.previous.log`.
 *
 * @param layout - the sandbox layout
 */
export function cleanSandboxState(layout: DataLayout): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    rmSync(`${layout.stagingDb}${suffix}`, { force: true });
  }
  mkdirSync(layout.logs, { recursive: true });
  for (const name of ['insuree-mediator', 'invoice-mediator', 'payment-mediator', 'claim-mediator']) {
    const log = join(layout.logs, `${name}.log`);
    if (existsSync(log)) {
      renameSync(log, join(layout.logs, `${name}.previous.log`));
    }
  }
}

/**
 * Deletes the whole sandbox folder (staging store, logs, generated secrets), refusing while a start runs on it.
 *
 * @param layout - the sandbox layout
 * @throws Error when a start is running on the folder
 */
export function resetSandbox(layout: DataLayout): void {
  const run = readRun(layout.runFile);
  if (run && run.pid !== process.pid && isAlive(run.pid)) {
    throw new Error(`npm start (pid ${run.pid}) is running on ${layout.dir}: stop it before resetting`);
  }
  rmSync(layout.dir, { recursive: true, force: true });
}

/** Secrets the sandbox generates once per data directory. */
export interface SandboxSecrets {
  routePassword: string;
  hookSecret: string;
}

/**
 * The sandbox's route password and hook secret: read from `secrets.json`, or generated and written there (mode 0600)
 * on first use, so a restart presents the same credentials to the channels and hook it set up before.
 *
 * @param layout - the sandbox layout
 * @returns the secrets
 */
export function sandboxSecrets(layout: DataLayout): SandboxSecrets {
  try {
    const kept = JSON.parse(readFileSync(layout.secrets, 'utf8')) as Partial<SandboxSecrets>;
    if (
      typeof kept.routePassword === 'string' &&
      kept.routePassword.length >= 12 &&
      typeof kept.hookSecret === 'string' &&
      kept.hookSecret.length >= 16
    ) {
      return { routePassword: kept.routePassword, hookSecret: kept.hookSecret };
    }
  } catch {
    // Missing or unreadable: generate below.
  }
  const fresh = {
    routePassword: randomBytes(18).toString('base64url'),
    hookSecret: randomBytes(18).toString('base64url'),
  };
  mkdirSync(layout.dir, { recursive: true });
  writeAtomic(layout.secrets, `${JSON.stringify(fresh, null, 2)}\n`, 0o600);
  return fresh;
}
