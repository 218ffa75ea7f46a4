import { Decimal } from 'decimal.js';
import type { Invoice } from 'fhir/r4';
import { AUTH, copy, startHarness, type Harness } from './harness';

interface Envelope {
  response: { status: number; body: string };
  properties?: Record<string, unknown>;
}

const CHARGES = /^\/clients\/\d+\/charges$/;
const CHARGE_LIST = /^\/clients\/\d+\/charges\?/;
/** Sends of one read before the client gives up (its default retry budget): this many failures fail one read-back. */
const READ_SENDS = 4;

/**
 * What Fineract's "Purge Processed Commands" job does once `purge-processed-commands-older-than-days` have passed:
 * processed commands, and with them their Idempotency-Keys, are gone (fineract.md §8).
 */
function purgeProcessedCommands(h: Harness): void {
  const store = h.fineract.state.tenant().idempotency;
  for (const [key, entry] of store) {
    if (entry.state === 'PROCESSED') {
      store.delete(key);
    }
  }
}

/**
 * One charge per invoice whatever Fineract and the process do in between: a write that commits but whose answer is
 * lost, a retry that meets a 500, a read-back that fails, a crash, the idempotency store purged, a sync rerun.
 */
describe('invoice mediator: exactly one Fineract charge per invoice under faults', () => {
  let h: Harness;
  let invoice: Invoice;
  let tx = 0;

  beforeEach(async () => {
    // A short Fineract time limit: the unanswered writes below cost one limit each.
    h = await startHarness({ env: { FINERACT_TIMEOUT_MS: '400' } });
    const first = h.invoices()[0];
    if (!first) {
      throw new Error('the simulator generated no contribution invoice');
    }
    invoice = copy(first);
  });

  afterEach(async () => {
    await h.close();
  });

  async function post(body: unknown) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/Invoice',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    const envelope = res.json<Envelope>();
    return { status: res.statusCode, envelope };
  }

  async function sync(): Promise<Record<string, unknown>> {
    const res = await h.app.inject({
      method: 'POST',
      url: '/sync/invoices',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `sync-${++tx}` },
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ properties: Record<string, unknown> }>().properties;
  }

  const charges = () => [...h.fineract.state.clientCharges.values()];
  const row = () => h.repos.ledger.getInvoiceByOpenimisId(invoice.id!);

  /** Every invoice of the population has its charge in the ledger, and Fineract holds no other. */
  function expectOneChargePerInvoice(): void {
    const all = charges();
    expect(all).toHaveLength(h.invoices().length);
    for (const inv of h.invoices()) {
      const stored = h.repos.ledger.getInvoiceByOpenimisId(inv.id!);
      expect(all.filter((c) => c.id === stored?.fineractChargeId)).toHaveLength(1);
    }
  }

  it('a charge that committed unanswered and whose retry met a 500 is read back, not applied again', async () => {
    h.fineract.faults.timeoutAfterCommit({ method: 'POST', path: CHARGES }, { then: { status: 500 } });
    const r = await post(invoice);
    expect(r.status).toBe(201);
    expect(charges()).toHaveLength(1);
    expect(row()?.fineractChargeId).toBe(charges()[0]?.id);
    expect(r.envelope.properties?.fineractChargeId).toBe(charges()[0]?.id);

    // A rerun and a sync find it charged and write nothing.
    expect((await post(invoice)).envelope.properties?.outcome).toBe('unchanged');
    expect(await sync()).toMatchObject({ failed: 0 });
    expectOneChargePerInvoice();
  });

  it('a crash after an unanswered charge reads back first on the rerun, also after the key store is purged', async () => {
    // The charge commits but its answer is lost, its retry meets a 500 and the read-back fails: the request ends
    // without knowing the outcome, and the ledger knows attempt 1 may have gone through.
    h.fineract.faults.timeoutAfterCommit({ method: 'POST', path: CHARGES }, { then: { status: 500 } });
    h.fineract.faults.failNext({ method: 'GET', path: CHARGE_LIST }, 503, undefined, READ_SENDS);
    const first = await post(invoice);
    expect(first.status).toBe(502);
    expect(charges()).toHaveLength(1);
    expect(row()).toMatchObject({ fineractChargeId: null, chargeAttempt: 1, state: 'awaiting_payment' });

    // The process dies; later Fineract has purged its processed commands; a new process reruns the invoice.
    await h.restart();
    h.fineract.faults.reset();
    purgeProcessedCommands(h);
    const rerun = await post(invoice);
    expect(rerun.status).toBe(201);
    expect(charges()).toHaveLength(1);
    expect(row()?.fineractChargeId).toBe(charges()[0]?.id);
    expect([...h.fineract.state.idempotency.values()].filter((e) => e.entityName === 'CLIENTCHARGE')).toEqual(
      [],
    );

    expect(await sync()).toMatchObject({ failed: 0 });
    expectOneChargePerInvoice();
  });

  it('resumes at the stored attempt after a restart instead of starting again at key :1', async () => {
    h.fineract.faults.failNext({ method: 'POST', path: CHARGES }, 503, undefined, 4);
    expect((await post(invoice)).status).toBe(502);
    expect(row()).toMatchObject({ fineractChargeId: null, chargeAttempt: 4 });
    expect(charges()).toHaveLength(0);

    await h.restart();
    expect((await post(invoice)).status).toBe(201);
    const keys = [...h.fineract.state.idempotency.values()]
      .filter((e) => e.entityName === 'CLIENTCHARGE')
      .map((e) => e.key);
    expect(keys).toEqual([`pl:charge:${invoice.id!.toLowerCase()}:4`]);
    expect(charges()).toHaveLength(1);
  });

  it('two charges that both fit an uncertain invoice are handed to an operator, never a third', async () => {
    // A first try is refused, so the recipient's client exists; a stray charge of the same definition, amount and
    // due date (say, applied by hand) then sits on it.
    h.fineract.faults.failNext({ method: 'POST', path: CHARGES }, 400);
    expect((await post(invoice)).status).toBe(422);
    const client = [...h.fineract.state.clients.values()][0]!;
    h.fineract.state.tenant().clientCharges.set(99, {
      id: 99,
      clientId: client.id,
      chargeId: 1,
      amount: new Decimal(String(invoice.totalGross?.value)).toFixed(2),
      amountPaid: '0.00',
      amountWaived: '0.00',
      dueDate: client.activationDate!,
      isActive: true,
      isPaid: false,
      isWaived: false,
      transactionIds: [],
    });

    h.fineract.faults.timeoutAfterCommit({ method: 'POST', path: CHARGES }, { then: { status: 500 } });
    const r = await post(invoice);
    expect(r.status).toBe(409);
    expect(row()).toMatchObject({ state: 'needs_attention', fineractChargeId: null });
    expect(row()?.attentionReason).toContain('99');
    expect(charges()).toHaveLength(2);
    expect((await post(invoice)).status).toBe(409);
    expect(charges()).toHaveLength(2);
  });

  it('a sync interrupted by the same faults and rerun after a restart leaves one charge per invoice', async () => {
    // The first invoice's charge commits unanswered, its retry meets a 500 and its read-back fails.
    h.fineract.faults.timeoutAfterCommit({ method: 'POST', path: CHARGES }, { then: { status: 500 } });
    h.fineract.faults.failNext({ method: 'GET', path: CHARGE_LIST }, 503, undefined, READ_SENDS);
    const first = await sync();
    expect(first).toMatchObject({ charged: 1, failed: 1 });
    expect(charges()).toHaveLength(2);

    await h.restart();
    h.fineract.faults.reset();
    purgeProcessedCommands(h);
    expect(await sync()).toMatchObject({ failed: 0 });
    expect(await sync()).toMatchObject({ charged: 0, failed: 0 });
    expectOneChargePerInvoice();
  });
});

