import { request } from 'undici';
import { type FineractSimulator, startFineractSimulator } from './index';
import { call, personClient } from './test-support';

const clock = (): Date => new Date('2024-06-01T10:00:00Z');

describe('Fineract simulator: fault injection', () => {
  let sim: FineractSimulator;

  beforeEach(async () => {
    sim = await startFineractSimulator({ clock });
  });

  afterEach(async () => {
    await sim.close();
  });

  it('commits a write but never answers it; the client times out and finds the write on read-back', async () => {
    sim.faults.timeoutAfterCommit({ method: 'POST', path: '/clients' });
    await expect(
      request(`${sim.baseUrl}/clients`, {
        method: 'POST',
        headers: {
          authorization: sim.authorization,
          'fineract-platform-tenantid': 'default',
          'content-type': 'application/json',
        },
        body: JSON.stringify(personClient({ externalId: 'unknown-outcome' })),
        headersTimeout: 300,
      }),
    ).rejects.toThrow();
    const back = await call(sim, 'GET', '/clients/external-id/unknown-outcome');
    expect(back.status).toBe(200);
    expect(back.json).toMatchObject({ id: 1, externalId: 'unknown-outcome' });
    const next = await call(sim, 'POST', '/clients', personClient({ externalId: 'second' }));
    expect(next.status).toBe(200);
  });

  it('answers a committed write late when a delay is given, and counts down', async () => {
    sim.faults.timeoutAfterCommit(
      { path: /^\/savingsaccounts\/\d+\/transactions\?command=deposit$/ },
      { delayMs: 50, count: 2 },
    );
    await call(sim, 'POST', '/clients', personClient({ savingsProductId: 1 }));
    const body = {
      transactionDate: '2024-02-01',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
      transactionAmount: '1',
      paymentTypeId: 1,
    };
    for (let i = 0; i < 3; i++) {
      expect((await call(sim, 'POST', '/savingsaccounts/1/transactions?command=deposit', body)).status).toBe(
        200,
      );
    }
    expect(sim.state.savingsAccounts.get(1)?.accountBalance).toBe('3.00');
  });

  it('commits a charge without answering, then answers the retry with the same key 500 without processing it', async () => {
    await call(sim, 'POST', '/clients', personClient());
    const charge = {
      chargeId: 1,
      amount: '12.50',
      dueDate: '2024-06-01',
      dateFormat: 'yyyy-MM-dd',
      locale: 'en',
    };
    const path = /^\/clients\/\d+\/charges$/;
    sim.faults.timeoutAfterCommit({ method: 'POST', path }, { then: { status: 500 } });
    const send = (key: string) =>
      request(`${sim.baseUrl}/clients/1/charges`, {
        method: 'POST',
        headers: {
          authorization: sim.authorization,
          'fineract-platform-tenantid': 'default',
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(charge),
        headersTimeout: 300,
      });
    await expect(send('k:1')).rejects.toThrow();
    expect(sim.state.clientCharges.size).toBe(1);
    const retry = await send('k:1');
    expect(retry.statusCode).toBe(500);
    expect(await retry.body.json()).toMatchObject({
      userMessageGlobalisationCode: 'error.msg.platform.server.side.error',
    });
    // The committed charge is there to be read back; the fault is used up and the key replays the success.
    const list = await call(sim, 'GET', '/clients/1/charges?chargeStatus=all');
    expect(list.json).toMatchObject({
      totalFilteredRecords: 1,
      pageItems: [{ id: 1, chargeId: 1, amount: 12.5 }],
    });
    const replay = await send('k:1');
    expect(replay.statusCode).toBe(200);
    expect(replay.headers['x-served-from-cache']).toBe('true');
    expect(sim.state.clientCharges.size).toBe(1);
  });

  it('fails the next matching request with the given status without processing it', async () => {
    sim.faults.failNext({ method: 'POST', path: '/clients' }, 503);
    sim.faults.failNext({ path: '/offices' }, 409, { custom: true });
    const failed = await call(sim, 'POST', '/clients', personClient());
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ httpStatusCode: '503' });
    expect(sim.state.clients.size).toBe(0);
    expect((await call(sim, 'GET', '/offices')).json).toEqual({ custom: true });
    expect((await call(sim, 'POST', '/clients', personClient())).status).toBe(200);
  });

  it('answers 500 at errorRate and drops connections at dropConnectionRate, with a seeded generator', async () => {
    sim.faults.errorRate = 1;
    const failed = await call(sim, 'POST', '/clients', personClient());
    expect(failed.status).toBe(500);
    expect(failed.json).toMatchObject({
      userMessageGlobalisationCode: 'error.msg.platform.server.side.error',
    });
    sim.faults.errorRate = 0;
    sim.faults.dropConnectionRate = 1;
    await expect(call(sim, 'GET', '/offices')).rejects.toThrow();
    sim.faults.reset();
    expect((await call(sim, 'GET', '/offices')).status).toBe(200);
    expect(sim.state.clients.size).toBe(0);
    expect(() => {
      sim.faults.errorRate = 2;
    }).toThrow(RangeError);
  });

  it('draws the same failures for the same seed', async () => {
    const draw = async (): Promise<number[]> => {
      const s = await startFineractSimulator({ clock, faults: { errorRate: 0.5, seed: 7 } });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        statuses.push((await call(s, 'GET', '/offices')).status);
      }
      await s.close();
      return statuses;
    };
    const a = await draw();
    expect(await draw()).toEqual(a);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });
});
