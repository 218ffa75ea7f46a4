/**
 * Test helpers of the Fineract client: a client wired to an undici MockAgent, error-body and hook-delivery builders.
 * For tests only.
 */
import { createMockAgent } from '@payment-layer/shared-http/testing';
import type { MockAgent, MockPool } from 'undici';
import { FineractClient, type FineractClientOptions } from './fineract-client';

/** Origin of the mocked Fineract. */
export const FINERACT_TEST_ORIGIN = 'https://fineract.test';
/** API path prefix of the mocked Fineract. */
export const FINERACT_API_PATH = '/fineract-provider/api/v1';
/** Base URL of the mocked Fineract. */
export const FINERACT_TEST_BASE_URL = `${FINERACT_TEST_ORIGIN}${FINERACT_API_PATH}`;
/** Tenant and credentials used by {@link createTestFineractClient}. */
export const FINERACT_TEST_TENANT = 'default';
/** Test user name. */
export const FINERACT_TEST_USERNAME = 'mifos';
/** Test password (a fake). */
export const FINERACT_TEST_PASSWORD = 'test-password';

/** A client on a MockAgent, with recorded back-off sleeps. */
export interface TestFineractClient {
  readonly client: FineractClient;
  readonly agent: MockAgent;
  /** Interceptors for {@link FINERACT_TEST_ORIGIN}; paths include {@link FINERACT_API_PATH}. */
  readonly pool: MockPool;
  /** Every back-off the client slept, in ms (nothing really waits). */
  readonly sleeps: number[];
}

/**
 * Builds a {@link FineractClient} on a fresh MockAgent (network disabled), with instant sleeps and fixed jitter.
 *
 * @param overrides - any client option
 * @returns client, agent, pool and the sleep log; close the agent in afterEach
 */
export function createTestFineractClient(overrides: Partial<FineractClientOptions> = {}): TestFineractClient {
  const agent = createMockAgent();
  const sleeps: number[] = [];
  const client = new FineractClient({
    baseUrl: FINERACT_TEST_BASE_URL,
    tenantId: FINERACT_TEST_TENANT,
    username: FINERACT_TEST_USERNAME,
    password: FINERACT_TEST_PASSWORD,
    dispatcher: agent,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...overrides,
  });
  return { client, agent, pool: agent.get(FINERACT_TEST_ORIGIN), sleeps };
}

/** One detail of {@link fineractErrorBody}. */
export interface ErrorDetailInput {
  readonly code: string;
  readonly parameterName?: string;
  readonly message?: string;
}

/**
 * Builds a Fineract `ApiGlobalErrorResponse` body as the server sends it.
 *
 * @param status - HTTP status (sent as a string in `httpStatusCode`, as Fineract does)
 * @param code - top-level `userMessageGlobalisationCode`
 * @param errors - details
 * @returns the JSON body
 */
export function fineractErrorBody(
  status: number,
  code: string,
  errors: readonly ErrorDetailInput[] = [],
): Record<string, unknown> {
  return {
    developerMessage: `developer detail for ${code}`,
    httpStatusCode: String(status),
    defaultUserMessage: `default message for ${code}`,
    userMessageGlobalisationCode: code,
    errors: errors.map((e) => ({
      developerMessage: `developer detail: ${e.message ?? e.code}`,
      defaultUserMessage: e.message ?? e.code,
      userMessageGlobalisationCode: e.code,
      parameterName: e.parameterName ?? 'id',
      value: null,
      args: [],
    })),
  };
}

/** Headers of a hook delivery for an entity/action. */
export function hookHeaders(
  entity: string,
  action: string,
  tenant = FINERACT_TEST_TENANT,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-fineract-entity': entity,
    'x-fineract-action': action,
    'fineract-platform-tenantid': tenant,
  };
}

/**
 * A savings deposit delivery as Fineract sends it (fineract.md §11).
 *
 * @param overrides - top-level body fields to replace
 * @returns headers and body
 */
