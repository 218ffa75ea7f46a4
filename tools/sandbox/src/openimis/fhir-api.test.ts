import type { Bundle, OperationOutcome, Patient } from 'fhir/r4';
import { request } from 'undici';
import { generatePopulation } from './population';
import { startOpenImisSimulator, type OpenImisSimulator } from './server';
import { call, login } from './test-helpers';

const decodeLink = (url: string): string => decodeURIComponent(url.replace(/\+/g, ' '));
const linkOf = (bundle: Bundle, relation: string): string | undefined =>
  bundle.link?.find((l) => l.relation === relation)?.url;

describe('openIMIS simulator: authentication', () => {
  let now: Date;
  let sim: OpenImisSimulator;

  beforeAll(async () => {
    now = new Date('2025-03-01T10:00:00Z');
    sim = await startOpenImisSimulator({
      population: { families: 5 },
      clock: () => now,
      tokenLifetimeSeconds: 3600,
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('logs in and returns a token with its expiry', async () => {
    const res = await call(sim.loginUrl, {
      method: 'POST',
      json: { username: 'admin', password: 'admin123' },
    });
    expect(res.status).toBe(200);
    const body = res.body as { token: string; exp: number };
    expect(body.token.split('.')).toHaveLength(3);
    expect(body.exp).toBe(Math.floor(now.getTime() / 1000) + 3600);
  });

  it('answers 401 to bad credentials and 400 to a malformed body', async () => {
    expect(
      (await call(sim.loginUrl, { method: 'POST', json: { username: 'Admin', password: 'nope' } })).status,
    ).toBe(401);
    expect((await call(sim.loginUrl, { method: 'POST', json: { username: 'Admin' } })).status).toBe(400);
    expect(
      (await call(sim.loginUrl, { method: 'POST', json: { user: 'Admin', pass: 'admin123' } })).status,
    ).toBe(400);
  });

  it('requires a Bearer token and rejects Basic auth like openIMIS', async () => {
    const none = await call(`${sim.fhirBaseUrl}Patient/`);
    expect(none.status).toBe(401);
    expect((none.body as OperationOutcome).issue[0]?.details?.text).toBe(
      'Authentication credentials were not provided.',
    );
    const basic = await call(`${sim.fhirBaseUrl}Patient/`, {
      headers: { authorization: `Basic ${Buffer.from('Admin:admin123').toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    expect((basic.body as OperationOutcome).resourceType).toBe('OperationOutcome');
    expect((basic.body as OperationOutcome).issue[0]?.details?.text).toBe("Missing 'Bearer' prefix");
    const forged = await call(`${sim.fhirBaseUrl}Patient/`, { token: 'a.b.c' });
    expect(forged.status).toBe(401);
  });

  it('rejects a token after it expires, and every token after expireAllTokens()', async () => {
    const token = await login(sim);
    expect((await call(`${sim.fhirBaseUrl}Patient/`, { token })).status).toBe(200);
    now = new Date(now.getTime() + 3601 * 1000);
    const expired = await call(`${sim.fhirBaseUrl}Patient/`, { token });
    expect(expired.status).toBe(401);
    expect((expired.body as OperationOutcome).issue[0]?.details?.text).toBe('Signature has expired');

    const fresh = await login(sim);
    expect((await call(`${sim.fhirBaseUrl}Patient/`, { token: fresh })).status).toBe(200);
    sim.expireAllTokens();
    expect((await call(`${sim.fhirBaseUrl}Patient/`, { token: fresh })).status).toBe(401);
    expect((await call(`${sim.fhirBaseUrl}Patient/`, { token: await login(sim) })).status).toBe(200);
  });
});

describe('openIMIS simulator: FHIR read and search', () => {
  let sim: OpenImisSimulator;
  let token: string;
  let now: Date;

  beforeAll(async () => {
    now = new Date('2025-03-01T10:00:00Z');
    sim = await startOpenImisSimulator({
      seed: 'paging',
      population: { families: 250, membersPerFamily: [4, 4] },
      includeFixtures: false,
      clock: () => now,
    });
    token = await login(sim);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('redirects a GET without trailing slash and never processes a POST without it', async () => {
    const get = await request(`${sim.fhirBaseUrl}Patient?_count=2`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await get.body.dump();
    expect(get.statusCode).toBe(301);
    expect(get.headers['location']).toBe('/api/api_fhir_r4/Patient/?_count=2');
    const post = await call(`${sim.fhirBaseUrl}PaymentNotice`, {
      method: 'POST',
      token,
      json: { resourceType: 'PaymentNotice' },
    });
    expect(post.status).toBe(301);
    expect(sim.store.paymentNotices()).toHaveLength(0);
    const read = await call(`${sim.fhirBaseUrl}Patient/${sim.store.list('Patient')[0]?.id ?? ''}`, { token });
    expect(read.status).toBe(301);
  });

  it('reads a Patient by UUID or CHF id, and 404s an unknown one', async () => {
    const patient = sim.store.list('Patient')[3] as Patient;
    const chfId = patient.identifier?.find((i) => i.type?.coding?.[0]?.code === 'Code')?.value ?? '';
    const byUuid = await call(`${sim.fhirBaseUrl}Patient/${patient.id ?? ''}/`, { token });
    expect(byUuid.status).toBe(200);
    expect((byUuid.body as Patient).id).toBe(patient.id);
    const byChf = await call(`${sim.fhirBaseUrl}Patient/${chfId}/`, { token });
    expect((byChf.body as Patient).id).toBe(patient.id);
    const missing = await call(`${sim.fhirBaseUrl}Patient/00000000-0000-4000-8000-000000000000/`, { token });
    expect(missing.status).toBe(404);
    expect((missing.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('walks every page of 1,000 insurees by following quote_plus-encoded next links', async () => {
    let url: string | undefined = `${sim.fhirBaseUrl}Patient/?_count=100`;
    const seen = new Map<string, number>();
    let pages = 0;
    while (url !== undefined) {
      const res = await call(url, { token });
      expect(res.status).toBe(200);
      const bundle = res.body as Bundle;
      expect(bundle.type).toBe('searchset');
      expect(bundle.total).toBe(1000);
      for (const entry of bundle.entry ?? []) {
        const id = entry.resource?.id ?? '';
        seen.set(id, (seen.get(id) ?? 0) + 1);
        expect(entry.fullUrl).toBe(`${sim.fhirBaseUrl}Patient/${id}`);
      }
      pages += 1;
      const next = linkOf(bundle, 'next');
      if (next !== undefined) {
        expect(next).not.toContain('/');
        expect(next.startsWith('http%3A%2F%2F')).toBe(true);
      }
      url = next === undefined ? undefined : decodeLink(next);
    }
    expect(pages).toBe(10);
    expect(seen.size).toBe(1000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    const ids = sim.store.list('Patient').map((p) => p.id);
    expect([...seen.keys()]).toEqual(ids);
  });

  it('builds self/next/previous like DRF: sorted parameters, page-offset dropped for page 1', async () => {
    const res = await call(`${sim.fhirBaseUrl}Patient/?page-offset=2&_count=10`, { token });
    const bundle = res.body as Bundle;
    expect(linkOf(bundle, 'self')).toBe(
      'http%3A%2F%2F127.0.0.1%3A' +
        String(sim.port) +
        '%2Fapi%2Fapi_fhir_r4%2FPatient%2F%3Fpage-offset%3D2%26_count%3D10',
    );
    expect(decodeLink(linkOf(bundle, 'next') ?? '')).toBe(
      `${sim.fhirBaseUrl}Patient/?_count=10&page-offset=3`,
    );
    expect(decodeLink(linkOf(bundle, 'previous') ?? '')).toBe(`${sim.fhirBaseUrl}Patient/?_count=10`);
    const first = (await call(`${sim.fhirBaseUrl}Patient/`, { token })).body as Bundle;
    expect(first.entry).toHaveLength(10);
    expect(linkOf(first, 'previous')).toBeUndefined();
  });

  it('404s a page past the end ("Invalid page.")', async () => {
    const res = await call(`${sim.fhirBaseUrl}Patient/?_count=100&page-offset=11`, { token });
    expect(res.status).toBe(404);
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe('Invalid page.');
  });

  it('turns ?identifier= into a read: the bare Patient by UUID or CHF id, 404 otherwise (no system|value)', async () => {
    const patient = sim.store.list('Patient')[42] as Patient;
    const chfId = patient.identifier?.find((i) => i.type?.coding?.[0]?.code === 'Code')?.value ?? '';
    const byChf = await call(`${sim.fhirBaseUrl}Patient/?identifier=${chfId}`, { token });
    expect(byChf.status).toBe(200);
    expect((byChf.body as Patient).resourceType).toBe('Patient');
    expect((byChf.body as Patient).id).toBe(patient.id);
    const byUuid = await call(`${sim.fhirBaseUrl}Patient/?identifier=${patient.id ?? ''}`, { token });
    expect((byUuid.body as Patient).id).toBe(patient.id);
    const withSystem = await call(
      `${sim.fhirBaseUrl}Patient/?identifier=${encodeURIComponent(`Code|${chfId}`)}`,
      {
        token,
      },
    );
    expect(withSystem.status).toBe(404);
    const group = sim.store.list('Group')[3]!;
    const headChfId = (group as { identifier?: { value?: string }[] }).identifier?.[1]?.value ?? '';
    const byHead = await call(`${sim.fhirBaseUrl}Group/?identifier=${headChfId}`, { token });
    expect((byHead.body as { id: string }).id).toBe(group.id);
  });

  it('lists versioned resources by last update: an updated Patient moves to the end', async () => {
    const [first] = sim.store.list('Patient');
    const before = (await call(`${sim.fhirBaseUrl}Patient/?_count=1`, { token })).body as Bundle;
    expect(before.entry?.[0]?.resource?.id).toBe(first?.id);
    now = new Date('2025-03-01T10:00:30Z');
    sim.store.touch('Patient', first?.id ?? '');
    const after = (await call(`${sim.fhirBaseUrl}Patient/?_count=1`, { token })).body as Bundle;
    expect(after.entry?.[0]?.resource?.id).not.toBe(first?.id);
    const last = (await call(`${sim.fhirBaseUrl}Patient/?_count=1&page-offset=last`, { token }))
      .body as Bundle;
    expect(last.entry?.[0]?.resource?.id).toBe(first?.id);
  });

  it('applies Patient claimDateFrom and Claim patient/refDate like the views', async () => {
    expect((await call(`${sim.fhirBaseUrl}Patient/?claimDateFrom=01-01-2023`, { token })).status).toBe(400);
    const withClaims = (
      await call(`${sim.fhirBaseUrl}Patient/?claimDateFrom=2000-01-01&_count=2000`, { token })
    ).body as Bundle;
    expect(withClaims.total).toBeGreaterThan(0);
    expect(withClaims.total).toBeLessThan(1000);
    const unknown = await call(`${sim.fhirBaseUrl}Claim/?patient=00000000-0000-4000-8000-000000000000`, {
      token,
    });
    expect(unknown.status).toBe(500);
    const claim = sim.store.list('Claim')[0] as { patient: { reference: string } };
    const patientId = claim.patient.reference.split('/')[1] ?? '';
    const claims = (await call(`${sim.fhirBaseUrl}Claim/?patient=${patientId}`, { token })).body as Bundle;
    expect(claims.total).toBeGreaterThan(0);
    expect((await call(`${sim.fhirBaseUrl}Claim/?refDate=2024/01/01`, { token })).status).toBe(400);
  });

  it('lists health facilities then the insurer, which ignores _lastUpdated; ?code= is a read', async () => {
    const all = (await call(`${sim.fhirBaseUrl}Organization/?_count=100`, { token })).body as Bundle;
    const types = (all.entry ?? []).map(
      (e) => (e.resource as { type?: { coding?: { code?: string }[] }[] }).type?.[0]?.coding?.[0]?.code,
    );
    expect(types.at(-1)).toBe('ins');
    expect(types.slice(0, -1).every((t) => t === 'prov')).toBe(true);
    const recent = (
      await call(`${sim.fhirBaseUrl}Organization/?_lastUpdated=gt2030-01-01T00:00:00`, { token })
    ).body as Bundle;
    expect(recent.entry?.map((e) => e.resource?.id)).toEqual(['openIMIS-Implementation']);
    const prov = (await call(`${sim.fhirBaseUrl}Organization/?type=prov&_count=100`, { token }))
      .body as Bundle;
    expect(prov.total).toBe((all.total ?? 0) - 1);
    const insurer = await call(`${sim.fhirBaseUrl}Organization/openIMIS-Implementation/`, { token });
    expect((insurer.body as { id: string }).id).toBe('openIMIS-Implementation');
  });

  it('filters by _lastUpdated with prefixes and rejects any other datetime format', async () => {
    const [a, b] = sim.store.list('Patient');
    now = new Date('2025-06-01T12:00:00.400Z');
    sim.store.touch('Patient', a?.id ?? '');
    now = new Date('2025-06-01T12:00:05Z');
    sim.store.touch('Patient', b?.id ?? '');
    // The clock moved past the first token's lifetime.
    token = await login(sim);
    const q = async (value: string): Promise<{ status: number; ids: string[]; body: unknown }> => {
      const res = await call(
        `${sim.fhirBaseUrl}Patient/?_count=2000&_lastUpdated=${encodeURIComponent(value)}`,
        { token },
      );
      const ids =
        res.status === 200 ? ((res.body as Bundle).entry ?? []).map((e) => e.resource?.id ?? '') : [];
      return { status: res.status, ids, body: res.body };
    };
    expect((await q('gt2025-05-01T00:00:00')).ids).toEqual([a?.id, b?.id]);
    expect((await q('ge2025-06-01T12:00:01')).ids).toEqual([b?.id]);
    // Full precision, as the Django lookups: a write at 12:00:00.400 is "gt 12:00:00" and not "eq 12:00:00".
    expect((await q('gt2025-06-01T12:00:00')).ids).toEqual([a?.id, b?.id]);
    expect((await q('2025-06-01T12:00:00')).ids).toEqual([]);
    expect((await q('eq2025-06-01T12:00:05')).ids).toEqual([b?.id]);
    expect((await q('sa2025-06-01T12:00:01')).ids).toEqual([b?.id]);
    // strptime accepts one-digit fields.
    expect((await q('ge2025-6-1T12:0:1')).ids).toEqual([b?.id]);
    expect((await q('lt2025-05-01T00:00:00')).ids).toHaveLength(998);
    expect((await q('eb2025-06-01T12:00:00')).ids).toHaveLength(998);
    expect((await q('ne2025-06-01T12:00:05')).ids).toHaveLength(999);
    // ap: ± 10 % of the whole days between the value and now; the value is < 1 day ago, so exact only.
    expect((await q('ap2025-06-01T12:00:05')).ids).toEqual([b?.id]);
    for (const bad of [
      'gt2025-06-01',
      'gt2025-06-01T12:00:00Z',
      'gt2025-06-01T12:00:00.000',
      'gt2025-06-01T12:00:00+01:00',
      'xx2025-06-01T12:00:00',
      'gt2025-02-30T00:00:00',
    ]) {
      const res = await q(bad);
      expect(res.status).toBe(400);
      expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe(
        '_lastUpdated value is not a valid datetime',
      );
    }
    // Only one value is honoured (the last, as Django's QueryDict): no ge…&lt… range.
    const both = await call(
      `${sim.fhirBaseUrl}Patient/?_count=2000&_lastUpdated=lt2025-05-01T00:00:00&_lastUpdated=ge2025-06-01T12:00:01`,
      { token },
    );
    expect(((both.body as Bundle).entry ?? []).map((e) => e.resource?.id)).toEqual([b?.id]);
  });

  it('serves Group, Organization, Claim, ClaimResponse and Invoice (bills as Invoice)', async () => {
    for (const type of ['Group', 'Organization', 'Claim', 'ClaimResponse', 'Invoice']) {
      const bundle = (await call(`${sim.fhirBaseUrl}${type}/?_count=500`, { token })).body as Bundle;
      expect(bundle.total).toBeGreaterThan(0);
      expect(bundle.entry?.[0]?.resource?.resourceType).toBe(type);
    }
    const invoices = (
      (await call(`${sim.fhirBaseUrl}Invoice/?resourceType=invoice&_count=1000`, { token })).body as Bundle
    ).total;
    const bills = (
      (await call(`${sim.fhirBaseUrl}Invoice/?resourceType=bill&_count=1000`, { token })).body as Bundle
    ).total;
    const all = ((await call(`${sim.fhirBaseUrl}Invoice/?_count=1000`, { token })).body as Bundle).total;
    expect(invoices).toBe(250);
    expect(bills).toBeGreaterThan(0);
    expect(all).toBe((invoices ?? 0) + (bills ?? 0));
    const invoice = sim.store.invoices()[0];
    const byCode = await call(`${sim.fhirBaseUrl}Invoice/?code=${invoice?.code ?? ''}`, { token });
    // Quirk: ?code= is a read, answering the bare resource.
    expect((byCode.body as { resourceType: string }).resourceType).toBe('Invoice');
    expect((byCode.body as { id: string }).id).toBe(invoice?.id);
  });

  it('generates the same population for the same seed, and a different one for another seed', () => {
    const a = generatePopulation({ seed: 7, families: 30 });
    const b = generatePopulation({ seed: 7, families: 30 });
    const c = generatePopulation({ seed: 8, families: 30 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });
});
