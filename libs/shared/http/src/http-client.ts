import { readFileSync } from 'node:fs';
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import {
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
  type UpstreamSystem,
} from '@payment-layer/shared-errors';
import { maskBody, maskHeaders } from './mask';
import {
  currentOrchestrationScope,
  countUnrecordedCall,
  isRecording,
  recordOrchestration,
  type Orchestration,
} from './orchestrations';

/** TLS settings of an upstream connection. Verification is on unless explicitly switched off. */
export interface TlsOptions {
  /** PEM text of extra CA certificates to trust (in addition to Node's bundle). */
  readonly ca?: string;
  /** Path of a PEM file with extra CA certificates; read once at construction. */
  readonly caFile?: string;
  /** Accept self-signed or otherwise unverifiable certificates. Development only; off by default. */
  readonly allowSelfSigned?: boolean;
}

/** Construction options of {@link HttpClient}. */
export interface HttpClientOptions {
  /** Which upstream this client talks to (named in errors and orchestrations). */
  readonly system: UpstreamSystem;
  /** Base URL; request paths are appended to its path. */
  readonly baseUrl: string;
  /** Injected dispatcher (an undici `MockAgent` in tests). When absent an `Agent` is created and owned. */
  readonly dispatcher?: Dispatcher;
  readonly tls?: TlsOptions;
  /** Default time limit of one call, from sending to the last body byte. Default 30 s. */
  readonly timeoutMs?: number;
  /** Connections per origin when the client creates its own agent. Default 16. */
  readonly connections?: number;
  /** Headers sent on every call (e.g. the Fineract tenant). */
  readonly defaultHeaders?: Readonly<Record<string, string>>;
  /** Largest response body accepted, in bytes. Default 32 MiB. */
  readonly maxResponseBytes?: number;
}

/** One outbound call. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the base URL (a leading `/` is optional), or an absolute URL on the same origin. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else is sent as JSON. */
  readonly body?: unknown;
  readonly timeoutMs?: number;
  /** Orchestration name shown in the OpenHIM console; defaults to `<system> <METHOD> <path>`. */
  readonly name?: string;
}

/** An upstream answer of any status. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

const SYSTEM_LABEL: Record<UpstreamSystem, string> = {
  fineract: 'Fineract',
  openimis: 'openIMIS',
  openhim: 'OpenHIM',
  mojaloop: 'Mojaloop',
};

/**
 * The project's one HTTP transport (undici). It applies TLS policy and time limits, maps network failures to
 * typed errors ({@link UpstreamTimeoutError}: outcome unknown; {@link UpstreamUnavailableError}), and records
 * every call, masked, as an OpenHIM orchestration of the request being served. Status codes are left to the
 * typed clients built on it.
 */
export class HttpClient {
  readonly system: UpstreamSystem;
  readonly baseUrl: URL;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly timeoutMs: number;
  private readonly defaultHeaders: Readonly<Record<string, string>>;
  private readonly maxResponseBytes: number;

  constructor(options: HttpClientOptions) {
    this.system = options.system;
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.defaultHeaders = options.defaultHeaders ?? {};
    this.maxResponseBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
    if (options.dispatcher) {
      this.dispatcher = options.dispatcher;
      this.ownsDispatcher = false;
    } else {
      const tls = options.tls ?? {};
      const ca = tls.ca ?? (tls.caFile ? readFileSync(tls.caFile, 'utf8') : undefined);
      this.dispatcher = new Agent({
        connections: options.connections ?? 16,
        keepAliveTimeout: 10_000,
        connect: {
          rejectUnauthorized: tls.allowSelfSigned !== true,
          ...(ca ? { ca } : {}),
        },
      });
      this.ownsDispatcher = true;
    }
  }

