// In-memory state of one Fineract tenant. Plain data only (amounts as decimal strings, dates as ISO strings),
// so that a whole tenant can be snapshotted with structuredClone and restored when an enclosing batch fails.

/** An office. */
export interface SimOffice {
  id: number;
  name: string;
  externalId?: string;
  openingDate: string;
}

/** A code value (gender, client type, classification, constitution, closure reason). */
export interface SimCodeValue {
  id: number;
  codeName: string;
  name: string;
}

/** A payment type. */
export interface SimPaymentType {
  id: number;
  name: string;
  description: string;
  isCashPayment: boolean;
  position: number;
}

/** A currency as Fineract describes it. */
export interface SimCurrency {
  code: string;
  name: string;
  decimalPlaces: number;
  displaySymbol: string;
}

/** A savings product. */
export interface SimSavingsProduct {
  id: number;
  name: string;
  shortName: string;
  description: string;
  currencyCode: string;
  digitsAfterDecimal: number;
  nominalAnnualInterestRate: string;
}

/** A charge definition. `chargeAppliesTo` 1 loan, 2 savings, 3 client, 4 shares. */
export interface SimChargeDefinition {
  id: number;
  name: string;
  currencyCode: string;
  amount: string;
  chargeAppliesTo: number;
  chargeTimeType: number;
  chargeCalculationType: number;
  penalty: boolean;
  active: boolean;
}

/** A client. Status 100 pending, 300 active, 600 closed. */
export interface SimClient {
  id: number;
  accountNo: string;
  externalId?: string;
  status: number;
  officeId: number;
  legalFormId: number;
  firstname?: string;
  middlename?: string;
  lastname?: string;
  fullname?: string;
  displayName: string;
  mobileNo?: string;
  emailAddress?: string;
  dateOfBirth?: string;
  genderId?: number;
  clientTypeId?: number;
  clientClassificationId?: number;
  isStaff: boolean;
  staffId?: number;
  submittedOnDate: string;
  activationDate?: string;
  savingsProductId?: number;
  savingsAccountId?: number;
  groupIds: number[];
}

/** A group. Status 100 pending, 300 active. */
export interface SimGroup {
  id: number;
  accountNo: string;
  name: string;
  externalId?: string;
  officeId: number;
  status: number;
  submittedOnDate: string;
  activationDate?: string;
  staffId?: number;
  clientMembers: number[];
}

/** A savings account. Status 100 submitted, 200 approved, 300 active. */
export interface SimSavingsAccount {
  id: number;
  accountNo: string;
  externalId?: string;
  clientId?: number;
  groupId?: number;
  officeId: number;
  productId: number;
  currencyCode: string;
  digitsAfterDecimal: number;
  nominalAnnualInterestRate: string;
  status: number;
  submittedOnDate: string;
  approvedOnDate?: string;
  activatedOnDate?: string;
  accountBalance: string;
  totalDeposits: string;
  totalWithdrawals: string;
  transactionIds: number[];
}

/** Payment details recorded with a money movement. */
export interface SimPaymentDetail {
  id: number;
  paymentTypeId: number;
  accountNumber?: string;
  checkNumber?: string;
  routingCode?: string;
  receiptNumber?: string;
  bankNumber?: string;
}

/** A savings transaction. Type 1 deposit, 2 withdrawal. */
export interface SimSavingsTransaction {
  id: number;
  savingsId: number;
  type: 1 | 2;
  date: string;
  amount: string;
  runningBalance: string;
  reversed: boolean;
  paymentDetail?: SimPaymentDetail;
  note?: string;
  submittedOnDate: string;
}

/** A charge applied to a client. */
export interface SimClientCharge {
  id: number;
  clientId: number;
  chargeId: number;
  amount: string;
  amountPaid: string;
  amountWaived: string;
  dueDate: string;
  isActive: boolean;
  isPaid: boolean;
  isWaived: boolean;
  inactivationDate?: string;
  transactionIds: number[];
}

