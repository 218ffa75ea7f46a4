import { request } from 'undici';
import { startOpenImisSimulator, type OpenImisSimulator } from './server';
import { call, login } from './test-helpers';

describe('openIMIS simulator: fault switches', () => {
  let sim: OpenImisSimulator;

  beforeAll(async () => {
    sim = await startOpenImisSimulator({ population: { families: 2 } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('refuses connections while down and serves again on the same port', async () => {
    const token = await login(sim);
    await sim.setDown(true);
    await expect(
      request(`${sim.fhirBaseUrl}Patient/`, { headers: { authorization: `Bearer ${token}` } }),
    ).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await sim.setDown(false);
    const res = await call(`${sim.fhirBaseUrl}Patient/`, { token });
    expect(res.status).toBe(200);
    expect(sim.url).toBe(`http://127.0.0.1:${String(sim.port)}`);
  });

  it('answers 503 in 503 mode', async () => {
    await sim.setDown(true, '503');
    expect((await call(`${sim.fhirBaseUrl}Patient/`)).status).toBe(503);
    await sim.setDown(false);
    expect((await call(`${sim.fhirBaseUrl}Patient/`)).status).toBe(401);
  });

  it('delays answers when latency is set', async () => {
    sim.setLatency(200);
    const started = performance.now();
    expect((await call(`${sim.fhirBaseUrl}Patient/`)).status).toBe(401);
    // A lower bound only: the answer cannot come before the configured latency.
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    sim.setLatency(0);
  });

  it('delays the processing of matching requests: a write is stored only after the delay', async () => {
    const token = await login(sim);
    sim.setProcessingDelay(300, { method: 'POST', path: /\/login\/$/ });
    try {
      const started = performance.now();
      // A GET does not match: answered at once (a 401 without a token).
      expect((await call(`${sim.fhirBaseUrl}Patient/`)).status).toBe(401);
      expect(performance.now() - started).toBeLessThan(300);
      const slow = login(sim);
      const t0 = performance.now();
      expect(typeof (await slow)).toBe('string');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect((await call(`${sim.fhirBaseUrl}Patient/`, { token })).status).toBe(200);
    } finally {
      sim.setProcessingDelay(0);
    }
  });

  it('answers Django 404 pages outside the known routes, and serves a custom site prefix', async () => {
    expect((await call(`${sim.url}/api/api_fhir_r4/Coverage/`)).status).toBe(404);
    expect((await call(`${sim.url}/nothing/`)).status).toBe(404);
    const other = await startOpenImisSimulator({ sitePrefix: 'openimis', includeFixtures: false });
    try {
      expect(other.fhirBaseUrl).toBe(`${other.url}/openimis/api_fhir_r4/`);
      expect(other.graphqlUrl).toBe(`${other.url}/openimis/graphql`);
      expect((await call(`${other.fhirBaseUrl}Patient/`, { token: await login(other) })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('with djangoDebug, answers a POST without trailing slash with the RuntimeError 500 and stores nothing', async () => {
    const debug = await startOpenImisSimulator({ djangoDebug: true, population: { families: 1 } });
    try {
      const token = await login(debug);
      const res = await call(`${debug.fhirBaseUrl}PaymentNotice`, { method: 'POST', token, json: {} });
      expect(res.status).toBe(500);
      expect(String(res.body)).toContain('APPEND_SLASH');
      expect(debug.store.paymentNotices()).toHaveLength(0);
      const get = await request(`${debug.fhirBaseUrl}Patient`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await get.body.dump();
      expect(get.statusCode).toBe(301);
    } finally {
      await debug.close();
    }
  });

  it('treats POST Invoice/ as a no-op that answers success', async () => {
    const token = await login(sim);
    const before = sim.store.list('Invoice').length;
    const res = await call(`${sim.fhirBaseUrl}Invoice/`, {
      method: 'POST',
      token,
      json: { resourceType: 'Invoice', status: 'issued' },
    });
    expect(res.status).toBe(201);
    expect(sim.store.list('Invoice')).toHaveLength(before);
  });
});
