import { FINERACT_COMMANDS, type FineractCommandName } from '@payment-layer/mifos-fineract-params';
import { ConfigError, UpstreamTimeoutError, UpstreamUnavailableError } from '@payment-layer/shared-errors';
import { HttpClient, type HttpRequest, type TlsOptions } from '@payment-layer/shared-http';
import type { Dispatcher } from 'undici';
import { assertPositiveAmount, sameAmount, type DecimalString } from './amount';
import { FineractBatch, type BatchItemResult, type BatchRequestItem, type BatchResult } from './batch';
import { type DateInput, FINERACT_DATE_FORMAT, FINERACT_LOCALE, toFineractDate, withDates } from './dates';
import { FineractError, isNotFoundError, isServedFromCache, parseFineractError } from './errors';
import { DEFAULT_IDEMPOTENCY_KEY_PREFIX, IDEMPOTENCY_KEY_HEADER, idempotencyKey } from './idempotency';
import type {
  AuthenticationData,
  ClientActivateRequest,
  ClientChargeApplyRequest,
  ClientChargeData,
  ClientChargeListQuery,
  ClientChargePayRequest,
  ClientCreateRequest,
  ClientData,
  ClientTransactionData,
  ClientUpdateRequest,
  CommandResult,
  GroupCreateRequest,
  GroupData,
  HookCreateRequest,
  HookData,
  Page,
  PaymentTypeData,
  SavingsAccountActivateRequest,
  SavingsAccountApproveRequest,
  SavingsAccountCreateRequest,
  SavingsAccountData,
  SavingsTransactionData,
  SavingsTransactionRequest,
  WriteOptions,
  WriteResult,
} from './types';
import { invalid, normaliseResponse, onlyWhitelisted, parseFineractJson } from './wire';

/** Retry budget of one logical call. */
export interface FineractRetryOptions {
  /** Most HTTP sends for one logical call, all attempts together (default 4). */
  readonly maxAttempts: number;
  /** First back-off (default 250 ms); doubles per retry, with jitter. */
  readonly baseDelayMs: number;
  /** Largest back-off (default 4 000 ms). */
  readonly maxDelayMs: number;
}

/** Construction options of {@link FineractClient}. */
export interface FineractClientOptions {
  /** `https://<host>:8443/fineract-provider/api/v1`. */
  readonly baseUrl: string;
  /** Sent as `Fineract-Platform-TenantId` on every call. */
  readonly tenantId: string;
  readonly username: string;
  readonly password: string;
  /** Injected dispatcher (undici `MockAgent` in tests); otherwise a pooled `Agent` is created and owned. */
  readonly dispatcher?: Dispatcher;
  /** TLS verification is on; `caFile` adds trusted CAs; `allowSelfSigned` only by explicit configuration. */
  readonly tls?: TlsOptions;
  /** Time limit of one HTTP call (default 30 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<FineractRetryOptions>;
  /** Back-off sleep (injectable for tests). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1) (injectable for tests). */
  readonly random?: () => number;
  /** Namespace of this deployment's idempotency keys (default `pl`). */
  readonly idempotencyKeyPrefix?: string;
}

/** Extra options of the savings transaction verbs. */
export interface SavingsTransactionWriteOptions extends WriteOptions {
  /**
   * The `receiptNumber` names this money movement alone (e.g. a claim code paid once): after an error answer, look for
   * a non-reversed transaction with that receipt, amount and date before writing again. Fineract does not enforce
   * receipt uniqueness, so leave this off where one receipt can be paid several times.
   */
  readonly uniqueReceipt?: boolean;
}

/** Extra options of {@link FineractClient.updateClient}. */
export interface ClientUpdateOptions extends WriteOptions {
  /** The client as last read or sent; when absent the client is read first. */
  readonly previous?: ClientData | ClientUpdateRequest;
}

const DEFAULT_RETRY: FineractRetryOptions = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 4000 };
const CLIENT_TRANSACTIONS_PAGE = 200;
const CLIENT_CHARGES_PAGE = 200;

/**
 * The parameters a typed verb sends: Fineract's whitelist of the command, less the nested payloads these verbs do
 * not build (datatables, addresses, family members, meeting calendars, savings charges, transfers).
 */
function verbFields(command: FineractCommandName, notBuilt: readonly string[] = []): ReadonlySet<string> {
  const parameters: readonly string[] = FINERACT_COMMANDS[command].parameters;
  return new Set(parameters.filter((p) => !notBuilt.includes(p)));
}

const CLIENT_CREATE_FIELDS = verbFields('clients.create', ['address', 'familyMembers', 'datatables']);
const CLIENT_UPDATE_FIELDS = verbFields('clients.update');
const CLIENT_DATE_FIELDS = ['activationDate', 'submittedOnDate', 'dateOfBirth'];
const NON_PERSON_FIELDS = new Set([
  'constitutionId',
  'incorpNumber',
  'incorpValidityTillDate',
  'mainBusinessLineId',
  'remarks',
]);
const GROUP_CREATE_FIELDS = verbFields('groups.create', ['collectionMeetingCalendar', 'datatables']);
const SAVINGS_CREATE_FIELDS = verbFields('savingsaccounts.create', ['charges', 'datatables']);
const SAVINGS_TX_FIELDS = verbFields('savingsaccounts.transactions.deposit', [
  'childAccountId',
  'retailEntries',
]);
const CHARGE_APPLY_FIELDS = verbFields('clients.charges.create');
const CHARGE_PAY_FIELDS = verbFields('clients.charges.pay');
const HOOK_CREATE_FIELDS = new Set(['name', 'isActive', 'displayName', 'templateId', 'events', 'config']);

/** One call through {@link FineractClient.request}. */
interface RequestSpec {
  readonly method: HttpRequest['method'];
  readonly path: string;
  readonly query?: HttpRequest['query'];
  readonly body?: unknown;
  readonly idempotencyKey?: string;
}

/** One logical write through {@link FineractClient.write}. */
interface WriteSpec<T> extends Omit<RequestSpec, 'idempotencyKey'> {
  readonly options: WriteOptions<T>;
  /** The verb's default read-back, used unless the caller overrides or disables it. */
  readonly defaultReadBack?: () => Promise<T | undefined>;
}

type RetryDecision = 'same-key' | 'new-key' | 'stop';

