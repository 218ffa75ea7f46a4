import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from '@payment-layer/shared-errors';
import { HttpClient } from './http-client';
import { MASK } from './mask';
import { runWithOrchestrations, type OrchestrationScope } from './orchestrations';
import { createMockAgent } from './testing';

describe('HttpClient', () => {
  it('records every call with secrets masked, bodies as strings and the transaction id forwarded', async () => {
    const agent = createMockAgent();
    const pool = agent.get('https://fineract.test');
    let seenTx: unknown;
    pool.intercept({ path: '/fineract-provider/api/v1/authentication', method: 'POST' }).reply(
      200,
      (opts) => {
        seenTx = (opts.headers as Record<string, string>)['x-openhim-transactionid'];
        return { username: 'mifos', base64EncodedAuthenticationKey: 'bWlmb3M6cGFzc3dvcmQ=' };
      },
      { headers: { 'content-type': 'application/json' } },
    );
    const client = new HttpClient({
      system: 'fineract',
      baseUrl: 'https://fineract.test/fineract-provider/api/v1',
      dispatcher: agent,
      defaultHeaders: {
        authorization: 'Basic bWlmb3M6cGFzc3dvcmQ=',
        'fineract-platform-tenantid': 'default',
      },
    });
    const scope: OrchestrationScope = { orchestrations: [], transactionId: 'tx-1' };
    const res = await runWithOrchestrations(scope, () =>
      client.request({
        method: 'POST',
        path: '/authentication',
        body: { username: 'mifos', password: 'password' },
      }),
    );
    expect(res.status).toBe(200);
    expect(seenTx).toBe('tx-1');
    expect(scope.orchestrations).toHaveLength(1);
    const [o] = scope.orchestrations;
    expect(o!.name).toBe('Fineract POST /fineract-provider/api/v1/authentication');
    expect(o!.request.headers.authorization).toBe(MASK);
    expect(o!.request.headers['fineract-platform-tenantid']).toBe('default');
    expect(JSON.parse(o!.request.body)).toEqual({ username: 'mifos', password: MASK });
    expect(JSON.parse(o!.response!.body).base64EncodedAuthenticationKey).toBe(MASK);
    expect(typeof o!.request.timestamp).toBe('string');
    expect(JSON.stringify(scope.orchestrations)).not.toContain('cGFzc3dvcmQ');
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it('keeps at most the scope limit of orchestrations and counts the rest', async () => {
    const agent = createMockAgent();
    agent.get('https://x.test').intercept({ path: '/a', method: 'GET' }).reply(200, '{}').times(5);
    const client = new HttpClient({ system: 'openimis', baseUrl: 'https://x.test', dispatcher: agent });
    const scope: OrchestrationScope = { orchestrations: [], limit: 2 };
    await runWithOrchestrations(scope, async () => {
      for (let i = 0; i < 5; i++) {
        await client.request({ method: 'GET', path: 'a' });
      }
    });
    expect(scope.orchestrations).toHaveLength(2);
    expect(scope.omitted).toBe(3);
    await agent.close();
  });

  it('records nothing outside a request scope', async () => {
    const agent = createMockAgent();
    agent.get('https://x.test').intercept({ path: '/a', method: 'GET' }).reply(204, '');
    const client = new HttpClient({ system: 'openimis', baseUrl: 'https://x.test', dispatcher: agent });
    const res = await client.request({ method: 'GET', path: 'a' });
    expect(res.status).toBe(204);
    await agent.close();
  });

  it('refuses absolute links to another origin', async () => {
    const agent = createMockAgent();
    const client = new HttpClient({ system: 'openimis', baseUrl: 'https://x.test/api', dispatcher: agent });
    await expect(client.request({ method: 'GET', path: 'https://evil.test/steal' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await agent.close();
  });

  describe('against a real socket', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        if (req.url === '/slow') {
          setTimeout(() => res.end('late'), 500).unref();
          return;
        }
        res.setHeader('content-type', 'text/plain');
        res.end('fine');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('maps a slow answer to UpstreamTimeoutError and records the failed call', async () => {
      const client = new HttpClient({ system: 'fineract', baseUrl: base, timeoutMs: 100 });
      const scope: OrchestrationScope = { orchestrations: [] };
      await expect(
        runWithOrchestrations(scope, () => client.request({ method: 'POST', path: '/slow', body: '{}' })),
      ).rejects.toBeInstanceOf(UpstreamTimeoutError);
      expect(scope.orchestrations[0]!.error!.message).toMatch(/within 100 ms/);
      await client.close();
    });

    it('maps a refused connection to UpstreamUnavailableError', async () => {
      const client = new HttpClient({ system: 'openimis', baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000 });
      await expect(client.request({ method: 'GET', path: '/' })).rejects.toBeInstanceOf(
        UpstreamUnavailableError,
      );
      await client.close();
    });

    it('caps the response size', async () => {
      const client = new HttpClient({ system: 'openimis', baseUrl: base, maxResponseBytes: 2 });
      await expect(client.request({ method: 'GET', path: '/' })).rejects.toThrow(/exceeds 2 bytes/);
      await client.close();
    });
  });
});
