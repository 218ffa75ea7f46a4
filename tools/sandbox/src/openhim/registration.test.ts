import { startOpenHimCore, type OpenHimCoreSimulator } from './index';
import { apiCall, call, urnPath } from './test-support';

const URN = 'urn:mediator:test-insuree';

function mediator(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    urn: URN,
    version: '1.0.0',
    name: 'Test insuree mediator',
    endpoints: [{ name: 'insuree', host: 'localhost', port: '3000', primary: true }],
    defaultChannelConfig: [
      {
        name: 'insurees',
        urlPattern: '^/fhir/Patient(/.*)?$',
        methods: ['POST'],
        routes: [{ name: 'insuree', host: 'localhost', port: 3000, primary: true }],
      },
    ],
    configDefs: [
      { param: 'officeId', type: 'number' },
      { param: 'mode', type: 'option', values: ['charge', 'deposit'] },
      { param: 'apiPassword', type: 'password' },
      { param: 'codes', type: 'map' },
      {
        param: 'fineract',
        type: 'struct',
        template: [
          { param: 'url', type: 'string' },
          { param: 'secret', type: 'password' },
        ],
      },
      { param: 'tokens', type: 'password', array: true },
    ],
    config: {
      officeId: 1,
      mode: 'charge',
      apiPassword: 's3cret',
      codes: { male: '1' },
      fineract: { url: 'https://f', secret: 'inner' },
      tokens: ['a', 'b'],
    },
    ...overrides,
  };
}

