/**
 * Shutdown with a savings step in flight: the outbox worker's run must finish (and record its outcome) before the
 * clients and the staging store close. Before the app kit, this app's onClose closed the clients and the store
 * under the running step: its next Fineract call failed on the closed client (or its write on the closed store).
 */
import { createRepositories, openStagingDb } from '@payment-layer/staging-db';
import { SAVINGS_STEP } from '@payment-layer/flows-parties';
import { buildApp } from '../src/app';
import { loadInsureeEnv } from '../src/config';
import { startHarness, type Harness } from './harness';

describe('insuree mediator outbox worker on close', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { OUTBOX_INTERVAL_MS: '100' } });
  });
  afterEach(async () => {
    await h.close();
  });

  it('waits for the savings step in flight, which finishes and is recorded before clients and store close', async () => {
    await h.app.close();
    const errors: string[] = [];
    const logStream = {
      write(line: string): boolean {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.level >= 50) {
          errors.push(entry.msg);
        }
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    h.app = await buildApp({ env: loadInsureeEnv(h.env), logLevel: 'warn', logStream });
    const patientId = '2d3b6a5e-1c8f-4d0e-9a51-6f7c1b2e9d40';
    const created = await h.app.fineract.createClient(
      {
        officeId: 1,
        legalFormId: 1,
        firstname: 'Step',
        lastname: 'In Flight',
        active: true,
        activationDate: new Date().toISOString().slice(0, 10),
        externalId: patientId,
      },
      { operationKey: `client:${patientId}` },
    );
    const clientId = Number(created.clientId ?? created.resourceId);
    // The step reads the client, looks for the account, creates, approves and activates it: six slow calls.
    const { id } = h.app.insuree.repos.outbox.enqueue({
      kind: SAVINGS_STEP,
      idempotencyKey: `savings:${patientId}`,
      payload: { patientId, clientId, productId: 1 },
    }).entry;
    h.fineract.faults.latencyMs = 250;
    await h.app.ready();
    const repos = h.app.insuree.repos;
    for (let i = 0; i < 2000 && repos.outbox.get(id)?.state !== 'in_progress'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(repos.outbox.get(id)?.state).toBe('in_progress');

    await h.app.close();

    const db = openStagingDb({ path: h.dbPath });
    try {
      const entry = createRepositories(db).outbox.get(id);
      // The whole step ran: not cut off by the clients closing under it, not left in its lease.
      expect(entry).toMatchObject({ state: 'done', lastError: null });
    } finally {
      db.close();
    }
    expect(errors).toEqual([]);
  });
});
