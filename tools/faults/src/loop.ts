/**
 * What the outside world does in the contribution loop, and what the campaign reads back: openIMIS posts invoices
 * through the OpenHIM router (and core reruns failed transactions), a Fineract operator registers the web hook and
 * takes payments at the counter, and the verdict per invoice comes from the simulators' own state and the staging
 * store, plus what `tools/ops attention` prints.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import type { Layer } from './layer';

const ROOT = resolve(__dirname, '../../..');
const execFileAsync = promisify(execFile);
/** openIMIS invoice status PAID. */
const PAID = 2;

/** A contribution invoice of the openIMIS population driven through the loop. */
export interface LoopInvoice {
  readonly id: string;
  readonly code: string;
  readonly amount: string;
  /** UUID of the head insuree (the Fineract client's externalId). */
  readonly recipient: string;
}

/** Outcome of one POST through the router. */
export interface Posted {
  readonly invoiceId: string;
  readonly status: number;
  readonly transactionId: string;
}

/**
 * The unpaid contribution invoices of the population addressed to an insuree, in population order.
 *
 * @param layer - the layer
 * @returns the invoices
 */
export function contributionInvoices(layer: Layer): LoopInvoice[] {
  const store = layer.openimis.store;
  return store
    .invoices()
    .filter((i) => i.kind === 'invoice' && i.status !== PAID && (i.thirdpartyId ?? '') !== '')
    .map((i) => ({ id: i.id, code: i.code, amount: i.amountTotal, recipient: i.thirdpartyId ?? '' }));
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        await work(items[next++] as T);
      }
    }),
  );
}

/**
 * Posts invoices to `/fhir/Invoice` through the OpenHIM router, as openIMIS does.
 *
 * @param layer - the layer
 * @param invoices - what to post
 * @param concurrency - requests at a time
 * @returns one outcome per invoice (status 0 when the router could not be reached)
 */
export async function postInvoices(
  layer: Layer,
  invoices: readonly LoopInvoice[],
  concurrency = 4,
): Promise<Posted[]> {
  const out: Posted[] = [];
  await pool(invoices, concurrency, async (inv) => {
    const body = JSON.stringify(layer.openimis.store.get('Invoice', inv.id));
    try {
      const res = await request(`${layer.proxies.router.url}/fhir/Invoice`, {
        method: 'POST',
        headers: { authorization: layer.routerAuth, 'content-type': 'application/fhir+json' },
        body,
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
      });
      await res.body.dump();
      out.push({
        invoiceId: inv.id,
        status: res.statusCode,
        transactionId: String(res.headers['x-openhim-transactionid'] ?? ''),
      });
    } catch {
      out.push({ invoiceId: inv.id, status: 0, transactionId: '' });
    }
  });
  return out;
}

/**
 * Reruns OpenHIM transactions (what core's auto-retry or an operator's "rerun" does).
 *
 * @param layer - the layer
 * @param ids - transaction ids
 * @returns the HTTP status each rerun got from the mediator (0: no answer)
 */
export async function rerun(layer: Layer, ids: readonly string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const id of ids) {
    const tx = await layer.core.rerunTransaction(id).catch(() => undefined);
    statuses.push(tx?.response?.status ?? 0);
  }
  return statuses;
}

/**
 * Reruns the failed transactions among `posted` until each invoice has a successful one (core's auto-retry),
 * giving up at the deadline.
 *
 * @param layer - the layer
 * @param posted - outcomes of the first posts (updated in place)
 * @param timeoutMs - deadline
 */
