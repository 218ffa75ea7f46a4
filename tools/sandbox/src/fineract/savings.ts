// Savings products, the savings account life cycle (submit → approve → activate) and deposits/withdrawals.
// Balances are decimal strings computed with decimal.js and rounded to the product's digits like Fineract's Money.

import Decimal from 'decimal.js';
import { type Command, roundMoney } from './command';
import { type CommandResult, compact, type HandlerEnv } from './context';
import { toDateArray } from './dates';
import { savingsStatus, savingsTransactionType } from './enums';
import { dataIntegrity, domainRule, type FineractApiError, parameterError, validationErrors } from './errors';
import { JsonNumber } from './json';
import { getClient, getGroup, getPaymentType, getSavingsAccount, getSavingsProduct } from './lookups';
import {
  accountNumber,
  currencyData,
  type SimPaymentDetail,
  type SimSavingsAccount,
  type SimSavingsTransaction,
  type TenantState,
} from './state';

const PAYMENT_DETAIL_FIELDS = [
  'accountNumber',
  'checkNumber',
  'routingCode',
  'receiptNumber',
  'bankNumber',
] as const;

/** A decimal string as an exact JSON number. */
export function num(value: string): JsonNumber {
  return new JsonNumber(new Decimal(value).toString());
}

function invalid(
  resource: string,
  parameter: string,
  rule: string,
  message: string,
  value: unknown = null,
): FineractApiError {
  return validationErrors([
    parameterError(`validation.msg.${resource}.${parameter}.${rule}`, message, parameter, value),
  ]);
}

/**
 * Creates a savings account for a client, used by client creation with `savingsProductId` + `active`
 * (Fineract then submits, approves and activates the account on the activation date).
 * @param state - tenant state
 * @param clientId - owner
 * @param officeId - office
 * @param productId - savings product
 * @param date - submit/approve/activate date
 * @returns the account
 */
export function openActiveSavingsAccount(
  state: TenantState,
  clientId: number,
  officeId: number,
  productId: number,
  date: string,
): SimSavingsAccount {
  const product = getSavingsProduct(state, productId);
  const id = ++state.seq.savings;
  const account: SimSavingsAccount = {
    id,
    accountNo: accountNumber(id),
    clientId,
    officeId,
    productId,
    currencyCode: product.currencyCode,
    digitsAfterDecimal: product.digitsAfterDecimal,
    nominalAnnualInterestRate: product.nominalAnnualInterestRate,
    status: 300,
    submittedOnDate: date,
    approvedOnDate: date,
    activatedOnDate: date,
    accountBalance: roundMoney(new Decimal(0), product.digitsAfterDecimal),
    totalDeposits: roundMoney(new Decimal(0), product.digitsAfterDecimal),
    totalWithdrawals: roundMoney(new Decimal(0), product.digitsAfterDecimal),
    transactionIds: [],
  };
  state.savingsAccounts.set(id, account);
  state.index.savingsAccountNo.set(account.accountNo, id);
  return account;
}

