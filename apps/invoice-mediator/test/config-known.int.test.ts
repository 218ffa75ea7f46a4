import { startOpenHimCore, type OpenHimCoreSimulator } from '@payment-layer/sandbox';
import { AUTH, startHarness, type Harness } from './harness';

/**
 * After a restart the mediator serves before OpenHIM core has sent the operator config: until it has, the routes
 * that charge answer 503 (Retry-After) and /ready says not ready, instead of charging by the defaults.
 */
describe('invoice mediator: no charge before the OpenHIM config is known', () => {
  let core: OpenHimCoreSimulator;
  let h: Harness;

  beforeEach(async () => {
    core = await startOpenHimCore();
    await core.setApiAvailable(false);
    h = await startHarness({
      env: { OPENHIM_REGISTER: 'true', OPENHIM_API_URL: core.apiUrl, OPENHIM_PASSWORD: 'openhim-password' },
    });
  });

  afterEach(async () => {
    await h.close();
    await core.close();
  });

  const post = (url: string, payload?: object) =>
    h.app.inject({ method: 'POST', url, headers: { authorization: AUTH }, ...(payload ? { payload } : {}) });

  it('answers 503 with Retry-After and writes nothing until core sent the config, then charges', async () => {
    const invoice = h.invoices()[0]!;
    for (const url of ['/fhir/Invoice', '/sync/invoices']) {
      const res = await post(url, url === '/fhir/Invoice' ? invoice : undefined);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('10');
      expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    }
    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
    expect(h.fineract.state.clients.size).toBe(0);
    expect(h.fineract.state.clientCharges.size).toBe(0);

    await core.setApiAvailable(true);
    await h.app.mediator.registration!.waitUntilRegistered(10_000);
    expect((await h.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    expect((await post('/fhir/Invoice', invoice)).statusCode).toBe(201);
    expect(h.fineract.state.clientCharges.size).toBe(1);
  });
});
