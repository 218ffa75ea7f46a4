import type { Bundle, Group, Invoice, Patient } from 'fhir/r4';
import { startOpenImisSimulator, type OpenImisSimulator } from './server';
import { call, login } from './test-helpers';
import { VARIANT_HOUSEHOLD as HH } from './variants';

describe('openIMIS simulator: identity modes and the variant household', () => {
  let sim: OpenImisSimulator;
  let token: string;
  afterEach(async () => {
    await sim.close();
  });

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await call(`${sim.fhirBaseUrl}${path}`, { token });
    return { status: res.status, body: res.body as T };
  };

  describe('code mode (default_response_identifier)', () => {
    beforeEach(async () => {
      sim = await startOpenImisSimulator({ includeFixtures: false, variants: true, identityMode: 'code' });
      token = await login(sim);
    });

    it('serves a Patient with its CHF id as id, the UUID still listed, the family link by code', async () => {
      const { status, body } = await get<Patient>(`Patient/${HH.headId}/`);
      expect(status).toBe(200);
      expect(body.id).toBe(HH.headChfId);
      expect(body.identifier?.map((i) => i.value)).toEqual([HH.headId, HH.headChfId]);
      const family = body.extension?.find((e) => e.url.endsWith('/group'))?.valueReference;
      expect(family).toMatchObject({
        reference: `Group/${HH.headChfId}`,
        identifier: { type: { coding: [{ code: 'Code' }] }, value: HH.headChfId },
      });
    });

    it('serves a Group with the head CHF id as id and its members still by UUID; reads by code work', async () => {
      const { body } = await get<Group>(`Group/${HH.headChfId}/`);
      expect(body.id).toBe(HH.headChfId);
      expect(body.member?.[0]?.entity.reference).toBe(`Patient/${HH.headId}`);
      expect((await get<Patient>(`Patient/${HH.memberChfId}/`)).body.id).toBe(HH.memberChfId);
    });

    it('serves an Invoice with its code as id and the recipient as Patient/<CHF id>, in reads and searches', async () => {
      const { body } = await get<Invoice>(`Invoice/${HH.invoiceId}/`);
      expect(body.id).toBe(HH.invoiceCode);
      expect(body.recipient).toMatchObject({
        reference: `Patient/${HH.headChfId}`,
        type: 'Patient',
        identifier: { value: HH.headChfId },
      });
      const bundle = (await get<Bundle>('Invoice/?resourceType=invoice')).body;
      expect(bundle.entry?.[0]?.resource?.id).toBe(HH.invoiceCode);
      expect(bundle.entry?.[0]?.fullUrl).toMatch(new RegExp(`/Invoice/${HH.invoiceCode}$`));
    });
  });

  it('serves the stored UUID form by default', async () => {
    sim = await startOpenImisSimulator({ includeFixtures: false, variants: true });
    token = await login(sim);
    const { body } = await get<Invoice>(`Invoice/${HH.invoiceCode}/`);
    expect(body.id).toBe(HH.invoiceId);
    expect(body.recipient?.reference).toBe(`Patient/${HH.headId}`);
  });
});