/** A client transaction (a charge payment or waiver). */
export interface SimClientTransaction {
  id: number;
  clientId: number;
  clientChargeId: number;
  type: 'PAY_CHARGE' | 'WAIVE_CHARGE';
  amount: string;
  date: string;
  externalId?: string;
  paymentDetail?: SimPaymentDetail;
  reversed: boolean;
  submittedOnDate: string;
}

/** A registered hook. */
export interface SimHook {
  id: number;
  name: string;
  displayName?: string;
  isActive: boolean;
  templateId?: number;
  events: { entityName: string; actionName: string }[];
  config: Record<string, string>;
}

/**
 * One Idempotency-Key record, as Fineract keeps it in `m_portfolio_command_source`: unique per
 * (action, entity, key), with the stored response once processed.
 */
export interface SimIdempotencyEntry {
  key: string;
  actionName: string;
  entityName: string;
  state: 'UNDER_PROCESSING' | 'PROCESSED' | 'ERROR';
  status?: number;
  body?: string;
}

/** Everything one tenant holds. */
export interface TenantState {
  tenantId: string;
  currencies: Record<string, SimCurrency>;
  offices: Map<number, SimOffice>;
  codeValues: Map<number, SimCodeValue>;
  paymentTypes: Map<number, SimPaymentType>;
  savingsProducts: Map<number, SimSavingsProduct>;
  charges: Map<number, SimChargeDefinition>;
  clients: Map<number, SimClient>;
  groups: Map<number, SimGroup>;
  savingsAccounts: Map<number, SimSavingsAccount>;
  savingsTransactions: Map<number, SimSavingsTransaction>;
  clientCharges: Map<number, SimClientCharge>;
  clientTransactions: Map<number, SimClientTransaction>;
  hooks: Map<number, SimHook>;
  /** Keyed by `action|entity|key`. */
  idempotency: Map<string, SimIdempotencyEntry>;
  /** Unique-key indexes (the simulator's unique constraints). */
  index: {
    clientExternalId: Map<string, number>;
    clientMobileNo: Map<string, number>;
    clientAccountNo: Map<string, number>;
    groupExternalId: Map<string, number>;
    savingsExternalId: Map<string, number>;
    savingsAccountNo: Map<string, number>;
    clientTransactionExternalId: Map<string, number>;
  };
  seq: Record<
    | 'client'
    | 'group'
    | 'savings'
    | 'savingsTx'
    | 'clientCharge'
    | 'clientTx'
    | 'hook'
    | 'paymentType'
    | 'savingsProduct'
    | 'paymentDetail',
    number
  >;
}

/** Reference data a tenant starts with. Every list replaces the default list when given. */
export interface FineractSeed {
  /** Default: 1 "Head Office" opened 2009-01-01. */
  offices?: SimOffice[];
  /** Currencies by code. Default: USD and TZS with 2 decimals. */
  currencies?: SimCurrency[];
  /** Default: 1 "Contribution wallet" (USD, 2 decimals, 0 % interest). */
  savingsProducts?: SimSavingsProduct[];
  /** Default: 1 "Contribution" (client, specified due date, flat, USD 10.00), 2 "Loan processing fee" (loan). */
  charges?: SimChargeDefinition[];
  /** Default: 1 "Money Transfer", 2 "Mobile Money", 3 "Cash". */
  paymentTypes?: SimPaymentType[];
  /**
   * Code values by code name (`Gender`, `ClientType`, `ClientClassification`, `Constitution`,
   * `ClientClosureReason`). Default: Gender 21 Male / 22 Female / 23 Other, ClientType 31 Individual,
   * ClientClassification 41 Insuree, Constitution 51 Health facility, ClientClosureReason 61 Deceased.
   */
  codeValues?: SimCodeValue[];
}