/** `POST /savingsaccounts` — submit an application (status 100). */
export function createSavingsAccount(env: HandlerEnv, cmd: Command): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('savingsaccounts.create');
  const clientId = cmd.long('clientId', { positive: true });
  const groupId = cmd.long('groupId', { positive: true });
  if (!cmd.has('clientId') && !cmd.has('groupId')) {
    cmd.fail('clientId', 'cannot.be.blank', 'The parameter clientId cannot be blank.');
  }
  const productId = cmd.long('productId', { required: true, positive: true });
  const submittedOnDate = cmd.date('submittedOnDate', { required: true });
  const externalId = cmd.string('externalId', { maxLength: 100 });
  const accountNo = cmd.string('accountNo', { maxLength: 20 });
  cmd.long('fieldOfficerId', { positive: true });
  const rate = cmd.decimal('nominalAnnualInterestRate');
  cmd.boolean('allowOverdraft');
  cmd.decimal('overdraftLimit');
  cmd.decimal('minRequiredOpeningBalance');
  cmd.throwIfErrors();
  if (submittedOnDate !== undefined && submittedOnDate > env.today) {
    throw invalid(
      'savingsaccount',
      'submittedOnDate',
      'cannot.be.a.future.date',
      'The submittedOnDate cannot be in the future.',
      submittedOnDate,
    );
  }
  const product = getSavingsProduct(state, productId ?? 0);
  let officeId: number;
  if (clientId !== undefined) {
    const client = getClient(state, clientId);
    if (client.status !== 300) {
      throw domainRule(
        'error.msg.client.not.active.exception',
        `Client with identifier ${clientId} is not active`,
        'id',
        [clientId],
      );
    }
    if (client.activationDate !== undefined && (submittedOnDate ?? '') < client.activationDate) {
      throw invalid(
        'savingsaccount',
        'submittedOnDate',
        'cannot.be.before.client.activation.date',
        'The submittedOnDate cannot be before the client activation date.',
        submittedOnDate,
      );
    }
    officeId = client.officeId;
  } else {
    const group = getGroup(state, groupId ?? 0);
    if (group.status !== 300) {
      throw domainRule(
        'error.msg.group.not.active.exception',
        `Group with identifier ${group.id} is not active`,
        'id',
        [group.id],
      );
    }
    officeId = group.officeId;
  }
  if (externalId !== undefined && state.index.savingsExternalId.has(externalId)) {
    throw dataIntegrity(
      'error.msg.savingsaccount.duplicate.externalId',
      `Savings account with externalId ${externalId} already exists`,
      'externalId',
      externalId,
    );
  }
  if (accountNo !== undefined && state.index.savingsAccountNo.has(accountNo)) {
    throw dataIntegrity(
      'error.msg.savingsaccount.duplicate.accountNo',
      `Savings account with accountNo ${accountNo} already exists`,
      'accountNo',
      accountNo,
    );
  }
  const id = ++state.seq.savings;
  const zero = roundMoney(new Decimal(0), product.digitsAfterDecimal);
  const account: SimSavingsAccount = compact({
    id,
    accountNo: accountNo ?? accountNumber(id),
    externalId,
    clientId,
    groupId: clientId === undefined ? groupId : undefined,
    officeId,
    productId: product.id,
    currencyCode: product.currencyCode,
    digitsAfterDecimal: product.digitsAfterDecimal,
    nominalAnnualInterestRate: rate?.toString() ?? product.nominalAnnualInterestRate,
    status: 100,
    submittedOnDate: submittedOnDate ?? env.today,
    accountBalance: zero,
    totalDeposits: zero,
    totalWithdrawals: zero,
    transactionIds: [],
  });
  state.savingsAccounts.set(id, account);
  state.index.savingsAccountNo.set(account.accountNo, id);
  if (externalId !== undefined) {
    state.index.savingsExternalId.set(externalId, id);
  }
  return compact({
    officeId,
    clientId: account.clientId,
    groupId: account.groupId,
    savingsId: id,
    resourceId: id,
    resourceExternalId: externalId,
  });
}

function ownerIds(account: SimSavingsAccount): CommandResult {
  return compact({
    officeId: account.officeId,
    clientId: account.clientId,
    groupId: account.groupId,
    savingsId: account.id,
    resourceId: account.id,
  });
}

function dateChanges(cmd: Command, name: string): Record<string, unknown> {
  return { locale: cmd.raw('locale'), dateFormat: cmd.raw('dateFormat'), [name]: cmd.raw(name) };
}

