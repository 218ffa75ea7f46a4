import { startOpenHimCore, type OpenHimCoreSimulator } from './index';
import { apiCall, urnPath } from './test-support';

const URN = 'urn:mediator:test-channels';
const PATH = urnPath(URN);

function channel(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    urlPattern: `^/${name}$`,
    methods: ['POST'],
    allow: ['openimis'],
    routes: [{ name: 'r', host: '127.0.0.1', port: 1, primary: true, _id: 'abc' }],
    ...extra,
  };
}

describe('OpenHIM simulator: channel installation and the channels API', () => {
  let sim: OpenHimCoreSimulator;

  beforeEach(async () => {
    sim = await startOpenHimCore();
    await apiCall(sim, 'POST', '/mediators', {
      urn: URN,
      version: '1.0.0',
      name: 'Channels mediator',
      endpoints: [{ name: 'r', host: '127.0.0.1', port: 1 }],
      defaultChannelConfig: [channel('a'), channel('b'), channel('c')],
    });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('installs every default channel for an empty array, with defaults, new ids and updatedBy', async () => {
    const res = await apiCall(sim, 'POST', `/mediators/${PATH}/channels`, []);
    expect(res.status).toBe(201);
    const channels = sim.listChannels();
    expect(channels.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(channels[0]).toEqual(
      expect.objectContaining({
        authType: 'private',
        status: 'enabled',
        updatedBy: expect.objectContaining({ name: 'Super User' }),
      }),
    );
    expect(channels[0]?.routes?.[0]?._id).not.toBe('abc');
    const listed = JSON.parse((await apiCall(sim, 'GET', '/channels')).text);
    expect(listed).toHaveLength(3);
  });

  it('installs only the named channels', async () => {
    const res = await apiCall(sim, 'POST', `/mediators/${PATH}/channels`, ['b']);
    expect(res.status).toBe(201);
    expect(sim.listChannels().map((c) => c.name)).toEqual(['b']);
  });

  it('installs nothing (and still answers 201) when no body is sent, as core body parser makes it {}', async () => {
    const res = await apiCall(sim, 'POST', `/mediators/${PATH}/channels`);
    expect(res.status).toBe(201);
    expect(sim.listChannels()).toEqual([]);
  });

  it('answers 404 for an unknown urn and 400 for unknown channel names', async () => {
    expect((await apiCall(sim, 'POST', `/mediators/${urnPath('urn:none')}/channels`, [])).status).toBe(404);
    const res = await apiCall(sim, 'POST', `/mediators/${PATH}/channels`, ['a', 'zzz']);
    expect(res.status).toBe(400);
    expect(res.text).toContain('one or more channels in the request body not found in the mediator config');
    expect(sim.listChannels()).toEqual([]);
  });

  it('answers 500 on a duplicate name, after saving the channels that do not clash', async () => {
    await apiCall(sim, 'POST', `/mediators/${PATH}/channels`, ['b']);
    const res = await apiCall(sim, 'POST', `/mediators/${PATH}/channels`, []);
    expect(res.status).toBe(500);
    expect(res.text).toContain('E11000 duplicate key error');
    expect(
      sim
        .listChannels()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('installs a broken definition silently (no primary route checks on this path)', async () => {
    await apiCall(sim, 'POST', '/mediators', {
      urn: URN,
      version: '1.1.0',
      defaultChannelConfig: [channel('broken', { routes: [{ name: 'r', host: 'h', port: 1 }] })],
    });
    expect((await apiCall(sim, 'POST', `/mediators/${PATH}/channels`, [])).status).toBe(201);
    expect(sim.listChannels().map((c) => c.name)).toEqual(['broken']);
  });

  it('applies the extra checks on POST /channels and PUT /channels/:id', async () => {
    const noPrimary = await apiCall(
      sim,
      'POST',
      '/channels',
      channel('x', { routes: [{ name: 'r', host: 'h', port: 1 }] }),
    );
    expect(noPrimary.status).toBe(400);
    const both = await apiCall(
      sim,
      'POST',
      '/channels',
      channel('y', {
        routes: [{ name: 'r', host: 'h', port: 1, primary: true, path: '/a', pathTransform: 's/a/b/' }],
      }),
    );
    expect(both.status).toBe(400);
    const ok = await apiCall(sim, 'POST', '/channels', channel('z'));
    expect(ok.status).toBe(201);
    const id = sim.listChannels()[0]?._id ?? '';
    const updated = await apiCall(sim, 'PUT', `/channels/${id}`, { methods: ['GET', 'POST'], priority: 2 });
    expect(updated.status).toBe(200);
    expect(sim.listChannels()[0]).toEqual(expect.objectContaining({ methods: ['GET', 'POST'], priority: 2 }));
    const badTimeout = await apiCall(sim, 'PUT', `/channels/${id}`, { timeout: 0 });
    expect(badTimeout.status).toBe(400);
    expect(JSON.parse((await apiCall(sim, 'GET', `/channels/${id}`)).text).name).toBe('z');
    expect((await apiCall(sim, 'GET', '/channels/000000000000000000000000')).status).toBe(404);
    expect((await apiCall(sim, 'DELETE', `/channels/${id}`)).status).toBe(200);
    expect(sim.listChannels()).toEqual([]);
  });

  it('updates a polling channel installed with methods only when the body names its type (core empties the methods)', async () => {
    await apiCall(sim, 'POST', '/mediators', {
      urn: 'urn:mediator:test-polling',
      version: '1.0.0',
      name: 'Polling mediator',
      endpoints: [{ name: 'r', host: '127.0.0.1', port: 1 }],
      defaultChannelConfig: [
        channel('poll', { type: 'polling', pollingSchedule: 'every 1 hours', methods: ['GET', 'POST'] }),
      ],
    });
    expect(
      (await apiCall(sim, 'POST', `/mediators/${urnPath('urn:mediator:test-polling')}/channels`, [])).status,
    ).toBe(201);
    const installed = sim.listChannels().find((c) => c.name === 'poll')!;
    expect(installed.methods).toEqual(['GET', 'POST']);
    const routes = [{ name: 'r', host: '127.0.0.1', port: 2, primary: true }];

    const refused = await apiCall(sim, 'PUT', `/channels/${installed._id}`, { routes });
    expect(refused.status).toBe(400);
    expect(sim.listChannels().find((c) => c.name === 'poll')!.routes![0]!.port).toBe(1);

    const accepted = await apiCall(sim, 'PUT', `/channels/${installed._id}`, { type: 'polling', routes });
    expect(accepted.status).toBe(200);
    const after = sim.listChannels().find((c) => c.name === 'poll')!;
    expect(after.routes![0]!.port).toBe(2);
    expect(after.methods).toEqual([]);
    expect(after.pollingSchedule).toBe('every 1 hours');
  });
});
