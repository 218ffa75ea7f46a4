import { ConfigError } from '@payment-layer/shared-errors';
import {
  configDefsToJsonSchema,
  resolveMediatorDefinition,
  validateMediatorDefinition,
  type MediatorDefinition,
} from './definition';
import { RemoteConfig } from './remote-config';

const base: MediatorDefinition = {
  urn: 'urn:mediator:test',
  version: '1.2.3',
  name: 'test',
  endpoints: [{ name: 'test', primary: true }],
  defaultChannelConfig: [
    {
      name: 'c',
      urlPattern: '^/fhir/Patient(/.*)?$',
      methods: ['POST'],
      routes: [{ name: 'r', primary: true }],
    },
  ],
};

describe('validateMediatorDefinition', () => {
  it('accepts a well-formed definition', () => {
    expect(validateMediatorDefinition(base)).toBe(base);
  });

  it.each<[string, Partial<MediatorDefinition>, RegExp]>([
    ['a non-semver version', { version: '1.2' }, /SemVer/],
    ['no endpoints', { endpoints: [] }, /at least one endpoint/],
    [
      'an unanchored pattern',
      {
        defaultChannelConfig: [
          {
            name: 'c',
            urlPattern: '/fhir/Patient',
            methods: ['POST'],
            routes: [{ name: 'r', primary: true }],
          },
        ],
      },
      /anchored/,
    ],
    [
      'empty methods',
      {
        defaultChannelConfig: [
          { name: 'c', urlPattern: '^/x$', methods: [], routes: [{ name: 'r', primary: true }] },
        ],
      },
      /methods must be listed/,
    ],
    [
      'two primary routes',
      {
        defaultChannelConfig: [
          {
            name: 'c',
            urlPattern: '^/x$',
            methods: ['GET'],
            routes: [
              { name: 'a', primary: true },
              { name: 'b', primary: true },
            ],
          },
        ],
      },
      /exactly one enabled primary route/,
    ],
    [
      'path with pathTransform',
      {
        defaultChannelConfig: [
          {
            name: 'c',
            urlPattern: '^/x$',
            methods: ['GET'],
            routes: [{ name: 'a', primary: true, path: '/a', pathTransform: 's/x/y/' }],
          },
        ],
      },
      /both path and pathTransform/,
    ],
    ['an option without values', { configDefs: [{ param: 'm', type: 'option' }] }, /option needs values/],
    [
      'a nested struct',
      { configDefs: [{ param: 's', type: 'struct', template: [{ param: 'n', type: 'struct' }] }] },
      /nested structs/,
    ],
  ])('rejects %s', (_label, patch, message) => {
    expect(() => validateMediatorDefinition({ ...base, ...patch })).toThrow(ConfigError);
    expect(() => validateMediatorDefinition({ ...base, ...patch })).toThrow(message);
  });

  it('fills host, port and route credentials at deployment time', () => {
    const resolved = resolveMediatorDefinition(base, {
      host: 'insuree',
      port: 3001,
      routeUsername: 'u',
      routePassword: 'p',
    });
    expect(resolved.endpoints[0]).toMatchObject({
      host: 'insuree',
      port: 3001,
      username: 'u',
      password: 'p',
    });
    expect(resolved.defaultChannelConfig![0]!.routes[0]).toMatchObject({
      host: 'insuree',
      port: 3001,
      username: 'u',
      password: 'p',
    });
    expect(base.endpoints[0]).not.toHaveProperty('host');
  });
});

describe('remote config', () => {
  const defs = [
    { param: 'officeId', type: 'number' as const },
    { param: 'savings', type: 'bool' as const },
    { param: 'mode', type: 'option' as const, values: ['charge', 'deposit'] },
    { param: 'genders', type: 'map' as const },
    { param: 'ids', type: 'number' as const, array: true },
  ];

  it('derives a schema with the rules core applies', () => {
    expect(configDefsToJsonSchema(defs)).toMatchObject({
      additionalProperties: false,
      properties: {
        mode: { enum: ['charge', 'deposit'] },
        genders: { additionalProperties: { type: 'string' } },
        ids: { type: 'array' },
      },
    });
  });

  it('applies valid changes over defaults and notifies listeners', () => {
    const config = new RemoteConfig(defs, { officeId: 1, savings: false, mode: 'charge' });
    const seen: unknown[] = [];
    config.onChange((c) => seen.push(c));
    expect(config.apply({ officeId: 2 })).toBe(true);
    expect(config.value).toEqual({ officeId: 2, savings: false, mode: 'charge' });
    expect(config.apply({ officeId: 2 })).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it('refuses invalid changes and keeps the previous config', () => {
    const config = new RemoteConfig(defs, { officeId: 1, mode: 'charge' });
    expect(() => config.apply({ mode: 'cash' })).toThrow(/mode must be equal to one of the allowed values/);
    expect(() => config.apply({ unknown: 1 })).toThrow(/no config definition for parameter unknown/);
    expect(() => config.apply({ genders: { male: 1 } })).toThrow(/genders/);
    expect(config.value).toEqual({ officeId: 1, mode: 'charge' });
  });

  it('is known from the start without a remote source, otherwise once a valid config arrived', () => {
    expect(new RemoteConfig(defs, { officeId: 1 }).known).toBe(true);
    const config = new RemoteConfig(defs, { officeId: 1, mode: 'charge' }, undefined, { known: false });
    expect(config.known).toBe(false);
    expect(() => config.apply({ mode: 'cash' })).toThrow();
    expect(config.known).toBe(false);
    // Core's config may equal the defaults: nothing changes, but now it is the operator's.
    expect(config.apply({ officeId: 1 })).toBe(false);
    expect(config.known).toBe(true);
  });

  it('runs the extra check', () => {
    const config = new RemoteConfig(defs, { officeId: 1 }, (c) => {
      if (c.officeId < 1) {
        throw new ConfigError('officeId must be positive');
      }
    });
    expect(() => config.apply({ officeId: 0 })).toThrow('officeId must be positive');
  });
});
