import { syncInsurees } from '@payment-layer/flows-insuree';
import { AUTH, startHarness, type Harness } from './harness';

describe('insuree sync (POST /sync/insurees) from the openIMIS simulator into the Fineract simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      openimis: { seed: 'sync-test', population: { families: 40 }, includeFixtures: false },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  const sync = async (method: 'GET' | 'POST' = 'POST') => {
    const res = await h.app.inject({
      method,
      url: '/sync/insurees',
      headers: { authorization: AUTH, 'x-openhim-transactionid': 'poll-1' },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ properties: Record<string, number | boolean>; status: string }>();
  };
  const patients = () => h.openimis.store.list('Patient').length;
  const families = () => h.openimis.store.list('Group').length;
  const externalIds = () => [...h.fineract.state.clients.values()].map((c) => c.externalId);

  it('creates every insuree and family once, and a second run writes nothing', async () => {
    const first = await sync();
    expect(first.status).toBe('Successful');
    expect(first.properties['patients.created']).toBe(patients());
    expect(first.properties['groups.created']).toBe(families());
    expect(first.properties.failed).toBe(0);
    expect(h.fineract.state.clients.size).toBe(patients());
    expect(new Set(externalIds()).size).toBe(patients());
    expect(h.fineract.state.groups.size).toBe(families());
    const memberships = [...h.fineract.state.groups.values()].reduce((n, g) => n + g.clientMembers.length, 0);
    expect(memberships).toBe(patients());

    const writes = h.fineract.state.idempotency.size;
    const second = await sync('GET');
    expect(second.properties.created).toBe(0);
    expect(second.properties.updated).toBe(0);
    expect(h.fineract.state.idempotency.size).toBe(writes);
    expect(h.fineract.state.clients.size).toBe(patients());
  });

  it('picks up only what changed since the cursor', async () => {
    await sync();
    const patient = h.openimis.store.list('Patient')[3] as { id: string; name: { family: string }[] };
    h.openimis.store.put('Patient', {
      ...patient,
      name: [{ ...patient.name[0], family: 'CHANGED' }],
    } as never);
    const next = await sync();
    expect(next.properties['patients.updated']).toBe(1);
    expect([...h.fineract.state.clients.values()].find((c) => c.externalId === patient.id)?.lastname).toBe(
      'CHANGED',
    );
  });

  it('resumes an interrupted run without duplicates', async () => {
    // Stop half-way (as a shutdown would), then run again: the cursor saved so far is where it resumes.
    const partial = await syncInsurees(h.app.insuree, { limit: 50 });
    expect(partial.complete).toBe(false);
    expect(h.fineract.state.clients.size).toBeGreaterThanOrEqual(50);
    expect(h.fineract.state.clients.size).toBeLessThan(patients());
    const rest = await sync();
    expect(rest.properties.failed).toBe(0);
    expect(h.fineract.state.clients.size).toBe(patients());
    expect(new Set(externalIds()).size).toBe(patients());
    expect(h.fineract.state.groups.size).toBe(families());
  });

  it('links clients created by a run that died before recording them', async () => {
    // A crash between Fineract's answer and the staging write leaves clients that staging does not know.
    await syncInsurees(h.app.insuree, { limit: 50 });
    const known = h.fineract.state.clients.size;
    h.env.STAGING_DB_PATH = `${h.dbPath}.lost`;
    await h.restart();
    const again = await sync();
    expect(again.properties.failed).toBe(0);
    expect(again.properties['patients.linked']).toBeGreaterThanOrEqual(known);
    expect(h.fineract.state.clients.size).toBe(patients());
    expect(new Set(externalIds()).size).toBe(patients());
  });

  it('keeps the cursor before a failure and picks the failed insuree up next time', async () => {
    const broken = h.openimis.store.list('Patient')[10] as { id: string; name?: unknown };
    const { name, ...withoutName } = broken;
    h.openimis.store.put('Patient', withoutName as never);
    const first = await sync();
    expect(first.status).toBe('Completed with error(s)');
    expect(first.properties['patients.failed']).toBe(1);
    expect(h.fineract.state.clients.size).toBe(patients() - 1);
    // The window is not closed: the next run walks it again from where the failure stopped the cursor.
    expect(h.app.insuree.repos.cursors.getCursor('Patient')?.walkStartedAt).not.toBeNull();

    h.openimis.store.put('Patient', { ...withoutName, name } as never);
    const second = await sync();
    expect(second.properties.failed).toBe(0);
    expect(h.fineract.state.clients.size).toBe(patients());
    expect(new Set(externalIds()).size).toBe(patients());
    expect(h.app.insuree.repos.cursors.getCursor('Patient')?.walkStartedAt).toBeNull();
  });
});
