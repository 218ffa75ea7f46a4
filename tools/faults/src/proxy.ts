/**
 * A controllable HTTP proxy in front of one upstream (openIMIS, Fineract, OpenHIM core). Requests are forwarded
 * unchanged; rules switched at run time make matching requests slow, hang, lose their connection, get a 5xx, or
 * reach the upstream and then lose their answer ("timeout after store/commit": the upstream did the work, the
 * caller cannot know). `setDown(true)` closes the listener (ECONNREFUSED) and `setDown(false)` listens again on the
 * same port.
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

/** What a rule does to a matching request. */
export type FaultAction =
  /** Wait, then forward. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never answer, never forward (the caller's timeout fires). */
  | { readonly kind: 'hang' }
  /** Destroy the connection without forwarding (ECONNRESET / "socket hang up"). */
  | { readonly kind: 'drop' }
  /** Answer this status without forwarding. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  /** Forward and wait for the upstream's answer, then destroy the connection: the work is done, the caller sees an error. */
  | { readonly kind: 'forwardThenDrop' }
  /** Forward and wait for the upstream's answer, then never answer: the work is done, the caller times out. */
  | { readonly kind: 'forwardThenHang' };

/** Which requests a rule applies to. */
export interface FaultMatcher {
  /** HTTP method, upper case. */
  readonly method?: string;
  /** Exact path (with query when it contains `?`), or a RegExp tested on path + query. */
  readonly path?: string | RegExp;
  /** RegExp tested on the request body (e.g. a GraphQL mutation name). */
  readonly body?: RegExp;
}

/** A rule: matcher, action and how many requests it applies to. */
export interface FaultRule extends FaultMatcher {
  readonly action: FaultAction;
  /** Requests it applies to before it stops matching (default: all). */
  readonly count?: number;
  /** `count` applies to each distinct path (without query) on its own: "the first call of every charge". */
  readonly perPath?: boolean;
  /** Name shown in the request log. */
  readonly name?: string;
}

/** A rule as installed, with what it has done so far. */
export interface RuleHandle {
  readonly rule: FaultRule;
  /** Requests it applied to. */
  readonly hits: number;
  /** Of those, how many the upstream has answered (forwarding actions only). */
  readonly upstreamAnswered: number;
  remove(): void;
}

/** One request seen by the proxy. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly at: number;
  /** Name (or index) of the rule that applied, if any. */
  readonly rule?: string;
  /** Status the upstream answered, when it was forwarded and answered. */
  upstreamStatus?: number;
}

/** Options of {@link startFaultProxy}. */
export interface FaultProxyOptions {
  /** Upstream origin, e.g. `http://127.0.0.1:41234`. */
  readonly target: string;
  readonly host?: string;
  /** 0 (default) = a free port. */
  readonly port?: number;
}

/** A running proxy. */
export interface FaultProxy {
  /** Origin of the proxy, e.g. `http://127.0.0.1:41235`. */
  readonly url: string;
  readonly port: number;
  /** Every request seen, oldest first. */
  readonly requests: readonly ProxiedRequest[];
  addRule(rule: FaultRule): RuleHandle;
  /** Removes every rule and releases the requests held by `hang` / `forwardThenHang` (their connections are closed). */
  clearRules(): void;
  /** `true`: close the listener and every open connection (ECONNREFUSED); `false`: listen again on the same port. */
  setDown(down: boolean): Promise<void>;
  readonly down: boolean;
  /** Requests held open right now by `hang` / `forwardThenHang` (the caller is still waiting). */
  readonly holding: number;
  close(): Promise<void>;
}

interface InstalledRule {
  readonly rule: FaultRule;
  hits: number;
  readonly hitsByPath: Map<string, number>;
  upstreamAnswered: number;
  removed: boolean;
  readonly label: string;
}

