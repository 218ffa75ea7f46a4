import { runWithOrchestrations, type OrchestrationScope } from '@payment-layer/shared-http';
import { startOpenImisSimulator, type OpenImisSimulator } from '@payment-layer/sandbox';
import { OpenImisClient, type SyncCursor } from '../src/index';

/**
 * The client against the openIMIS simulator over real sockets: 10,000 generated insurees synced page by page,
 * an interrupted sync resumed from its cursor, and JWT expiry in the middle of a sync.
 */
describe('OpenImisClient against the openIMIS simulator', () => {
  const INSUREES = 10_000;
  const PAGE = 500;
  const TOKEN_LIFETIME_S = 60;
  // One clock for the simulator (token issue and expiry) and the client (token cache).
  const clock = { ms: Date.UTC(2024, 5, 1, 8, 0, 0) };
  let sim: OpenImisSimulator;
  let allIds: Set<string>;

  beforeAll(async () => {
    sim = await startOpenImisSimulator({
      includeFixtures: false,
      seed: 42,
      // One insuree per family, no invoices or claims: exactly 10,000 Patients.
      population: { families: INSUREES, membersPerFamily: [1, 1], invoicesPerFamily: 0, claims: 0 },
      tokenLifetimeSeconds: TOKEN_LIFETIME_S,
      clock: () => new Date(clock.ms),
    });
    allIds = new Set(sim.store.list('Patient').map((p) => String(p.id)));
  });

  afterAll(async () => {
    await sim.close();
  });

  function client(): OpenImisClient {
    return new OpenImisClient({
      fhirBaseUrl: sim.fhirBaseUrl,
      graphqlUrl: sim.graphqlUrl,
      username: sim.credentials.username,
      password: sim.credentials.password,
      clock: () => clock.ms,
      timeoutMs: 10_000,
    });
  }

  function callsIn(scope: OrchestrationScope, name: string, status?: number): number {
    return scope.orchestrations.filter(
      (o) => o.name.startsWith(name) && (status === undefined || o.response?.status === status),
    ).length;
  }

  it('has a population of 10,000 insurees', () => {
    expect(allIds.size).toBe(INSUREES);
  });

  // One walk over the 10,000 insurees covers paging, token renewal, interruption and resumption: a full walk
  // costs seconds (about 14 MB of JSON, parsed and masked for the orchestration record), so it is done once.
  it('syncs 10,000 insurees across pages, survives an interruption and token expiry, with no duplicate or gap', async () => {
    const INTERRUPT_AT = 5_250;
    const processed: string[] = [];
    let saved: string | undefined;

    // First process: walks pages of 500 while the 60 s token runs out, then dies mid-page.
    const first = client();
    const firstScope: OrchestrationScope = { orchestrations: [] };
    const firstSync = first.syncSince('Patient', { pageSize: PAGE });
    await runWithOrchestrations(firstScope, async () => {
      for await (const item of firstSync) {
        if (processed.length === INTERRUPT_AT) {
          break; // only what was saved survives
        }
        processed.push(String(item.resource.id));
        if (processed.length % 50 === 0) {
          saved = JSON.stringify(item.cursor); // persisted every 50 items, like a batch commit
        }
        if (processed.length % PAGE === 0) {
          clock.ms += 25_000; // each page "takes" 25 s
        }
      }
    });
    await first.close();
    expect(firstSync.complete).toBe(false);
    expect(callsIn(firstScope, 'openIMIS search Patient')).toBe(Math.ceil((INTERRUPT_AT + 1) / PAGE));
    // Renewed from the cached exp before it ran out: several logins, never a 401.
    expect(callsIn(firstScope, 'openIMIS login')).toBeGreaterThanOrEqual(4);
    expect(callsIn(firstScope, 'openIMIS search Patient', 401)).toBe(0);
    const cursor = JSON.parse(saved!) as SyncCursor;
    expect(cursor.seen).toHaveLength(INTERRUPT_AT);
    expect(cursor.since).toBeUndefined();
    expect(cursor.walkStartedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);

    // Meanwhile openIMIS has expired every token it issued; a new process resumes from the saved cursor.
    sim.expireAllTokens();
    const second = client();
    const secondScope: OrchestrationScope = { orchestrations: [] };
    const resumed: string[] = [];
    const secondSync = second.syncSince('Patient', { cursor, pageSize: PAGE });
    await runWithOrchestrations(secondScope, async () => {
      for await (const item of secondSync) {
        resumed.push(String(item.resource.id));
      }
    });
    await second.close();

    expect(resumed).toHaveLength(INSUREES - INTERRUPT_AT);
    const union = [...processed, ...resumed];
    expect(union).toHaveLength(INSUREES);
    expect(new Set(union)).toEqual(allIds);
    // The resumed walk re-reads the window from its first page (offsets may have shifted) and skips what was done.
    expect(callsIn(secondScope, 'openIMIS search Patient', 200)).toBe(INSUREES / PAGE);
    expect(secondSync.complete).toBe(true);
    expect(secondSync.cursor.since).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  }, 60_000);

  it('logs in again once when openIMIS rejects a token the client still trusts', async () => {
    const c = client();
    const scope: OrchestrationScope = { orchestrations: [] };
    await runWithOrchestrations(scope, async () => {
      const page1 = await c.search('Patient', { _count: 10 });
      sim.expireAllTokens();
      const page2 = await c.search('Patient', { _count: 10, 'page-offset': 2 });
      expect(page1.resources).toHaveLength(10);
      expect(page2.resources).toHaveLength(10);
    });
    expect(callsIn(scope, 'openIMIS login')).toBe(2);
    expect(callsIn(scope, 'openIMIS search Patient', 401)).toBe(1);
    await c.close();
  });
});
