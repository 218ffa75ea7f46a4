/**
 * Request and response shapes of the Fineract endpoints this client uses, written from the Fineract source
 * (not from the Swagger spec, whose request schemas lack required lists and several fields).
 * Request dates are {@link DateInput} (sent as `yyyy-MM-dd` + `en`); response dates are `YYYY-MM-DD` strings
 * (parsed from `[y, m, d]`); amounts are decimal strings both ways.
 *
 * @see ../../../../docs/contracts/fineract.md
 */
import type { DecimalString } from './amount';
import type { DateInput } from './dates';

/** `legalFormId`: 1 = PERSON, 2 = ENTITY (health facilities, organisations). Required on client create. */
export type LegalFormId = 1 | 2;

/** Fineract enum value as returned in reads (`{id, code, value}`). */
export interface EnumOption {
  readonly id: number;
  readonly code?: string;
  readonly value?: string;
}

/** A code value (gender, client type, …) as returned in reads. */
export interface CodeValue {
  readonly id: number;
  readonly name?: string;
  readonly active?: boolean;
}

/** A paged list (`GET /clients`, `/groups`, `/savingsaccounts`, client charges, client transactions). */
export interface Page<T> {
  readonly totalFilteredRecords: number;
  readonly pageItems: readonly T[];
}

/**
 * `CommandProcessingResult`: what every Fineract write answers (200). Null fields are omitted by Fineract.
 *
 * @see ../../../../docs/contracts/fineract.md §2
 */
export interface CommandResult {
  readonly commandId?: number;
  readonly officeId?: number;
  readonly groupId?: number;
  readonly clientId?: number;
  readonly loanId?: number;
  readonly savingsId?: number;
  /** The created/changed entity; for savings transactions the transaction id; for client charges the charge id. */
  readonly resourceId?: number;
  readonly subResourceId?: number;
  readonly transactionId?: string | number;
  readonly changes?: Readonly<Record<string, unknown>>;
  readonly resourceIdentifier?: string;
  readonly productId?: number;
  readonly resourceExternalId?: string;
  readonly subResourceExternalId?: string;
  readonly rollbackTransaction?: boolean;
}

/** How a write ended, beside Fineract's answer. */
export interface WriteMeta {
  /** The `Idempotency-Key` of the attempt that produced the result. */
  readonly idempotencyKey: string;
  /** Its attempt number. */
  readonly attempt: number;
  /** Fineract replayed a stored answer (`x-served-from-cache: true`): the write had already happened. */
  readonly servedFromCache: boolean;
  /** The result was reconstructed by reading back after an error answer (the write had already happened). */
  readonly fromReadBack: boolean;
}

/** The answer of a write verb: Fineract's result plus {@link WriteMeta} under `write`. */
export type WriteResult<T = CommandResult> = T & { readonly write: WriteMeta };

