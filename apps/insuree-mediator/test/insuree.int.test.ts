import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import { AUTH, startHarness, type Harness } from './harness';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as T;
const MEMBER_ID = '8e33033a-9f60-43ad-be3e-9bfeb992aeee';

describe('insuree mediator (app.inject against the openIMIS and Fineract simulators)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url,
      headers: { authorization: AUTH, 'content-type': 'application/fhir+json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
  const clients = () => [...h.fineract.state.clients.values()];
  const linkCount = () => h.app.insuree.repos.links.listByOpenimis('Patient', MEMBER_ID).length;

  it('creates a Fineract client for a Patient and links it in staging', async () => {
    const res = await post('/fhir/Patient', fixture('patient-member.fhir.json'));
    expect(res.statusCode).toBe(201);
    expect(res.json().issue[0].diagnostics).toMatch(/insuree created: Fineract client \d+/);
    expect(clients()).toHaveLength(1);
    expect(clients()[0]).toMatchObject({
      externalId: MEMBER_ID,
      firstname: 'TEST_OTHER_NAME',
      lastname: 'TEST_LAST_NAME',
    });
    const link = h.app.insuree.repos.links.findByOpenimis('Patient', MEMBER_ID, 'client');
    expect(link?.fineractId).toBe(clients()[0]!.id);
  });

  it('is idempotent: the same Patient twice leaves one client, the second time without any Fineract write', async () => {
    expect((await post('/fhir/Patient', fixture('patient-member.fhir.json'))).statusCode).toBe(201);
    const writesBefore = h.fineract.state.idempotency.size;
    const again = await post('/fhir/Patient', fixture('patient-member.fhir.json'), {
      'x-openhim-transactionid': 'tx-2',
    });
    expect(again.statusCode).toBe(200);
    expect(JSON.parse(again.json().response.body).issue[0].diagnostics).toMatch(/unchanged/);
    expect(again.json().properties.outcome).toBe('unchanged');
    expect(clients()).toHaveLength(1);
    expect(h.fineract.state.idempotency.size).toBe(writesBefore);
  });

  it('updates only what changed', async () => {
    const patient = fixture<Patient>('patient-member.fhir.json');
    await post('/fhir/Patient', patient);
    const renamed = { ...patient, name: [{ ...patient.name![0], family: 'NEW_FAMILY_NAME' }] };
    const res = await post('/fhir/Patient', renamed);
    expect(res.statusCode).toBe(200);
    expect(res.json().issue[0].diagnostics).toMatch(/updated/);
    expect(clients()).toHaveLength(1);
    expect(clients()[0]!.lastname).toBe('NEW_FAMILY_NAME');
  });

  it('links a client that already exists in Fineract instead of creating a duplicate', async () => {
    await post('/fhir/Patient', fixture('patient-member.fhir.json'));
    // A new staging database (lost, or another deployment): the client exists in Fineract, staging knows nothing.
    h.env.STAGING_DB_PATH = `${h.dbPath}.fresh`;
    await h.restart();
    const res = await post('/fhir/Patient', fixture('patient-member.fhir.json'));
    expect(res.statusCode).toBe(200);
    expect(res.json().issue[0].diagnostics).toMatch(/insuree linked/);
    expect(clients()).toHaveLength(1);
  });

  it('creates a family: the member missing from Fineract is fetched from openIMIS and created first', async () => {
    const { identifier: _i, ...member } = fixture<Patient>('patient-member.fhir.json');
    h.openimis.store.put('Patient', {
      ...member,
      id: '01916024-20a9-45ba-a295-019ab0830000',
    });
    const res = await post('/fhir/Group', fixture('group-family.fhir.json'));
    expect(res.statusCode).toBe(201);
    const groups = [...h.fineract.state.groups.values()];
    expect(groups).toHaveLength(1);
    expect(clients()).toHaveLength(1);
    expect(groups[0]!.clientMembers).toEqual([clients()[0]!.id]);
  });

  it('answers a Bundle with one entry per resource; a bad entry does not lose the others', async () => {
    const good = fixture<Patient>('patient-member.fhir.json');
    const bad = {
      resourceType: 'Patient',
      id: '11111111-2222-3333-4444-555555555555',
      birthDate: '1990-01-01',
    };
    const res = await post('/fhir', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ resource: bad }, { resource: good }],
    });
    expect(res.statusCode).toBe(200);
    const bundle = res.json();
    expect(bundle.type).toBe('batch-response');
    expect(bundle.entry[0].response.status).toBe('400 Bad Request');
    expect(bundle.entry[0].response.outcome.issue[0].expression[0]).toMatch(
      /^Bundle\.entry\[0\]\.resource\.name/,
    );
    expect(bundle.entry[1].response.status).toBe('201 Created');
    expect(clients()).toHaveLength(1);
  });

  describe('bad input changes nothing', () => {
    const cases: [
      string,
      () => Promise<{ statusCode: number; json: () => any }>,
      number,
      RegExp | undefined,
    ][] = [
      ['malformed JSON', () => post('/fhir/Patient', '{"resourceType":"Patient",'), 400, undefined],
      [
        'a wrong resourceType',
        () => post('/fhir/Patient', { resourceType: 'Organization', id: MEMBER_ID }),
        400,
        undefined,
      ],
      [
        'a Patient without name',
        () => {
          const { name: _n, ...p } = fixture<Patient>('patient-member.fhir.json');
          return post('/fhir/Patient', p);
        },
        400,
        /^Patient\.name/,
      ],
      [
        'a Patient without birthDate',
        () => {
          const { birthDate: _b, ...p } = fixture<Patient>('patient-member.fhir.json');
          return post('/fhir/Patient', p);
        },
        400,
        /^Patient\.birthDate/,
      ],
      [
        'an unknown family member',
        () => post('/fhir/Group', fixture('group-family.fhir.json')),
        422,
        /^Group\.member\[0\]\.entity/,
      ],
      [
        'a 5 MB body',
        () =>
          post('/fhir/Patient', {
            ...fixture<Patient>('patient-member.fhir.json'),
            text: { status: 'generated', div: 'x'.repeat(5 * 1024 * 1024) },
          }),
        413,
        undefined,
      ],
      [
        'missing credentials',
        () => post('/fhir/Patient', fixture('patient-member.fhir.json'), { authorization: '' }),
        401,
        undefined,
      ],
    ];
    it.each(cases)('%s → %i OperationOutcome', async (_label, send, status, location) => {
      const res = await send();
      expect(res.statusCode).toBe(status);
      const outcome = res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      if (location) {
        expect(
          outcome.issue.map((i: { expression?: string[] }) => i.expression?.[0] ?? '').join(' '),
        ).toMatch(location);
      }
      expect(clients()).toHaveLength(0);
      expect(h.fineract.state.groups.size).toBe(0);
      expect(linkCount()).toBe(0);
    });
  });

  it('turns a Fineract rejection into 422 with its message', async () => {
    // A birth date after the business date: Fineract refuses it (dateOfBirth must be before submittedOnDate).
    const unborn = { ...fixture<Patient>('patient-member.fhir.json'), birthDate: '2999-01-01' };
    const res = await post('/fhir/Patient', unborn);
    expect(res.statusCode).toBe(422);
    expect(res.json().issue[0].diagnostics).toMatch(/dateOfBirth/);
    expect(clients()).toHaveLength(0);
  });

  it('creates a household member whose phone another client holds already, without the phone (never fails)', async () => {
    const a = fixture<Patient>('patient-member.fhir.json');
    await post('/fhir/Patient', a);
    // Same phone number on another insuree: Fineract refuses duplicate mobile numbers (403) on the first try.
    const { identifier: _i, ...rest } = a;
    const b = { ...rest, id: '22222222-3333-4444-5555-666666666666' };
    const res = await post('/fhir/Patient', b, { 'x-openhim-transactionid': 'tx-household' });
    expect(res.statusCode).toBe(201);
    expect(res.json().properties.mobileNoLeftOut).toBe(true);
    expect(clients()).toHaveLength(2);
    expect(clients().map((c) => c.mobileNo)).toEqual(['813-996-476', undefined]);

    // A later change of that member updates it, again without the phone the first client holds.
    const renamed = { ...b, name: [{ ...b.name![0], family: 'RENAMED' }] };
    const update = await post('/fhir/Patient', renamed, { 'x-openhim-transactionid': 'tx-household-2' });
    expect(update.statusCode).toBe(200);
    expect(update.json().properties).toMatchObject({ outcome: 'updated', mobileNoLeftOut: true });
    expect(clients()[1]).toMatchObject({ lastname: 'RENAMED' });
    expect(clients()[1]!.mobileNo).toBeUndefined();
    expect(clients()[0]!.mobileNo).toBe('813-996-476');
  });

  it('answers 502 when Fineract is unreachable and 504 when it does not answer in time', async () => {
    await h.close();
    h = await startHarness({ env: { FINERACT_TIMEOUT_MS: '200' } });
    h.fineract.faults.latencyMs = 5000;
    const slow = await post('/fhir/Patient', fixture('patient-member.fhir.json'));
    expect(slow.statusCode).toBe(504);
    h.fineract.faults.latencyMs = 0;
    await h.fineract.close();
    const down = await post('/fhir/Patient', fixture('patient-member.fhir.json'));
    expect(down.statusCode).toBe(502);
  }, 30_000);
});