/**
 * Typed client of the Apache Fineract REST API (`/fineract-provider/api/v1`): HTTP Basic and the tenant header on
 * every call, an `Idempotency-Key` on every write with the retry rules of fineract.md §8, typed verbs, batches and
 * {@link FineractError} for every error answer. Built on the project's {@link HttpClient}, so every call is recorded
 * as an OpenHIM orchestration with secrets masked.
 *
 * @see ../../../../docs/contracts/fineract.md
 */
export class FineractClient {
  private readonly http: HttpClient;
  private readonly retry: FineractRetryOptions;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly keyPrefix: string;
  private readonly credentials: { readonly username: string; readonly password: string };

  /**
   * @param options - connection, credentials, retry budget
   * @throws ConfigError on a missing or malformed option
   */
  constructor(options: FineractClientOptions) {
    if (!/^https?:\/\/[^/]/i.test(options.baseUrl)) {
      throw new ConfigError('Fineract baseUrl must be an http(s) URL ending in /fineract-provider/api/v1');
    }
    if (!options.tenantId.trim()) {
      throw new ConfigError('Fineract tenantId must not be empty');
    }
    if (!options.username || options.password === undefined) {
      throw new ConfigError('Fineract username and password are required');
    }
    this.keyPrefix = options.idempotencyKeyPrefix ?? DEFAULT_IDEMPOTENCY_KEY_PREFIX;
    try {
      idempotencyKey('probe', 1, this.keyPrefix);
    } catch (err) {
      throw new ConfigError(`invalid Fineract idempotencyKeyPrefix: ${this.keyPrefix}`, { cause: err });
    }
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isSafeInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1) {
      throw new ConfigError('Fineract retry.maxAttempts must be a positive integer');
    }
    if (!(this.retry.baseDelayMs >= 0 && this.retry.maxDelayMs >= this.retry.baseDelayMs)) {
      throw new ConfigError('Fineract retry delays must satisfy 0 <= baseDelayMs <= maxDelayMs');
    }
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.credentials = { username: options.username, password: options.password };
    const basic = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.http = FineractClient.transport(options, basic);
  }

  private static transport(options: FineractClientOptions, basic: string): HttpClient {
    try {
      return new HttpClient({
        system: 'fineract',
        baseUrl: options.baseUrl,
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        ...(options.tls ? { tls: options.tls } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        defaultHeaders: {
          authorization: `Basic ${basic}`,
          'fineract-platform-tenantid': options.tenantId,
        },
      });
    } catch (err) {
      // An unreadable CA file or a malformed URL is a configuration fault, found at boot.
      throw new ConfigError('invalid Fineract connection settings (baseUrl, tls.caFile)', { cause: err });
    }
  }

  /** Closes the connections this client opened. */
  async close(): Promise<void> {
    await this.http.close();
  }

  /**
   * Checks connectivity and credentials with `POST /authentication` (credentials in the body).
   *
   * @returns the authenticated user, without the base64 key
   * @throws FineractError 401 on bad credentials, 400 (plain text) on a bad tenant
   * @see ../../../../docs/contracts/fineract.md §1
   */
  async healthCheck(): Promise<AuthenticationData> {
    const auth = await this.read<AuthenticationData & { base64EncodedAuthenticationKey?: string }>({
      method: 'POST',
      path: 'authentication',
      body: { username: this.credentials.username, password: this.credentials.password },
    });
    const { base64EncodedAuthenticationKey: _key, ...rest } = auth;
    return rest;
  }

  // -------------------------------------------------------------------------------------------------------- clients

  /**
   * Reads a client by id (`GET /clients/{id}`).
   *
   * @param clientId - Fineract client id
   * @returns the client
   * @throws FineractError 404 when absent
   */
  async getClient(clientId: number): Promise<ClientData> {
    return this.read<ClientData>({ method: 'GET', path: `clients/${id(clientId, 'clientId')}` });
  }

  /**
   * Looks a client up by its externalId (`GET /clients/external-id/{externalId}`).
   *
   * @param externalId - e.g. the openIMIS UUID
   * @returns the client, or undefined when none has that externalId (404)
   * @see ../../../../docs/contracts/fineract.md §4.2
   */
  async getClientByExternalId(externalId: string): Promise<ClientData | undefined> {
    return this.readOptional<ClientData>({
      method: 'GET',
      path: `clients/external-id/${segment(externalId, 'externalId')}`,
    });
  }

  /**
   * Creates a client (`POST /clients`). With `savingsProductId` and `active: true` Fineract also opens an active
   * savings account and returns it as `savingsId`. After an error answer the client is looked up by `externalId`
   * before writing again. A 403 duplicate externalId is thrown: test it with `isDuplicateError` and read back.
   *
   * @param body - the create whitelist
   * @param options - operation key and retry control
   * @returns `{officeId, clientId, resourceId, savingsId?, …}` and write metadata
   * @see ../../../../docs/contracts/fineract.md §4.1
   */
  async createClient(body: ClientCreateRequest, options: WriteOptions): Promise<WriteResult> {
    const payload = this.clientBody(body, CLIENT_CREATE_FIELDS, 'POST /clients');
    const hasFirstLast = body.firstname !== undefined || body.lastname !== undefined;
    if (hasFirstLast === (body.fullname !== undefined)) {
      throw invalid('fullname', 'give either firstname + lastname or fullname');
    }
    if (hasFirstLast && (!body.firstname || !body.lastname)) {
      throw invalid(body.firstname ? 'lastname' : 'firstname', 'required with the other name part');
    }
    if (body.legalFormId !== 1 && body.legalFormId !== 2) {
      throw invalid('legalFormId', 'must be 1 (person) or 2 (entity)');
    }
    if (body.active && body.activationDate === undefined) {
      throw invalid('activationDate', 'required when active');
    }
    if (body.externalId !== undefined && (body.externalId.length === 0 || body.externalId.length > 100)) {
      throw invalid('externalId', 'must be 1-100 characters');
    }
    const externalId = body.externalId;
    return this.write<CommandResult>({
      method: 'POST',
      path: 'clients',
      body: payload,
      options,
      ...(externalId !== undefined
        ? {
            defaultReadBack: async () => {
              const c = await this.getClientByExternalId(externalId);
              return c ? clientResult(c) : undefined;
            },
          }
        : {}),
    });
  }

  /**
   * Updates a client with only the fields that changed (`PUT /clients/{id}`): the desired values are compared with
   * `options.previous` or, when absent, with a fresh read. Nothing is sent when nothing changed.
   *
   * @param clientId - Fineract client id
   * @param desired - desired values (update whitelist; `officeId`/`groupId` cannot change here)
   * @param options - operation key, optional previous state
   * @returns the result with `changes`, or undefined when nothing changed (no call made)
   * @see ../../../../docs/contracts/fineract.md §4.3
   */
  async updateClient(
    clientId: number,
    desired: ClientUpdateRequest,
    options: ClientUpdateOptions,
  ): Promise<WriteResult | undefined> {
    const wanted = this.clientBody(desired, CLIENT_UPDATE_FIELDS, `PUT /clients/${clientId}`);
    const previous = options.previous ?? (await this.getClient(clientId));
    const before = comparableClient(previous);
    const diff: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(wanted)) {
      if (k === 'dateFormat' || k === 'locale') {
        continue;
      }
      if (!sameValue(v, before[k])) {
        diff[k] = v;
      }
    }
    if (Object.keys(diff).length === 0) {
      return undefined;
    }
    completeUpdate(diff, wanted, before);
    if (CLIENT_DATE_FIELDS.some((f) => f in diff) || hasNestedDate(diff)) {
      diff['dateFormat'] = FINERACT_DATE_FORMAT;
      diff['locale'] = FINERACT_LOCALE;
    }
    return this.write<CommandResult>({
      method: 'PUT',
      path: `clients/${id(clientId, 'clientId')}`,
      body: diff,
      options,
    });
  }

  /**
   * Activates a pending client (`POST /clients/{id}?command=activate`).
   *
   * @param clientId - Fineract client id
   * @param body - activation date
   * @param options - operation key and retry control
   * @returns the command result
   */
  async activateClient(
    clientId: number,
    body: ClientActivateRequest,
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.write<CommandResult>({
      method: 'POST',
      path: `clients/${id(clientId, 'clientId')}`,
      query: { command: 'activate' },
      body: withDates(onlyWhitelisted(body, new Set(['activationDate']), 'activate client'), [
        'activationDate',
      ]),
      options,
    });
  }

  // --------------------------------------------------------------------------------------------------------- groups

  /**
   * Reads a group (`GET /groups/{id}`), optionally with its members.
   *
   * @param groupId - Fineract group id
   * @param options - `withMembers` adds `?associations=clientMembers`
   * @returns the group
   */
  async getGroup(groupId: number, options: { readonly withMembers?: boolean } = {}): Promise<GroupData> {
    return this.read<GroupData>({
      method: 'GET',
      path: `groups/${id(groupId, 'groupId')}`,
      ...(options.withMembers ? { query: { associations: 'clientMembers' } } : {}),
    });
  }

  /**
   * Looks a group up by externalId (`GET /groups?externalId=`; there is no `/groups/external-id/` path).
   *
   * @param externalId - e.g. the openIMIS family UUID
   * @returns the group, or undefined
   * @see ../../../../docs/contracts/fineract.md §5
   */
  async getGroupByExternalId(externalId: string): Promise<GroupData | undefined> {
    const page = await this.read<Page<GroupData> | GroupData[]>({
      method: 'GET',
      path: 'groups',
      query: { externalId: nonEmpty(externalId, 'externalId') },
    });
    const items = Array.isArray(page) ? page : page.pageItems;
    // The filter is exact in Fineract; checking again guards against a server that ignores unknown filters.
    return items.find((g) => g.externalId === externalId);
  }

  /**
   * Creates a group (`POST /groups`). After an error answer the group is looked up by `externalId` first.
   *
   * @param body - the create whitelist
   * @param options - operation key and retry control
   * @returns `{officeId, groupId, resourceId}` and write metadata
   */
  async createGroup(body: GroupCreateRequest, options: WriteOptions): Promise<WriteResult> {
    const payload = withDates(onlyWhitelisted(body, GROUP_CREATE_FIELDS, 'POST /groups'), [
      'activationDate',
      'submittedOnDate',
    ]);
    if (!body.name || body.name.length > 100) {
      throw invalid('name', 'must be 1-100 characters');
    }
    if (body.active && body.activationDate === undefined) {
      throw invalid('activationDate', 'required when active');
    }
    const externalId = body.externalId;
    return this.write<CommandResult>({
      method: 'POST',
      path: 'groups',
      body: payload,
      options,
      ...(externalId !== undefined
        ? {
            defaultReadBack: async () => {
              const g = await this.getGroupByExternalId(externalId);
              return g ? { officeId: g.officeId, groupId: g.id, resourceId: g.id } : undefined;
            },
          }
        : {}),
    });
  }

  /**
   * Adds clients to a group (`POST /groups/{id}?command=associateClients`).
   *
   * @param groupId - Fineract group id
   * @param clientIds - client ids to add
   * @param options - operation key and retry control
   * @returns the command result
   */
  async associateClients(
    groupId: number,
    clientIds: readonly number[],
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.groupMembers(groupId, clientIds, 'associateClients', options);
  }

  /**
   * Removes clients from a group (`POST /groups/{id}?command=disassociateClients`).
   *
   * @param groupId - Fineract group id
   * @param clientIds - client ids to remove
   * @param options - operation key and retry control
   * @returns the command result
   */
  async disassociateClients(
    groupId: number,
    clientIds: readonly number[],
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.groupMembers(groupId, clientIds, 'disassociateClients', options);
  }

  // -------------------------------------------------------------------------------------------------------- savings

  /**
   * Submits a savings account (`POST /savingsaccounts`, status 100 pending approval). After an error answer the
   * account is looked up by `externalId` first.
   *
   * @param body - exactly one of `clientId` / `groupId`, product and submitted date
   * @param options - operation key and retry control
   * @returns `{officeId, clientId|groupId, savingsId, resourceId}` and write metadata
   * @see ../../../../docs/contracts/fineract.md §6.2
   */
  async createSavingsAccount(body: SavingsAccountCreateRequest, options: WriteOptions): Promise<WriteResult> {
    if ((body.clientId === undefined) === (body.groupId === undefined)) {
      throw invalid('clientId', 'give exactly one of clientId and groupId');
    }
    for (const f of ['nominalAnnualInterestRate', 'overdraftLimit', 'minRequiredOpeningBalance'] as const) {
      const v = body[f];
      if (v !== undefined && !/^\d+(\.\d+)?$/.test(v)) {
        throw invalid(f, 'must be a non-negative decimal string');
      }
    }
    const payload = withDates(onlyWhitelisted(body, SAVINGS_CREATE_FIELDS, 'POST /savingsaccounts'), [
      'submittedOnDate',
    ]);
    const externalId = body.externalId;
    return this.write<CommandResult>({
      method: 'POST',
      path: 'savingsaccounts',
      body: payload,
      options,
      ...(externalId !== undefined
        ? {
            defaultReadBack: async () => {
              const a = await this.getSavingsAccountByExternalId(externalId);
              return a ? savingsResult(a) : undefined;
            },
          }
        : {}),
    });
  }

  /**
   * Approves a savings account (`POST /savingsaccounts/{id}?command=approve`; not available in batches).
   *
   * @param savingsId - account id
   * @param body - approval date, optional note
   * @param options - operation key and retry control
   * @returns the command result (`changes.status` approved)
   */
  async approveSavingsAccount(
    savingsId: number,
    body: SavingsAccountApproveRequest,
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.write<CommandResult>({
      method: 'POST',
      path: `savingsaccounts/${id(savingsId, 'savingsId')}`,
      query: { command: 'approve' },
      body: withDates(onlyWhitelisted(body, new Set(['approvedOnDate', 'note']), 'approve savings account'), [
        'approvedOnDate',
      ]),
      options,
    });
  }

  /**
   * Activates an approved savings account (`POST /savingsaccounts/{id}?command=activate`).
   *
   * @param savingsId - account id
   * @param body - activation date
   * @param options - operation key and retry control
   * @returns the command result (`changes.status` active)
   */
  async activateSavingsAccount(
    savingsId: number,
    body: SavingsAccountActivateRequest,
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.write<CommandResult>({
      method: 'POST',
      path: `savingsaccounts/${id(savingsId, 'savingsId')}`,
      query: { command: 'activate' },
      body: withDates(onlyWhitelisted(body, new Set(['activatedOnDate']), 'activate savings account'), [
        'activatedOnDate',
      ]),
      options,
    });
  }

  /**
   * Reads a savings account (`GET /savingsaccounts/{id}`), optionally with its transactions.
   *
   * @param savingsId - account id
   * @param options - `withTransactions` adds `?associations=transactions`
   * @returns the account (balances as decimal strings)
   */
  async getSavingsAccount(
    savingsId: number,
    options: { readonly withTransactions?: boolean } = {},
  ): Promise<SavingsAccountData> {
    return this.read<SavingsAccountData>({
      method: 'GET',
      path: `savingsaccounts/${id(savingsId, 'savingsId')}`,
      ...(options.withTransactions ? { query: { associations: 'transactions' } } : {}),
    });
  }

  /**
   * Looks a savings account up by externalId (`GET /savingsaccounts/external-id/{externalId}`).
   *
   * @param externalId - the account's externalId
   * @returns the account, or undefined (404)
   */
  async getSavingsAccountByExternalId(externalId: string): Promise<SavingsAccountData | undefined> {
    return this.readOptional<SavingsAccountData>({
      method: 'GET',
      path: `savingsaccounts/external-id/${segment(externalId, 'externalId')}`,
    });
  }

  /**
   * Deposits into a savings account (`POST /savingsaccounts/{id}/transactions?command=deposit`). `resourceId` of the
   * answer is the transaction id. There is no `externalId` on savings transactions: the reference goes in
   * `receiptNumber`/`note`, exactly-once comes from the Idempotency-Key (and `uniqueReceipt` read-back).
   *
   * @param savingsId - account id
   * @param body - the entire whitelist; `paymentTypeId` required
   * @param options - operation key, retry control, `uniqueReceipt`
   * @returns the command result and write metadata
   * @see ../../../../docs/contracts/fineract.md §6.3
   */
  async depositToSavingsAccount(
    savingsId: number,
    body: SavingsTransactionRequest,
    options: SavingsTransactionWriteOptions,
  ): Promise<WriteResult> {
    return this.savingsTransaction(savingsId, 'deposit', body, options);
  }

  /**
   * Withdraws from a savings account (`POST /savingsaccounts/{id}/transactions?command=withdrawal`).
   * Insufficient balance → FineractError 403 `error.msg.savingsaccount.transaction.insufficient.account.balance`.
   *
   * @param savingsId - account id
   * @param body - the entire whitelist; `paymentTypeId` required
   * @param options - operation key, retry control, `uniqueReceipt`
   * @returns the command result and write metadata
   */
  async withdrawFromSavingsAccount(
    savingsId: number,
    body: SavingsTransactionRequest,
    options: SavingsTransactionWriteOptions,
  ): Promise<WriteResult> {
    return this.savingsTransaction(savingsId, 'withdrawal', body, options);
  }

  /**
   * Reads one savings transaction (`GET /savingsaccounts/{id}/transactions/{txId}`).
   *
   * @param savingsId - account id
   * @param transactionId - transaction id (`resourceId` of the deposit answer)
   * @returns the transaction (amounts as decimal strings, date as `YYYY-MM-DD`)
   */
  async getSavingsTransaction(savingsId: number, transactionId: number): Promise<SavingsTransactionData> {
    return this.read<SavingsTransactionData>({
      method: 'GET',
      path: `savingsaccounts/${id(savingsId, 'savingsId')}/transactions/${id(transactionId, 'transactionId')}`,
    });
  }

  /**
   * Finds a non-reversed deposit or withdrawal by receipt number, amount and (optionally) date, reading the account
   * with its transactions — the read-back of `uniqueReceipt` writes.
   *
   * @param savingsId - account id
   * @param match - transaction kind, receipt, amount, optional date
   * @returns the newest matching transaction, or undefined
   */
  async findSavingsTransactionByReceipt(
    savingsId: number,
    match: {
      readonly kind: 'deposit' | 'withdrawal';
      readonly receiptNumber: string;
      readonly transactionAmount: DecimalString;
      readonly transactionDate?: string;
    },
  ): Promise<SavingsTransactionData | undefined> {
    const account = await this.getSavingsAccount(savingsId, { withTransactions: true });
    const found = (account.transactions ?? []).filter(
      (t) =>
        t.reversed !== true &&
        isKind(t, match.kind) &&
        t.paymentDetailData?.receiptNumber === match.receiptNumber &&
        t.amount !== undefined &&
        sameAmount(t.amount, match.transactionAmount) &&
        (match.transactionDate === undefined || t.date === match.transactionDate),
    );
    return found.sort((a, b) => b.id - a.id)[0];
  }

  // ------------------------------------------------------------------------------------------------- client charges

  /**
   * Applies a charge (a payable) to an active client (`POST /clients/{clientId}/charges`).
   *
   * @param clientId - client id
   * @param body - charge definition id, amount, due date
   * @param options - operation key and retry control
   * @returns the command result; `resourceId` is the client charge id
   * @see ../../../../docs/contracts/fineract.md §7
   */
  async applyClientCharge(
    clientId: number,
    body: ClientChargeApplyRequest,
    options: WriteOptions,
  ): Promise<WriteResult> {
    assertPositiveAmount(body.amount, 'amount');
    return this.write<CommandResult>({
      method: 'POST',
      path: `clients/${id(clientId, 'clientId')}/charges`,
      body: withDates(onlyWhitelisted(body, CHARGE_APPLY_FIELDS, 'POST /clients/{id}/charges'), ['dueDate']),
      options,
    });
  }

  /**
   * Finds a client's charges (any status) of one charge definition, amount and due date, paging through
   * `GET /clients/{clientId}/charges?chargeStatus=all`. A client charge has no externalId, so these three are the
   * only business key Fineract lets us read back: the caller decides what an ambiguous answer means.
   *
   * @param clientId - client id
   * @param match - charge definition id, amount, due date (`YYYY-MM-DD` or a Date)
   * @returns the matching charges, oldest first
   * @see ../../../../docs/contracts/fineract.md §7
   */
  async findClientCharges(
    clientId: number,
    match: { readonly chargeId: number; readonly amount: DecimalString; readonly dueDate: DateInput },
  ): Promise<ClientChargeData[]> {
    const dueDate = toFineractDate(match.dueDate, 'dueDate');
    const found: ClientChargeData[] = [];
    for (let offset = 0; ; offset += CLIENT_CHARGES_PAGE) {
      const page = await this.listClientCharges(clientId, {
        chargeStatus: 'all',
        offset,
        limit: CLIENT_CHARGES_PAGE,
      });
      found.push(
        ...page.pageItems.filter(
          (c) =>
            c.chargeId === match.chargeId &&
            c.dueDate === dueDate &&
            c.amount !== undefined &&
            sameAmount(c.amount, match.amount),
        ),
      );
      if (
        page.pageItems.length < CLIENT_CHARGES_PAGE ||
        offset + CLIENT_CHARGES_PAGE >= page.totalFilteredRecords
      ) {
        return found.sort((a, b) => a.id - b.id);
      }
    }
  }

  /**
   * Pays a client charge, fully or partly (`POST /clients/{clientId}/charges/{id}?command=paycharge`). With an
   * `externalId`, an error answer is followed by a look-up of the client transaction with that externalId.
   *
   * @param clientId - client id
   * @param clientChargeId - client charge id
   * @param body - amount, date, payment details, `externalId`
   * @param options - operation key and retry control
   * @returns the result: `resourceId` charge id, `subResourceId`/`transactionId` the client transaction id
   */
  async payClientCharge(
    clientId: number,
    clientChargeId: number,
    body: ClientChargePayRequest,
    options: WriteOptions,
  ): Promise<WriteResult> {
    assertPositiveAmount(body.amount, 'amount');
    const payload = withDates(onlyWhitelisted(body, CHARGE_PAY_FIELDS, 'paycharge'), ['transactionDate']);
    const externalId = body.externalId;
    return this.write<CommandResult>({
      method: 'POST',
      path: `clients/${id(clientId, 'clientId')}/charges/${id(clientChargeId, 'clientChargeId')}`,
      query: { command: 'paycharge' },
      body: payload,
      options,
      ...(externalId !== undefined
        ? {
            defaultReadBack: async () => {
              const tx = await this.findClientTransactionByExternalId(clientId, externalId);
              return tx
                ? {
                    clientId,
                    resourceId: clientChargeId,
                    subResourceId: tx.id,
                    transactionId: tx.id,
                    subResourceExternalId: externalId,
                  }
                : undefined;
            },
          }
        : {}),
    });
  }

  /**
   * Waives a client charge (`POST /clients/{clientId}/charges/{id}?command=waive`, empty body).
   *
   * @param clientId - client id
   * @param clientChargeId - client charge id
   * @param options - operation key and retry control
   * @returns the command result
   */
  async waiveClientCharge(
    clientId: number,
    clientChargeId: number,
    options: WriteOptions,
  ): Promise<WriteResult> {
    return this.write<CommandResult>({
      method: 'POST',
      path: `clients/${id(clientId, 'clientId')}/charges/${id(clientChargeId, 'clientChargeId')}`,
      query: { command: 'waive' },
      body: {},
      options,
    });
  }

  /**
   * Reads a client charge (`GET /clients/{clientId}/charges/{id}`).
   *
   * @param clientId - client id
   * @param clientChargeId - client charge id
   * @returns the charge (amounts as decimal strings)
   */
  async getClientCharge(clientId: number, clientChargeId: number): Promise<ClientChargeData> {
    return this.read<ClientChargeData>({
      method: 'GET',
      path: `clients/${id(clientId, 'clientId')}/charges/${id(clientChargeId, 'clientChargeId')}`,
    });
  }

  /**
   * Lists a client's charges (`GET /clients/{clientId}/charges`).
   *
   * @param clientId - client id
   * @param query - status filter and paging
   * @returns one page
   */
  async listClientCharges(
    clientId: number,
    query: ClientChargeListQuery = {},
  ): Promise<Page<ClientChargeData>> {
    return this.read<Page<ClientChargeData>>({
      method: 'GET',
      path: `clients/${id(clientId, 'clientId')}/charges`,
      query: { ...query },
    });
  }

  /**
   * Lists a client's transactions (`GET /clients/{clientId}/transactions`), e.g. charge payments.
   *
   * @param clientId - client id
   * @param query - paging
   * @returns one page
   */
  async listClientTransactions(
    clientId: number,
    query: { readonly offset?: number; readonly limit?: number } = {},
  ): Promise<Page<ClientTransactionData>> {
    return this.read<Page<ClientTransactionData>>({
      method: 'GET',
      path: `clients/${id(clientId, 'clientId')}/transactions`,
      query: { ...query },
    });
  }

  /**
   * Finds a non-reversed client transaction by its externalId, paging through the client's transactions.
   *
   * @param clientId - client id
   * @param externalId - the `externalId` sent with the charge payment
   * @returns the transaction, or undefined
   */
  async findClientTransactionByExternalId(
    clientId: number,
    externalId: string,
  ): Promise<ClientTransactionData | undefined> {
    for (let offset = 0; ; offset += CLIENT_TRANSACTIONS_PAGE) {
      const page = await this.listClientTransactions(clientId, { offset, limit: CLIENT_TRANSACTIONS_PAGE });
      const hit = page.pageItems.find((t) => t.externalId === externalId && t.reversed !== true);
      if (hit) {
        return hit;
      }
      if (
        page.pageItems.length < CLIENT_TRANSACTIONS_PAGE ||
        offset + CLIENT_TRANSACTIONS_PAGE >= page.totalFilteredRecords
      ) {
        return undefined;
      }
    }
  }

  // ------------------------------------------------------------------------------------------ payment types, hooks

  /**
   * Lists payment types (`GET /paymenttypes`); configure the id per deployment, never assume 1.
   *
   * @returns all payment types
   * @see ../../../../docs/contracts/fineract.md §10
   */
  async listPaymentTypes(): Promise<PaymentTypeData[]> {
    return this.read<PaymentTypeData[]>({ method: 'GET', path: 'paymenttypes' });
  }

  /**
   * Creates a web hook (`POST /hooks`), for set-up.
   *
   * @param body - "Web" template, events, payload URL, content type json
   * @param options - operation key and retry control
   * @returns `{resourceId: hookId}`
   * @see ../../../../docs/contracts/fineract.md §11
   */
  async createHook(body: HookCreateRequest, options: WriteOptions): Promise<WriteResult> {
    if (body.events.length === 0) {
      throw invalid('events', 'at least one event');
    }
    return this.write<CommandResult>({
      method: 'POST',
      path: 'hooks',
      body: onlyWhitelisted(body, HOOK_CREATE_FIELDS, 'POST /hooks'),
      options,
    });
  }

  /**
   * Lists hooks (`GET /hooks`).
   *
   * @returns the configured hooks
   */
  async listHooks(): Promise<HookData[]> {
    return this.read<HookData[]>({ method: 'GET', path: 'hooks' });
  }

  // -------------------------------------------------------------------------------------------------------- batches

  /**
   * Starts a batch (`POST /batches`). Only the operations of `BATCH_SUPPORTED_OPERATIONS` are accepted.
   *
   * @param options - `enclosingTransaction`: all items in one database transaction
   * @returns a builder; call `add(...)` then `send()`
   * @see ../../../../docs/contracts/fineract.md §9
   */
  batch(options: { readonly enclosingTransaction?: boolean } = {}): FineractBatch {
    return new FineractBatch((items, enclosing) => this.sendBatch(items, enclosing), {
      ...options,
      idempotencyKeyPrefix: this.keyPrefix,
    });
  }

  // -------------------------------------------------------------------------------------------------------- private

  private async sendBatch(
    items: readonly BatchRequestItem[],
    enclosingTransaction: boolean,
  ): Promise<BatchResult> {
    const raw = await this.withRetries(
      () =>
        this.request<unknown>({
          method: 'POST',
          path: 'batches',
          ...(enclosingTransaction ? { query: { enclosingTransaction: true } } : {}),
          body: items,
        }),
      // A batch answer with an error status carries no per-item outcome; only same-key retries are safe here.
      (err) => (decide(err) === 'same-key' ? 'same-key' : 'stop'),
    );
    if (!Array.isArray(raw.value)) {
      throw new UpstreamUnavailableError('fineract', 'Fineract batch answer is not an array');
    }
    const results = raw.value.map((item: unknown) => parseBatchItem(item));
    const ok = results.length === items.length && results.every((r) => r.statusCode === 200);
    return { items: results, ok, rolledBack: enclosingTransaction && !ok };
  }

  private async savingsTransaction(
    savingsId: number,
    command: 'deposit' | 'withdrawal',
    body: SavingsTransactionRequest,
    options: SavingsTransactionWriteOptions,
  ): Promise<WriteResult> {
    assertPositiveAmount(body.transactionAmount, 'transactionAmount');
    if (!Number.isSafeInteger(body.paymentTypeId) || body.paymentTypeId < 1) {
      throw invalid('paymentTypeId', 'required (a payment type id)');
    }
    const payload = withDates(onlyWhitelisted(body, SAVINGS_TX_FIELDS, `savings ${command}`), [
      'transactionDate',
    ]);
    const { uniqueReceipt, ...writeOptions } = options;
    const receiptNumber = body.receiptNumber;
    if (uniqueReceipt && !receiptNumber) {
      throw invalid('receiptNumber', 'required with uniqueReceipt');
    }
    const date = toFineractDate(body.transactionDate, 'transactionDate');
    return this.write<CommandResult>({
      method: 'POST',
      path: `savingsaccounts/${id(savingsId, 'savingsId')}/transactions`,
      query: { command },
      body: payload,
      options: writeOptions,
      ...(uniqueReceipt && receiptNumber
        ? {
            defaultReadBack: async () => {
              const tx = await this.findSavingsTransactionByReceipt(savingsId, {
                kind: command,
                receiptNumber,
                transactionAmount: body.transactionAmount,
                transactionDate: date,
              });
              return tx ? { savingsId, resourceId: tx.id } : undefined;
            },
          }
        : {}),
    });
  }

  private async groupMembers(
    groupId: number,
    clientIds: readonly number[],
    command: 'associateClients' | 'disassociateClients',
    options: WriteOptions,
  ): Promise<WriteResult> {
    if (clientIds.length === 0) {
      throw invalid('clientMembers', 'at least one client id');
    }
    return this.write<CommandResult>({
      method: 'POST',
      path: `groups/${id(groupId, 'groupId')}`,
      query: { command },
      body: { clientMembers: clientIds.map((c) => id(c, 'clientMembers')) },
      options,
    });
  }

  private clientBody(
    body: ClientCreateRequest | ClientUpdateRequest,
    allowed: ReadonlySet<string>,
    where: string,
  ): Record<string, unknown> {
    const out = withDates(onlyWhitelisted(body, allowed, where), CLIENT_DATE_FIELDS);
    const np = body.clientNonPersonDetails;
    if (np !== undefined) {
      const details = onlyWhitelisted(np, NON_PERSON_FIELDS, `${where} clientNonPersonDetails`);
      if (details['incorpValidityTillDate'] !== undefined) {
        details['incorpValidityTillDate'] = toFineractDate(
          np.incorpValidityTillDate as Date | string,
          'clientNonPersonDetails.incorpValidityTillDate',
        );
        // The nested date is read with the body's dateFormat/locale.
        out['dateFormat'] = FINERACT_DATE_FORMAT;
        out['locale'] = FINERACT_LOCALE;
      }
      out['clientNonPersonDetails'] = details;
    }
    return out;
  }

  /**
   * Runs one logical write with the idempotency rules of fineract.md §8: same key after a timeout, a lost connection,
   * a gateway 5xx or a 425; read-back then a new key after Fineract's own 409/5xx; no retry after other 4xx.
   */
  private async write<T extends object>(spec: WriteSpec<T>): Promise<WriteResult<T>> {
    const { options } = spec;
    let attempt = options.attempt ?? 1;
    const readBack = options.readBack === false ? undefined : (options.readBack ?? spec.defaultReadBack);
    let sends = 0;
    let announced = 0;
    for (;;) {
      const key = idempotencyKey(options.operationKey, attempt, this.keyPrefix);
      if (attempt !== announced) {
        await options.onAttempt?.(attempt);
        announced = attempt;
      }
      sends += 1;
      try {
        const ans = await this.request<T>({ ...spec, idempotencyKey: key });
        return {
          ...ans.value,
          write: { idempotencyKey: key, attempt, servedFromCache: ans.servedFromCache, fromReadBack: false },
        };
      } catch (err) {
        const decision = decide(err);
        if (decision === 'stop') {
          throw err;
        }
        if (sends >= this.retry.maxAttempts) {
          // Still "in flight" after every wait: Fineract may yet apply it, so the outcome is unknown, not failed.
          if (err instanceof FineractError && err.upstreamStatus === 425) {
            throw new UpstreamTimeoutError(
              'fineract',
              `Fineract was still processing this write after ${sends} attempts; the outcome is unknown`,
              { cause: err },
            );
          }
          throw err;
        }
        if (decision === 'new-key') {
          if (readBack) {
            let found: T | undefined;
            try {
              found = await readBack();
            } catch {
              // Without a read-back we cannot rule out that the write happened: stop, report the write's error.
              throw err;
            }
            if (found !== undefined) {
              return {
                ...found,
                write: { idempotencyKey: key, attempt, servedFromCache: false, fromReadBack: true },
              };
            }
          }
          attempt += 1;
        }
        await this.sleep(this.backoff(sends));
      }
    }
  }

  /** A read: retried on any transient failure (reads change nothing). */
  private async read<T>(spec: Omit<RequestSpec, 'idempotencyKey'>): Promise<T> {
    const ans = await this.withRetries(
      () => this.request<T>(spec),
      (err) => (decide(err) === 'stop' ? 'stop' : 'same-key'),
    );
    return ans.value;
  }

  private async readOptional<T>(spec: Omit<RequestSpec, 'idempotencyKey'>): Promise<T | undefined> {
    try {
      return await this.read<T>(spec);
    } catch (err) {
      // Only Fineract's own 404 means "no such record"; a proxy's 404 page means a wrong base URL.
      if (isNotFoundError(err) && err.fromFineract) {
        return undefined;
      }
      throw err;
    }
  }

  private async withRetries<R>(fn: () => Promise<R>, decideFor: (err: unknown) => RetryDecision): Promise<R> {
    for (let sends = 1; ; sends += 1) {
      try {
        return await fn();
      } catch (err) {
        if (decideFor(err) === 'stop' || sends >= this.retry.maxAttempts) {
          throw err;
        }
        await this.sleep(this.backoff(sends));
      }
    }
  }

  /**
   * The one path to Fineract: sends, then parses a 2xx answer (dates and amounts normalised) or throws the
   * {@link FineractError} of an error answer. A cached replay (`x-served-from-cache: true`) is the original result.
   */
  // T is the response shape the calling verb declares; Fineract's answer is typed, not validated, at run time.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  private async request<T>(spec: RequestSpec): Promise<{ value: T; servedFromCache: boolean }> {
    const res = await this.http.request({
      method: spec.method,
      path: spec.path,
      ...(spec.query ? { query: spec.query } : {}),
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      ...(spec.idempotencyKey !== undefined
        ? { headers: { [IDEMPOTENCY_KEY_HEADER]: spec.idempotencyKey } }
        : {}),
    });
    if (res.status < 200 || res.status >= 300) {
      throw parseFineractError(res.status, res.headers, res.text, spec.idempotencyKey);
    }
    let parsed: unknown = {};
    if (res.text.trim() !== '') {
      try {
        parsed = parseFineractJson(res.text);
      } catch (err) {
        // A 2xx we cannot read: the write may have happened, so callers must treat the outcome as unknown.
        throw new UpstreamUnavailableError(
          'fineract',
          `Fineract answered ${res.status} with a body that is not JSON`,
          {
            cause: err,
          },
        );
      }
    }
    return { value: normaliseResponse(parsed) as T, servedFromCache: isServedFromCache(res.headers) };
  }

  private backoff(sends: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (sends - 1));
    // "Equal jitter": never less than half the ceiling, so a 425 always waits a little.
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }
}

