// A valuated claim paid over Mojaloop: the claim mediator with the SDK simulator as the scheme's payer side and a
// payout float (savings account) in the Fineract simulator. Faults are the SDK simulator's own switches.
import type { Claim, ClaimResponse, Organization } from 'fhir/r4';
import { getBusinessCode, getReferenceIdentity } from '@payment-layer/fhir-util';
import { FineractClient } from '@payment-layer/mifos-fineract-client';
import { mojaloopProgress } from '@payment-layer/flows-claim';
import { parseRailProgress } from '@payment-layer/staging-db';
import { startMojaloopSimulator, type MojaloopSimulator } from '@payment-layer/sandbox';
import { parseAmount, subtractMoney } from '@payment-layer/shared-money';
import { buildApp } from '../src/app';
import { loadClaimEnv } from '../src/config';
import { AUTH, startHarness, type Harness } from './harness';

const FLOAT_START = '1000000.00';
const CURRENCY = 'USD';

interface Envelope {
  response: { status: number; body: string };
  properties?: Record<string, unknown>;
}

describe('claim mediator: a valuated claim paid over Mojaloop from the payout float', () => {
  let h: Harness;
  let sdk: MojaloopSimulator;
  let floatId: number;
  let claim: ClaimResponse;
  let wallet: { idType: string; idValue: string };
  let tx = 0;

  beforeEach(async () => {
    h = await startHarness();
    sdk = await startMojaloopSimulator();
    // The scheme's payout float: an entity client with a savings account, funded by a deposit.
    const fineract = new FineractClient({
      baseUrl: h.fineract.baseUrl,
      tenantId: h.fineract.tenantId,
      username: h.fineract.username,
      password: h.fineract.password,
    });
    const today = new Date().toISOString().slice(0, 10);
    try {
      const scheme = await fineract.createClient(
        {
          officeId: 1,
          legalFormId: 2,
          fullname: 'openIMIS scheme',
          externalId: 'openimis-scheme',
          active: true,
          activationDate: today,
          submittedOnDate: today,
          savingsProductId: 1,
        },
        { operationKey: 'client:openimis-scheme' },
      );
      floatId = scheme.savingsId!;
      await fineract.depositToSavingsAccount(
        floatId,
        {
          transactionDate: today,
          transactionAmount: FLOAT_START,
          paymentTypeId: 1,
          receiptNumber: 'float-top-up',
        },
        { operationKey: 'deposit:float-top-up' },
      );
    } finally {
      await fineract.close();
    }

    const found = h.claims(16).find((c) => c.total?.some((t) => (t.amount?.value ?? 0) > 0));
    if (!found) {
      throw new Error('the simulator generated no valuated claim');
    }
    claim = found;
    // The claim's facility (Claim.provider) is routed to Mojaloop and paid to a wallet the switch knows.
    const providerId = getReferenceIdentity(
      (h.openimis.store.get('Claim', String(claim.id)) as Claim | undefined)?.provider,
    ).uuid;
    const provider = getBusinessCode(
      h.openimis.store.get('Organization', String(providerId)) as Organization | undefined,
    );
    if (provider === undefined) {
      throw new Error('the simulated claim names no facility with a code');
    }
    wallet = { idType: 'MSISDN', idValue: '255700000042' };
    sdk.addWallet({ ...wallet, currencies: [CURRENCY] });

    await h.app.close();
    h.app = await buildApp({
      env: loadClaimEnv({
        ...h.env,
        PAYOUT_RAIL_BY_FACILITY: JSON.stringify({ [provider]: 'mojaloop' }),
        PAYOUT_WALLET_BY_FACILITY: JSON.stringify({ [provider]: wallet }),
        MOJALOOP_SDK_URL: sdk.url,
        MOJALOOP_PAYER_ID_TYPE: 'BUSINESS',
        MOJALOOP_PAYER_ID_VALUE: 'OPENIMIS',
        MOJALOOP_PAYER_FLOAT_SAVINGS_ACCOUNT_ID: String(floatId),
        MOJALOOP_PAYER_PAYMENT_TYPE_ID: '1',
      }),
      logLevel: 'silent',
      payoutWorker: false,
    });
  });

  afterEach(async () => {
    await h.close();
    await sdk.close();
  });

  async function post(body: unknown) {
    const res = await h.app.inject({
      method: 'POST',
      url: '/fhir/ClaimResponse',
      headers: { authorization: AUTH, 'x-openhim-transactionid': `tx-${++tx}` },
      payload: body as object,
    });
    return { status: res.statusCode, envelope: res.json<Envelope>() };
  }

  const floatBalance = (): string =>
    parseAmount(h.fineract.state.savingsAccounts.get(floatId)!.accountBalance, CURRENCY).amount;
  const floatMovements = (receipt: string): number =>
    [...h.fineract.state.savingsTransactions.values()].filter(
      (t) => t.savingsId === floatId && t.paymentDetail?.receiptNumber === receipt && !t.reversed,
    ).length;
  const received = (): string | undefined =>
    sdk.wallet(wallet.idType, wallet.idValue)?.balances.get(CURRENCY);
  const minus = (a: string, b: string): string =>
    subtractMoney(parseAmount(a, CURRENCY), parseAmount(b, CURRENCY)).amount;
  const committed = (): string[] =>
    [...sdk.transfers.values()].filter((t) => t.switchState === 'COMMITTED').map((t) => t.transferId);

  it('pays one COMMITTED transfer to the wallet, debits the float by exactly the amount; repeats change nothing', async () => {
    const code = getBusinessCode(claim) ?? '';
    const first = await post(claim);
    expect(first.status).toBe(201);
    expect(first.envelope.properties).toMatchObject({ payoutState: 'paid', rail: 'mojaloop' });
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`)!;
    expect(payout.currency).toBe(CURRENCY);
    const transfers = committed();
    expect(transfers).toHaveLength(1);
    expect(payout).toMatchObject({ state: 'paid', rail: 'mojaloop', reference: transfers[0] });
    expect(sdk.transfers.get(transfers[0]!)?.homeTransactionId).toBe(payout.payoutKey);
    expect(received()).toBe(parseAmount(payout.amount, CURRENCY).amount);
    expect(floatMovements(code)).toBe(1);
    expect(floatBalance()).toBe(minus(FLOAT_START, payout.amount));
    // No facility savings account was paid: the Mojaloop rail pays the wallet only.
    expect(
      [...h.fineract.state.savingsTransactions.values()].filter(
        (t) => t.savingsId !== floatId && t.paymentDetail?.receiptNumber === code,
      ),
    ).toHaveLength(0);

    const again = await post(claim);
    expect(again.status).toBe(200);
    expect(again.envelope.properties).toMatchObject({ outcome: 'known', payoutState: 'paid' });
    await h.app.runPayouts();
    expect(sdk.postCount).toBe(1);
    expect(committed()).toHaveLength(1);
    expect(floatMovements(code)).toBe(1);
    expect(floatBalance()).toBe(minus(FLOAT_START, payout.amount));
    expect(h.repos.payouts.list()).toHaveLength(1);
  });

  it('a transfer the switch ABORTs fails the payout, compensated: the float is refunded once', async () => {
    const code = getBusinessCode(claim) ?? '';
    sdk.faults.failNext('transfer', '5105', 'Payee FSP rejected transaction');
    await post(claim);
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`)!;
    expect(payout.state).toBe('failed');
    const progress = mojaloopProgress(parseRailProgress(payout));
    expect(progress?.result).toMatchObject({ status: 'failed', compensated: true });
    expect([...sdk.transfers.values()].map((t) => t.switchState)).toEqual(['ABORTED']);
    expect(received()).toBeUndefined();
    expect(floatMovements(code)).toBe(1);
    expect(floatMovements(`refund-${code}`)).toBe(1);
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, CURRENCY).amount);

    await h.app.runPayouts();
    await post(claim);
    expect(sdk.postCount).toBe(1);
    expect(floatMovements(`refund-${code}`)).toBe(1);
    expect(floatBalance()).toBe(parseAmount(FLOAT_START, CURRENCY).amount);
  });

  it('a 504 on acceptQuote whose transfer COMMITTED is paid once, found by the query', async () => {
    const code = getBusinessCode(claim) ?? '';
    sdk.faults.timeoutAfterCommit({ mode: 'sdk504' });
    const r = await post(claim);
    // The query right after the 504 finds the transfer COMMITTED: paid in the same request, never posted again.
    expect(r.status).toBe(201);
    const payout = h.repos.payouts.getByKey(`claim:${claim.id}`)!;
    expect(mojaloopProgress(parseRailProgress(payout))?.acceptedAt).toBeDefined();
    const transfers = committed();
    expect(transfers).toHaveLength(1);
    expect(payout).toMatchObject({ state: 'paid', reference: transfers[0] });
    // The fault fired: the SDK answered acceptQuote with a 504 (its cached state says so).
    expect(sdk.transfers.get(transfers[0]!)?.lastError).toMatchObject({ httpStatusCode: 504 });
    expect(sdk.postCount).toBe(1);
    expect(received()).toBe(parseAmount(payout.amount, CURRENCY).amount);
    expect(floatMovements(code)).toBe(1);
    expect(floatMovements(`refund-${code}`)).toBe(0);
    await h.app.runPayouts();
    expect(sdk.postCount).toBe(1);
    expect(floatBalance()).toBe(minus(FLOAT_START, payout.amount));
  });
});