/** `POST /savingsaccounts/{id}?command=approve`. */
export function approveSavingsAccount(env: HandlerEnv, cmd: Command, id: number): CommandResult {
  cmd.checkWhitelist('savingsaccounts.approve');
  const approvedOnDate = cmd.date('approvedOnDate', { required: true });
  cmd.string('note', { maxLength: 1000 });
  cmd.throwIfErrors();
  const account = getSavingsAccount(env.state, id);
  const resource = 'savingsaccount.approval';
  if (account.status !== 100) {
    throw validationErrors([
      parameterError(
        `validation.msg.${resource}.not.in.submittedandpendingapproval.state`,
        'Savings account is not in submitted and pending approval state.',
        'approvedOnDate',
      ),
    ]);
  }
  if ((approvedOnDate ?? '') < account.submittedOnDate) {
    throw invalid(
      resource,
      'approvedOnDate',
      'cannot.be.before.submittal.date',
      'Approval date cannot be before the submittal date.',
      cmd.raw('approvedOnDate'),
    );
  }
  if ((approvedOnDate ?? '') > env.today) {
    throw invalid(
      resource,
      'approvedOnDate',
      'cannot.be.a.future.date',
      'Approval date cannot be in the future.',
      cmd.raw('approvedOnDate'),
    );
  }
  account.status = 200;
  account.approvedOnDate = approvedOnDate;
  return {
    ...ownerIds(account),
    changes: { status: savingsStatus(200), ...dateChanges(cmd, 'approvedOnDate') },
  };
}

/** `POST /savingsaccounts/{id}?command=activate`. */
export function activateSavingsAccount(env: HandlerEnv, cmd: Command, id: number): CommandResult {
  cmd.checkWhitelist('savingsaccounts.activate');
  const activatedOnDate = cmd.date('activatedOnDate', { required: true });
  cmd.throwIfErrors();
  const account = getSavingsAccount(env.state, id);
  const resource = 'savingsaccount.activate';
  if (account.status !== 200) {
    throw validationErrors([
      parameterError(
        `validation.msg.${resource}.not.in.approved.state`,
        'Savings account is not in approved state.',
        'activatedOnDate',
      ),
    ]);
  }
  if ((activatedOnDate ?? '') < (account.approvedOnDate ?? account.submittedOnDate)) {
    throw invalid(
      resource,
      'activatedOnDate',
      'cannot.be.before.approval.date',
      'Activation date cannot be before the approval date.',
      cmd.raw('activatedOnDate'),
    );
  }
  if ((activatedOnDate ?? '') > env.today) {
    throw invalid(
      resource,
      'activatedOnDate',
      'cannot.be.a.future.date',
      'Activation date cannot be in the future.',
      cmd.raw('activatedOnDate'),
    );
  }
  account.status = 300;
  account.activatedOnDate = activatedOnDate;
  return {
    ...ownerIds(account),
    changes: { status: savingsStatus(300), ...dateChanges(cmd, 'activatedOnDate') },
  };
}

/**
 * Validates and records payment details (`paymentTypeId` + the optional detail fields).
 * @returns the detail and the `changes` entries Fineract reports for it
 */
export function readPaymentDetail(
  state: TenantState,
  cmd: Command,
  paymentTypeId: number,
): { detail: SimPaymentDetail; changes: Record<string, unknown> } {
  getPaymentType(state, paymentTypeId);
  const detail: SimPaymentDetail = { id: ++state.seq.paymentDetail, paymentTypeId };
  const changes: Record<string, unknown> = {};
  for (const f of PAYMENT_DETAIL_FIELDS) {
    const v = cmd.string(f, { maxLength: 100 });
    if (v !== undefined) {
      detail[f] = v;
      changes[f] = v;
    }
  }
  changes['paymentTypeId'] = paymentTypeId;
  return { detail, changes };
}

