import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startFuzzStack, type FuzzStack } from '@payment-layer/fuzz';
import { buildApp } from '../src/app';
import { loadInsureeEnv } from '../src/config';

describe('insuree mediator: malformed Bundles and deep bodies are a 400, not a 500', () => {
  let stack: FuzzStack;
  let app: FastifyInstance;

  beforeAll(async () => {
    stack = await startFuzzStack({ openimis: { population: { families: 0 } } });
    app = await buildApp({ env: loadInsureeEnv(stack.env), logLevel: 'silent', outboxWorker: false });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await stack.close();
  });

  it.each([
    ['/fhir', '{"resourceType":"Bundle","type":"batch","entry":[null]}', 'Bundle.entry[0]'],
    ['/fhir/Patient', '{"resourceType":"Bundle","type":"batch","entry":[null]}', 'Bundle.entry[0]'],
    [
      '/fhir/Group',
      '{"resourceType":"Bundle","type":"transaction","entry":[{"resource":"x"}]}',
      'Bundle.entry[0].resource',
    ],
    ['/fhir', '{"resourceType":"Bundle","type":"batch","entry":[{},[]]}', 'Bundle.entry[1]'],
    [
      '/fhir/Group',
      JSON.stringify({
        ...(JSON.parse(readFileSync(join(__dirname, 'fixtures/group-family.fhir.json'), 'utf8')) as object),
        member: [{ entity: { reference: 'Organization/not-a-patient' } }],
      }),
      'Group.member[0].entity',
    ],
    ['/fhir/Patient', `${'{"extension":['.repeat(2000)}1${']}'.repeat(2000)}`, undefined],
  ])('POST %s (body %#) → 400', async (url, payload, location) => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: stack.authorization, 'content-type': 'application/fhir+json' },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ resourceType: string }>().resourceType).toBe('OperationOutcome');
    if (location !== undefined) {
      expect(res.body).toContain(location);
    }
    expect(stack.fineract.state.clients.size).toBe(0);
  });
});
