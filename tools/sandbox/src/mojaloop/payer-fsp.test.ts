import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BackendContractError, FakePayerFsp } from './payer-fsp';

type Misbehaviour = 'none' | 'fhir-error' | 'quote-trailing-zero' | 'aborted-prepare';

interface Seen {
  method: string;
  url: string;
  body: Record<string, unknown> | undefined;
}

/** A minimal payee backend; `mode` makes it break the backend API in one way. */
async function backend(mode: Misbehaviour, seen: Seen[]): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      const send = (status: number, payload: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      };
      if (req.url?.startsWith('/parties/')) {
        if (mode === 'fhir-error') {
          send(404, { resourceType: 'OperationOutcome', issue: [] });
          return;
        }
        send(200, { idType: 'BUSINESS', idValue: 'NHIF', idSubValue: 'IV-1', displayName: 'NHIF' });
      } else if (req.url === '/quoterequests') {
        send(200, {
          quoteId: body?.['quoteId'],
          transactionId: body?.['transactionId'],
          transferAmount: mode === 'quote-trailing-zero' ? '100.50' : body?.['amount'],
          transferAmountCurrency: body?.['currency'],
        });
      } else if (req.url === '/transfers') {
        send(200, {
          homeTransactionId: 'h-1',
          transferState: mode === 'aborted-prepare' ? 'ABORTED' : 'RESERVED',
        });
      } else {
        send(200, {});
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('fake payer FSP (drives a payee SDK backend API)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) {
      await new Promise<void>((resolve) => {
        s.close(() => {
          resolve();
        });
      });
    }
  });

  const run = async (mode: Misbehaviour, seen: Seen[] = []): Promise<ReturnType<FakePayerFsp['pay']>> => {
    const b = await backend(mode, seen);
    server = b.server;
    return new FakePayerFsp({ backendUrl: b.url }).pay({
      payee: { idType: 'BUSINESS', idValue: 'NHIF', idSubValue: 'IV-1' },
      amount: '100.5',
      currency: 'TZS',
    });
  };

  it('calls lookup, quote, prepare and the final notification in the SDK order and shapes', async () => {
    const seen: Seen[] = [];
    const r = await run('none', seen);
    expect(r.ok).toBe(true);
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /parties/BUSINESS/NHIF/IV-1',
      'POST /quoterequests',
      'POST /transfers',
      `PUT /transfers/${seen[1]?.body?.['transactionId'] as string}`,
    ]);
    // transferId = the quote's transactionId, as the SDK assumes.
    expect(seen[2]?.body?.['transferId']).toBe(seen[1]?.body?.['transactionId']);
    expect(seen[3]?.body).toMatchObject({
      currentState: 'COMPLETED',
      finalNotification: { transferState: 'COMMITTED' },
      prepare: { body: { amount: { amount: '100.5', currency: 'TZS' } } },
    });
  });

  it.each<[Misbehaviour, RegExp]>([
    ['fhir-error', /not an errorResponse/],
    ['quote-trailing-zero', /must match pattern/],
    ['aborted-prepare', /transferState/],
  ])('refuses a backend that breaks the API (%s)', async (mode, message) => {
    const err = await run(mode).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendContractError);
    expect((err as Error).message).toMatch(message);
  });
});
