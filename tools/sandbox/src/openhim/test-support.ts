import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody } from './http-util';

/** One request the fake mediator received. */
export interface RecordedCall {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** What the fake mediator answers. */
export interface FakeReply {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  /** Wait before answering (for timeouts). */
  readonly delayMs?: number;
}

/** A node:http server standing in for a mediator behind the simulator's router. */
export interface FakeMediator {
  readonly port: number;
  readonly calls: RecordedCall[];
  /** Replaces the handler. */
  reply(handler: (call: RecordedCall) => FakeReply): void;
  close(): Promise<void>;
}

/** Starts a fake mediator on 127.0.0.1 (test support, not exported by the package). */
export async function startFakeMediator(
  handler: (call: RecordedCall) => FakeReply = () => ({}),
): Promise<FakeMediator> {
  let current = handler;
  const calls: RecordedCall[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = (await readBody(req)).toString('utf8');
      const call: RecordedCall = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      calls.push(call);
      const reply = current(call);
      if (reply.delayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      }
      if (res.destroyed) {
        return;
      }
      const payload =
        reply.body === undefined
          ? ''
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, reply.headers ?? {});
      res.end(payload);
    })();
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    port,
    calls,
    reply(next) {
      current = next;
    },
    close: () => closeServer(server),
  };
}

/** The `Authorization` header of HTTP Basic. */
export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A json+openhim reply. */
export function openhimReply(envelope: unknown, status = 200): FakeReply {
  return { status, headers: { 'content-type': 'application/json+openhim; charset=utf-8' }, body: envelope };
}

/** A response read in full. */
export interface ReadResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Calls `baseUrl + path` with fetch and reads the whole answer; `body` other than a string is sent as JSON. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ReadResponse> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A management API call as the root user (Basic auth). */
export async function apiCall(
  sim: { apiUrl: string; rootEmail: string; rootPassword: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<ReadResponse> {
  return call(sim.apiUrl, method, path, {
    ...(body !== undefined ? { body } : {}),
    headers: { authorization: basic(sim.rootEmail, sim.rootPassword) },
  });
}

/** The percent-encoded urn path segment. */
export function urnPath(urn: string): string {
  return encodeURIComponent(urn);
}
