import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { startFaultProxy, type FaultProxy } from './proxy';

// An upstream that records what reached it and echoes the request line.
describe('fault proxy', () => {
  let upstream: Server;
  let target: string;
  let proxy: FaultProxy;
  const reached: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        reached.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString('utf8')}`);
        res.writeHead(201, { 'content-type': 'text/plain', 'x-up': '1' }).end(`${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    target = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  });
  beforeEach(async () => {
    reached.length = 0;
    proxy = await startFaultProxy({ target });
  });
  afterEach(async () => {
    await proxy.close();
  });
  afterAll(async () => {
    await new Promise((r) => upstream.close(r));
  });

  const call = (
    path: string,
    body = '',
    timeoutMs = 5000,
  ): Promise<{ status: number; text: string; header?: string }> =>
    request(`${proxy.url}${path}`, {
      method: 'POST',
      body,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    }).then(async (res) => ({
      status: res.statusCode,
      text: await res.body.text(),
      header: res.headers['x-up'] as string,
    }));

  it('forwards requests unchanged when no rule matches', async () => {
    const r = await call('/a/b?x=1', 'hello');
    expect(r).toEqual({ status: 201, text: 'POST /a/b?x=1', header: '1' });
    expect(reached).toEqual(['POST /a/b?x=1 hello']);
    expect(proxy.requests.map((q) => [q.path, q.upstreamStatus])).toEqual([['/a/b?x=1', 201]]);
  });

  it('answers a 5xx without forwarding, for `count` requests matching method, path and body', async () => {
    proxy.addRule({
      method: 'POST',
      path: /^\/pay/,
      body: /Premium/,
      action: { kind: 'status', status: 503 },
      count: 1,
    });
    expect((await call('/pay', 'createPremium')).status).toBe(503);
    expect((await call('/pay', 'createPremium')).status).toBe(201);
    expect((await call('/pay', 'other')).status).toBe(201);
    expect(reached).toHaveLength(2);
  });

  it('counts per path when asked: the first call of each path times out after the upstream did the work, the second gets 500', async () => {
    proxy.addRule({ path: /^\/c\/\d+$/, action: { kind: 'forwardThenDrop' }, count: 1, perPath: true });
    proxy.addRule({ path: /^\/c\/\d+$/, action: { kind: 'status', status: 500 }, count: 1, perPath: true });
    await expect(call('/c/1')).rejects.toThrow();
    expect(reached).toEqual(['POST /c/1 ']);
    expect((await call('/c/1')).status).toBe(500);
    expect((await call('/c/1')).status).toBe(201);
    await expect(call('/c/2')).rejects.toThrow();
    expect(reached).toEqual(['POST /c/1 ', 'POST /c/1 ', 'POST /c/2 ']);
  });

  it('forward-then-hang: the upstream answers, the caller times out; the rule counts the upstream answer', async () => {
    const rule = proxy.addRule({ action: { kind: 'forwardThenHang' } });
    await expect(call('/store', 'x', 300)).rejects.toThrow(/timeout/i);
    expect(reached).toEqual(['POST /store x']);
    expect(rule.hits).toBe(1);
    expect(rule.upstreamAnswered).toBe(1);
  });

  it('hang holds the request without forwarding until the rules are cleared; drop resets the connection', async () => {
    proxy.addRule({ path: '/hang', action: { kind: 'hang' } });
    proxy.addRule({ path: '/drop', action: { kind: 'drop' } });
    const hung = call('/hang');
    await expect(call('/drop')).rejects.toThrow();
    const until = Date.now() + 5000;
    while (proxy.holding < 1 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(proxy.holding).toBe(1);
    proxy.clearRules();
    expect(proxy.holding).toBe(0);
    await expect(hung).rejects.toThrow();
    expect(reached).toEqual([]);
    expect((await call('/hang')).status).toBe(201);
  });

  it('delay forwards after the wait', async () => {
    proxy.addRule({ action: { kind: 'delay', ms: 150 } });
    const started = Date.now();
    expect((await call('/slow')).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('setDown refuses connections and comes back on the same port; a removed rule stops matching', async () => {
    await proxy.setDown(true);
    await expect(call('/x')).rejects.toThrow(/ECONNREFUSED/);
    await proxy.setDown(false);
    const rule = proxy.addRule({ action: { kind: 'status', status: 500 } });
    expect((await call('/x')).status).toBe(500);
    rule.remove();
    expect((await call('/x')).status).toBe(201);
  });
});
