import { parseStartArgs, realSystemsSettings, sandboxSettings } from './settings';

const REAL = {
  OPENIMIS_URL: 'https://openimis.example.org/api/api_fhir_r4/',
  FINERACT_URL: 'https://fineract.example.org/fineract-provider/api/v1',
  OPENHIM_API_URL: 'https://openhim.example.org:8080',
  MEDIATOR_PUBLIC_HOST: 'mediators.example.org',
  MEDIATOR_CLIENT_PASSWORD: 'route-password-0123',
  FINERACT_HOOK_SECRET: 'hook-secret-0123456789',
};

describe('npm start arguments', () => {
  it('defaults to data/ and the well-known ports, without reset', () => {
    expect(parseStartArgs([], '/repo/data')).toEqual({
      reset: false,
      dataDir: '/repo/data',
      ports: 'default',
    });
  });

  it('reads --reset, --data-dir and --ports in both spellings', () => {
    expect(parseStartArgs(['--reset', '--data-dir', '/tmp/x', '--ports=random'], '/repo/data')).toEqual({
      reset: true,
      dataDir: '/tmp/x',
      ports: 'random',
    });
  });

  it.each([
    [['--frobnicate'], /unknown argument "--frobnicate"/],
    [['--data-dir'], /--data-dir needs a value/],
    [['--ports', 'some'], /--ports must be default or random/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseStartArgs(argv, '/repo/data')).toThrow(message);
  });
});

describe('settings against real systems', () => {
  it('takes host, route password and hook secret from the environment, listening on every interface', () => {
    expect(realSystemsSettings(REAL)).toEqual({
      listenHost: '0.0.0.0',
      publicHost: 'mediators.example.org',
      routePassword: REAL.MEDIATOR_CLIENT_PASSWORD,
      hookSecret: REAL.FINERACT_HOOK_SECRET,
    });
    expect(
      realSystemsSettings({ ...REAL, HOST: '10.1.2.3', MEDIATOR_PUBLIC_HOST: '10.1.2.3' }),
    ).toMatchObject({
      listenHost: '10.1.2.3',
      publicHost: '10.1.2.3',
    });
  });

  it('names every missing or invalid variable at once and never invents one', () => {
    const run = (): unknown =>
      realSystemsSettings({
        ...REAL,
        MEDIATOR_PUBLIC_HOST: undefined,
        MEDIATOR_CLIENT_PASSWORD: 'short',
        FINERACT_HOOK_SECRET: undefined,
      });
    expect(run).toThrow(/MEDIATOR_PUBLIC_HOST is required/);
    expect(run).toThrow(/MEDIATOR_CLIENT_PASSWORD is required, at least 12 characters/);
    expect(run).toThrow(/FINERACT_HOOK_SECRET is required, at least 16 characters/);
    // The message names the variables, never their values.
    expect(run).not.toThrow(/short/);
  });

  it.each(['http://mediators.example.org', 'mediators.example.org:3001', 'a/b', 'bad_host'])(
    'refuses MEDIATOR_PUBLIC_HOST=%s',
    (host) => {
      expect(() => realSystemsSettings({ ...REAL, MEDIATOR_PUBLIC_HOST: host })).toThrow(
        /MEDIATOR_PUBLIC_HOST must be a host name or IP address/,
      );
    },
  );
});

describe('settings in the sandbox', () => {
  const kept = { routePassword: 'kept-route-password', hookSecret: 'kept-hook-secret-0123' };

  it('uses the kept secrets on loopback unless the environment sets them', () => {
    expect(sandboxSettings({}, kept)).toEqual({ listenHost: '127.0.0.1', publicHost: '127.0.0.1', ...kept });
    expect(sandboxSettings({ MEDIATOR_CLIENT_PASSWORD: 'from-the-env-123' }, kept).routePassword).toBe(
      'from-the-env-123',
    );
  });

  it('refuses a secret from the environment that is too short', () => {
    expect(() => sandboxSettings({ FINERACT_HOOK_SECRET: 'short' }, kept)).toThrow(/at least 16/);
  });
});