const DEFAULT_SEED: Required<FineractSeed> = {
  offices: [{ id: 1, name: 'Head Office', openingDate: '2009-01-01' }],
  currencies: [
    { code: 'USD', name: 'US Dollar', decimalPlaces: 2, displaySymbol: '$' },
    { code: 'TZS', name: 'Tanzanian Shilling', decimalPlaces: 2, displaySymbol: 'TSh' },
  ],
  savingsProducts: [
    {
      id: 1,
      name: 'Contribution wallet',
      shortName: 'CW',
      description: 'Wallet for openIMIS contributions and payouts',
      currencyCode: 'USD',
      digitsAfterDecimal: 2,
      nominalAnnualInterestRate: '0',
    },
  ],
  charges: [
    {
      id: 1,
      name: 'Contribution',
      currencyCode: 'USD',
      amount: '10.00',
      chargeAppliesTo: 3,
      chargeTimeType: 2,
      chargeCalculationType: 1,
      penalty: false,
      active: true,
    },
    {
      id: 2,
      name: 'Loan processing fee',
      currencyCode: 'USD',
      amount: '5.00',
      chargeAppliesTo: 1,
      chargeTimeType: 1,
      chargeCalculationType: 1,
      penalty: false,
      active: true,
    },
  ],
  paymentTypes: [
    { id: 1, name: 'Money Transfer', description: 'Money transfer', isCashPayment: false, position: 1 },
    { id: 2, name: 'Mobile Money', description: 'Mobile money wallet', isCashPayment: false, position: 2 },
    { id: 3, name: 'Cash', description: 'Cash', isCashPayment: true, position: 3 },
  ],
  codeValues: [
    { id: 21, codeName: 'Gender', name: 'Male' },
    { id: 22, codeName: 'Gender', name: 'Female' },
    { id: 23, codeName: 'Gender', name: 'Other' },
    { id: 31, codeName: 'ClientType', name: 'Individual' },
    { id: 41, codeName: 'ClientClassification', name: 'Insuree' },
    { id: 51, codeName: 'Constitution', name: 'Health facility' },
    { id: 61, codeName: 'ClientClosureReason', name: 'Deceased' },
  ],
};

function byId<T extends { id: number }>(items: readonly T[]): Map<number, T> {
  return new Map(items.map((i) => [i.id, structuredClone(i)]));
}

function nextId(items: readonly { id: number }[]): number {
  return items.reduce((m, i) => Math.max(m, i.id), 0);
}

/**
 * Creates a tenant with reference data.
 * @param tenantId - tenant identifier
 * @param seed - reference data (defaults per list)
 * @returns the state
 */
export function createTenantState(tenantId: string, seed: FineractSeed = {}): TenantState {
  const s = { ...DEFAULT_SEED, ...seed };
  return {
    tenantId,
    currencies: Object.fromEntries(s.currencies.map((c) => [c.code, { ...c }])),
    offices: byId(s.offices),
    codeValues: byId(s.codeValues),
    paymentTypes: byId(s.paymentTypes),
    savingsProducts: byId(s.savingsProducts),
    charges: byId(s.charges),
    clients: new Map(),
    groups: new Map(),
    savingsAccounts: new Map(),
    savingsTransactions: new Map(),
    clientCharges: new Map(),
    clientTransactions: new Map(),
    hooks: new Map(),
    idempotency: new Map(),
    index: {
      clientExternalId: new Map(),
      clientMobileNo: new Map(),
      clientAccountNo: new Map(),
      groupExternalId: new Map(),
      savingsExternalId: new Map(),
      savingsAccountNo: new Map(),
      clientTransactionExternalId: new Map(),
    },
    seq: {
      client: 0,
      group: 0,
      savings: 0,
      savingsTx: 0,
      clientCharge: 0,
      clientTx: 0,
      hook: 0,
      paymentType: nextId(s.paymentTypes),
      savingsProduct: nextId(s.savingsProducts),
      paymentDetail: 0,
    },
  };
}

/** Fineract's 9-digit zero-padded account number. */
export function accountNumber(id: number): string {
  return String(id).padStart(9, '0');
}

/** Currency data as Fineract answers it. */
export function currencyData(state: TenantState, code: string, digits?: number): Record<string, unknown> {
  const c = state.currencies[code] ?? { code, name: code, decimalPlaces: 2, displaySymbol: code };
  const decimalPlaces = digits ?? c.decimalPlaces;
  return {
    code: c.code,
    name: c.name,
    decimalPlaces,
    inMultiplesOf: 0,
    displaySymbol: c.displaySymbol,
    nameCode: `currency.${c.code}`,
    displayLabel: `${c.name} (${c.displaySymbol})`,
  };
}
