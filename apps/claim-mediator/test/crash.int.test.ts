import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getBusinessCode } from '@payment-layer/fhir-util';
import { processClaimResponse, runDuePayouts } from '@payment-layer/flows-claim';
import { parseRailProgress } from '@payment-layer/staging-db';
import { startHarness, type Harness } from './harness';

// A worker process killed (SIGKILL) after Fineract committed its deposit and before it learnt so: after a restart
// the payout is read back from Fineract and marked paid, never deposited a second time. The child is a real
// process running the real mediator.

const CHILD = path.resolve(__dirname, 'payout-child.ts');
const TSX = pathToFileURL(require.resolve('tsx')).href;
const TSCONFIG = path.resolve(__dirname, '..', '..', '..', 'tsconfig.base.json');

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('claim mediator: a payout worker killed mid-payout', () => {
  let h: Harness;
  let child: ChildProcess | undefined;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    child?.kill('SIGKILL');
    await h.close();
  });

  it('still deposits exactly once after kill -9 and a restart', async () => {
    const claim = h.claims(16).find((c) => c.total?.some((t) => (t.amount?.value ?? 0) > 0));
    if (!claim) {
      throw new Error('the simulator generated no valuated claim');
    }
    const code = getBusinessCode(claim) ?? '';
    // Queued (facility client and account made) but not paid: the child pays it.
    expect((await processClaimResponse(h.app.claim, claim)).outcome).toBe('queued');
    // The deposit commits and is never answered: the child waits on it until it is killed.
    h.fineract.faults.timeoutAfterCommit(
      { method: 'POST', path: /^\/savingsaccounts\/\d+\/transactions\?command=deposit/ },
      { count: 1 },
    );
    const spawned = spawn(process.execPath, ['--import', TSX, CHILD], {
      cwd: h.dir,
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: TSCONFIG,
        CLAIM_CHILD_ENV: JSON.stringify({ ...h.env, FINERACT_TIMEOUT_MS: '120000' }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = spawned;
    let stderr = '';
    spawned.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      spawned.on('close', (_c, s) => {
        resolve(s);
      }),
    );
    await waitFor(`the child's deposit (stderr: ${stderr})`, () => h.deposits(code) === 1, 60_000);
    spawned.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    child = undefined;

    const row = h.repos.payouts.getByKey(`claim:${claim.id}`);
    expect(row?.state).toBe('in_flight');
    expect(parseRailProgress(row!)).toMatchObject({ attempt: 1 });

    // Restart: the lease of the dead worker expires; the next run reads the deposit back.
    h.fineract.faults.reset();
    const later = (): Date => new Date(Date.now() + 120_000);
    const results = await runDuePayouts({ ...h.app.claim, now: later });
    expect(results).toEqual([expect.objectContaining({ state: 'paid' })]);
    expect(h.deposits(code)).toBe(1);
    expect(h.repos.payouts.getByKey(`claim:${claim.id}`)?.state).toBe('paid');
    expect(await runDuePayouts({ ...h.app.claim, now: later })).toEqual([]);
    expect(h.deposits(code)).toBe(1);
  });
});
