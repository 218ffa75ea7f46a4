import { ConfigError } from '@payment-layer/shared-errors';
import { loadEnvConfig, renderEnvTable } from './env-config';
import { kitSettingsFromEnv, MEDIATOR_ENV_SCHEMA, type MediatorEnv } from './kit-env';

const goodEnv = { MEDIATOR_CLIENT_PASSWORD: 'a-long-route-password', OPENHIM_PASSWORD: 'core-password' };

describe('environment config', () => {
  it('applies defaults and coerces types', () => {
    const env = loadEnvConfig<MediatorEnv>(MEDIATOR_ENV_SCHEMA, {
      env: { ...goodEnv, PORT: '3100', OPENHIM_REGISTER: 'false' },
    });
    expect(env.PORT).toBe(3100);
    expect(env.OPENHIM_REGISTER).toBe(false);
    expect(env.OPENHIM_HEARTBEAT_INTERVAL_MS).toBe(10000);
    expect(env.OPENHIM_TRUST_SELF_SIGNED).toBe(false);
  });

  it('names the missing variable', () => {
    expect(() => loadEnvConfig(MEDIATOR_ENV_SCHEMA, { env: {} })).toThrow(
      /MEDIATOR_CLIENT_PASSWORD is required/,
    );
  });

  it('names every invalid variable', () => {
    let error: unknown;
    try {
      loadEnvConfig(MEDIATOR_ENV_SCHEMA, { env: { ...goodEnv, PORT: 'eighty', LOG_LEVEL: 'loud' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/PORT must be integer/);
    expect((error as Error).message).toMatch(/LOG_LEVEL must be equal to one of the allowed values/);
  });

  it('ignores unrelated variables of the environment', () => {
    const env = loadEnvConfig<Record<string, unknown>>(MEDIATOR_ENV_SCHEMA, {
      env: { ...goodEnv, AWS_SECRET: 'x' },
    });
    expect(env).not.toHaveProperty('AWS_SECRET');
  });

  it('requires the OpenHIM password only when registering', () => {
    const env = loadEnvConfig<MediatorEnv>(MEDIATOR_ENV_SCHEMA, {
      env: { MEDIATOR_CLIENT_PASSWORD: 'a-long-route-password' },
    });
    expect(() => kitSettingsFromEnv(env)).toThrow(/OPENHIM_PASSWORD is required/);
    expect(kitSettingsFromEnv({ ...env, OPENHIM_REGISTER: false }).openhim.enabled).toBe(false);
  });

  it('requires TLS files for mutual TLS', () => {
    const env = loadEnvConfig<MediatorEnv>(MEDIATOR_ENV_SCHEMA, {
      env: { ...goodEnv, MEDIATOR_AUTH: 'mtls' },
    });
    expect(() => kitSettingsFromEnv(env)).toThrow(/MEDIATOR_AUTH=mtls needs/);
  });

  it('installs the route credentials on the registered routes', () => {
    const env = loadEnvConfig<MediatorEnv>(MEDIATOR_ENV_SCHEMA, {
      env: { ...goodEnv, MEDIATOR_PUBLIC_HOST: 'insuree-mediator' },
    });
    const settings = kitSettingsFromEnv(env);
    expect(settings.endpoint).toMatchObject({
      host: 'insuree-mediator',
      port: 3000,
      routeUsername: 'openhim',
      routePassword: goodEnv.MEDIATOR_CLIENT_PASSWORD,
    });
    expect(settings.auth).toEqual({
      mode: 'basic',
      username: 'openhim',
      password: goodEnv.MEDIATOR_CLIENT_PASSWORD,
    });
  });

  it('renders a documentation table that never shows secrets', () => {
    const table = renderEnvTable(MEDIATOR_ENV_SCHEMA);
    expect(table).toMatch(/^\| Variable \| Required \| Default \| Meaning \|/);
    expect(table).toMatch(/\| `MEDIATOR_CLIENT_PASSWORD` \| yes \|/);
    expect(table).toMatch(/\| `PORT` \| {2}\| `3000` \|/);
  });
});
