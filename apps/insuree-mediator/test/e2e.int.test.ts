import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { STARTUP_DEADLINE_MS } from '@payment-layer/shared-testing';
import { startHarness, type Harness } from './harness';

const CLIENT_AUTH = `Basic ${Buffer.from('openimis:openimis-client-pw').toString('base64')}`;
const URN = 'urn:mediator:openimis-payment-layer-insuree';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('insuree mediator end to end through the OpenHIM core simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    const port = await freePort();
    h = await startHarness({
      core: true,
      port,
      openimis: { includeFixtures: false, seed: 'e2e', population: { families: 3 } },
    });
    await h.app.listen({ host: '127.0.0.1', port });
    await h.app.mediator.registration!.waitUntilRegistered(STARTUP_DEADLINE_MS);
  });
  afterEach(async () => {
    await h.close();
  });

  const patient = readFileSync(join(__dirname, 'fixtures', 'patient-member.fhir.json'), 'utf8');
  const postThroughRouter = () =>
    fetch(`${h.core!.routerUrl}/fhir/Patient`, {
      method: 'POST',
      headers: { authorization: CLIENT_AUTH, 'content-type': 'application/fhir+json' },
      body: patient,
    });

  it('registers its mediator and the three channels', () => {
    expect(h.core!.getMediator(URN)?.version).toBe('1.1.0');
    const names = h.core!.listChannels().map((c) => c.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'openIMIS insurees (Patient)',
        'openIMIS families (Group)',
        'openIMIS insuree sync',
      ]),
    );
  });

  it('Patient in → client in Fineract → envelope stored by core with orchestrations and masked credentials', async () => {
    const res = await postThroughRouter();
    expect(res.status).toBe(201);
    const txId = String(res.headers.get('x-openhim-transactionid'));
    await res.arrayBuffer();
    expect(h.fineract.state.clients.size).toBe(1);

    const [tx] = await h.core!.waitForTransactions((t) => t._id === txId);
    expect(tx!.storageError).toBeUndefined();
    expect(tx!.status).toBe('Successful');
    expect(tx!.properties).toMatchObject({
      resourceType: 'Patient',
      outcome: 'created',
      fhirId: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
    });
    const names = tx!.orchestrations.map((o) => o.name);
    expect(names.some((n) => /^Fineract (GET|POST)/.test(n))).toBe(true);
    const text = JSON.stringify(tx);
    expect(text).not.toContain(
      Buffer.from(`${h.fineract.username}:${h.fineract.password}`).toString('base64'),
    );
    expect(text).not.toContain(h.env.OPENIMIS_PASSWORD);
    // Every call the mediator made (core's own record of the route call comes last and is core's business).
    for (const o of tx!.orchestrations.filter((x) => x.name !== 'Insuree mediator')) {
      const auth = o.request?.headers?.authorization;
      if (auth !== undefined) {
        expect(auth).toBe('**********');
      }
    }
    // The audit row of the transaction, with identifiers only (written within 50 ms of the answer).
    let audit = h.app.insuree.repos.audit.listAudit({ transactionId: txId });
    for (let i = 0; audit.length === 0 && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 25));
      audit = h.app.insuree.repos.audit.listAudit({ transactionId: txId });
    }
    expect(audit[0]).toMatchObject({
      resourceId: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
      outcome: 'successful',
      httpStatus: 201,
    });
  });

  it('an OpenHIM rerun of the same transaction leaves one client', async () => {
    const res = await postThroughRouter();
    const txId = String(res.headers.get('x-openhim-transactionid'));
    await res.arrayBuffer();
    const rerun = await h.core!.rerunTransaction(txId);
    expect(rerun.parentID).toBe(txId);
    const [done] = await h.core!.waitForTransactions((t) => t._id === rerun._id);
    expect(done!.properties).toMatchObject({ outcome: 'unchanged' });
    expect(h.fineract.state.clients.size).toBe(1);
  });

  it('a polling trigger of the sync channel reaches the mediator', async () => {
    const tx = await h.core!.triggerPollingChannel('openIMIS insuree sync');
    const [done] = await h.core!.waitForTransactions((t) => t._id === tx._id);
    expect(done!.status).toBe('Successful');
    expect(done!.properties).toMatchObject({ failed: 0 });
  });
});