/** Options every write verb takes. */
export interface WriteOptions<T = CommandResult> {
  /**
   * Business key of the logical operation, unique across everything this deployment writes to Fineract for the same
   * entity/action, e.g. `client:2f6c…`, `deposit:claim-CL123`. The `Idempotency-Key` is derived from it.
   */
  readonly operationKey: string;
  /**
   * First attempt number (default 1). Resuming an unfinished write from 1 is always safe: stored errors replay and
   * step the attempt forward to the key that may have succeeded. Start higher only after fixing data that Fineract
   * rejected with a 4xx under the earlier keys.
   */
  readonly attempt?: number;
  /**
   * Read-back run after an error answer (409/5xx) before writing again with a new key: return the result when the
   * write turns out to have happened. `false` turns off the verb's default read-back.
   */
  readonly readBack?: (() => Promise<T | undefined>) | false;
  /**
   * Called with each attempt number before its first send (the first attempt included); the send waits for it. Persist
   * it: a process that dies mid-write then resumes at the attempt whose key may have succeeded, not at 1. A throw
   * stops the write before that attempt is sent.
   */
  readonly onAttempt?: (attempt: number) => void | Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------- clients

/** Details of an entity client (`legalFormId: 2`). */
export interface ClientNonPersonDetails {
  readonly constitutionId?: number;
  readonly incorpNumber?: string;
  readonly incorpValidityTillDate?: DateInput;
  readonly mainBusinessLineId?: number;
  readonly remarks?: string;
}

/**
 * `POST /clients` body (the create whitelist). Either `firstname` + `lastname` or `fullname`; `activationDate`
 * required when `active`. With `savingsProductId` and `active: true` Fineract also opens an active savings account.
 *
 * @see ../../../../docs/contracts/fineract.md §4.1
 */
export interface ClientCreateRequest {
  readonly officeId: number;
  readonly legalFormId: LegalFormId;
  readonly firstname?: string;
  readonly middlename?: string;
  readonly lastname?: string;
  readonly fullname?: string;
  readonly active: boolean;
  readonly activationDate?: DateInput;
  /** Unique across clients, ≤ 100 characters (the openIMIS UUID). */
  readonly externalId?: string;
  readonly groupId?: number;
  readonly accountNo?: string;
  readonly mobileNo?: string;
  readonly emailAddress?: string;
  readonly staffId?: number;
  readonly submittedOnDate?: DateInput;
  readonly dateOfBirth?: DateInput;
  readonly genderId?: number;
  readonly clientTypeId?: number;
  readonly clientClassificationId?: number;
  readonly savingsProductId?: number;
  readonly isStaff?: boolean;
  readonly clientNonPersonDetails?: ClientNonPersonDetails;
}

/**
 * `PUT /clients/{id}` body (the update whitelist; `officeId` and `groupId` are not updatable).
 *
 * @see ../../../../docs/contracts/fineract.md §4.3
 */
export interface ClientUpdateRequest {
  readonly accountNo?: string;
  readonly externalId?: string;
  readonly mobileNo?: string;
  readonly emailAddress?: string;
  readonly firstname?: string;
  readonly middlename?: string;
  readonly lastname?: string;
  readonly fullname?: string;
  readonly active?: boolean;
  readonly activationDate?: DateInput;
  readonly staffId?: number;
  readonly savingsProductId?: number;
  readonly dateOfBirth?: DateInput;
  readonly genderId?: number;
  readonly clientTypeId?: number;
  readonly clientClassificationId?: number;
  readonly submittedOnDate?: DateInput;
  readonly clientNonPersonDetails?: ClientNonPersonDetails;
  readonly displayName?: string;
  readonly legalFormId?: LegalFormId;
  readonly isStaff?: boolean;
}

/** `POST /clients/{id}?command=activate` body. */
export interface ClientActivateRequest {
  readonly activationDate: DateInput;
}

/**
 * `GET /clients/{id}` (and `/clients/external-id/{externalId}`), dates as `YYYY-MM-DD`.
 *
 * @see ../../../../docs/contracts/fineract.md §4.2
 */
export interface ClientData {
  readonly id: number;
  readonly accountNo?: string;
  readonly externalId?: string;
  /** 100 pending, 300 active, 600 closed, … */
  readonly status?: EnumOption;
  readonly active?: boolean;
  readonly activationDate?: string;
  readonly firstname?: string;
  readonly middlename?: string;
  readonly lastname?: string;
  readonly fullname?: string;
  readonly displayName?: string;
  readonly mobileNo?: string;
  readonly emailAddress?: string;
  readonly dateOfBirth?: string;
  readonly gender?: CodeValue;
  readonly clientType?: CodeValue;
  readonly clientClassification?: CodeValue;
  readonly isStaff?: boolean;
  readonly officeId?: number;
  readonly officeName?: string;
  readonly staffId?: number;
  readonly timeline?: { readonly submittedOnDate?: string; readonly activatedOnDate?: string };
  readonly savingsProductId?: number;
  readonly savingsAccountId?: number;
  readonly legalForm?: EnumOption;
  readonly clientNonPersonDetails?: {
    readonly constitution?: CodeValue;
    readonly incorpNumber?: string;
    readonly incorpValidityTillDate?: string;
    readonly mainBusinessLine?: CodeValue;
    readonly remarks?: string;
  };
  readonly groups?: readonly { readonly id: number; readonly name?: string; readonly externalId?: string }[];
}

// ----------------------------------------------------------------------------------------------------------- groups

/**
 * `POST /groups` body.
 *
 * @see ../../../../docs/contracts/fineract.md §5
 */
export interface GroupCreateRequest {
  readonly name: string;
  readonly officeId: number;
  readonly active: boolean;
  readonly activationDate?: DateInput;
  readonly externalId?: string;
  readonly staffId?: number;
  readonly centerId?: number;
  readonly submittedOnDate?: DateInput;
  readonly clientMembers?: readonly number[];
}

/** `GET /groups/{id}` / a page item of `GET /groups?externalId=`. */
export interface GroupData {
  readonly id: number;
  readonly name?: string;
  readonly externalId?: string;
  readonly status?: EnumOption;
  readonly active?: boolean;
  readonly activationDate?: string;
  readonly officeId?: number;
  readonly officeName?: string;
  readonly clientMembers?: readonly ClientData[];
}

// ---------------------------------------------------------------------------------------------------------- savings

/**
 * `POST /savingsaccounts` body: exactly one of `clientId` / `groupId`.
 *
 * @see ../../../../docs/contracts/fineract.md §6.2
 */
export interface SavingsAccountCreateRequest {
  readonly clientId?: number;
  readonly groupId?: number;
  readonly productId: number;
  readonly submittedOnDate: DateInput;
  readonly externalId?: string;
  readonly accountNo?: string;
  readonly fieldOfficerId?: number;
  readonly nominalAnnualInterestRate?: DecimalString;
  readonly allowOverdraft?: boolean;
  readonly overdraftLimit?: DecimalString;
  readonly minRequiredOpeningBalance?: DecimalString;
}

/** `POST /savingsaccounts/{id}?command=approve` body. */
export interface SavingsAccountApproveRequest {
  readonly approvedOnDate: DateInput;
  readonly note?: string;
}

/** `POST /savingsaccounts/{id}?command=activate` body. */
export interface SavingsAccountActivateRequest {
  readonly activatedOnDate: DateInput;
}

/**
 * `POST /savingsaccounts/{id}/transactions?command=deposit|withdrawal` body — the entire whitelist.
 * There is no `externalId`: put the business reference in `receiptNumber` (not unique in Fineract) and/or `note`.
 *
 * @see ../../../../docs/contracts/fineract.md §6.3
 */
export interface SavingsTransactionRequest {
  readonly transactionDate: DateInput;
  /** > 0, decimal string. */
  readonly transactionAmount: DecimalString;
  /** Required by current Fineract; configure per deployment, never assume 1. */
  readonly paymentTypeId: number;
  readonly accountNumber?: string;
  readonly checkNumber?: string;
  readonly routingCode?: string;
  readonly receiptNumber?: string;
  readonly bankNumber?: string;
  readonly note?: string;
}

/** Currency of an account or charge. */
export interface CurrencyData {
  readonly code: string;
  readonly name?: string;
  readonly decimalPlaces?: number;
  readonly inMultiplesOf?: number;
  readonly displaySymbol?: string;
}

/** Payment details attached to a money transaction. */
export interface PaymentDetailData {
  readonly id?: number;
  readonly paymentType?: { readonly id: number; readonly name?: string };
  readonly accountNumber?: string;
  readonly checkNumber?: string;
  readonly routingCode?: string;
  readonly receiptNumber?: string;
  readonly bankNumber?: string;
}

/**
 * `GET /savingsaccounts/{id}/transactions/{txId}` (also the items of `?associations=transactions`).
 *
 * @see ../../../../docs/contracts/fineract.md §6.3
 */
export interface SavingsTransactionData {
  readonly id: number;
  readonly transactionType?: EnumOption & { readonly deposit?: boolean; readonly withdrawal?: boolean };
  readonly accountId?: number;
  readonly accountNo?: string;
  readonly date?: string;
  readonly submittedOnDate?: string;
  readonly currency?: CurrencyData;
  readonly paymentDetailData?: PaymentDetailData;
  readonly amount?: DecimalString;
  readonly runningBalance?: DecimalString;
  readonly reversed?: boolean;
}

/**
 * `GET /savingsaccounts/{id}` (and `/savingsaccounts/external-id/{externalId}`).
 *
 * @see ../../../../docs/contracts/fineract.md §6.2
 */
export interface SavingsAccountData {
  readonly id: number;
  readonly accountNo?: string;
  readonly externalId?: string;
  readonly clientId?: number;
  readonly groupId?: number;
  readonly savingsProductId?: number;
  /** 100 submitted, 200 approved, 300 active, … */
  readonly status?: EnumOption & { readonly active?: boolean; readonly approved?: boolean };
  readonly currency?: CurrencyData;
  readonly summary?: {
    readonly accountBalance?: DecimalString;
    readonly availableBalance?: DecimalString;
    readonly totalDeposits?: DecimalString;
    readonly totalWithdrawals?: DecimalString;
  };
  readonly transactions?: readonly SavingsTransactionData[];
}

// --------------------------------------------------------------------------------------------------- client charges

/**
 * `POST /clients/{clientId}/charges` body (client must be active; `resourceId` of the answer is the client charge id).
 *
 * @see ../../../../docs/contracts/fineract.md §7
 */
export interface ClientChargeApplyRequest {
  /** Charge definition id (a client charge: applies-to 3, specified due date, flat). */
  readonly chargeId: number;
  readonly amount: DecimalString;
  readonly dueDate: DateInput;
}

/**
 * `POST /clients/{clientId}/charges/{chargeId}?command=paycharge` body. `externalId` names the client transaction
 * and is our dedupe key beyond the idempotency store's lifetime.
 *
 * @see ../../../../docs/contracts/fineract.md §7
 */
export interface ClientChargePayRequest {
  readonly amount: DecimalString;
  readonly transactionDate: DateInput;
  readonly paymentTypeId?: number;
  readonly accountNumber?: string;
  readonly checkNumber?: string;
  readonly routingCode?: string;
  readonly receiptNumber?: string;
  readonly bankNumber?: string;
  readonly externalId?: string;
}

/** `GET /clients/{clientId}/charges/{id}` and list items. */
export interface ClientChargeData {
  readonly id: number;
  readonly clientId?: number;
  readonly chargeId?: number;
  readonly name?: string;
  readonly chargeTimeType?: EnumOption;
  readonly chargeCalculationType?: EnumOption;
  readonly dueDate?: string;
  readonly currency?: CurrencyData;
  readonly amount?: DecimalString;
  readonly amountPaid?: DecimalString;
  readonly amountWaived?: DecimalString;
  readonly amountWrittenOff?: DecimalString;
  readonly amountOutstanding?: DecimalString;
  readonly penalty?: boolean;
  readonly isActive?: boolean;
  readonly isPaid?: boolean;
  readonly isWaived?: boolean;
  readonly inactivationDate?: string;
}

/** Filters of `GET /clients/{clientId}/charges`. */
export interface ClientChargeListQuery {
  readonly chargeStatus?: 'all' | 'active' | 'inactive';
  readonly pendingPayment?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

/** `GET /clients/{clientId}/transactions[/{id}]`: client transactions produced by charge payments. */
export interface ClientTransactionData {
  readonly id: number;
  readonly transactionAmount?: DecimalString;
  readonly amount?: DecimalString;
  readonly paymentDetailData?: PaymentDetailData;
  readonly reversed?: boolean;
  readonly date?: string;
  readonly officeId?: number;
  readonly transactionType?: EnumOption;
  readonly currency?: CurrencyData;
  readonly externalId?: string;
  readonly submittedOnDate?: string;
}

// ------------------------------------------------------------------------------------------- payment types & hooks

/**
 * `GET /paymenttypes` item.
 *
 * @see ../../../../docs/contracts/fineract.md §10
 */
export interface PaymentTypeData {
  readonly id: number;
  readonly name: string;
  readonly description?: string;
  readonly isCashPayment?: boolean;
  readonly position?: number;
  readonly codeName?: string;
  readonly isSystemDefined?: boolean;
}

/** One subscribed event of a hook. */
export interface HookEvent {
  readonly entityName: string;
  readonly actionName: string;
}

/**
 * `POST /hooks` body for the "Web" template.
 *
 * @see ../../../../docs/contracts/fineract.md §11
 */
export interface HookCreateRequest {
  readonly name: 'Web';
  readonly isActive: boolean;
  readonly displayName: string;
  readonly templateId?: number;
  readonly events: readonly HookEvent[];
  readonly config: { readonly 'Payload URL': string; readonly 'Content Type': 'json' };
}

/** `GET /hooks` item. */
export interface HookData {
  readonly id: number;
  readonly name?: string;
  readonly displayName?: string;
  readonly isActive?: boolean;
  readonly templateId?: number;
  readonly events?: readonly HookEvent[];
  readonly config?: readonly { readonly fieldName: string; readonly fieldValue: string }[];
}

/**
 * `POST /authentication` answer, without the base64 key (it is just our own credentials).
 *
 * @see ../../../../docs/contracts/fineract.md §1
 */
export interface AuthenticationData {
  readonly username: string;
  readonly userId?: number;
  readonly authenticated: boolean;
  readonly officeId?: number;
  readonly officeName?: string;
  readonly roles?: readonly { readonly id: number; readonly name?: string }[];
  readonly permissions?: readonly string[];
}
