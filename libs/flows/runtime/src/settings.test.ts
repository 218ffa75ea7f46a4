import { derivedSettings } from './index';

describe('derivedSettings', () => {
  it('rebuilds only when the config object changes or the UTC day turns', () => {
    let config = { officeId: 1 };
    let now = new Date('2026-05-17T23:59:59.000Z');
    const builds: string[] = [];
    const settings = derivedSettings(
      () => config,
      (c, at) => {
        builds.push(`${c.officeId}@${at.toISOString()}`);
        return { officeId: c.officeId, today: at.toISOString().slice(0, 10) };
      },
      () => now,
    );
    const first = settings();
    expect(settings()).toBe(first);
    expect(first).toEqual({ officeId: 1, today: '2026-05-17' });

    now = new Date('2026-05-18T00:00:00.000Z');
    expect(settings()).toEqual({ officeId: 1, today: '2026-05-18' });

    config = { officeId: 2 }; // an applied remote config change is a new object
    expect(settings()).toEqual({ officeId: 2, today: '2026-05-18' });
    expect(builds).toEqual([
      '1@2026-05-17T23:59:59.000Z',
      '1@2026-05-18T00:00:00.000Z',
      '2@2026-05-18T00:00:00.000Z',
    ]);
  });
});