/** `POST /savingsaccounts/{id}/transactions?command=deposit|withdrawal`. */
export function savingsTransaction(
  env: HandlerEnv,
  cmd: Command,
  savingsId: number,
  kind: 'deposit' | 'withdrawal',
): CommandResult {
  const { state } = env;
  cmd.checkWhitelist(`savingsaccounts.transactions.${kind}`);
  const date = cmd.date('transactionDate', { required: true });
  const amount = cmd.decimal('transactionAmount', { required: true, positive: true });
  const paymentTypeId = cmd.long('paymentTypeId', { required: true, positive: true });
  const note = cmd.string('note', { maxLength: 1000 });
  for (const f of PAYMENT_DETAIL_FIELDS) {
    cmd.string(f, { maxLength: 100 });
  }
  cmd.throwIfErrors();
  const account = getSavingsAccount(state, savingsId);
  if (account.clientId !== undefined && getClient(state, account.clientId).status !== 300) {
    throw domainRule(
      'error.msg.client.not.active.exception',
      `Client with identifier ${account.clientId} is not active`,
      'id',
      [account.clientId],
    );
  }
  if (account.status !== 300) {
    // SavingsAccount.deposit/withdraw raise this as a PlatformApiDataValidationException: 400, not a 403 domain rule.
    throw validationErrors([
      parameterError(
        'error.msg.savingsaccount.transaction.account.is.not.active',
        'Transaction is not allowed. Account is not active.',
        'transactionDate',
        cmd.raw('transactionDate'),
      ),
    ]);
  }
  const txDate = date ?? env.today;
  if (txDate > env.today) {
    throw validationErrors([
      parameterError(
        'error.msg.savingsaccount.transaction.in.the.future',
        'Transaction date cannot be in the future.',
        'transactionDate',
        cmd.raw('transactionDate'),
      ),
    ]);
  }
  if (txDate < (account.activatedOnDate ?? '')) {
    throw validationErrors([
      parameterError(
        'error.msg.savingsaccount.transaction.before.activation.date',
        'Transaction date cannot be before accounts activation date.',
        'transactionDate',
        cmd.raw('transactionDate'),
      ),
    ]);
  }
  const money = new Decimal(roundMoney(amount ?? new Decimal(0), account.digitsAfterDecimal));
  if (money.lte(0)) {
    throw invalid(
      'savingsaccount',
      'transactionAmount',
      'not.greater.than.zero',
      'The parameter transactionAmount must be greater than 0.',
      cmd.raw('transactionAmount'),
    );
  }
  const balance = new Decimal(account.accountBalance);
  const newBalance = kind === 'deposit' ? balance.plus(money) : balance.minus(money);
  if (newBalance.lt(0)) {
    throw domainRule(
      'error.msg.savingsaccount.transaction.insufficient.account.balance',
      'Insufficient account balance.',
      'id',
      [account.id],
    );
  }
  const { detail, changes } = readPaymentDetail(state, cmd, paymentTypeId ?? 0);
  const digits = account.digitsAfterDecimal;
  const tx: SimSavingsTransaction = compact({
    id: ++state.seq.savingsTx,
    savingsId: account.id,
    type: kind === 'deposit' ? (1 as const) : (2 as const),
    date: txDate,
    amount: roundMoney(money, digits),
    runningBalance: roundMoney(newBalance, digits),
    reversed: false,
    paymentDetail: detail,
    note,
    submittedOnDate: env.today,
  });
  state.savingsTransactions.set(tx.id, tx);
  account.transactionIds.push(tx.id);
  account.accountBalance = roundMoney(newBalance, digits);
  if (kind === 'deposit') {
    account.totalDeposits = roundMoney(new Decimal(account.totalDeposits).plus(money), digits);
  } else {
    account.totalWithdrawals = roundMoney(new Decimal(account.totalWithdrawals).plus(money), digits);
  }
  return compact({
    officeId: account.officeId,
    clientId: account.clientId,
    groupId: account.groupId,
    savingsId: account.id,
    resourceId: tx.id,
    changes,
  });
}