describe('invoice mediator: a refused invoice changes nothing', () => {
  let h: Harness;
  let invoice: Invoice;
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
    const first = h.invoices()[0];
    if (!first) {
      throw new Error('the simulator generated no contribution invoice');
    }
    invoice = copy(first);
  });

  afterEach(async () => {
    await h.close();
  });

  async function post(body: unknown) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/Invoice',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    const envelope = res.json<Envelope>();
    return { status: res.statusCode, body: JSON.parse(envelope.response.body) as Record<string, unknown> };
  }

  const recipientUuid = (): string => invoice.recipient?.reference?.split('/').pop()?.toLowerCase() ?? '';

  it('an impossible invoice date is a 400 naming Invoice.date: no ledger row, no link, no Fineract write', async () => {
    const r = await post({ ...invoice, date: '2023-02-30' });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('Invoice.date');
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
    expect(h.repos.links.listByOpenimis('Patient', recipientUuid())).toEqual([]);
    expect(h.fineract.state.clients.size).toBe(0);
    expect(h.fineract.state.clientCharges.size).toBe(0);
    expect([...h.fineract.state.idempotency.values()].filter((e) => e.entityName === 'CLIENTCHARGE')).toEqual(
      [],
    );
  });

  it('a refusal Fineract stored under the key does not block the invoice once the cause is fixed', async () => {
    // The charge definition is inactive: Fineract refuses the charge (403) and keeps that answer under key :1.
    const definition = h.fineract.state.tenant().charges.get(1)!;
    definition.active = false;
    expect((await post(invoice)).status).toBe(422);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();

    // An operator activates it; the rerun must not be answered by the stored refusal again.
    definition.active = true;
    expect((await post(invoice)).status).toBe(201);
    expect(h.fineract.state.clientCharges.size).toBe(1);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)?.fineractChargeId).toBe(
      [...h.fineract.state.clientCharges.values()][0]?.id,
    );
  });

  it('a failure before the charge was sent leaves no ledger row for a new invoice', async () => {
    // The client read right before the charge fails (after every retry); the recipient was resolved before it.
    h.fineract.faults.failNext({ method: 'GET', path: /^\/clients\/\d+$/ }, 503, undefined, 4);
    const r = await post(invoice);
    expect(r.status).toBe(502);
    expect(h.fineract.state.clients.size).toBe(1);
    expect(h.repos.links.listByOpenimis('Patient', recipientUuid())).toHaveLength(1);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
    expect(h.fineract.state.clientCharges.size).toBe(0);
  });

  it('a charge Fineract refuses (4xx) leaves no ledger row behind, and the corrected rerun charges once', async () => {
    h.fineract.faults.failNext({ method: 'POST', path: CHARGES }, 400);
    const r = await post(invoice);
    expect(r.status).toBe(422);
    expect(h.repos.ledger.getInvoiceByOpenimisId(invoice.id!)).toBeUndefined();
    expect(h.fineract.state.clientCharges.size).toBe(0);

    expect((await post(invoice)).status).toBe(201);
    expect(h.fineract.state.clientCharges.size).toBe(1);
  });
});
