import Fastify, { type FastifyInstance } from 'fastify';
import { HttpClient } from '@payment-layer/shared-http';
import { UpstreamTimeoutError, ValidationError } from '@payment-layer/shared-errors';
import {
  mediatorKit,
  type AuditEvent,
  mediatorServerOptions,
  type MediatorDefinition,
  type OpenHimConnectionOptions,
} from '../src';

/** The mediator document of the kit's test app (the shape every real mediator.json has). */
export const TEST_DEFINITION: MediatorDefinition = {
  urn: 'urn:mediator:payment-layer-kit-test',
  version: '1.0.0',
  name: 'Kit test mediator',
  description: 'Exercises the mediator kit',
  endpoints: [{ name: 'kit-test', type: 'http', primary: true, path: '/' }],
  defaultChannelConfig: [
    {
      name: 'Kit test Patient',
      urlPattern: '^/fhir/Patient/?$',
      methods: ['POST'],
      type: 'http',
      authType: 'private',
      allow: ['openimis'],
      timeout: 30000,
      requestBody: true,
      responseBody: true,
      routes: [{ name: 'kit-test', type: 'http', primary: true }],
    },
  ],
  configDefs: [
    { param: 'fineractOfficeId', displayName: 'Fineract office id', type: 'number' },
    { param: 'createSavingsAccount', type: 'bool' },
    { param: 'mode', type: 'option', values: ['charge', 'deposit'] },
  ],
  config: { fineractOfficeId: 1, createSavingsAccount: false, mode: 'charge' },
};

export const CLIENT = { username: 'openhim', password: 'route-password-123' };

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * A minimal app built on the kit: POST /fhir/Patient calls an "upstream" with secret credentials and answers
 * with the upstream's id; a few routes throw typed errors.
 */
export async function buildTestApp(options: {
  upstreamUrl: string;
  openhim?: OpenHimConnectionOptions;
  port?: number;
  bodyLimit?: number;
  onAudit?: (event: AuditEvent) => void;
  /** Route credentials core must present (default {@link CLIENT}). */
  client?: { username: string; password: string };
}): Promise<FastifyInstance> {
  const client = options.client ?? CLIENT;
  const app = Fastify(
    mediatorServerOptions({ logLevel: 'silent', bodyLimit: options.bodyLimit ?? 64 * 1024 }),
  );
  const upstream = new HttpClient({
    system: 'fineract',
    baseUrl: options.upstreamUrl,
    timeoutMs: 300,
    defaultHeaders: { authorization: basic('mifos', 'fineract-secret') },
  });
  await app.register(mediatorKit, {
    definition: TEST_DEFINITION,
    endpoint: {
      host: '127.0.0.1',
      port: options.port ?? 0,
      routeUsername: client.username,
      routePassword: client.password,
    },
    openhim: options.openhim ?? {
      enabled: false,
      apiUrl: 'http://127.0.0.1:1',
      username: 'x',
      password: 'x',
    },
    auth: { mode: 'basic', ...client },
    ...(options.onAudit ? { onAudit: options.onAudit } : {}),
  });
  app.addHook('onClose', async () => upstream.close());
  app.post('/fhir/Patient', async (request, reply) => {
    const body = request.body as { resourceType?: string; id?: string };
    if (body.resourceType !== 'Patient') {
      throw new ValidationError('expected a Patient', {
        issues: [{ message: 'expected a Patient', location: 'resourceType' }],
      });
    }
    const res = await upstream.request({
      method: 'POST',
      path: '/clients',
      body: { externalId: body.id, password: 'nested-secret' },
    });
    const created = JSON.parse(res.text) as { clientId: number };
    return reply.sendResult({
      httpStatus: 201,
      body: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational', diagnostics: 'created' }],
      },
      properties: {
        fhirId: body.id,
        fineractClientId: created.clientId,
        outcome: 'created',
        officeId: app.mediator.config.value.fineractOfficeId as number,
      },
    });
  });
  // A request that partly failed: 200 for the caller, "Completed with error(s)" for OpenHIM.
  app.post('/partly', async (_request, reply) =>
    reply.sendResult({
      httpStatus: 200,
      body: { resourceType: 'OperationOutcome', issue: [] },
      status: 'Completed with error(s)',
    }),
  );
  // Decides by the operator config: refused until core's config is known.
  app.post('/money', { config: { needsConfig: true } }, async (_request, reply) =>
    reply.sendResult({
      httpStatus: 200,
      body: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational', diagnostics: 'moved' }],
      },
      properties: { mode: String(app.mediator.config.value.mode) },
    }),
  );
  app.get('/boom', async () => {
    throw new Error('SELECT * FROM secrets -- internal detail');
  });
  app.get('/slow-upstream', async () => {
    throw new UpstreamTimeoutError('fineract', 'Fineract did not answer POST within 300 ms');
  });
  return app;
}
