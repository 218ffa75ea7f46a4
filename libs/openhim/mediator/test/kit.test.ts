import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { MASK } from '@payment-layer/shared-http';
import { OPENHIM_CONTENT_TYPE, type AuditEvent, type MediatorEnvelope } from '../src';
import { basic, buildTestApp, CLIENT } from './test-app';

describe('mediator kit (app.inject)', () => {
  let upstream: Server;
  let upstreamUrl: string;
  let app: FastifyInstance;
  const auth = basic(CLIENT.username, CLIENT.password);

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ clientId: 42, resourceId: 42 }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => upstream.close(r));
  });
  beforeEach(async () => {
    app = await buildTestApp({ upstreamUrl });
  });
  afterEach(async () => {
    await app.close();
  });

  const patient = JSON.stringify({ resourceType: 'Patient', id: '8e33033a-9f60-43ad-be3e-9bfeb992aeee' });

  it('answers a routed request with a json+openhim envelope core can store, credentials masked', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: {
        authorization: auth,
        'content-type': 'application/fhir+json',
        'x-openhim-transactionid': 'tx-123',
      },
      payload: patient,
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toContain(OPENHIM_CONTENT_TYPE);
    const env = res.json<MediatorEnvelope>();
    expect(env['x-mediator-urn']).toBe('urn:mediator:payment-layer-kit-test');
    expect(env.status).toBe('Successful');
    expect(typeof env.response.body).toBe('string');
    expect(env.response.status).toBe(201);
    expect(env.properties).toEqual({
      fhirId: '8e33033a-9f60-43ad-be3e-9bfeb992aeee',
      fineractClientId: 42,
      outcome: 'created',
      officeId: 1,
    });
    expect(env.orchestrations).toHaveLength(1);
    const o = env.orchestrations[0]!;
    expect(o.name).toMatch(/^Fineract POST/);
    expect(typeof o.request.timestamp).toBe('string');
    expect(typeof o.request.body).toBe('string');
    expect(o.request.headers.authorization).toBe(MASK);
    expect(JSON.parse(o.request.body).password).toBe(MASK);
    expect(res.body).not.toContain(Buffer.from('mifos:fineract-secret').toString('base64'));
    expect(res.body).not.toContain('nested-secret');
  });

  it('audits the status the envelope reports, not the one the HTTP status implies', async () => {
    const events: AuditEvent[] = [];
    const audited = await buildTestApp({ upstreamUrl, onAudit: (e) => events.push(e) });
    try {
      const res = await audited.inject({
        method: 'POST',
        url: '/partly',
        headers: { authorization: auth, 'x-openhim-transactionid': 'tx-partly' },
      });
      expect(res.json<MediatorEnvelope>().status).toBe('Completed with error(s)');
      await audited.inject({
        method: 'POST',
        url: '/fhir/Patient',
        headers: { authorization: auth, 'content-type': 'application/fhir+json' },
        payload: patient,
      });
      expect(events.map((e) => [e.route, e.httpStatus, e.status])).toEqual([
        ['/partly', 200, 'Completed with error(s)'],
        ['/fhir/Patient', 201, 'Successful'],
      ]);
    } finally {
      await audited.close();
    }
  });

  it('answers plain FHIR JSON to a caller that is not OpenHIM', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: patient,
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toContain('application/fhir+json');
    expect(res.json().resourceType).toBe('OperationOutcome');
    // No envelope to carry them: the upstream call is counted, not recorded.
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/mediator_orchestrations_total\{[^}]*\} 1\n/);
  });

  it.each([
    ['no credentials', undefined, /expects HTTP Basic credentials.*no Authorization header/],
    ['a wrong password', basic(CLIENT.username, 'wrong'), /user name or password does not match/],
    ['a wrong user', basic('someone', CLIENT.password), /user name or password does not match/],
    ['a non-basic scheme', 'Bearer abc.def-secret-token', /expects HTTP Basic credentials.*"Bearer" scheme/],
    [
      'Basic without a colon',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
      /not of the form user:password/,
    ],
  ])('rejects %s with 401 OperationOutcome saying what was expected', async (_label, header, why) => {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { ...(header ? { authorization: header } : {}), 'content-type': 'application/json' },
      payload: patient,
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    expect(res.json()).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'login' }],
    });
    const diagnostics = res.json<{ issue: { diagnostics: string }[] }>().issue[0]!.diagnostics;
    expect(diagnostics).toMatch(why);
    // Neither the expected nor the presented secrets appear in the answer.
    for (const secret of [CLIENT.password, 'wrong', 'abc.def-secret-token', 'nocolon']) {
      expect(res.body).not.toContain(secret);
    }
  });

  it('rejects malformed JSON with 400 OperationOutcome, in an envelope without an auto-retry error', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: {
        authorization: auth,
        'content-type': 'application/json',
        'x-openhim-transactionid': 'tx-bad',
      },
      payload: '{"resourceType": "Patient",',
    });
    expect(res.statusCode).toBe(400);
    const env = res.json<MediatorEnvelope>();
    expect(env.status).toBe('Completed');
    expect(env.error).toBeUndefined();
    const outcome = JSON.parse(env.response.body);
    expect(outcome.issue[0]).toMatchObject({
      code: 'structure',
      diagnostics: 'request body is not valid JSON',
    });
  });

  it('rejects an oversize body with 413 too-long', async () => {
    const big = JSON.stringify({ resourceType: 'Patient', id: 'x', pad: 'x'.repeat(70 * 1024) });
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().issue[0].code).toBe('too-long');
  });

  it('checks credentials before reading a large body', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(res.statusCode).toBe(401);
  });

  it('rejects an unsupported content type with 415 OperationOutcome (never 500)', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth, 'content-type': 'text/xml' },
      payload: '<Patient/>',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().issue[0].code).toBe('not-supported');
  });

  it('names the field of a typed validation error', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ resourceType: 'Group' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0]).toMatchObject({
      diagnostics: 'expected a Patient',
      expression: ['resourceType'],
    });
  });

  it('hides internal error details behind a generic 500', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/boom',
      headers: { authorization: auth, 'x-openhim-transactionid': 'tx-9' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('SELECT');
    expect(res.body).not.toContain('at ');
    expect(res.json<MediatorEnvelope>().status).toBe('Failed');
  });

  it('maps an upstream timeout to 504 and flags it for auto-retry', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/slow-upstream',
      headers: { authorization: auth, 'x-openhim-transactionid': 'tx-10' },
    });
    expect(res.statusCode).toBe(504);
    const env = res.json<MediatorEnvelope>();
    expect(env.error?.message).toMatch(/did not answer/);
    expect(JSON.parse(env.response.body).issue[0].code).toBe('timeout');
  });

  it('answers unknown routes with a 404 OperationOutcome', async () => {
    const res = await app.inject({ method: 'GET', url: '/fhir/Nothing', headers: { authorization: auth } });
    expect(res.statusCode).toBe(404);
    expect(res.json().issue[0].code).toBe('not-found');
  });

  it('keeps health, readiness and metrics open', async () => {
    expect((await app.inject({ method: 'GET', url: '/health' })).json()).toMatchObject({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.openhim).toBe('disabled');
    await app.inject({ method: 'GET', url: '/fhir/Nothing', headers: { authorization: auth } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(
      /mediator_requests_total\{mediator="urn:mediator:payment-layer-kit-test",class="4xx"\} 1/,
    );
  });

  it('reports how long the event loop was blocked', async () => {
    await app.ready();
    await new Promise((r) => setTimeout(r, 50));
    // Block the loop for 60 ms; the histogram samples every 10 ms.
    const until = Date.now() + 60;
    while (Date.now() < until) {
      // busy
    }
    await new Promise((r) => setTimeout(r, 50));
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const max = /nodejs_eventloop_delay_max_seconds\{[^}]*\} ([\d.]+)/.exec(body)?.[1];
    expect(Number(max)).toBeGreaterThanOrEqual(0.04);
    expect(Number(max)).toBeLessThan(1);
    expect(body).toMatch(/nodejs_eventloop_delay_seconds\{[^}]*,quantile="0.99"\} [\d.]+/);
  });

  it('without OpenHIM the local config is the config: routes that need it serve at once', async () => {
    expect(app.mediator.config.known).toBe(true);
    const res = await app.inject({
      method: 'POST',
      url: '/money',
      headers: { authorization: basic(CLIENT.username, CLIENT.password), 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ready' })).json().checks.config).toBeUndefined();
  });

  it('reports not ready when a readiness check fails', async () => {
    const failing = await buildTestApp({ upstreamUrl });
    failing.mediator.addReadinessCheck('staging', () => {
      throw new Error('database locked');
    });
    const res = await failing.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.staging).toBe('database locked');
    await failing.close();
  });
});
