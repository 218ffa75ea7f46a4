import { NotFoundError, ValidationError } from '@payment-layer/shared-errors';
import { openHimTokenHeaders, startOpenHimCore, type OpenHimCoreSimulator } from './index';
import { apiCall, call, urnPath } from './test-support';

const URN = 'urn:mediator:test-config';
const PATH = urnPath(URN);

const MEDIATOR = {
  urn: URN,
  version: '1.0.0',
  name: 'Config mediator',
  endpoints: [{ name: 'm', host: 'localhost', port: 3000 }],
  configDefs: [
    { param: 'officeId', type: 'number' },
    { param: 'apiPassword', type: 'password' },
    { param: 'fineract', type: 'struct', template: [{ param: 'secret', type: 'password' }] },
  ],
  config: { officeId: 1, apiPassword: 's3cret', fineract: { secret: 'inner' } },
};

describe('OpenHIM simulator: heartbeat and remote config', () => {
  let sim: OpenHimCoreSimulator;

  beforeEach(async () => {
    sim = await startOpenHimCore();
  });

  afterEach(async () => {
    await sim.close();
  });

  it('answers 404 for an unknown urn (before checking uptime) and 400 without uptime', async () => {
    expect(
      (await apiCall(sim, 'POST', `/mediators/${urnPath('urn:mediator:none')}/heartbeat`, {})).status,
    ).toBe(404);
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    const noUptime = await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { config: true });
    expect(noUptime.status).toBe(400);
    expect(sim.getMediator(URN)?._lastHeartbeat).toBeUndefined();
  });

  it('returns config only when asked or after a change, and records uptime and the heartbeat time', async () => {
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    const first = await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 1 });
    expect(first.status).toBe(200);
    expect(first.text).toBe('');
    const asked = await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 2, config: true });
    expect(JSON.parse(asked.text)).toEqual(MEDIATOR.config);
    expect((await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 3 })).text).toBe('');

    const put = await apiCall(sim, 'PUT', `/mediators/${PATH}/config`, { officeId: 9, apiPassword: 'new' });
    expect(put.status).toBe(200);
    const changed = await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 4 });
    expect(JSON.parse(changed.text)).toEqual({ officeId: 9, apiPassword: 'new' });
    expect((await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 5 })).text).toBe('');
    expect(sim.getMediator(URN)?._uptime).toBe(5);
  });

  it('does not return a config changed before the first heartbeat (no _lastHeartbeat to compare)', async () => {
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    sim.setMediatorConfig(URN, { officeId: 2 });
    expect((await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 1 })).text).toBe('');
  });

  it('answers an empty body to config: true when no config was ever stored', async () => {
    await apiCall(sim, 'POST', '/mediators', { ...MEDIATOR, config: undefined });
    const res = await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 1, config: true });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it('decodes the percent-encoded urn', async () => {
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    const res = await apiCall(sim, 'POST', `/mediators/urn%3Amediator%3Atest-config/heartbeat`, {
      uptime: 1,
    });
    expect(res.status).toBe(200);
  });

  it('validates PUT config against configDefs with the bare message, 404 for an unknown urn', async () => {
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    const unknown = await apiCall(sim, 'PUT', `/mediators/${PATH}/config`, { officeId: 1, extra: true });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toBe('No config definition found for parameter extra');
    const wrongType = await apiCall(sim, 'PUT', `/mediators/${PATH}/config`, { officeId: 'one' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.text).toBe('Expected config param officeId to be a number.');
    expect(sim.getMediator(URN)?.config).toEqual(MEDIATOR.config);
    expect((await apiCall(sim, 'PUT', `/mediators/${urnPath('urn:x')}/config`, {})).status).toBe(404);
  });

  it('restores masked passwords on PUT so the console can round-trip what GET showed', async () => {
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    const shown = JSON.parse((await apiCall(sim, 'GET', `/mediators/${PATH}`)).text);
    expect(shown.config.apiPassword).toBe('**********');
    const put = await apiCall(sim, 'PUT', `/mediators/${PATH}/config`, { ...shown.config, officeId: 3 });
    expect(put.status).toBe(200);
    expect(sim.getMediator(URN)?.config).toEqual({
      officeId: 3,
      apiPassword: 's3cret',
      fineract: { secret: 'inner' },
    });
    expect(sim.getMediator(URN)?._configModifiedTS).toEqual(expect.any(String));
  });

  it('setMediatorConfig throws typed errors', async () => {
    await apiCall(sim, 'POST', '/mediators', MEDIATOR);
    expect(() => {
      sim.setMediatorConfig('urn:none', {});
    }).toThrow(NotFoundError);
    expect(() => {
      sim.setMediatorConfig(URN, { nope: 1 });
    }).toThrow(ValidationError);
  });

  it('can make the API unreachable and bring it back on the same port', async () => {
    await sim.setApiAvailable(false);
    await expect(fetch(`${sim.apiUrl}/heartbeat`)).rejects.toThrow();
    await sim.setApiAvailable(true);
    expect((await call(sim.apiUrl, 'GET', '/heartbeat')).status).toBe(200);
  });
});

