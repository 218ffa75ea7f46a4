import type { ChannelDefinition } from './definition';
import { planChannelSync, type InstalledChannel } from './channel-sync';

const route = { name: 'Payment mediator', type: 'http' as const, primary: true };
const wanted = (password: string, port = 3003): ChannelDefinition[] => [
  {
    name: 'Hooks',
    urlPattern: '^/hook$',
    methods: ['POST'],
    routes: [{ ...route, host: 'payment-mediator', port, username: 'openhim', password }],
  },
  {
    name: 'Notices',
    urlPattern: '^/notice$',
    methods: ['POST'],
    routes: [{ ...route, host: 'payment-mediator', port, username: 'openhim', password }],
  },
];
const installedFrom = (defs: ChannelDefinition[], extra: Record<string, unknown> = {}): InstalledChannel[] =>
  defs.map((c, i) => ({ ...c, _id: `id-${i}`, ...extra }));

describe('planChannelSync', () => {
  it('installs what core lacks and leaves matching channels alone', () => {
    const plan = planChannelSync(wanted('pw-1'), installedFrom(wanted('pw-1')).slice(0, 1));
    expect(plan).toEqual({ install: ['Notices'], update: [], leftAlone: [] });
  });

  it('rewrites only the connection fields of the owned routes, naming the fields but not their values', () => {
    const operatorRoute = {
      name: 'Audit copy',
      type: 'http' as const,
      host: 'audit',
      port: 80,
      primary: false,
    };
    const installed = installedFrom(wanted('old-password', 3000)).map((c) => ({
      ...c,
      whitelist: ['10.0.0.5'],
      routes: [{ ...c.routes![0]!, status: 'disabled' as const, path: '/x' }, operatorRoute],
    }));
    const plan = planChannelSync(wanted('new-password'), installed);
    expect(plan.install).toEqual([]);
    expect(plan.update).toHaveLength(2);
    const hooks = plan.update[0]!;
    expect(hooks).toMatchObject({ id: 'id-0', name: 'Hooks' });
    expect(hooks.changed).toEqual(['Payment mediator.port', 'Payment mediator.password']);
    expect(JSON.stringify(hooks.changed)).not.toContain('new-password');
    expect(hooks.routes).toEqual([
      { ...installed[0]!.routes[0], port: 3003, password: 'new-password' },
      operatorRoute,
    ]);
    // The operator's own route and the owned route's other fields are as they were.
    expect(hooks.routes[0]).toMatchObject({ status: 'disabled', path: '/x' });
  });

  it('treats an absent secured flag as false and drops credentials the mediator no longer uses (mTLS)', () => {
    const noCredentials = wanted('x').map((c) => ({
      ...c,
      routes: c.routes.map(({ username: _u, password: _p, ...r }) => ({ ...r, secured: false })),
    }));
    const plan = planChannelSync(noCredentials, installedFrom(wanted('old')));
    expect(plan.update[0]!.changed).toEqual(['Payment mediator.username', 'Payment mediator.password']);
    expect(plan.update[0]!.routes[0]).not.toHaveProperty('password');
    expect(plan.update[0]!.routes[0]).not.toHaveProperty('username');
  });

  it('leaves alone a channel that no longer holds a route of the mediator', () => {
    const installed = installedFrom(wanted('pw')).map((c) => ({
      ...c,
      routes: c.routes!.map((r) => ({ ...r, name: 'Through the proxy', host: 'proxy' })),
    }));
    const plan = planChannelSync(wanted('pw-2'), installed);
    expect(plan).toEqual({ install: [], update: [], leftAlone: ['Hooks', 'Notices'] });
  });

  it('names the type of a channel that is not http, so core accepts the update of a polling channel', () => {
    const polling = wanted('pw').map((c) => ({
      ...c,
      type: 'polling' as const,
      pollingSchedule: 'every 1 hours',
    }));
    const plan = planChannelSync(wanted('pw-2'), installedFrom(polling));
    expect(plan.update.map((u) => u.type)).toEqual(['polling', 'polling']);
    const http = planChannelSync(wanted('pw-2'), installedFrom(wanted('pw')));
    expect(http.update[0]).not.toHaveProperty('type');
  });
});
