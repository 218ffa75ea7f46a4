import type { Patient, PaymentNotice } from 'fhir/r4';
import type { MockAgent } from 'undici';
import {
  NotFoundError,
  UpstreamError,
  UpstreamTimeoutError,
  ValidationError,
} from '@payment-layer/shared-errors';
import { MASK, runWithOrchestrations, type OrchestrationScope } from '@payment-layer/shared-http';
import { createMockAgent } from '@payment-layer/shared-http/testing';
import { interceptOpenImisLogin, operationOutcome, quotePlus, searchsetBundle } from './testing';
import {
  OpenImisClient,
  OpenImisMutationError,
  OpenImisMutationPendingError,
  decodeBundleLink,
  formatLastUpdated,
  type OpenImisClientOptions,
  type SyncCursor,
} from './index';

const ORIGIN = 'https://openimis.test';
const FHIR = `${ORIGIN}/api/api_fhir_r4/`;
const GRAPHQL = `${ORIGIN}/api/graphql`;
const PASSWORD = 's3cret-Pa55';
const JSON_HEADERS = { 'content-type': 'application/json' };
const NOW = Date.UTC(2024, 4, 17, 10, 0, 0);

function patient(id: string, lastUpdated?: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ family: `F${id}`, given: ['G'] }],
    ...(lastUpdated ? { meta: { lastUpdated } } : {}),
  };
}

interface Harness {
  agent: MockAgent;
  client: OpenImisClient;
  clock: { now: number };
  logins: () => number;
  tokens: string[];
}

/** A client on a MockAgent whose `login/` hands out distinct tokens valid for `lifetimeS` seconds. */
function harness(options: Partial<OpenImisClientOptions> & { lifetimeS?: number } = {}): Harness {
  const agent = createMockAgent();
  const clock = { now: NOW };
  const { tokens } = interceptOpenImisLogin(agent, FHIR, {
    lifetimeSeconds: options.lifetimeS ?? 3600,
    clock: () => clock.now,
    username: 'Admin',
    password: PASSWORD,
  });
  const client = new OpenImisClient({
    fhirBaseUrl: FHIR,
    graphqlUrl: GRAPHQL,
    username: 'Admin',
    password: PASSWORD,
    dispatcher: agent,
    clock: () => clock.now,
    ...options,
  });
  return { agent, client, clock, tokens, logins: () => tokens.length };
}

function bodyText(body: unknown): string {
  if (typeof body !== 'string') {
    throw new Error('expected a string request body');
  }
  return body;
}

function bearer(opts: { headers?: unknown }): string | undefined {
  const headers = opts.headers as Record<string, string>;
  return headers.authorization;
}

