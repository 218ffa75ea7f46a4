// Fineract enum values as they appear in responses: `{id, code, value}` (plus flags on some types).

/** An enum option. */
export interface EnumOption {
  id: number;
  code: string;
  value: string;
  [flag: string]: unknown;
}

/** Client status (`clientStatusType`). */
export function clientStatus(id: number): EnumOption {
  switch (id) {
    case 100:
      return { id, code: 'clientStatusType.pending', value: 'Pending' };
    case 300:
      return { id, code: 'clientStatusType.active', value: 'Active' };
    case 600:
      return { id, code: 'clientStatusType.closed', value: 'Closed' };
    default:
      return { id, code: 'clientStatusType.invalid', value: 'Invalid' };
  }
}

/** Legal form (`legalFormType`): 1 person, 2 entity. */
export function legalForm(id: number): EnumOption {
  return id === 2
    ? { id, code: 'legalFormType.entity', value: 'ENTITY' }
    : { id, code: 'legalFormType.person', value: 'PERSON' };
}

/** Group status (`groupingStatusType`). */
export function groupStatus(id: number): EnumOption {
  return id === 300
    ? { id, code: 'groupingStatusType.active', value: 'Active' }
    : { id, code: 'groupingStatusType.pending', value: 'Pending' };
}

/** Savings account status (`savingsAccountStatusType`) with Fineract's boolean flags. */
export function savingsStatus(id: number): EnumOption {
  const flags = {
    submittedAndPendingApproval: id === 100,
    approved: id === 200,
    rejected: id === 500,
    withdrawnByApplicant: id === 400,
    active: id === 300,
    closed: id === 600,
  };
  switch (id) {
    case 100:
      return {
        id,
        code: 'savingsAccountStatusType.submitted.and.pending.approval',
        value: 'Submitted and pending approval',
        ...flags,
      };
    case 200:
      return { id, code: 'savingsAccountStatusType.approved', value: 'Approved', ...flags };
    case 300:
      return { id, code: 'savingsAccountStatusType.active', value: 'Active', ...flags };
    default:
      return { id, code: 'savingsAccountStatusType.invalid', value: 'Invalid', ...flags };
  }
}

/** Savings transaction type (`savingsAccountTransactionType`): 1 deposit, 2 withdrawal. */
export function savingsTransactionType(id: 1 | 2): EnumOption {
  return {
    id,
    code: id === 1 ? 'savingsAccountTransactionType.deposit' : 'savingsAccountTransactionType.withdrawal',
    value: id === 1 ? 'Deposit' : 'Withdrawal',
    deposit: id === 1,
    withdrawal: id === 2,
    interestPosting: false,
    feeDeduction: false,
  };
}

/** Charge time type; client charges only use 2 (specified due date). */
export function chargeTimeType(id: number): EnumOption {
  return id === 2
    ? { id, code: 'chargeTimeType.specifiedDueDate', value: 'Specified due date' }
    : { id, code: 'chargeTimeType.disbursement', value: 'Disbursement' };
}

/** Charge calculation type; client charges only use 1 (flat). */
export function chargeCalculationType(id: number): EnumOption {
  return id === 1
    ? { id, code: 'chargeCalculationType.flat', value: 'Flat' }
    : { id, code: 'chargeCalculationType.percent.of.amount', value: '% Amount' };
}

/** Charge applies-to (1 loan, 2 savings, 3 client, 4 shares). */
export function chargeAppliesTo(id: number): EnumOption {
  const names: Record<number, [string, string]> = {
    1: ['loan', 'Loan'],
    2: ['savings', 'Savings'],
    3: ['client', 'Client'],
    4: ['shares', 'Shares'],
  };
  const [code, value] = names[id] ?? ['invalid', 'Invalid'];
  return { id, code: `chargeAppliesTo.${code}`, value };
}

/** Client transaction type. */
export function clientTransactionType(type: 'PAY_CHARGE' | 'WAIVE_CHARGE'): EnumOption {
  return type === 'PAY_CHARGE'
    ? { id: 1, code: 'clientTransactionType.payCharge', value: 'PAY_CHARGE' }
    : { id: 2, code: 'clientTransactionType.waiveCharge', value: 'WAIVE_CHARGE' };
}
