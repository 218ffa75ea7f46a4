/**
 * Helpers for the simulator's own tests: login and authenticated JSON calls with plain undici.
 */
import { request } from 'undici';
import type { OpenImisSimulator } from './server';

/** A JSON response: status, headers and parsed body (undefined when empty). */
export interface JsonResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * Logs in with the simulator's credentials.
 *
 * @param sim - running simulator
 * @returns the bearer token
 */
export async function login(sim: OpenImisSimulator): Promise<string> {
  const res = await request(sim.loginUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sim.credentials),
  });
  const body = (await res.body.json()) as { token: string };
  return body.token;
}

/**
 * Calls the simulator and parses a JSON answer.
 *
 * @param url - absolute URL
 * @param options - method, bearer token, JSON body, extra headers
 * @returns the response
 */
export async function call(
  url: string,
  options: {
    method?: 'GET' | 'POST' | 'PUT';
    token?: string;
    json?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<JsonResponse> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) {
    headers['authorization'] = `Bearer ${options.token}`;
  }
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
  }
  Object.assign(headers, options.headers);
  const res = await request(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
  const text = await res.body.text();
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.statusCode, headers: res.headers, body };
}