export function savingsDepositHook(overrides: Record<string, unknown> = {}): {
  headers: Record<string, string>;
  body: Record<string, unknown>;
} {
  return {
    headers: hookHeaders('SAVINGSACCOUNT', 'DEPOSIT'),
    body: {
      entityName: 'SAVINGSACCOUNT',
      actionName: 'DEPOSIT',
      createdBy: 1,
      createdByName: 'mifos',
      createdByFullName: 'App Administrator',
      request: {
        transactionDate: '2024-02-01',
        transactionAmount: '15000.00',
        paymentTypeId: 1,
        receiptNumber: 'IV-BCUL0001-13000001-2024-02',
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
      },
      officeId: 1,
      clientId: 2,
      response: { clientId: 2, savingsId: 1, resourceId: 47, changes: { paymentTypeId: 1 } },
      timestamp: '2024-02-01T09:12:44.123Z',
      ...overrides,
    },
  };
}

/**
 * A client-charge payment delivery (`CLIENTCHARGE/PAY`).
 *
 * @param overrides - top-level body fields to replace
 * @returns headers and body
 */
export function clientChargePaidHook(overrides: Record<string, unknown> = {}): {
  headers: Record<string, string>;
  body: Record<string, unknown>;
} {
  return {
    headers: hookHeaders('CLIENTCHARGE', 'PAY'),
    body: {
      entityName: 'CLIENTCHARGE',
      actionName: 'PAY',
      createdBy: 1,
      createdByName: 'mifos',
      createdByFullName: 'App Administrator',
      request: {
        amount: '5000.00',
        transactionDate: '2024-03-04',
        dateFormat: 'yyyy-MM-dd',
        locale: 'en',
        paymentTypeId: 3,
        receiptNumber: 'IV-2024-0042',
        externalId: 'pay-7f3c2a',
      },
      officeId: 1,
      clientId: 12,
      response: {
        clientId: 12,
        resourceId: 31,
        subResourceId: 88,
        transactionId: '88',
        subResourceExternalId: 'pay-7f3c2a',
      },
      timestamp: '2024-03-04T10:00:00.000Z',
      ...overrides,
    },
  };
}

/** A request seen by an interceptor of {@link interceptJson}. */
export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Raw body text ('' when none). */
  readonly text: string;
  /** Body parsed as JSON (undefined when none). */
  readonly body: unknown;
}

/** One scripted answer of {@link interceptJson}. */
export interface ScriptedReply {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path after {@link FINERACT_API_PATH}, with its query string, e.g. `/clients?externalId=x`. */
  readonly path: string;
  readonly status?: number;
  /** JSON body (serialised) or raw text. */
  readonly reply?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** How many identical calls this answers (default 1). */
  readonly times?: number;
}

/**
 * Scripts one answer on the mocked Fineract and records what the client sent.
 *
 * @param pool - the MockPool of {@link createTestFineractClient}
 * @param script - method, path, answer
 * @returns the list the matching requests are pushed to
 */
export function interceptJson(pool: MockPool, script: ScriptedReply): CapturedRequest[] {
  const seen: CapturedRequest[] = [];
  const scope = pool.intercept({ method: script.method, path: `${FINERACT_API_PATH}${script.path}` }).reply(
    script.status ?? 200,
    (opts) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries((opts.headers ?? {}) as Record<string, unknown>)) {
        headers[k.toLowerCase()] = String(v);
      }
      const text = typeof opts.body === 'string' ? opts.body : '';
      seen.push({
        method: opts.method,
        path: opts.path,
        headers,
        text,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      });
      return typeof script.reply === 'string' ? script.reply : JSON.stringify(script.reply ?? {});
    },
    {
      headers: {
        'content-type': typeof script.reply === 'string' ? 'text/plain' : 'application/json',
        ...script.headers,
      },
    },
  );
  if (script.times !== undefined) {
    scope.times(script.times);
  }
  return seen;
}