/**
 * How to go on after a failed send: `same-key` when the outcome is unknown or still in flight (timeout, lost
 * connection, gateway 5xx without Fineract's error body, 425, 429); `new-key` after Fineract's own 409/5xx (the change
 * was rolled back); `stop` for everything else (4xx rejections, our own validation errors).
 */
function decide(err: unknown): RetryDecision {
  if (err instanceof UpstreamTimeoutError || err instanceof UpstreamUnavailableError) {
    return 'same-key';
  }
  if (err instanceof FineractError) {
    const s = err.upstreamStatus ?? 0;
    if (s === 425 || s === 429) {
      return 'same-key';
    }
    if (s >= 500 && !err.fromFineract) {
      return 'same-key';
    }
    if (s === 409 || s >= 500) {
      return 'new-key';
    }
  }
  return 'stop';
}

function parseBatchItem(item: unknown): BatchItemResult {
  if (item === null || typeof item !== 'object') {
    throw new UpstreamUnavailableError('fineract', 'Fineract batch answer item is not an object');
  }
  const r = item as Record<string, unknown>;
  const requestId = typeof r['requestId'] === 'number' ? r['requestId'] : Number.NaN;
  const statusCode = typeof r['statusCode'] === 'number' ? r['statusCode'] : Number.NaN;
  if (!Number.isInteger(requestId) || !Number.isInteger(statusCode)) {
    throw new UpstreamUnavailableError('fineract', 'Fineract batch answer item lacks requestId/statusCode');
  }
  const headers: Record<string, string> = {};
  if (Array.isArray(r['headers'])) {
    for (const h of r['headers'] as unknown[]) {
      if (h !== null && typeof h === 'object') {
        const { name, value } = h as Record<string, unknown>;
        if (typeof name === 'string' && typeof value === 'string') {
          headers[name.toLowerCase()] = value;
        }
      }
    }
  }
  const text =
    typeof r['body'] === 'string' ? r['body'] : r['body'] === undefined ? '' : JSON.stringify(r['body']);
  let body: unknown = text;
  try {
    body = text === '' ? undefined : normaliseResponse(parseFineractJson(text));
  } catch {
    // "Parent request with id X was erroneous!" and similar are plain text.
  }
  const servedFromCache = isServedFromCache(headers);
  return {
    requestId,
    statusCode,
    headers,
    body,
    servedFromCache,
    ...(statusCode === 200 ? {} : { error: parseFineractError(statusCode, headers, text) }),
  };
}