export async function rerunFailed(layer: Layer, posted: Posted[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const failed = posted.filter((p) => p.status < 200 || p.status >= 300);
    if (failed.length === 0 || Date.now() > until) {
      return;
    }
    for (const p of failed) {
      let status = 0;
      if (p.transactionId) {
        [status = 0] = await rerun(layer, [p.transactionId]);
      } else {
        const inv = layer.openimis.store.invoice(p.invoiceId);
        const [again] = inv
          ? await postInvoices(
              layer,
              [{ id: inv.id, code: inv.code, amount: inv.amountTotal, recipient: '' }],
              1,
            )
          : [];
        status = again?.status ?? 0;
        if (again?.transactionId) {
          posted[posted.indexOf(p)] = again;
          continue;
        }
      }
      posted[posted.indexOf(p)] = { ...p, status };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The Fineract operator's calls (plain API calls, as the Mifos web app makes them). */
async function fineractCall(
  layer: Layer,
  method: 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const f = layer.fineract;
  const res = await request(`${f.baseUrl}/${path}`, {
    method,
    headers: {
      authorization: f.authorization,
      'fineract-platform-tenantid': f.tenantId,
      'content-type': 'application/json',
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) {
    throw new Error(`Fineract ${method} ${path} answered ${res.statusCode}: ${text}`);
  }
  return JSON.parse(text) as unknown;
}

/**
 * Registers the payment layer's web hook in Fineract (`times` registrations of the same Payload URL make Fineract
 * deliver every event that many times).
 *
 * @param layer - the layer
 * @param times - how many hooks
 * @returns the hook ids
 */
export async function registerHooks(layer: Layer, times = 1): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < times; i++) {
    const created = (await fineractCall(layer, 'POST', 'hooks', {
      name: 'Web',
      isActive: true,
      // Fineract refuses two hooks with one name.
      displayName: `openIMIS payment layer ${randomBytes(4).toString('hex')}`,
      events: [
        { entityName: 'CLIENTCHARGE', actionName: 'PAY' },
        { entityName: 'SAVINGSACCOUNT', actionName: 'DEPOSIT' },
      ],
      config: { 'Payload URL': layer.hookUrl, 'Content Type': 'json' },
    })) as { resourceId: number };
    ids.push(created.resourceId);
  }
  return ids;
}

/**
 * Deletes web hooks (after a scenario that registered more than one).
 *
 * @param layer - the layer
 * @param ids - hook ids
 */
export async function removeHooks(layer: Layer, ids: readonly number[]): Promise<void> {
  for (const id of ids) {
    await fineractCall(layer, 'DELETE', `hooks/${id}`);
  }
}

function clientOf(layer: Layer, recipient: string): number | undefined {
  for (const c of layer.fineract.state.clients.values()) {
    if (c.externalId === recipient) {
      return c.id;
    }
  }
  return undefined;
}

function chargesOf(
  layer: Layer,
  recipient: string,
): { id: number; clientId: number; amount: string; isPaid: boolean; amountPaid: string }[] {
  const clientId = clientOf(layer, recipient);
  if (clientId === undefined) {
    return [];
  }
  return [...layer.fineract.state.clientCharges.values()]
    .filter((c) => c.clientId === clientId && c.isActive && !c.isWaived)
    .sort((a, b) => a.id - b.id);
}

/**
 * Pays each invoice's open charge in full in Fineract (one payment per invoice: the first open charge), as the
 * counter does; returns the invoices it found no open charge for.
 *
 * @param layer - the layer
 * @param invoices - the invoices to pay
 * @param concurrency - payments at a time
 * @returns codes of invoices without an open charge
 */
export async function payCharges(
  layer: Layer,
  invoices: readonly LoopInvoice[],
  concurrency = 8,
): Promise<string[]> {
  const today = new Date().toISOString().slice(0, 10);
  const missing: string[] = [];
  await pool(invoices, concurrency, async (inv) => {
    const charge = chargesOf(layer, inv.recipient).find((c) => !c.isPaid);
    if (!charge) {
      missing.push(inv.code);
      return;
    }
    await fineractCall(layer, 'POST', `clients/${charge.clientId}/charges/${charge.id}?command=paycharge`, {
      amount: charge.amount,
      transactionDate: today,
      paymentTypeId: 1,
      receiptNumber: inv.code,
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    });
  });
  return missing;
}

/** What the campaign finds for one invoice. */
export interface InvoiceVerdict {
  readonly code: string;
  /** Client charges in Fineract for it (active, not waived). */
  readonly charges: number;
  /** Of those, paid. */
  readonly paidCharges: number;
  /** PaymentNotices openIMIS stored for it. */
  readonly notices: number;
  /** Premiums recorded with its code as receipt. */
  readonly premiums: number;
  /** Matched payments in the ledger. */
  readonly payments: number;
  readonly paidInOpenImis: boolean;
  /** Ledger state, or `missing`. */
  readonly ledgerState: string;
  /** Everything happened exactly once (and the premium when configured). */
  readonly settled: boolean;
  /** Paid in Fineract but the payment is not (yet) reflected: no ledger payment, notice, PAID or premium. */
  readonly missing: boolean;
  /** Something happened more than once. */
  readonly duplicate: boolean;
}

/**
 * Reads the outcome of each invoice from the simulators and the staging store.
 *
 * @param layer - the layer
 * @param invoices - the invoices driven
 * @param premiums - whether premiums are configured
 * @returns one verdict per invoice
 */
export function inspect(layer: Layer, invoices: readonly LoopInvoice[], premiums: boolean): InvoiceVerdict[] {
  const store = layer.openimis.store;
  const notices = new Map<string, number>();
  for (const p of store.paymentNotices()) {
    notices.set(p.subjectId, (notices.get(p.subjectId) ?? 0) + 1);
  }
  const premiumsByReceipt = new Map<string, number>();
  for (const p of store.premiums()) {
    premiumsByReceipt.set(p.receipt, (premiumsByReceipt.get(p.receipt) ?? 0) + 1);
  }
  const repos = layer.repos;
  return invoices.map((inv) => {
    const charges = chargesOf(layer, inv.recipient);
    const ledger = repos.ledger.getInvoiceByOpenimisId(inv.id);
    const payments = ledger
      ? repos.ledger.listPayments({ invoiceId: ledger.id, state: 'matched' }).length
      : 0;
    const n = notices.get(inv.id) ?? 0;
    const pr = premiumsByReceipt.get(inv.code) ?? 0;
    const paidInOpenImis = store.invoice(inv.id)?.status === PAID;
    const ledgerState = ledger?.state ?? 'missing';
    const duplicate = charges.length > 1 || n > 1 || pr > 1 || payments > 1;
    const paidInFineract = charges.some((c) => c.isPaid);
    const missing =
      paidInFineract && (payments === 0 || n === 0 || !paidInOpenImis || (premiums && pr === 0));
    const settled =
      !duplicate &&
      paidInFineract &&
      !missing &&
      (premiums ? ledgerState === 'premium_recorded' : ['notified', 'verified'].includes(ledgerState));
    return {
      code: inv.code,
      charges: charges.length,
      paidCharges: charges.filter((c) => c.isPaid).length,
      notices: n,
      premiums: pr,
      payments,
      paidInOpenImis,
      ledgerState,
      settled,
      missing,
      duplicate,
    };
  });
}

/**
 * Runs `tools/ops attention` on the layer's staging file, as an operator would, and returns the invoice codes it
 * lists (invoices needing attention, and invoices of payments needing attention).
 *
 * @param layer - the layer
 * @returns the codes and the printed text
 */
export async function attention(layer: Layer): Promise<{ codes: Set<string>; text: string }> {
  const { stdout } = await execFileAsync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'tools/ops/src/cli.ts'), 'attention'],
    {
      cwd: ROOT,
      env: { ...process.env, STAGING_DB_PATH: layer.stagingPath },
      timeout: 120_000,
    },
  );
  const codes = new Set<string>();
  for (const m of stdout.matchAll(/^ {2}invoice \d+ (\S+) /gm)) {
    codes.add(m[1] ?? '');
  }
  for (const m of stdout.matchAll(/^ {2}payment .* invoice (\d+):/gm)) {
    const inv = layer.repos.ledger.getInvoiceById(Number.parseInt(m[1] ?? '0', 10));
    if (inv) {
      codes.add(inv.code);
    }
  }
  return { codes, text: stdout };
}
