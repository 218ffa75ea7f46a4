/**
 * `npm start`: the whole payment layer on one machine.
 *
 * With no upstream configured it starts the sandbox — OpenHIM core, openIMIS and Fineract simulators, seeded — and
 * the mediators as child processes, registers them with the OpenHIM core simulator, runs a short demo through the
 * OpenHIM router and prints what happened. With OPENIMIS_URL, FINERACT_URL and OPENHIM_API_URL (and their
 * credentials, MEDIATOR_PUBLIC_HOST, MEDIATOR_CLIENT_PASSWORD and FINERACT_HOOK_SECRET) set, it starts the mediators
 * against those instead, says so, and writes nothing on its own. It keeps serving until Ctrl-C.
 *
 * Files live under `data/` (see data-dir.ts); `--reset` forgets the sandbox's previous state, `--help` lists the
 * options.
 */
import { join, relative } from 'node:path';
import { parseStartArgs, START_USAGE } from './settings';
import {
  ROOT,
  runClaimDemo,
  runClaimMojaloopDemo,
  runInsureeDemo,
  runMojaloopDemo,
  runPaymentDemo,
  startStack,
  type Stack,
} from './stack';

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

function families(): number {
  const raw = process.env.SANDBOX_FAMILIES ?? '200';
  if (!/^\d+$/.test(raw)) {
    throw new RangeError(`SANDBOX_FAMILIES must be a whole number, got "${raw}"`);
  }
  return Number.parseInt(raw, 10);
}

async function demo(stack: Stack): Promise<void> {
  const sims = stack.up.sims;
  if (!sims) {
    return;
  }
  out('Demo 1 — one insuree pushed through the OpenHIM router, then a sync of the seeded population');
  const i = await runInsureeDemo(stack);
  out(`  POST /fhir/Patient (${i.patientId}) → ${i.patientStatus}: ${i.patientText}`);
  out(`    OpenHIM transaction ${i.patientTransaction}`);
  out(`  POST /sync/insurees → ${i.syncStatus} in ${i.syncSeconds.toFixed(1)} s: ${i.syncText[0] ?? ''}`);
  for (const line of i.syncText.slice(1, 6)) {
    out(`    ${line}`);
  }
  out(`    OpenHIM transaction ${i.syncTransaction}`);
  out('');
  out('Demo 2 — the contribution payment loop');
  const p = await runPaymentDemo(stack);
  out(
    `  POST /fhir/Invoice ${p.invoiceCode} (${p.invoiceId}, ${p.amount}) → Fineract client ${p.fineractClientId}, charge ${p.fineractChargeId}`,
  );
  out(`    OpenHIM transaction ${p.invoiceTransaction}`);
  out(
    `  charge paid in Fineract → web hook through OpenHIM${p.hookTransaction ? ` (transaction ${p.hookTransaction})` : ''}`,
  );
  out(
    `  openIMIS: ${p.paymentNotices} PaymentNotice, invoice ${p.invoicePaid ? 'PAID' : 'not paid yet'}, premiums recorded: ${p.premiums}`,
  );
  out('');
  out('Demo 3 — a contribution paid by mobile money over Mojaloop');
  const m = await runMojaloopDemo(stack);
  out(`  POST /fhir/Invoice ${m.invoiceCode} (${m.invoiceId}, ${m.amount})`);
  out(`    OpenHIM transaction ${m.invoiceTransaction}`);
  out(`  payer FSP → the SDK backend API through OpenHIM, party ${m.party}, transfer ${m.transferId}`);
  for (const c of m.calls) {
    out(
      `    ${c.step.padEnd(12)} ${c.method} /mojaloop${c.path} → ${c.status}${c.transaction ? `, OpenHIM transaction ${c.transaction}` : ''}`,
    );
  }
  out(
    `  transfer ${m.prepareState} (home transaction ${m.homeTransactionId}), then COMMITTED → ledger payment ${m.paymentId ?? '?'} (source mojaloop, ${m.paymentOutcome ?? 'no outcome'})`,
  );
  out(`  openIMIS: ${m.paymentNotices} PaymentNotice, invoice ${m.invoicePaid ? 'PAID' : 'not paid yet'}`);
  out('');
  out('Demo 4 — a valuated claim paid to its health facility over Fineract');
  const c = await runClaimDemo(stack);
  out(`  POST /fhir/ClaimResponse ${c.claimCode} (${c.claimId}) → ${c.status}: ${c.text}`);
  out(`    OpenHIM transaction ${c.transaction}`);
  out(
    `  Fineract: ${c.deposits} deposit of ${c.amount} into savings account ${c.savingsAccountId ?? '?'} (receipt ${c.claimCode})`,
  );
  out('');
  out('Demo 5 — a valuated claim paid to its health facility by mobile money over Mojaloop');
  if (stack.mojaloop?.claimPayout) {
    const cm = await runClaimMojaloopDemo(stack);
    out(
      `  POST /fhir/ClaimResponse ${cm.claimCode} (${cm.claimId}, facility ${cm.facilityCode}) → ${cm.status}: ${cm.text}`,
    );
    out(`    OpenHIM transaction ${cm.transaction}`);
    out(
      `  payout ${cm.payoutState || '?'}: transfer ${cm.transferId} ${cm.transferState} (${cm.transfers} transfer)`,
    );
    out(`  wallet ${cm.wallet} credited ${cm.walletCredited} (transfer amount ${cm.amount})`);
    out(
      `  Fineract: payout float (savings account ${cm.floatSavingsAccountId}) debited ${cm.floatDebited} in ${cm.withdrawals} withdrawal (receipt ${cm.claimCode})`,
    );
  } else {
    // A tiny population (SANDBOX_FAMILIES) may have valuated claims in one health facility only.
    out('  skipped: no second health facility of the population has a valuated claim');
  }
  out('');
  const fs = sims.fineract.state;
  out('In Fineract now');
  out(
    `  clients: ${fs.clients.size}, groups: ${fs.groups.size}, savings accounts: ${fs.savingsAccounts.size}, client charges: ${fs.clientCharges.size}`,
  );
  out(
    `  openIMIS has ${sims.openimis.store.list('Patient').length} insurees in ${sims.openimis.store.list('Group').length} families`,
  );
}