/** A savings transaction as `GET /savingsaccounts/{id}/transactions/{txId}` answers it. */
export function savingsTransactionData(
  state: TenantState,
  tx: SimSavingsTransaction,
): Record<string, unknown> {
  const account = getSavingsAccount(state, tx.savingsId);
  const pd = tx.paymentDetail;
  const pt = pd === undefined ? undefined : state.paymentTypes.get(pd.paymentTypeId);
  return compact({
    id: tx.id,
    transactionType: savingsTransactionType(tx.type),
    accountId: account.id,
    accountNo: account.accountNo,
    date: toDateArray(tx.date),
    currency: currencyData(state, account.currencyCode, account.digitsAfterDecimal),
    paymentDetailData:
      pd === undefined
        ? undefined
        : {
            id: pd.id,
            paymentType: { id: pd.paymentTypeId, name: pt?.name ?? '' },
            accountNumber: pd.accountNumber ?? '',
            checkNumber: pd.checkNumber ?? '',
            routingCode: pd.routingCode ?? '',
            receiptNumber: pd.receiptNumber ?? '',
            bankNumber: pd.bankNumber ?? '',
          },
    amount: num(tx.amount),
    runningBalance: num(tx.runningBalance),
    reversed: tx.reversed,
    submittedOnDate: toDateArray(tx.submittedOnDate),
    note: tx.note,
  });
}

/** A savings account as `GET /savingsaccounts/{id}` answers it. */
export function savingsAccountData(
  state: TenantState,
  account: SimSavingsAccount,
  withTransactions: boolean,
): Record<string, unknown> {
  const product = state.savingsProducts.get(account.productId);
  const client = account.clientId === undefined ? undefined : state.clients.get(account.clientId);
  const group = account.groupId === undefined ? undefined : state.groups.get(account.groupId);
  const currency = currencyData(state, account.currencyCode, account.digitsAfterDecimal);
  return compact({
    id: account.id,
    accountNo: account.accountNo,
    externalId: account.externalId,
    clientId: account.clientId,
    clientName: client?.displayName,
    groupId: account.groupId,
    groupName: group?.name,
    savingsProductId: account.productId,
    savingsProductName: product?.name,
    fieldOfficerId: 0,
    status: savingsStatus(account.status),
    timeline: compact({
      submittedOnDate: toDateArray(account.submittedOnDate),
      approvedOnDate: account.approvedOnDate === undefined ? undefined : toDateArray(account.approvedOnDate),
      activatedOnDate:
        account.activatedOnDate === undefined ? undefined : toDateArray(account.activatedOnDate),
    }),
    currency,
    nominalAnnualInterestRate: num(account.nominalAnnualInterestRate),
    summary: {
      currency,
      totalDeposits: num(account.totalDeposits),
      totalWithdrawals: num(account.totalWithdrawals),
      accountBalance: num(account.accountBalance),
      availableBalance: num(account.accountBalance),
    },
    transactions: withTransactions
      ? [...account.transactionIds]
          .reverse()
          .map((t) => state.savingsTransactions.get(t))
          .filter((t): t is SimSavingsTransaction => t !== undefined)
          .map((t) => savingsTransactionData(state, t))
      : undefined,
  });
}

/** `POST /savingsproducts`. */
export function createSavingsProduct(env: HandlerEnv, cmd: Command): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('savingsproducts.create');
  const name = cmd.string('name', { required: true, maxLength: 100 });
  const shortName = cmd.string('shortName', { required: true, maxLength: 4 });
  const description = cmd.string('description', { maxLength: 500 });
  const currencyCode = cmd.string('currencyCode', { required: true, maxLength: 3 });
  const digits = cmd.long('digitsAfterDecimal', { required: true });
  const rate = cmd.decimal('nominalAnnualInterestRate', { required: true });
  cmd.throwIfErrors();
  if (currencyCode !== undefined && state.currencies[currencyCode] === undefined) {
    throw domainRule(
      'error.msg.currency.currencyCode.invalid',
      `Currency with identifier ${currencyCode} does not exist`,
      'currencyCode',
    );
  }
  const id = ++state.seq.savingsProduct;
  state.savingsProducts.set(id, {
    id,
    name: name ?? '',
    shortName: shortName ?? '',
    description: description ?? '',
    currencyCode: currencyCode ?? '',
    digitsAfterDecimal: digits ?? 2,
    nominalAnnualInterestRate: rate?.toString() ?? '0',
  });
  return { resourceId: id };
}
