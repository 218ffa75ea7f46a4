// Test support for the simulator's own tests: plain undici calls with Fineract's headers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import type { FineractSimulator } from './simulator';

/** An answer of the simulator. */
export interface SimAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body (undefined when the body is not JSON). */
  json: unknown;
}

/**
 * Calls the simulator with auth, tenant and JSON headers (each overridable; `null` removes a header).
 * @param sim - the simulator
 * @param method - HTTP method
 * @param path - path below the API root, with query
 * @param body - object (sent as JSON) or raw string
 * @param headers - extra or replacing headers
 */
export async function call(
  sim: FineractSimulator,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  headers: Record<string, string | null> = {},
): Promise<SimAnswer> {
  const merged: Record<string, string | null> = {
    authorization: sim.authorization,
    'fineract-platform-tenantid': sim.tenantId,
    'content-type': 'application/json',
    ...headers,
  };
  const sent: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) {
    if (v !== null) {
      sent[k] = v;
    }
  }
  const res = await request(sim.baseUrl + path, {
    method,
    headers: sent,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** Loads a fixture of `./fixtures`. */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as Record<string, unknown>;
}

/** The `errors[i].userMessageGlobalisationCode` values of an error answer. */
export function codes(answer: SimAnswer): string[] {
  const body = answer.json as { errors?: { userMessageGlobalisationCode: string }[] } | undefined;
  return (body?.errors ?? []).map((e) => e.userMessageGlobalisationCode);
}

/** A valid person client body (legal form 1, active today-ish). */
export function personClient(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    officeId: 1,
    legalFormId: 1,
    firstname: 'Petra',
    lastname: 'Yton',
    dateFormat: 'yyyy-MM-dd',
    locale: 'en',
    active: true,
    activationDate: '2024-01-15',
    submittedOnDate: '2024-01-15',
    ...overrides,
  };
}
