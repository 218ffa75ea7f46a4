import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runClaimDemo, runInsureeDemo, runPaymentDemo, startStack, type Stack } from '../src/cli/stack';

jest.setTimeout(180_000);

// The whole layer as `npm start` runs it (four mediator processes, OpenHIM core, openIMIS and Fineract simulators),
// on free ports: insurees through the router, then the contribution payment loop end to end.
describe('the payment layer end to end in the sandbox', () => {
  let stack: Stack;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'stack-'));
    const configured = new Set(['OPENIMIS_URL', 'FINERACT_URL', 'OPENHIM_API_URL', 'STAGING_DB_PATH']);
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !configured.has(k))),
      LOG_LEVEL: 'warn',
    };
    stack = await startStack({ ports: 'random', families: 8, dataDir: dir, env });
  });
  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers the four mediators and their channels with OpenHIM', () => {
    const core = stack.up.sims!.core;
    for (const m of stack.mediators) {
      expect(core.getMediator(m.urn)).toBeDefined();
    }
    expect(core.listChannels().length).toBeGreaterThanOrEqual(12);
  });

  it('pushes an insuree and syncs the population through the router', async () => {
    const r = await runInsureeDemo(stack);
    expect(r.patientStatus).toBe(201);
    expect(r.syncStatus).toBe(200);
    const sims = stack.up.sims!;
    const patients = sims.openimis.store.list('Patient').length;
    expect(sims.fineract.state.clients.size).toBe(patients);
    expect(sims.core.getTransaction(r.syncTransaction)?.storageError).toBeUndefined();
  });

  it('invoice → charge → paid in Fineract → hook → one PaymentNotice → invoice PAID → premium recorded', async () => {
    const r = await runPaymentDemo(stack);
    const sims = stack.up.sims!;
    expect(r.fineractChargeId).toBeGreaterThan(0);
    expect(r.hookTransaction).toBeDefined();
    expect(r.paymentNotices).toBe(1);
    expect(r.invoicePaid).toBe(true);
    expect(r.premiums).toBe(1);
    const notice = sims.openimis.store.paymentNotices().find((p) => p.subjectId === r.invoiceId);
    expect(notice?.amountReceived).toBe(r.amount.split(' ')[0]);
    // The hook's transaction was stored by core with the payment mediator's envelope.
    const hookTx = sims.core.getTransaction(r.hookTransaction!);
    expect(hookTx?.storageError).toBeUndefined();
    expect(hookTx?.response?.status).toBe(200);
  });

  it('valuated claim → one deposit into the savings account of its health facility', async () => {
    const r = await runClaimDemo(stack);
    expect(r.status).toBe(201);
    expect(r.deposits).toBe(1);
    const sims = stack.up.sims!;
    const account = sims.fineract.state.savingsAccounts.get(r.savingsAccountId ?? -1);
    expect(sims.fineract.state.clients.get(account?.clientId ?? -1)?.legalFormId).toBe(2);
    expect(sims.core.getTransaction(r.transaction)?.storageError).toBeUndefined();
  });
});