describe('OpenImisClient authentication', () => {
  it('logs in once with POST login/ and reuses the JWT until shortly before exp', async () => {
    const h = harness({ lifetimeS: 3600 });
    const seen: (string | undefined)[] = [];
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(
        200,
        (opts) => {
          seen.push(bearer(opts));
          return patient('p1');
        },
        { headers: JSON_HEADERS },
      )
      .times(3);
    await h.client.read('Patient', 'p1');
    h.clock.now += 3600_000 - 61_000; // still more than a minute before exp
    await h.client.read('Patient', 'p1');
    expect(h.logins()).toBe(1);
    h.clock.now += 2_000; // now within the last minute: refresh
    await h.client.read('Patient', 'p1');
    expect(h.logins()).toBe(2);
    expect(seen).toEqual([`Bearer ${h.tokens[0]}`, `Bearer ${h.tokens[0]}`, `Bearer ${h.tokens[1]}`]);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('refreshes a short-lived token a tenth of its lifetime before exp', async () => {
    const h = harness({ lifetimeS: 10 });
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(200, patient('p1'), { headers: JSON_HEADERS })
      .times(3);
    await h.client.read('Patient', 'p1');
    h.clock.now += 8_500;
    await h.client.read('Patient', 'p1');
    expect(h.logins()).toBe(1);
    h.clock.now += 600; // 9.1 s: inside the last second
    await h.client.read('Patient', 'p1');
    expect(h.logins()).toBe(2);
    await h.agent.close();
  });

  it('makes concurrent first calls share one login (single flight)', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/api/api_fhir_r4/Patient/'), method: 'GET' })
      .reply(200, (opts) => patient(opts.path.split('/')[4] ?? ''), { headers: JSON_HEADERS })
      .times(5);
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => h.client.read('Patient', id)));
    expect(results.map((p) => p.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(h.logins()).toBe(1);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('on a 401 logs in again once and retries once', async () => {
    const h = harness();
    const pool = h.agent.get(ORIGIN);
    const seen: (string | undefined)[] = [];
    pool.intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' }).reply(
      401,
      (opts) => {
        seen.push(bearer(opts));
        return operationOutcome('Token has expired', 'login');
      },
      { headers: JSON_HEADERS },
    );
    pool.intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' }).reply(
      200,
      (opts) => {
        seen.push(bearer(opts));
        return patient('p1');
      },
      { headers: JSON_HEADERS },
    );
    const p = await h.client.read('Patient', 'p1');
    expect(p.id).toBe('p1');
    expect(h.logins()).toBe(2);
    expect(seen).toEqual([`Bearer ${h.tokens[0]}`, `Bearer ${h.tokens[1]}`]);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('gives up after the retry also gets a 401 (no login loop)', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(401, operationOutcome('Invalid token.', 'login'), { headers: JSON_HEADERS })
      .times(2);
    const err = await h.client.read('Patient', 'p1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ upstreamStatus: 401, system: 'openimis' });
    expect((err as Error).message).toContain('Invalid token.');
    expect(h.logins()).toBe(2);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('reports failed logins as upstream errors with openIMIS message', async () => {
    const agent = createMockAgent();
    agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/login/', method: 'POST' })
      .reply(401, operationOutcome('Invalid username/password.', 'login'), { headers: JSON_HEADERS });
    const client = new OpenImisClient({
      fhirBaseUrl: FHIR,
      graphqlUrl: GRAPHQL,
      username: 'Admin',
      password: 'wrong',
      dispatcher: agent,
    });
    await expect(client.read('Patient', 'x')).rejects.toMatchObject({
      message: 'openIMIS login failed: Invalid username/password.',
      upstreamStatus: 401,
    });
    await agent.close();
  });

  it('records every call as an orchestration with the JWT and password masked', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(200, patient('p1'), { headers: JSON_HEADERS });
    const scope: OrchestrationScope = { orchestrations: [], transactionId: 'tx-42' };
    await runWithOrchestrations(scope, () => h.client.read('Patient', 'p1'));
    expect(scope.orchestrations.map((o) => o.name)).toEqual(['openIMIS login', 'openIMIS read Patient']);
    const [login, read] = scope.orchestrations;
    expect(JSON.parse(login!.request.body)).toEqual({ username: 'Admin', password: MASK });
    expect(JSON.parse(login!.response!.body)).toMatchObject({ token: MASK });
    expect(read!.request.headers.authorization).toBe(MASK);
    expect(read!.request.path).toBe('/api/api_fhir_r4/Patient/p1/');
    const recorded = JSON.stringify(scope);
    expect(recorded).not.toContain(PASSWORD);
    expect(recorded).not.toContain(h.tokens[0]!);
    expect(recorded).not.toContain(h.tokens[0]!.split('.')[1]!);
    await h.agent.close();
  });
});

describe('OpenImisClient reads and errors', () => {
  it('maps a 404 OperationOutcome on a read to NotFoundError, and a Django HTML 404 to an upstream error', async () => {
    const h = harness();
    const pool = h.agent.get(ORIGIN);
    pool
      .intercept({ path: '/api/api_fhir_r4/Patient/nope/', method: 'GET' })
      .reply(404, operationOutcome('No matching resource', 'not-found'), { headers: JSON_HEADERS });
    pool
      .intercept({ path: '/api/api_fhir_r4/Group/g1/', method: 'GET' })
      .reply(404, '<h1>Not Found</h1>', { headers: { 'content-type': 'text/html' } });
    await expect(h.client.read('Patient', 'nope')).rejects.toBeInstanceOf(NotFoundError);
    const err = await h.client.read('Group', 'g1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ upstreamStatus: 404, statusCode: 422 });
    await h.agent.close();
  });

  it('parses issue[0].details.text and code of error bodies', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(500, operationOutcome('Unexpected error: boom', 'exception'), { headers: JSON_HEADERS });
    const err = (await h.client.read('Patient', 'p1').catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toBe('openIMIS read Patient/p1 failed: Unexpected error: boom');
    expect(err.upstreamStatus).toBe(500);
    expect(err.upstreamCode).toBe('exception');
    expect(err.statusCode).toBe(502);
    expect(err.retryable).toBe(true);
    await h.agent.close();
  });

  it('times out slow calls with UpstreamTimeoutError', async () => {
    const h = harness({ timeoutMs: 50 });
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(200, patient('p1'), { headers: JSON_HEADERS })
      .delay(500);
    await expect(h.client.read('Patient', 'p1')).rejects.toBeInstanceOf(UpstreamTimeoutError);
    await h.agent.close();
  });

  it('rejects a resource of another type than asked', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/p1/', method: 'GET' })
      .reply(200, { resourceType: 'Group', id: 'p1' }, { headers: JSON_HEADERS });
    await expect(h.client.read('Patient', 'p1')).rejects.toBeInstanceOf(UpstreamError);
    await h.agent.close();
  });
});

describe('OpenImisClient searches and paging', () => {
  it('decodes quote_plus links, treating + as a space', () => {
    const url = 'https://openimis.test/api/api_fhir_r4/Patient/?name=Jane Doe&page-offset=2';
    expect(quotePlus(url)).toContain('+');
    expect(decodeBundleLink(quotePlus(url))).toBe(url);
    expect(decodeBundleLink('https://openimis.test/x/?a=%2B')).toBe('https://openimis.test/x/?a=%2B');
  });

  it('follows encoded next links until the last page', async () => {
    const h = harness();
    const pool = h.agent.get(ORIGIN);
    const paths: string[] = [];
    const page2 = `${FHIR}Patient/?_count=2&_lastUpdated=ge2024-05-17T10%3A58%3A46&page-offset=2`;
    const page3 = `${FHIR}Patient/?_count=2&_lastUpdated=ge2024-05-17T10%3A58%3A46&page-offset=3`;
    pool
      .intercept({ path: (p) => p.startsWith('/api/api_fhir_r4/Patient/?'), method: 'GET' })
      .reply(
        200,
        (opts) => {
          paths.push(opts.path);
          const page = new URL(opts.path, ORIGIN).searchParams.get('page-offset');
          if (page === null) {
            return searchsetBundle([patient('a'), patient('b')], { next: page2, total: 5 });
          }
          if (page === '2') {
            return searchsetBundle([patient('c'), patient('d')], { next: page3, total: 5 });
          }
          return searchsetBundle([patient('e')], { total: 5 });
        },
        { headers: JSON_HEADERS },
      )
      .times(3);
    const ids: (string | undefined)[] = [];
    for await (const p of h.client.searchAll('Patient', {
      _count: 2,
      _lastUpdated: 'ge2024-05-17T10:58:46',
    })) {
      ids.push(p.id);
    }
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(paths).toHaveLength(3);
    const second = new URL(paths[1]!, ORIGIN).searchParams;
    expect(second.get('_lastUpdated')).toBe('ge2024-05-17T10:58:46');
    expect(second.get('page-offset')).toBe('2');
    expect(second.get('_count')).toBe('2');
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('reads a next link naming another origin (a proxy rewrote Host) from the configured origin only', async () => {
    const h = harness();
    const pool = h.agent.get(ORIGIN);
    pool.intercept({ path: '/api/api_fhir_r4/Patient/', method: 'GET' }).reply(
      200,
      searchsetBundle([patient('a')], {
        next: 'http://backend:8000/api/api_fhir_r4/Patient/?page-offset=2',
      }),
      { headers: JSON_HEADERS },
    );
    pool
      .intercept({ path: '/api/api_fhir_r4/Patient/?page-offset=2', method: 'GET' })
      .reply(200, searchsetBundle([patient('b')]), { headers: JSON_HEADERS });
    const ids: (string | undefined)[] = [];
    for await (const p of h.client.searchAll('Patient')) {
      ids.push(p.id);
    }
    expect(ids).toEqual(['a', 'b']);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('refuses a next link outside the FHIR API', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/Patient/', method: 'GET' })
      .reply(200, searchsetBundle([patient('a')], { next: 'https://evil.test/admin/?page-offset=2' }), {
        headers: JSON_HEADERS,
      });
    const ids: (string | undefined)[] = [];
    const run = async (): Promise<void> => {
      for await (const p of h.client.searchAll('Patient')) {
        ids.push(p.id);
      }
    };
    await expect(run()).rejects.toThrow(/paging link leaves the FHIR API/);
    expect(ids).toEqual(['a']);
    await h.agent.close();
  });

  it('stops with an error when paging loops back to a page already read', async () => {
    const h = harness();
    const loop = `${FHIR}Patient/?page-offset=2`;
    h.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/api/api_fhir_r4/Patient/'), method: 'GET' })
      .reply(200, searchsetBundle([patient('a')], { next: loop }), { headers: JSON_HEADERS })
      .times(2); // the first page and page 2 once; page 2 pointing at itself is not requested again
    const run = async (): Promise<number> => {
      let n = 0;
      for await (const _ of h.client.searchAll('Patient')) {
        n++;
      }
      return n;
    };
    await expect(run()).rejects.toThrow(/paging loops back/);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('returns a bare resource answer (Invoice/?code=) as a one-item page and a 404 outcome as empty', async () => {
    const h = harness();
    const pool = h.agent.get(ORIGIN);
    pool
      .intercept({ path: '/api/api_fhir_r4/Invoice/?code=IV-1', method: 'GET' })
      .reply(200, { resourceType: 'Invoice', id: 'i1', status: 'active' }, { headers: JSON_HEADERS });
    pool
      .intercept({ path: '/api/api_fhir_r4/Invoice/?code=IV-2', method: 'GET' })
      .reply(404, operationOutcome('not found', 'not-found'), { headers: JSON_HEADERS });
    const one = await h.client.search('Invoice', { code: 'IV-1' });
    expect(one.resources.map((r) => r.id)).toEqual(['i1']);
    expect(one.next).toBeUndefined();
    const none = await h.client.search('Invoice', { code: 'IV-2' });
    expect(none.resources).toEqual([]);
    await h.agent.close();
  });
});

describe('OpenImisClient incremental sync', () => {
  it('formats _lastUpdated exactly as YYYY-MM-DDTHH:MM:SS in server-local time', () => {
    const instant = new Date('2024-05-17T07:58:46.807Z');
    expect(formatLastUpdated(instant)).toBe('2024-05-17T07:58:46');
    expect(formatLastUpdated(instant, 'Africa/Dar_es_Salaam')).toBe('2024-05-17T10:58:46');
    expect(formatLastUpdated(new Date('2024-05-17T00:00:00Z'))).toBe('2024-05-17T00:00:00');
  });

  it('sends _lastUpdated=ge<cursor> with _count and rejects a cursor in any other format', async () => {
    const h = harness();
    let query: URLSearchParams | undefined;
    h.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/api/api_fhir_r4/Patient/?'), method: 'GET' })
      .reply(
        200,
        (opts) => {
          query = new URL(opts.path, ORIGIN).searchParams;
          return searchsetBundle([]);
        },
        { headers: { ...JSON_HEADERS, date: 'Fri, 17 May 2024 11:00:00 GMT' } },
      );
    const sync = h.client.syncSince('Patient', { cursor: '2024-05-17T10:58:46', pageSize: 50 });
    for await (const _ of sync) {
      // nothing to process
    }
    expect(query?.get('_lastUpdated')).toBe('ge2024-05-17T10:58:46');
    expect(query?.get('_count')).toBe('50');
    // Complete window: the next would start at the walk's start (11:00:00 by the Date header) minus the 300 s
    // overlap, but a cursor never moves backwards.
    expect(sync.complete).toBe(true);
    expect(sync.cursor).toEqual({ since: '2024-05-17T10:58:46', seen: [] });
    expect(() =>
      h.client.syncSince('Patient', { cursor: { since: '2024-05-17T10:58:46Z', seen: [] } }),
    ).toThrow(ValidationError);
    expect(() =>
      h.client.syncSince('Patient', { cursor: { since: '2024-05-17 10:58:46', seen: [] } }),
    ).toThrow(ValidationError);
    await h.agent.close();
  });

  it('skips resources already processed at the boundary second, keyed on (id, lastUpdated)', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/api/api_fhir_r4/Patient/?'), method: 'GET' })
      .reply(
        200,
        searchsetBundle([
          patient('a', '2024-05-17T10:58:46.100000'),
          patient('b', '2024-05-17T10:58:46.900000'),
          patient('c', '2024-05-17T10:58:46.500000'), // c changed again within the same second: a new version
          patient('d', '2024-05-17T11:30:00'),
        ]),
        { headers: { ...JSON_HEADERS, date: 'Fri, 17 May 2024 12:00:00 GMT' } },
      );
    const cursor: SyncCursor = {
      since: '2024-05-17T10:58:46',
      seen: ['a@2024-05-17T10:58:46', 'b@2024-05-17T10:58:46', 'c@2024-05-17T10:58:45'],
    };
    const items = [];
    const sync = h.client.syncSince('Patient', { cursor });
    for await (const item of sync) {
      items.push(item);
    }
    expect(items.map((i) => [i.resource.id, i.lastUpdated])).toEqual([
      ['c', '2024-05-17T10:58:46'],
      ['d', '2024-05-17T11:30:00'],
    ]);
    expect(items[0]!.cursor.seen).toEqual([...cursor.seen, 'c@2024-05-17T10:58:46']);
    // Next window from 11:55:00 carries only keys that can come back in it.
    expect(sync.cursor).toEqual({ since: '2024-05-17T11:55:00', seen: [] });
    await h.agent.close();
  });

  it('resumes an interrupted walk from an item cursor without duplicates or gaps', async () => {
    const h = harness();
    const all = Array.from({ length: 7 }, (_, i) => patient(`p${i}`));
    // Serves pages of 3 from `all`, following page-offset, like DRF.
    h.agent
      .get(ORIGIN)
      .intercept({ path: (p) => p.startsWith('/api/api_fhir_r4/Patient/?'), method: 'GET' })
      .reply(
        200,
        (opts) => {
          const q = new URL(opts.path, ORIGIN).searchParams;
          const page = Number.parseInt(q.get('page-offset') ?? '1', 10);
          const size = Number.parseInt(q.get('_count') ?? '10', 10);
          const slice = all.slice((page - 1) * size, page * size);
          q.set('page-offset', String(page + 1));
          const next = page * size < all.length ? `${FHIR}Patient/?${q.toString()}` : undefined;
          return searchsetBundle(slice, { ...(next ? { next } : {}), total: all.length });
        },
        { headers: { ...JSON_HEADERS, date: 'Fri, 17 May 2024 12:00:00 GMT' } },
      )
      .persist();
    const processed: string[] = [];
    let saved: SyncCursor | undefined;
    const first = h.client.syncSince('Patient', { pageSize: 3 });
    for await (const item of first) {
      if (processed.length === 4) {
        break; // crash while handling the fifth resource: its cursor is never saved
      }
      processed.push(String(item.resource.id));
      saved = item.cursor;
    }
    expect(first.complete).toBe(false);
    expect(saved).toEqual({ seen: ['p0', 'p1', 'p2', 'p3'], walkStartedAt: '2024-05-17T12:00:00' });
    const second = h.client.syncSince('Patient', {
      cursor: JSON.parse(JSON.stringify(saved)) as SyncCursor,
      pageSize: 3,
    });
    for await (const item of second) {
      processed.push(String(item.resource.id));
    }
    expect(processed).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6']);
    // The window closes at the interrupted walk's start, not the resumed one's.
    expect(second.cursor).toEqual({ since: '2024-05-17T11:55:00', seen: [] });

    // Saved incrementally (window + the keys processed), the same crash resumes the same way.
    const keys: string[] = [];
    let window: { since?: string; walkStartedAt?: string } = {};
    const third = h.client.syncSince('Patient', { pageSize: 3 });
    for await (const item of third) {
      if (keys.length === 4) {
        break;
      }
      keys.push(item.key);
      window = third.window;
    }
    expect(window).toEqual({ walkStartedAt: '2024-05-17T12:00:00' });
    const resumed: string[] = [];
    const fourth = h.client.syncSince('Patient', { cursor: { ...window, seen: keys }, pageSize: 3 });
    for await (const item of fourth) {
      resumed.push(String(item.resource.id));
    }
    expect(resumed).toEqual(['p4', 'p5', 'p6']);
    expect(fourth.window).toEqual({ walkStartedAt: '2024-05-17T12:00:00' });
    await h.agent.close();
  });
});

describe('OpenImisClient PaymentNotice', () => {
  const notice: PaymentNotice = {
    resourceType: 'PaymentNotice',
    status: 'active',
    request: { reference: 'Invoice/bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f', type: 'Invoice' },
    created: '2024-05-17T10:58:46',
    payment: { reference: 'PaymentReconciliation/4711' },
    paymentDate: '2024-05-17',
    recipient: { reference: 'Organization/openIMIS-Implementation' },
    amount: { value: 10000.5, currency: 'USD' },
    paymentStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/paymentstatus', code: 'paid' }],
    },
  };

  it('POSTs PaymentNotice/ and returns the stored notice', async () => {
    const h = harness();
    let sent: unknown;
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/PaymentNotice/', method: 'POST' })
      .reply(
        201,
        (opts) => {
          sent = JSON.parse(bodyText(opts.body));
          return { ...notice, id: '9b0c5e4a-8c2e-4f57-9d2e-2f7d1c4b8a11' };
        },
        { headers: JSON_HEADERS },
      );
    const stored = await h.client.createPaymentNotice(notice);
    expect(stored.id).toBe('9b0c5e4a-8c2e-4f57-9d2e-2f7d1c4b8a11');
    expect(sent).toEqual(notice);
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('refuses notices openIMIS would mishandle, before sending anything', async () => {
    const h = harness();
    await expect(h.client.createPaymentNotice({ ...notice, status: 'draft' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      h.client.createPaymentNotice({ ...notice, request: { reference: 'Invoice/x', type: 'Claim' } }),
    ).rejects.toThrow(/request.type must be Invoice or Bill/);
    await expect(
      h.client.createPaymentNotice({ ...notice, amount: { value: 10000.123, currency: 'USD' } }),
    ).rejects.toThrow(/at most 2 decimals/);
    expect(h.logins()).toBe(0);
    await h.agent.close();
  });

  it('turns a 400 OperationOutcome into a 422 UpstreamError with openIMIS message', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/api_fhir_r4/PaymentNotice/', method: 'POST' })
      .reply(400, operationOutcome("Bad value in paymentStatus, should be either 'paid' or 'cleared'"), {
        headers: JSON_HEADERS,
      });
    const err = (await h.client.createPaymentNotice(notice).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.message).toBe(
      "openIMIS create PaymentNotice failed: Bad value in paymentStatus, should be either 'paid' or 'cleared'",
    );
    expect(err).toMatchObject({
      upstreamStatus: 400,
      upstreamCode: 'invalid',
      statusCode: 422,
      retryable: false,
    });
    await h.agent.close();
  });
});

describe('OpenImisClient GraphQL', () => {
  const INVOICE = 'bd84b2f2-ec1d-48de-8f8c-5a477aa4a29f';

  function graphql(h: Harness, answer: (query: string) => unknown, times = 1): string[] {
    const queries: string[] = [];
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/graphql', method: 'POST' })
      .reply(
        200,
        (opts) => {
          expect(bearer(opts)).toBe(`Bearer ${h.tokens[h.tokens.length - 1]}`);
          const { query } = JSON.parse(bodyText(opts.body)) as { query: string };
          queries.push(query);
          return answer(query);
        },
        { headers: JSON_HEADERS },
      )
      .times(times);
    return queries;
  }

  it('reads the real invoice status by UUID (A_2 = paid) with amounts as decimal strings', async () => {
    const h = harness();
    const queries = graphql(h, () => ({
      data: {
        invoice: {
          edges: [
            {
              node: {
                id: INVOICE,
                code: 'IV-PRD1-070707070-2024-05',
                status: 'A_2',
                amountTotal: '10000.00',
                amountNet: '10000.00',
                currencyCode: 'USD',
                datePayed: null,
                lineItems: {
                  edges: [{ node: { lineId: 'pol-1', lineTypeName: 'policy', amountTotal: '10000.00' } }],
                },
              },
            },
          ],
        },
      },
    }));
    const status = await h.client.getInvoiceStatus(INVOICE);
    expect(queries[0]).toContain(`invoice(id: "${INVOICE}")`);
    expect(status).toEqual({
      id: INVOICE,
      code: 'IV-PRD1-070707070-2024-05',
      status: 2,
      statusName: 'paid',
      amountTotal: '10000.00',
      amountNet: '10000.00',
      currencyCode: 'USD',
      datePayed: undefined,
      lineItems: [{ lineId: 'pol-1', lineTypeName: 'policy', amountTotal: '10000.00' }],
    });
    await h.agent.close();
  });

  it('looks bills up by code, escapes the code, and reports a missing invoice as NotFoundError', async () => {
    const h = harness();
    const queries = graphql(h, () => ({ data: { bill: { edges: [] } } }));
    await expect(h.client.getInvoiceStatus('B-1") { x }', 'bill')).rejects.toBeInstanceOf(NotFoundError);
    expect(queries[0]).toContain('bill(code: "B-1\\") { x }")');
    await h.agent.close();
  });

  it('lists the payments recorded against an invoice (duplicate check)', async () => {
    const h = harness();
    const queries = graphql(h, () => ({
      data: {
        paymentInvoice: {
          edges: [
            {
              node: {
                id: 'pay-1',
                codeExt: null,
                payerRef: 'PaymentReconciliation/4711',
                amountReceived: '10000.00',
                reconciliationStatus: 'A_0',
                invoicePayments: {
                  edges: [{ node: { status: 'A_1', amount: '10000.00', subjectTypeName: 'invoice' } }],
                },
              },
            },
          ],
        },
      },
    }));
    const payments = await h.client.findInvoicePayments(INVOICE);
    expect(queries[0]).toContain(`paymentInvoice(subjectIds: ["${INVOICE}"])`);
    expect(payments).toEqual([
      {
        id: 'pay-1',
        codeExt: undefined,
        payerRef: 'PaymentReconciliation/4711',
        amountReceived: '10000.00',
        reconciliationStatus: 0,
        details: [{ status: 1, amount: '10000.00', subjectTypeName: 'invoice' }],
      },
    ]);
    await expect(h.client.findInvoicePayments('IV-1')).rejects.toBeInstanceOf(ValidationError);
    await h.agent.close();
  });

  it('maps GraphQL errors to an UpstreamError', async () => {
    const h = harness();
    graphql(h, () => ({
      errors: [{ message: 'User not authorized for this operation' }],
      data: { invoice: null },
    }));
    await expect(h.client.getInvoiceStatus(INVOICE)).rejects.toThrow(/User not authorized/);
    await h.agent.close();
  });

  it('creates a premium and polls mutationLogs until success', async () => {
    const h = harness();
    let polls = 0;
    const queries = graphql(
      h,
      (query) => {
        if (query.startsWith('mutation')) {
          return { data: { createPremium: { clientMutationId: 'cm1', internalId: '17' } } };
        }
        polls++;
        return {
          data: {
            mutationLogs: {
              edges: [
                { node: { id: 'ml1', status: polls < 3 ? 0 : 2, error: null, clientMutationId: 'cm1' } },
              ],
            },
          },
        };
      },
      4,
    );
    const accepted = await h.client.createPremium({
      policyUuid: 'pol-1',
      amount: '4200.00',
      receipt: 'R-1',
      payDate: '2024-05-17',
      payType: 'M',
      isPhotoFee: false,
      clientMutationId: 'cm1',
    });
    expect(accepted).toEqual({ clientMutationId: 'cm1', internalId: '17' });
    expect(queries[0]).toBe(
      'mutation { createPremium(input: {policyUuid: "pol-1", amount: "4200.00", receipt: "R-1", payDate: "2024-05-17", payType: "M", isPhotoFee: false, clientMutationId: "cm1"}) { clientMutationId internalId } }',
    );
    await expect(h.client.waitForMutation('cm1', { intervalMs: 1, timeoutMs: 5_000 })).resolves.toEqual({
      clientMutationId: 'cm1',
      id: 'ml1',
    });
    expect(polls).toBe(3);
    expect(queries[1]).toContain('mutationLogs(clientMutationId: "cm1")');
    h.agent.assertNoPendingInterceptors();
    await h.agent.close();
  });

  it('generates a 32-character clientMutationId when none is given', async () => {
    const h = harness();
    graphql(h, (query) => {
      const id = /clientMutationId: "([^"]+)"/.exec(query)?.[1];
      return { data: { createPremium: { clientMutationId: id, internalId: null } } };
    });
    const accepted = await h.client.createPremium({
      policyUuid: 'pol-1',
      amount: '1.00',
      receipt: 'R-2',
      payDate: '2024-05-17',
      payType: 'C',
    });
    expect(accepted.clientMutationId).toMatch(/^[0-9a-f]{32}$/);
    await h.agent.close();
  });

  it('raises OpenImisMutationError when the mutation failed', async () => {
    const h = harness();
    graphql(h, () => ({
      data: {
        mutationLogs: {
          edges: [
            { node: { id: 'ml1', status: 1, error: '[{"message": "Receipt already used", "detail": "x"}]' } },
          ],
        },
      },
    }));
    const err = (await h.client
      .waitForMutation('cm1', { intervalMs: 1 })
      .catch((e: unknown) => e)) as OpenImisMutationError;
    expect(err).toBeInstanceOf(OpenImisMutationError);
    expect(err.message).toBe('openIMIS mutation cm1 failed: Receipt already used');
    expect(err).toMatchObject({ statusCode: 422, retryable: false, clientMutationId: 'cm1' });
    await h.agent.close();
  });

  it('raises OpenImisMutationPendingError (outcome unknown) when no final status comes in time', async () => {
    const h = harness();
    h.agent
      .get(ORIGIN)
      .intercept({ path: '/api/graphql', method: 'POST' })
      .reply(
        200,
        { data: { mutationLogs: { edges: [{ node: { id: 'ml1', status: 0 } }] } } },
        { headers: JSON_HEADERS },
      )
      .persist();
    const err = await h.client
      .waitForMutation('cm1', { intervalMs: 5, timeoutMs: 60 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenImisMutationPendingError);
    expect(err).toBeInstanceOf(UpstreamTimeoutError);
    expect(err).toMatchObject({ clientMutationId: 'cm1', statusCode: 504 });
    await h.agent.close();
  });
});
