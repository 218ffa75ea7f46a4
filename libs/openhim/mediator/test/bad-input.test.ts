import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { mediatorKit, mediatorServerOptions, redactUrl } from '../src';
import { basic, CLIENT, TEST_DEFINITION } from './test-app';

/** A pino destination that keeps every line written to it. */
function captureStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function buildApp(stream: Writable): Promise<FastifyInstance> {
  const app = Fastify(mediatorServerOptions({ logLevel: 'info', bodyLimit: 1024 * 1024, stream }));
  await app.register(mediatorKit, {
    definition: TEST_DEFINITION,
    endpoint: { host: '127.0.0.1', port: 0, routeUsername: CLIENT.username, routePassword: CLIENT.password },
    openhim: { enabled: false, apiUrl: 'http://127.0.0.1:1', username: 'x', password: 'x' },
    auth: { mode: 'basic', ...CLIENT },
  });
  app.post('/fhir/Patient', async (request, reply) =>
    reply.sendResult({
      httpStatus: 200,
      body: { resourceType: 'OperationOutcome', issue: [] },
      properties: {},
    }),
  );
  app.get('/fhir/Patient/:id', async (_request, reply) => reply.sendResult({ httpStatus: 200, body: {} }));
  app.post('/payments/fineract/hook', { config: { public: true }, logLevel: 'warn' }, async (_r, reply) =>
    reply.sendResult({ httpStatus: 200, body: {} }),
  );
  return app;
}

function deep(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

describe('mediator kit: bad input', () => {
  let app: FastifyInstance;
  let logs: ReturnType<typeof captureStream>;
  const auth = basic(CLIENT.username, CLIENT.password);

  beforeEach(async () => {
    logs = captureStream();
    app = await buildApp(logs.stream);
  });
  afterEach(async () => {
    await app.close();
  });

  it.each(['application/json', 'application/fhir+json', 'application/json+fhir; charset=utf-8'])(
    'refuses a %s body nested 2,000 levels deep with a 400 OperationOutcome',
    async (type) => {
      const res = await app.inject({
        method: 'POST',
        url: '/fhir/Patient',
        headers: { authorization: auth, 'content-type': type },
        payload: deep(2000),
      });
      expect(res.statusCode).toBe(400);
      const outcome = res.json<{ resourceType: string; issue: { code: string; diagnostics: string }[] }>();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]?.code).toBe('too-long');
    },
  );

  it('still parses ordinary JSON and refuses malformed JSON with 400', async () => {
    const ok = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: deep(20),
    });
    expect(ok.statusCode).toBe(200);
    const bad = await app.inject({
      method: 'POST',
      url: '/fhir/Patient',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: '{"a":',
    });
    expect(bad.statusCode).toBe(400);
  });

  it.each([
    ['POST', '/payments/fineract/hook/?secret=SeCrEt-Value-1234'],
    ['POST', '/payments/fineract/HOOK?secret=SeCrEt-Value-1234'],
    ['GET', '/payments/fineract/hook?secret=SeCrEt-Value-1234'],
    ['POST', '/fhir/Patient?secret=SeCrEt-Value-1234&name=Nakato'],
    ['GET', '/anything?token=SeCrEt-Value-1234'],
    ['POST', '/payments/fineract/hook?x=1&Secret=SeCrEt-Value-1234'],
  ] as const)('never logs the query string of %s %s', async (method, url) => {
    await app.inject({
      method,
      url,
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: '{}',
    });
    const text = logs.text();
    expect(text).not.toContain('SeCrEt-Value-1234');
    expect(text).not.toContain('Nakato');
  });

  it('keeps the path in the log and says a query was there', async () => {
    await app.inject({
      method: 'GET',
      url: '/nowhere?secret=SeCrEt-Value-1234',
      headers: { authorization: auth },
    });
    expect(logs.text()).toContain('"url":"/nowhere?[redacted]"');
  });

  it('redactUrl keeps paths and drops queries', () => {
    expect(redactUrl('/a/b')).toBe('/a/b');
    expect(redactUrl('/a?b=c')).toBe('/a?[redacted]');
    expect(redactUrl('/a?')).toBe('/a?[redacted]');
    expect(redactUrl(undefined)).toBeUndefined();
  });

  it('answers a URL Fastify refuses before routing (a path parameter over its limit) with an OperationOutcome', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/fhir/Patient/${'a'.repeat(5000)}`,
      headers: { authorization: auth },
    });
    expect(res.statusCode).toBe(414);
    expect(res.json<{ resourceType: string }>().resourceType).toBe('OperationOutcome');
  });
});
