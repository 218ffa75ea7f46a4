import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Invoice, Patient } from 'fhir/r4';
import { startOpenImisSimulator, type OpenImisSimulator } from './server';
import { call, login } from './test-helpers';

interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

describe('openIMIS simulator: subscriptions', () => {
  let receiver: Server;
  let endpoint: string;
  const received: Received[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '{}' };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}/openimis/invoice-events`;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });
  beforeEach(() => {
    received.length = 0;
    answer = { status: 200, body: '{}' };
  });

  const subscribe = async (sim: OpenImisSimulator, criteria: string): Promise<number> => {
    const res = await call(`${sim.fhirBaseUrl}Subscription/`, {
      method: 'POST',
      token: await login(sim),
      json: {
        resourceType: 'Subscription',
        status: 'active',
        end: '2030-01-01T00:00:00Z',
        reason: 'Invoice',
        criteria,
        channel: { type: 'rest-hook', endpoint, header: ['{"Authorization": "Basic b3BlbmltaXM6cHc="}'] },
      },
    });
    return res.status;
  };
  const newInvoice = (sim: OpenImisSimulator, id: string): Invoice => ({
    ...(structuredClone(sim.store.list('Invoice')[0]) as Invoice),
    id,
    identifier: [],
  });

  it('pushes nothing while the signals are off (the openIMIS default)', async () => {
    const sim = await startOpenImisSimulator({ population: { families: 2 } });
    try {
      expect(await subscribe(sim, 'Invoice?resourceType=invoice')).toBe(201);
      sim.store.put('Invoice', newInvoice(sim, '11111111-1111-4111-8111-111111111111'));
      await sim.subscriptionsIdle();
      expect(received).toHaveLength(0);
      expect(sim.subscriptionDeliveries()).toHaveLength(0);
    } finally {
      await sim.close();
    }
  });

  it('pushes the bare resource with the channel headers when the signal is on, once, without retry', async () => {
    const sim = await startOpenImisSimulator({
      population: { families: 2 },
      subscriptionSignals: { invoice: true, insuree: true },
    });
    try {
      expect(await subscribe(sim, 'Invoice?resourceType=invoice')).toBe(201);
      const invoice = newInvoice(sim, '22222222-2222-4222-8222-222222222222');
      sim.store.put('Invoice', invoice);
      await sim.subscriptionsIdle();
      expect(received).toHaveLength(1);
      expect((received[0]?.body as Invoice).resourceType).toBe('Invoice');
      expect((received[0]?.body as Invoice).id).toBe(invoice.id);
      expect(received[0]?.headers['authorization']).toBe('Basic b3BlbmltaXM6cHc=');
      expect(received[0]?.headers['content-type']).toBe('application/json');
      // Invoices are pushed on create only.
      sim.store.put('Invoice', { ...invoice, date: '2024-02-02' });
      await sim.subscriptionsIdle();
      expect(received).toHaveLength(1);

      // A failing receiver is recorded, never retried; an answer that is not JSON is a logged failure too.
      answer = { status: 500, body: '{}' };
      sim.store.put('Invoice', newInvoice(sim, '33333333-3333-4333-8333-333333333333'));
      answer = { status: 200, body: 'OK' };
      sim.store.put('Invoice', newInvoice(sim, '44444444-4444-4444-8444-444444444444'));
      await sim.subscriptionsIdle();
      expect(received).toHaveLength(3);
      const errors = sim.subscriptionDeliveries().map((d) => d.error);
      expect(errors.filter((e) => e !== undefined)).toHaveLength(2);

      // Patient subscriptions fire on update as well.
      expect(await subscribe(sim, 'Patient')).toBe(201);
      const patient = sim.store.list('Patient')[0] as Patient;
      sim.store.put('Patient', { ...patient, birthDate: '1980-01-01' });
      await sim.subscriptionsIdle();
      expect(received.at(-1)?.body).toMatchObject({ resourceType: 'Patient', id: patient.id });
    } finally {
      await sim.close();
    }
  });

  it('refuses a channel other than rest-hook', async () => {
    const sim = await startOpenImisSimulator({ includeFixtures: false });
    try {
      const res = await call(`${sim.fhirBaseUrl}Subscription/`, {
        method: 'POST',
        token: await login(sim),
        json: {
          resourceType: 'Subscription',
          status: 'active',
          reason: 'x',
          criteria: 'Invoice',
          channel: { type: 'websocket' },
        },
      });
      expect(res.status).toBe(400);
    } finally {
      await sim.close();
    }
  });
});
