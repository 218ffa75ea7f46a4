// Runs the OpenHIM core simulator on the standard ports: `npx nx run sandbox:openhim`.
// Env: OPENHIM_SIM_HOST (127.0.0.1), OPENHIM_SIM_API_PORT (8080), OPENHIM_SIM_ROUTER_PORT (5001),
// OPENHIM_SIM_ROOT_EMAIL / OPENHIM_SIM_ROOT_PASSWORD, OPENHIM_SIM_CLIENTS ("id:password:role1|role2,…"),
// OPENHIM_SIM_CHANNEL_CACHE_MS (1000), LOG_LEVEL (info).
import pino from 'pino';
import type { OpenHimClientInput } from './types';
import { startOpenHimCore } from './simulator';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new Error(`${name} must be a port number, got ${raw}`);
  }
  return value;
}

function clients(raw: string | undefined): OpenHimClientInput[] {
  if (!raw) {
    return [];
  }
  return raw
    .split(',')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => {
      const [clientID, password, roles] = entry.trim().split(':');
      if (!clientID || !password) {
        throw new Error(`OPENHIM_SIM_CLIENTS entry "${entry}" must be clientID:password[:role1|role2]`);
      }
      return { clientID, password, roles: roles ? roles.split('|') : [clientID] };
    });
}

async function main(): Promise<void> {
  const logger = pino({
    level: process.env.LOG_LEVEL ?? 'info',
    redact: ['*.password', 'req.headers.authorization'],
  });
  const sim = await startOpenHimCore({
    host: process.env.OPENHIM_SIM_HOST ?? '127.0.0.1',
    apiPort: port('OPENHIM_SIM_API_PORT', 8080),
    routerPort: port('OPENHIM_SIM_ROUTER_PORT', 5001),
    ...(process.env.OPENHIM_SIM_ROOT_EMAIL ? { rootEmail: process.env.OPENHIM_SIM_ROOT_EMAIL } : {}),
    ...(process.env.OPENHIM_SIM_ROOT_PASSWORD ? { rootPassword: process.env.OPENHIM_SIM_ROOT_PASSWORD } : {}),
    clients: clients(process.env.OPENHIM_SIM_CLIENTS),
    channelCacheMs: port('OPENHIM_SIM_CHANNEL_CACHE_MS', 1000),
    pollingSchedules: true,
    logger,
  });
  process.stdout.write(
    [
      'OpenHIM core simulator',
      `  API (HTTP; real core uses HTTPS): ${sim.apiUrl}   user ${sim.rootEmail} / ${sim.rootPassword}`,
      `  router:                           ${sim.routerUrl}`,
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
