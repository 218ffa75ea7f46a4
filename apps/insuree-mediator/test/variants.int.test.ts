/**
 * openIMIS deployment variants end to end: the openIMIS simulator serves the made-for-test household
 * (tools/sandbox/src/openimis/variants) in the code identity mode (`default_response_identifier`), and the
 * mediator writes into the Fineract simulator.
 */
import type { Group, Patient } from 'fhir/r4';
import { OPENIMIS_VARIANT_HOUSEHOLD as HH } from '@payment-layer/sandbox';
import { AUTH, startHarness, type Harness } from './harness';

jest.setTimeout(60_000);

interface Envelope {
  response: { status: number; body: string };
  properties: Record<string, unknown>;
}

describe('insuree mediator: openIMIS variants (code identity mode, household phone, given names)', () => {
  let h: Harness;
  let tx = 0;
  beforeEach(async () => {
    h = await startHarness({ openimis: { includeFixtures: false, variants: true, identityMode: 'code' } });
  });
  afterEach(async () => {
    await h.close();
  });

  const post = async (url: string, payload: unknown): Promise<{ status: number; envelope: Envelope }> => {
    const res = await h.app.inject({
      method: 'POST',
      url,
      headers: {
        authorization: AUTH,
        'content-type': 'application/fhir+json',
        'x-openhim-transactionid': `tx-${++tx}`,
      },
      payload: JSON.stringify(payload),
    });
    return { status: res.statusCode, envelope: res.json<Envelope>() };
  };
  /** The resource as this openIMIS serves it (code mode), read over HTTP. */
  const served = <T>(type: 'Patient' | 'Group', code: string): Promise<T> =>
    h.app.insuree.openimis.read(type, code) as Promise<T>;
  const clients = () => [...h.fineract.state.clients.values()];
  const clientOf = (uuid: string) => clients().find((c) => c.externalId === uuid);

  it('a Patient in code mode is keyed by its UUID, and matches the same link by UUID and by CHF id only', async () => {
    const head = await served<Patient>('Patient', HH.headChfId);
    expect(head.id).toBe(HH.headChfId);

    const first = await post('/fhir/Patient', head);
    expect(first.status).toBe(201);
    expect(first.envelope.properties).toMatchObject({ fhirId: HH.headId, outcome: 'created' });
    expect(clientOf(HH.headId)).toMatchObject({ firstname: 'Amina', lastname: 'Okello', mobileNo: HH.phone });

    // The same insuree as the UUID-mode deployment stores it: same link, nothing written.
    const byUuid = structuredClone(h.openimis.store.get('Patient', HH.headId)) as Patient;
    expect((await post('/fhir/Patient', byUuid)).envelope.properties.outcome).toBe('unchanged');

    // By CHF id only (no UUID anywhere in the payload): looked up in openIMIS, same link.
    const codeOnly: Patient = {
      ...head,
      identifier: head.identifier?.filter((i) => i.type?.coding?.[0]?.code !== 'UUID') ?? [],
    };
    const again = await post('/fhir/Patient', codeOnly);
    expect(again.status).toBe(200);
    expect(again.envelope.properties).toMatchObject({ fhirId: HH.headId, outcome: 'unchanged' });
    expect(clients()).toHaveLength(1);
  });

  it('a CHF id openIMIS does not know is a 422 naming Patient.identifier, and writes nothing', async () => {
    const head = await served<Patient>('Patient', HH.headChfId);
    const unknown: Patient = {
      ...head,
      id: '990199999',
      identifier: [{ type: { coding: [{ code: 'Code' }] }, value: '990199999' }],
    };
    const res = await post('/fhir/Patient', unknown);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.envelope.response.body).issue[0].expression).toEqual(['Patient.identifier']);
    expect(clients()).toHaveLength(0);
  });

  it('a family in code mode: members sharing one phone are all created, the first keeps the phone', async () => {
    const family = await served<Group>('Group', HH.headChfId);
    expect(family.id).toBe(HH.headChfId);

    const res = await post('/fhir/Group', family);
    expect(res.status).toBe(201);
    expect(res.envelope.properties).toMatchObject({ fhirId: HH.familyId, outcome: 'created' });
    expect(clients()).toHaveLength(3);
    expect(clientOf(HH.headId)?.mobileNo).toBe(HH.phone);
    expect(clientOf(HH.givenNamesMemberId)?.mobileNo).toBeUndefined();
    expect(clientOf(HH.memberId)?.mobileNo).toBeUndefined();
    // Several given names become one firstname, as openIMIS keeps them in one other_names.
    expect(clientOf(HH.givenNamesMemberId)).toMatchObject({ firstname: 'Grace Achieng', lastname: 'Okello' });
    expect(clientOf(HH.givenNamesMemberId)?.middlename).toBeUndefined();
    const group = [...h.fineract.state.groups.values()][0];
    expect(group?.externalId).toBe(HH.familyId);
    expect(group?.clientMembers).toHaveLength(3);

    // The family again, by UUID this time: the same group, nothing written.
    const byUuid = structuredClone(h.openimis.store.get('Group', HH.familyId)) as Group;
    expect((await post('/fhir/Group', byUuid)).envelope.properties.outcome).toBe('unchanged');
    expect(h.fineract.state.groups.size).toBe(1);
  });

  it('a family whose members are given as Patient/<CHF id> resolves them to the same clients', async () => {
    const family = await served<Group>('Group', HH.headChfId);
    const byCode: Group = {
      ...family,
      member: [HH.headChfId, HH.givenNamesMemberChfId, HH.memberChfId].map((chfid) => ({
        entity: { reference: `Patient/${chfid}` },
      })),
    };
    const res = await post('/fhir/Group', byCode);
    expect(res.status).toBe(201);
    expect(
      clients()
        .map((c) => c.externalId)
        .sort(),
    ).toEqual([HH.headId, HH.givenNamesMemberId, HH.memberId].sort());
  });

  it('a sync from a code-mode openIMIS creates every member once, a second run writes nothing', async () => {
    const sync = async () =>
      (
        await h.app.inject({
          method: 'POST',
          url: '/sync/insurees',
          headers: { authorization: AUTH, 'x-openhim-transactionid': `poll-${++tx}` },
        })
      ).json<{ properties: Record<string, number>; status: string }>();
    const first = await sync();
    expect(first.properties.failed).toBe(0);
    expect(first.properties['patients.created']).toBe(3);
    expect(clients().filter((c) => c.mobileNo === HH.phone)).toHaveLength(1);
    const writes = h.fineract.state.idempotency.size;
    const second = await sync();
    expect(second.properties.failed).toBe(0);
    expect(h.fineract.state.idempotency.size).toBe(writes);
    expect(clients()).toHaveLength(3);
  });
});