function clientResult(c: ClientData): CommandResult {
  return {
    ...(c.officeId !== undefined ? { officeId: c.officeId } : {}),
    clientId: c.id,
    resourceId: c.id,
    ...(c.externalId !== undefined ? { resourceExternalId: c.externalId } : {}),
    ...(c.savingsAccountId !== undefined ? { savingsId: c.savingsAccountId } : {}),
  };
}

function savingsResult(a: SavingsAccountData): CommandResult {
  return {
    ...(a.clientId !== undefined ? { clientId: a.clientId } : {}),
    ...(a.groupId !== undefined ? { groupId: a.groupId } : {}),
    savingsId: a.id,
    resourceId: a.id,
  };
}

function isKind(t: SavingsTransactionData, kind: 'deposit' | 'withdrawal'): boolean {
  const type = t.transactionType;
  if (!type) {
    return false;
  }
  if (kind === 'deposit') {
    return type.deposit ?? type.id === 1;
  }
  return type.withdrawal ?? type.id === 2;
}

/** The update-whitelist view of a client, from a read or from a previously sent payload. */
function comparableClient(c: ClientData | ClientUpdateRequest): Record<string, unknown> {
  if (!('id' in c)) {
    const sent = withDates({ ...c }, CLIENT_DATE_FIELDS);
    if (c.clientNonPersonDetails?.incorpValidityTillDate !== undefined) {
      sent['clientNonPersonDetails'] = {
        ...c.clientNonPersonDetails,
        incorpValidityTillDate: toFineractDate(c.clientNonPersonDetails.incorpValidityTillDate),
      };
    }
    return sent;
  }
  const np = c.clientNonPersonDetails;
  return {
    accountNo: c.accountNo,
    externalId: c.externalId,
    mobileNo: c.mobileNo,
    emailAddress: c.emailAddress,
    firstname: c.firstname,
    middlename: c.middlename,
    lastname: c.lastname,
    fullname: c.fullname,
    active: c.active,
    activationDate: c.activationDate,
    staffId: c.staffId,
    savingsProductId: c.savingsProductId,
    dateOfBirth: c.dateOfBirth,
    genderId: c.gender?.id,
    clientTypeId: c.clientType?.id,
    clientClassificationId: c.clientClassification?.id,
    submittedOnDate: c.timeline?.submittedOnDate,
    displayName: c.displayName,
    legalFormId: c.legalForm?.id,
    isStaff: c.isStaff,
    ...(np
      ? {
          clientNonPersonDetails: dropUndefined({
            constitutionId: np.constitution?.id,
            incorpNumber: np.incorpNumber,
            incorpValidityTillDate: np.incorpValidityTillDate,
            mainBusinessLineId: np.mainBusinessLine?.id,
            remarks: np.remarks,
          }),
        }
      : {}),
  };
}