let running: Stack | undefined;

/** A path as the user would type it from the checkout. */
const shown = (path: string): string => {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    out(START_USAGE);
    return;
  }
  let args;
  try {
    args = parseStartArgs(argv, join(ROOT, 'data'));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${START_USAGE}\n`);
    process.exit(2);
  }
  const stack = await startStack({
    ports: args.ports,
    families: families(),
    dataDir: args.dataDir,
    env: process.env,
    reset: args.reset,
  });
  running = stack;
  const up = stack.up;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    out('\nStopping…');
    void stack.stop().then(() => {
      out('Stopped.');
      process.exit(code);
    });
  };
  process.on('SIGINT', () => {
    stop(0);
  });
  process.on('SIGTERM', () => {
    stop(0);
  });
  for (const m of stack.mediators) {
    m.child.on('exit', (code) => {
      if (!stopping) {
        process.stderr.write(
          `${m.name} exited with code ${String(code)}; see ${shown(join(stack.layout.logs, `${m.name}.log`))}\n`,
        );
        stop(1);
      }
    });
  }

  out(
    up.sandbox
      ? `Sandbox: no upstream configured, simulators started; data in ${shown(stack.layout.dir)} (staging store emptied at start; npm run reset forgets everything)`
      : `Using the configured upstreams (no demo writes); data in ${shown(stack.layout.dir)}:`,
  );
  out(
    `  OpenHIM core API  ${up.openhim.apiUrl}${up.openhim.routerUrl ? `   router ${up.openhim.routerUrl}` : ''}`,
  );
  out(`  openIMIS FHIR     ${up.openimis.url}`);
  out(`  Fineract          ${up.fineract.url}`);
  if (stack.mojaloop) {
    out(
      `  Mojaloop SDK      ${stack.mojaloop.outboundUrl} (outbound API simulator, DFSP ${stack.mojaloop.dfspId})`,
    );
  }
  for (const m of stack.mediators) {
    out(
      `  ${m.name.padEnd(17)} port ${m.port}, registered as ${stack.settings.publicHost}:${m.port} (log: ${shown(join(stack.layout.logs, `${m.name}.log`))})`,
    );
  }
  out('');
  if (up.sims && stack.client) {
    // The router refreshes its channel list about every second.
    await new Promise((r) => setTimeout(r, 1100));
    await demo(stack);
    out('');
    out('Where to look');
    out(
      `  OpenHIM transactions: curl -u ${up.openhim.username}:${up.openhim.password} ${up.openhim.apiUrl}/transactions`,
    );
    out(`  router client: ${stack.client.id} / ${stack.client.password}`);
    out(
      `    e.g. curl -u ${stack.client.id}:${stack.client.password} -X POST ${up.openhim.routerUrl ?? ''}/sync/insurees`,
    );
    out(
      `  Fineract: curl -u ${up.fineract.username}:${up.fineract.password} -H 'Fineract-Platform-TenantId: ${up.fineract.tenant}' ${up.fineract.url}/clients`,
    );
    if (stack.mojaloop) {
      out(
        `  Mojaloop: each SDK backend call above is an OpenHIM transaction (channel "Mojaloop SDK backend", client ${stack.mojaloop.sdkClient.id} / ${stack.mojaloop.sdkClient.password}): curl -u ${up.openhim.username}:${up.openhim.password} ${up.openhim.apiUrl}/transactions/<id>`,
      );
    }
    const db = shown(stack.layout.stagingDb);
    out(
      `  staging database: ${db} (operator CLI: STAGING_DB_PATH=${db} npx tsx tools/ops/src/cli.ts attention)`,
    );
  }
  out('');
  out('Serving. Press Ctrl-C to stop.');
}

main().catch(async (err: unknown) => {
  process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  await running?.stop();
  process.exit(1);
});