function matches(rule: FaultRule, method: string, path: string, body: string): boolean {
  if (rule.method !== undefined && rule.method !== method) {
    return false;
  }
  if (rule.path !== undefined) {
    if (typeof rule.path === 'string') {
      const subject = rule.path.includes('?') ? path : (path.split('?')[0] ?? path);
      if (subject !== rule.path) {
        return false;
      }
    } else if (!rule.path.test(path)) {
      return false;
    }
  }
  return rule.body === undefined || rule.body.test(body);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

interface UpstreamAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade']);

/**
 * Starts a proxy in front of `target`.
 *
 * @param options - upstream origin and where to listen
 * @returns the running proxy
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const host = options.host ?? '127.0.0.1';
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const rules: InstalledRule[] = [];
  const requests: ProxiedRequest[] = [];
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let down = false;
  let closed = false;

  const forward = (req: IncomingMessage, body: Buffer): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host };
      delete headers.connection;
      const up = httpRequest(
        {
          protocol: target.protocol,
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...headers, 'content-length': String(body.length) },
          agent,
        },
        (res) => {
          readBody(res).then((b) => {
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b });
          }, reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });

  const answer = (res: ServerResponse, a: UpstreamAnswer): void => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(a.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) {
        headers[k] = v;
      }
    }
    headers['content-length'] = String(a.body.length);
    res.writeHead(a.status, headers).end(a.body);
  };

  const hold = (res: ServerResponse): void => {
    held.add(res);
    res.on('close', () => held.delete(res));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const body = await readBody(req);
    const bare = path.split('?')[0] ?? path;
    const used = (r: InstalledRule): number => (r.rule.perPath ? (r.hitsByPath.get(bare) ?? 0) : r.hits);
    const rule = rules.find(
      (r) =>
        !r.removed &&
        (r.rule.count === undefined || used(r) < r.rule.count) &&
        matches(r.rule, method, path, body.toString('utf8')),
    );
    const record: ProxiedRequest = { method, path, at: Date.now(), ...(rule ? { rule: rule.label } : {}) };
    requests.push(record);
    if (rule) {
      rule.hits++;
      rule.hitsByPath.set(bare, (rule.hitsByPath.get(bare) ?? 0) + 1);
    }
    const action: FaultAction | undefined = rule?.rule.action;
    const upstream = async (): Promise<UpstreamAnswer | undefined> => {
      try {
        const a = await forward(req, body);
        record.upstreamStatus = a.status;
        return a;
      } catch {
        // The upstream is unreachable: the caller sees what a failed gateway answers.
        res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream unreachable');
        return undefined;
      }
    };
    switch (action?.kind) {
      case undefined: {
        const a = await upstream();
        if (a) {
          answer(res, a);
        }
        return;
      }
      case 'delay': {
        await new Promise((r) => setTimeout(r, action.ms));
        const a = await upstream();
        if (a) {
          answer(res, a);
        }
        return;
      }
      case 'hang':
        hold(res);
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'status':
        res
          .writeHead(action.status, { 'content-type': 'application/json' })
          .end(action.body ?? JSON.stringify({ error: `fault injected: ${action.status}` }));
        return;
      case 'forwardThenDrop':
      case 'forwardThenHang': {
        hold(res);
        const a = await upstream();
        if (a && rule) {
          rule.upstreamAnswered++;
        }
        if (action.kind === 'forwardThenDrop') {
          req.socket.destroy();
        }
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      req.socket.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      for (const s of sockets) {
        s.destroy();
      }
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => {
        resolve();
      });
    });
  const releaseHeld = (): void => {
    for (const res of held) {
      res.socket?.destroy();
    }
    held.clear();
  };

  const port = await listen(options.port ?? 0);
  const url = `http://${host}:${port}`;
  return {
    url,
    port,
    requests,
    get down() {
      return down;
    },
    get holding() {
      return held.size;
    },
    addRule(rule) {
      const installed: InstalledRule = {
        rule,
        hits: 0,
        hitsByPath: new Map(),
        upstreamAnswered: 0,
        removed: false,
        label: rule.name ?? `rule ${rules.length + 1}`,
      };
      rules.push(installed);
      return {
        rule,
        get hits() {
          return installed.hits;
        },
        get upstreamAnswered() {
          return installed.upstreamAnswered;
        },
        remove() {
          installed.removed = true;
        },
      };
    },
    clearRules() {
      for (const r of rules) {
        r.removed = true;
      }
      rules.length = 0;
      releaseHeld();
    },
    async setDown(value) {
      if (value === down || closed) {
        return;
      }
      down = value;
      if (value) {
        releaseHeld();
        await stopListening();
      } else {
        await listen(port);
      }
    },
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      releaseHeld();
      await stopListening();
      agent.destroy();
    },
  };
}
