/**
 * Runs the openIMIS simulator on its own: `npx nx run sandbox:openimis`.
 * Environment: OPENIMIS_SIM_PORT (8000), OPENIMIS_SIM_FAMILIES (100), OPENIMIS_SIM_SEED (openimis),
 * OPENIMIS_SIM_HOST (127.0.0.1).
 */
import { startOpenImisSimulator } from './server';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new RangeError(
      `${name} must be an integer between ${String(min)} and ${String(max)}, got "${raw}"`,
    );
  }
  return Number(raw);
}

async function main(): Promise<void> {
  const port = intFromEnv('OPENIMIS_SIM_PORT', 8000, 0, 65535);
  const families = intFromEnv('OPENIMIS_SIM_FAMILIES', 100, 0, 1_000_000);
  const seed = process.env['OPENIMIS_SIM_SEED'] ?? 'openimis';
  const host = process.env['OPENIMIS_SIM_HOST'] ?? '127.0.0.1';
  const sim = await startOpenImisSimulator({ host, port, seed, population: { families } });
  const counts = (['Patient', 'Group', 'Organization', 'Claim', 'Invoice'] as const)
    .map((type) => `${type}: ${String(sim.store.list(type).length)}`)
    .join(', ');
  process.stdout.write(
    [
      'openIMIS simulator running',
      `  FHIR base : ${sim.fhirBaseUrl}`,
      `  login     : POST ${sim.loginUrl}`,
      `  GraphQL   : POST ${sim.graphqlUrl}`,
      `  user      : ${sim.credentials.username} / ${sim.credentials.password}`,
      `  seed      : ${seed} (${counts})`,
      '',
    ].join('\n'),
  );
  let closing = false;
  const shutdown = (): void => {
    if (closing) {
      return;
    }
    closing = true;
    void sim.close().then(() => {
      process.stdout.write('openIMIS simulator stopped\n');
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