describe('OpenHIM simulator: token authentication', () => {
  let sim: OpenHimCoreSimulator;

  beforeEach(async () => {
    sim = await startOpenHimCore({ rootPassword: 'pw-1' });
  });

  afterEach(async () => {
    await sim.close();
  });

  async function salt(): Promise<string> {
    const res = await call(sim.apiUrl, 'GET', `/authenticate/${encodeURIComponent(sim.rootEmail)}`);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text);
    expect(body.ts).toEqual(expect.any(String));
    return body.salt as string;
  }

  it('authenticates with the sha512 token headers', async () => {
    const headers = openHimTokenHeaders({ email: sim.rootEmail, password: 'pw-1', salt: await salt() });
    expect((await call(sim.apiUrl, 'GET', '/mediators', { headers })).status).toBe(200);
  });

  it('rejects a wrong password, a stale timestamp and an unknown user', async () => {
    const s = await salt();
    const wrong = openHimTokenHeaders({ email: sim.rootEmail, password: 'nope', salt: s });
    expect((await call(sim.apiUrl, 'GET', '/mediators', { headers: wrong })).status).toBe(401);
    const stale = openHimTokenHeaders({
      email: sim.rootEmail,
      password: 'pw-1',
      salt: s,
      now: new Date(Date.now() - 60_000),
    });
    expect((await call(sim.apiUrl, 'GET', '/mediators', { headers: stale })).status).toBe(401);
    expect((await call(sim.apiUrl, 'GET', '/authenticate/nobody%40example.org')).status).toBe(404);
  });

  it('does not fall back to Basic once an auth-* header is present', async () => {
    const res = await call(sim.apiUrl, 'GET', '/mediators', {
      headers: {
        authorization: `Basic ${Buffer.from(`${sim.rootEmail}:pw-1`).toString('base64')}`,
        'auth-username': sim.rootEmail,
      },
    });
    expect(res.status).toBe(401);
  });
});

describe('OpenHIM simulator: Koa status-text bodies (statusTextBodies)', () => {
  it('answers Created, OK and Unauthorized like real core, and OK to config: true without a stored config', async () => {
    const sim = await startOpenHimCore({ statusTextBodies: true });
    try {
      const created = await apiCall(sim, 'POST', '/mediators', { ...MEDIATOR, config: undefined });
      expect(created.status).toBe(201);
      expect(created.text).toBe('Created');
      const beat = await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 1, config: true });
      expect(beat.text).toBe('OK');
      expect((await apiCall(sim, 'POST', `/mediators/${PATH}/heartbeat`, { uptime: 2 })).text).toBe('');
      expect((await call(sim.apiUrl, 'GET', '/mediators')).text).toBe('Unauthorized');
    } finally {
      await sim.close();
    }
  });
});