describe('OpenHIM simulator: mediator registration', () => {
  let sim: OpenHimCoreSimulator;

  beforeEach(async () => {
    sim = await startOpenHimCore();
  });

  afterEach(async () => {
    await sim.close();
  });

  it('answers 401 with an empty body without credentials and keeps /heartbeat public', async () => {
    const denied = await call(sim.apiUrl, 'GET', '/mediators');
    expect(denied.status).toBe(401);
    expect(denied.text).toBe('');
    const wrong = await call(sim.apiUrl, 'GET', '/mediators', {
      headers: { authorization: `Basic ${Buffer.from('root@openhim.org:nope').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const beat = await call(sim.apiUrl, 'GET', '/heartbeat');
    expect(beat.status).toBe(200);
    expect(JSON.parse(beat.text)).toEqual(expect.objectContaining({ master: expect.any(Number) }));
  });

  it('registers a new mediator with 201 and an empty body, casting and defaulting like mongoose', async () => {
    const res = await apiCall(sim, 'POST', '/mediators', mediator());
    expect(res.status).toBe(201);
    expect(res.text).toBe('');
    const stored = sim.getMediator(URN);
    expect(stored?.endpoints[0]).toEqual(
      expect.objectContaining({ port: 3000, type: 'http', status: 'enabled', forwardAuthHeader: false }),
    );
    expect(stored?.defaultChannelConfig[0]).toEqual(
      expect.objectContaining({ authType: 'private', type: 'http', status: 'enabled', allow: [] }),
    );
    expect(stored?._lastHeartbeat).toBeUndefined();
    expect(stored?._configModifiedTS).toBeUndefined();
  });

  it.each([
    [
      'missing urn',
      { urn: undefined },
      'Could not add Mediator via the API: ValidationError: URN is required',
    ],
    [
      'missing version',
      { version: undefined },
      'Could not add Mediator via the API: ValidationError: Version is required. Must be in SemVer form x.y.z',
    ],
    [
      'non-SemVer version',
      { version: '1.0' },
      'Could not add Mediator via the API: ValidationError: Version is required. Must be in SemVer form x.y.z',
    ],
    [
      'no endpoints',
      { endpoints: [] },
      'Could not add Mediator via the API: ValidationError: At least 1 endpoint is required',
    ],
    [
      'option without values',
      { configDefs: [{ param: 'mode', type: 'option' }], config: undefined },
      "Could not add Mediator via the API: ValidationError: Expected field 'values' to be an array (option param 'mode')",
    ],
    [
      'option with empty values',
      { configDefs: [{ param: 'mode', type: 'option', values: [] }], config: undefined },
      "Could not add Mediator via the API: ValidationError: Must specify a values array for option param 'mode'",
    ],
    [
      'struct without template',
      { configDefs: [{ param: 's', type: 'struct' }], config: undefined },
      "Could not add Mediator via the API: ValidationError: Must specify a template for struct param 's'",
    ],
    [
      'nested struct',
      {
        configDefs: [{ param: 's', type: 'struct', template: [{ param: 'x', type: 'struct' }] }],
        config: undefined,
      },
      "Could not add Mediator via the API: ValidationError: May not recursively specify 'struct' in template definitions (param 's')",
    ],
    [
      'template item without type',
      { configDefs: [{ param: 's', type: 'struct', template: [{ param: 'x' }] }], config: undefined },
      "Could not add Mediator via the API: ValidationError: Must specify field 'type' in template definition for param 's'",
    ],
    [
      'config key without definition',
      { config: { officeId: 1, unknownKey: 'x' } },
      'Could not add Mediator via the API: ValidationError: No config definition found for parameter unknownKey',
    ],
    [
      'number given as string',
      { config: { officeId: '1' } },
      'Could not add Mediator via the API: ValidationError: Expected config param officeId to be a number.',
    ],
    [
      'option outside values',
      { config: { mode: 'cash' } },
      'Could not add Mediator via the API: ValidationError: Expected config param mode to be one of charge,deposit',
    ],
    [
      'map with a non-string value',
      { config: { codes: { male: 1 } } },
      'Could not add Mediator via the API: ValidationError: Expected config param codes to only contain string values.',
    ],
    [
      'struct with an unknown field',
      { config: { fineract: { url: 'x', other: 1 } } },
      'Could not add Mediator via the API: ValidationError: Field other is not defined in template definition for config param fineract.',
    ],
    [
      'array param given a scalar',
      { config: { tokens: 'a' } },
      'Could not add Mediator via the API: ValidationError: Expected config param tokens to be an array of type password',
    ],
    [
      'endpoint without name',
      { endpoints: [{ host: 'localhost', port: 3000 }] },
      'Could not add Mediator via the API: ValidationError: Mediator validation failed: endpoints.0.name: Path `name` is required.',
    ],
    [
      'missing name',
      { name: undefined },
      'Could not add Mediator via the API: ValidationError: Mediator validation failed: name: Path `name` is required.',
    ],
    [
      'channel without urlPattern',
      { defaultChannelConfig: [{ name: 'c' }] },
      'Could not add Mediator via the API: ValidationError: Mediator validation failed: defaultChannelConfig.0.urlPattern: Path `urlPattern` is required.',
    ],
  ])('rejects %s with 400', async (_label, overrides, message) => {
    const res = await apiCall(sim, 'POST', '/mediators', mediator(overrides));
    expect(res.status).toBe(400);
    expect(res.text).toBe(message);
    expect(sim.listMediators()).toHaveLength(0);
  });

  it('ignores a re-registration with an equal or lower version (still 201)', async () => {
    await apiCall(sim, 'POST', '/mediators', mediator());
    const same = await apiCall(sim, 'POST', '/mediators', mediator({ name: 'renamed', version: '1.0.0' }));
    expect(same.status).toBe(201);
    const lower = await apiCall(sim, 'POST', '/mediators', mediator({ name: 'renamed', version: '0.9.9' }));
    expect(lower.status).toBe(201);
    const prerelease = await apiCall(
      sim,
      'POST',
      '/mediators',
      mediator({ name: 'renamed', version: '1.0.0-rc.1' }),
    );
    expect(prerelease.status).toBe(201);
    expect(sim.getMediator(URN)?.name).toBe('Test insuree mediator');
  });

  it('updates on a higher version: fields sent replace, stored config values win, new keys are added', async () => {
    await apiCall(sim, 'POST', '/mediators', mediator());
    sim.setMediatorConfig(URN, { officeId: 7, mode: 'deposit', apiPassword: 'operator' });
    const res = await apiCall(
      sim,
      'POST',
      '/mediators',
      mediator({
        version: '1.1.0',
        name: 'Renamed',
        description: undefined,
        endpoints: [{ name: 'insuree-v2', host: 'h2', port: 4000 }],
        configDefs: [
          { param: 'officeId', type: 'number' },
          { param: 'mode', type: 'option', values: ['charge', 'deposit'] },
          { param: 'apiPassword', type: 'password' },
          { param: 'newFlag', type: 'bool' },
        ],
        config: { officeId: 1, mode: 'charge', newFlag: true },
      }),
    );
    expect(res.status).toBe(201);
    const stored = sim.getMediator(URN);
    expect(stored?.name).toBe('Renamed');
    expect(stored?.version).toBe('1.1.0');
    expect(stored?.endpoints.map((e) => e.name)).toEqual(['insuree-v2']);
    // officeId and mode keep the operator's values; apiPassword is gone because the new config omits it.
    expect(stored?.config).toEqual({ officeId: 7, mode: 'deposit', newFlag: true });
  });

  it('still validates the config of an older version before ignoring it', async () => {
    await apiCall(sim, 'POST', '/mediators', mediator());
    const res = await apiCall(sim, 'POST', '/mediators', mediator({ version: '0.1.0', config: { nope: 1 } }));
    expect(res.status).toBe(400);
  });

  it('masks passwords in GET /mediators/:urn (struct and array too) but not in the list', async () => {
    await apiCall(sim, 'POST', '/mediators', mediator());
    const one = await apiCall(sim, 'GET', `/mediators/${urnPath(URN)}`);
    expect(one.status).toBe(200);
    const doc = JSON.parse(one.text);
    expect(doc.config).toEqual({
      officeId: 1,
      mode: 'charge',
      apiPassword: '**********',
      codes: { male: '1' },
      fineract: { url: 'https://f', secret: '**********' },
      tokens: ['**********', '**********'],
    });
    const list = JSON.parse((await apiCall(sim, 'GET', '/mediators')).text);
    expect(list[0].config.apiPassword).toBe('s3cret');
    expect(list[0].config.fineract.secret).toBe('inner');
  });

  it('answers 404 with an empty body for an unknown urn and removes a mediator with DELETE', async () => {
    const missing = await apiCall(sim, 'GET', `/mediators/${urnPath('urn:mediator:none')}`);
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('');
    await apiCall(sim, 'POST', '/mediators', mediator());
    const del = await apiCall(sim, 'DELETE', `/mediators/${urnPath(URN)}`);
    expect(del.status).toBe(200);
    expect(sim.listMediators()).toHaveLength(0);
  });

  it('shows a mediator as up in GET /heartbeat only after a heartbeat', async () => {
    await apiCall(sim, 'POST', '/mediators', mediator());
    let beat = JSON.parse((await call(sim.apiUrl, 'GET', '/heartbeat')).text);
    expect(beat.mediators[URN]).toBeNull();
    await apiCall(sim, 'POST', `/mediators/${urnPath(URN)}/heartbeat`, { uptime: 12.5 });
    beat = JSON.parse((await call(sim.apiUrl, 'GET', '/heartbeat')).text);
    expect(beat.mediators[URN]).toBe(12.5);
  });
});