  /**
   * Sends one request and reads the whole answer.
   *
   * @param req - the call
   * @returns the answer, whatever its status
   * @throws UpstreamTimeoutError when no complete answer arrived in time (a write may have happened)
   * @throws UpstreamUnavailableError when the connection failed or broke
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.resolve(req.path, req.query);
    const bodyText =
      req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    const scope = currentOrchestrationScope();
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.defaultHeaders,
      ...(bodyText !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(scope?.transactionId ? { 'x-openhim-transactionid': scope.transactionId } : {}),
      ...req.headers,
    };
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    // A call outside a recording scope (or past its limit) is only counted: no orchestration is built, so nothing
    // is copied or masked for it.
    const recording = isRecording();
    const orchestration: Orchestration | undefined = recording
      ? {
          name: req.name ?? `${SYSTEM_LABEL[this.system]} ${req.method} ${url.pathname}`,
          request: {
            host: url.hostname,
            port: url.port || (url.protocol === 'https:' ? '443' : '80'),
            path: url.pathname,
            querystring: url.search.replace(/^\?/, ''),
            method: req.method,
            headers: maskHeaders(headers),
            body: bodyText === undefined ? '' : maskBody(bodyText),
            timestamp: new Date().toISOString(),
          },
        }
      : undefined;
    try {
      const res = await this.dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers,
        ...(bodyText !== undefined ? { body: bodyText } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await this.readBody(res.body);
      const responseHeaders = flattenHeaders(res.headers);
      if (orchestration) {
        orchestration.response = {
          status: res.statusCode,
          headers: maskHeaders(responseHeaders),
          body: maskBody(text),
          timestamp: new Date().toISOString(),
        };
        recordOrchestration(orchestration);
      } else if (scope) {
        countUnrecordedCall();
      }
      return { status: res.statusCode, headers: responseHeaders, text };
    } catch (err) {
      const typed = this.toTypedError(err, req, timeoutMs);
      if (orchestration) {
        orchestration.error = { message: typed.message };
        recordOrchestration(orchestration);
      } else if (scope) {
        countUnrecordedCall();
      }
      throw typed;
    }
  }

  /**
   * Closes the connections this client opened (an injected dispatcher is left to its owner).
   */
  async close(): Promise<void> {
    if (this.ownsDispatcher) {
      await this.dispatcher.close();
    }
  }

  private resolve(path: string, query: HttpRequest['query']): URL {
    let url: URL;
    if (/^https?:\/\//i.test(path)) {
      url = new URL(path);
      if (url.origin !== this.baseUrl.origin) {
        // Links in upstream answers (paging) must never send our credentials elsewhere.
        throw new ValidationError(`refusing to follow a link to another origin: ${url.origin}`);
      }
    } else {
      url = new URL(path.replace(/^\//, ''), this.baseUrl);
    }
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) {
        url.searchParams.set(k, String(v));
      }
    }
    return url;
  }

  private async readBody(body: Dispatcher.ResponseData['body']): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > this.maxResponseBytes) {
        body.destroy();
        throw new UpstreamUnavailableError(
          this.system,
          `${SYSTEM_LABEL[this.system]} answer exceeds ${this.maxResponseBytes} bytes`,
        );
      }
      chunks.push(buf);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private toTypedError(err: unknown, req: HttpRequest, timeoutMs: number): Error {
    if (err instanceof UpstreamUnavailableError || err instanceof ValidationError) {
      return err;
    }
    const label = SYSTEM_LABEL[this.system];
    if (
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      err instanceof undiciErrors.ConnectTimeoutError ||
      // DOMException from AbortSignal.timeout(); may come from another realm, so match by name.
      errorName(err) === 'TimeoutError' ||
      errorName(err) === 'AbortError'
    ) {
      return new UpstreamTimeoutError(
        this.system,
        `${label} did not answer ${req.method} within ${timeoutMs} ms`,
        {
          cause: err,
        },
      );
    }
    const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
    return new UpstreamUnavailableError(this.system, `${label} is unreachable (${code})`, { cause: err });
  }
}

function flattenHeaders(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) {
      out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    }
  }
  return out;
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : undefined;
}