/**
 * Adds the fields Fineract validates together with a changed one (ClientDataValidator.validateForUpdate): any name
 * part needs both `firstname` and `lastname`; `active: true` needs `activationDate`.
 */
function completeUpdate(
  diff: Record<string, unknown>,
  wanted: Record<string, unknown>,
  before: Record<string, unknown>,
): void {
  if (['firstname', 'middlename', 'lastname'].some((k) => k in diff)) {
    for (const k of ['firstname', 'middlename', 'lastname']) {
      const v = wanted[k] ?? before[k];
      if (!(k in diff) && v !== undefined && v !== null && v !== '') {
        diff[k] = v;
      }
    }
  }
  if (diff['active'] === true && !('activationDate' in diff)) {
    const v = wanted['activationDate'] ?? before['activationDate'];
    if (v !== undefined) {
      diff['activationDate'] = v;
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
    const ak = Object.keys(a);
    return (
      ak.length === Object.keys(b).length &&
      ak.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  return a === b;
}

function hasNestedDate(diff: Record<string, unknown>): boolean {
  const np = diff['clientNonPersonDetails'];
  return np !== null && typeof np === 'object' && 'incorpValidityTillDate' in np;
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function id(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw invalid(field, 'must be a positive integer id');
  }
  return value;
}

function nonEmpty(value: string, field: string): string {
  if (value.length === 0) {
    throw invalid(field, 'must not be empty');
  }
  return value;
}

function segment(value: string, field: string): string {
  return encodeURIComponent(nonEmpty(value, field));
}
