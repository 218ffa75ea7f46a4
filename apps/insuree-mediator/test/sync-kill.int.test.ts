import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  startFineractSimulator,
  startOpenImisSimulator,
  type FineractSimulator,
  type OpenImisSimulator,
} from '@payment-layer/sandbox';
import { AUTH, ROUTE_CREDENTIALS } from './harness';

jest.setTimeout(120_000);

const MAIN = resolve(__dirname, '../src/main.ts');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await Promise.resolve(check()).catch(() => false)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('insuree sync killed mid-run (a real process, SIGKILL)', () => {
  let openimis: OpenImisSimulator;
  let fineract: FineractSimulator;
  let dir: string;
  let child: ChildProcess | undefined;
  let port: number;

  const startMediator = async (): Promise<ChildProcess> => {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      stdio: 'ignore',
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        OPENHIM_REGISTER: 'false',
        MEDIATOR_CLIENT_USERNAME: ROUTE_CREDENTIALS.username,
        MEDIATOR_CLIENT_PASSWORD: ROUTE_CREDENTIALS.password,
        OPENIMIS_URL: openimis.fhirBaseUrl,
        OPENIMIS_GRAPHQL_URL: openimis.graphqlUrl,
        OPENIMIS_USERNAME: openimis.credentials.username,
        OPENIMIS_PASSWORD: openimis.credentials.password,
        FINERACT_URL: fineract.baseUrl,
        FINERACT_USERNAME: fineract.username,
        FINERACT_PASSWORD: fineract.password,
        STAGING_DB_PATH: join(dir, 'staging.sqlite'),
      },
    });
    await until(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, 30_000);
    return proc;
  };

  beforeAll(async () => {
    openimis = await startOpenImisSimulator({
      seed: 'kill',
      includeFixtures: false,
      population: { families: 120 },
    });
    fineract = await startFineractSimulator();
    // Slow enough that the kill lands in the middle of the run.
    fineract.faults.latencyMs = 15;
    dir = mkdtempSync(join(tmpdir(), 'insuree-kill-'));
    port = await freePort();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await Promise.allSettled([openimis.close(), fineract.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes after the kill with every insuree and family exactly once', async () => {
    const patients = openimis.store.list('Patient').length;
    const families = openimis.store.list('Group').length;
    child = await startMediator();
    const running = fetch(`http://127.0.0.1:${port}/sync/insurees`, {
      method: 'POST',
      headers: { authorization: AUTH },
    }).catch(() => undefined);
    await until(() => fineract.state.clients.size >= patients / 3, 60_000);
    child.kill('SIGKILL');
    await running;
    const atKill = fineract.state.clients.size;
    expect(atKill).toBeLessThan(patients);

    fineract.faults.latencyMs = 0;
    child = await startMediator();
    const res = await fetch(`http://127.0.0.1:${port}/sync/insurees`, {
      method: 'POST',
      headers: { authorization: AUTH },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { issue: { diagnostics: string }[] };
    expect(body.issue[0]!.diagnostics).toMatch(/0 failed; groups: .* 0 failed/);

    const ids = [...fineract.state.clients.values()].map((c) => c.externalId);
    expect(ids).toHaveLength(patients);
    expect(new Set(ids).size).toBe(patients);
    expect(fineract.state.groups.size).toBe(families);
    child.kill('SIGTERM');
  });
});
