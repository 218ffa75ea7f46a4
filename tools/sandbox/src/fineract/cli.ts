// `npx nx run sandbox:fineract`: runs the Fineract simulator until SIGINT/SIGTERM. Plain HTTP on
// FINERACT_SIM_PORT (default 8443, the real server's HTTPS port, so only the scheme differs).

import { startFineractSimulator } from './simulator';

async function main(): Promise<void> {
  const portText = process.env['FINERACT_SIM_PORT'] ?? '8443';
  if (!/^\d+$/.test(portText)) {
    throw new Error(`FINERACT_SIM_PORT must be a port number, got ${portText}`);
  }
  const sim = await startFineractSimulator({
    port: parseInt(portText, 10),
    host: process.env['FINERACT_SIM_HOST'] ?? '127.0.0.1',
  });
  process.stdout.write(
    [
      'Fineract simulator (plain HTTP, in-memory)',
      `  base URL:  ${sim.baseUrl}`,
      `  tenant:    ${sim.tenantId} (header Fineract-Platform-TenantId)`,
      `  user:      ${sim.username} / ${sim.password} (HTTP Basic)`,
      '',
    ].join('\n'),
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
