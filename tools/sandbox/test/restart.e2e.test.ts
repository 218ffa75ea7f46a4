import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { ROOT } from '../src/cli/stack';

// Each start runs four mediator processes and the simulators, and the demo; on a loaded machine that takes a while.
jest.setTimeout(600_000);
const START_DEADLINE_MS = 180_000;

const START = join(ROOT, 'tools/sandbox/src/cli/start.ts');
const RESET = join(ROOT, 'tools/sandbox/src/cli/reset.ts');
const UPSTREAM = new Set(['OPENIMIS_URL', 'FINERACT_URL', 'OPENHIM_API_URL', 'STAGING_DB_PATH']);
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !UPSTREAM.has(k))),
  MEDIATOR_CLIENT_PASSWORD: '',
  FINERACT_HOOK_SECRET: '',
  SANDBOX_FAMILIES: '4',
  LOG_LEVEL: 'warn',
};

interface Run {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  readonly mediatorPorts: number[];
  readonly exited: Promise<number | null>;
}

/** `npm start` as a user runs it (its own process), on free ports and the given data directory. */
async function start(dataDir: string): Promise<Run> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', START, '--ports', 'random', '--data-dir', dataDir],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr.on('data', (c: Buffer) => (text += c.toString()));
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      r(code);
    }),
  );
  const ready = await Promise.race([
    (async (): Promise<boolean> => {
      const until = Date.now() + START_DEADLINE_MS;
      while (Date.now() < until) {
        if (text.includes('Serving. Press Ctrl-C to stop.')) {
          return true;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return false;
    })(),
    exited.then(() => false),
  ]);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`npm start did not get to "Serving":\n${text}`);
  }
  const mediatorPorts = [...text.matchAll(/-mediator\s+port (\d+),/g)].map((m) => Number(m[1]));
  return { child, output: () => text, mediatorPorts, exited };
}

/** What the demo of every start must show: the insuree created in Fineract, the invoice paid once. */
function expectDemoSucceeded(output: string): void {
  expect(output).toMatch(/POST \/fhir\/Patient \([0-9a-f-]+\) → 201: insuree created/);
  expect(output).toMatch(/POST \/sync\/insurees → 200/);
  expect(output).toMatch(/openIMIS: 1 PaymentNotice, invoice PAID, premiums recorded: 1/);
  expect(output).toMatch(
    /POST \/fhir\/ClaimResponse \S+ \([0-9a-f-]+\) → 201: claim \S+: [\d.]+ USD to facility \S+ over fineract paid/,
  );
  expect(output).toMatch(/Fineract: 1 deposit of [\d.]+ into savings account \d+/);
  expect(output).toMatch(
    /POST \/fhir\/ClaimResponse \S+ \([0-9a-f-]+, facility \S+\) → 201: claim \S+: [\d.]+ USD to facility \S+ over mojaloop paid/,
  );
  expect(output).toMatch(/payout paid: transfer [0-9a-f-]+ COMMITTED \(1 transfer\)/);
  expect(output).toMatch(/payout float \(savings account \d+\) debited [\d.]+ in 1 withdrawal/);
}

async function answers(port: number): Promise<boolean> {
  try {
    const res = await request(`http://127.0.0.1:${port}/health`, { headersTimeout: 1000 });
    await res.body.dump();
    return true;
  } catch {
    return false;
  }
}

describe('npm start, again and again, on one data directory', () => {
  let dir: string;
  const running: Run[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'start-'));
  });
  afterEach(async () => {
    for (const run of running.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) {
        run.child.kill('SIGINT');
        await run.exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, stops on Ctrl-C and starts again with a clean sandbox and the same secrets; reset forgets them', async () => {
    const first = await start(dir);
    running.push(first);
    expectDemoSucceeded(first.output());
    const secrets = readFileSync(join(dir, 'sandbox/secrets.json'), 'utf8');
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, 'sandbox/run.json'))).toBe(false);
    // The staging store of the first run still links insurees to Fineract clients the simulators no longer have.
    expect(existsSync(join(dir, 'sandbox/payment-layer.sqlite'))).toBe(true);

    const second = await start(dir);
    running.push(second);
    expectDemoSucceeded(second.output());
    expect(readFileSync(join(dir, 'sandbox/secrets.json'), 'utf8')).toBe(secrets);
    expect(existsSync(join(dir, 'sandbox/logs/payment-mediator.previous.log'))).toBe(true);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);

    const reset = spawn(process.execPath, ['--import', 'tsx', RESET, '--data-dir', dir], { cwd: ROOT, env });
    expect(await new Promise((r) => reset.once('exit', r))).toBe(0);
    expect(existsSync(join(dir, 'sandbox'))).toBe(false);
  });

  it('starts again after the first run was killed with SIGKILL, whose mediators stop on their own', async () => {
    const first = await start(dir);
    running.push(first);
    expectDemoSucceeded(first.output());
    expect(first.mediatorPorts).toHaveLength(4);

    // A second start on a data directory in use refuses before it starts anything.
    const intruder = spawn(
      process.execPath,
      ['--import', 'tsx', START, '--ports', 'random', '--data-dir', dir],
      {
        cwd: ROOT,
        env,
      },
    );
    let intruderText = '';
    intruder.stderr.on('data', (c: Buffer) => (intruderText += c.toString()));
    expect(await new Promise((r) => intruder.once('exit', r))).toBe(1);
    expect(intruderText).toMatch(/another npm start \(pid \d+\) is running/);

    first.child.kill('SIGKILL');
    await first.exited;
    // Orphaned mediators would keep their ports and the staging store: they notice their parent is gone and exit.
    const until = Date.now() + 30_000;
    let up = first.mediatorPorts;
    while (up.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      up = (await Promise.all(up.map(async (p) => ((await answers(p)) ? p : undefined)))).filter(
        (p): p is number => p !== undefined,
      );
    }
    expect(up).toEqual([]);

    const second = await start(dir);
    running.push(second);
    expectDemoSucceeded(second.output());
  });
});
