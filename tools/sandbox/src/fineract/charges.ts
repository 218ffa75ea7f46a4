// Client charges (openIMIS contributions as payables): apply, pay (partial payments allowed, never more than
// outstanding), waive, inactivate, delete; the client transactions that payments produce; charge definitions.

import Decimal from 'decimal.js';
import { type Command, roundMoney } from './command';
import { page } from './clients';
import { type CommandResult, compact, type HandlerEnv } from './context';
import { toDateArray } from './dates';
import { chargeAppliesTo, chargeCalculationType, chargeTimeType, clientTransactionType } from './enums';
import { dataIntegrity, domainRule, notFound, parameterError, validationErrors } from './errors';
import { getChargeDefinition, getClientCharge } from './lookups';
import { num, readPaymentDetail } from './savings';
import {
  currencyData,
  type SimChargeDefinition,
  type SimClient,
  type SimClientCharge,
  type SimClientTransaction,
  type TenantState,
} from './state';

const RESOURCE = 'CLIENTCHARGE';

function chargeRule(code: string, parameter = 'id', value: unknown = null): never {
  throw validationErrors([
    parameterError(
      `validation.msg.${RESOURCE}.${code}`,
      `Failed data validation due to: ${code}.`,
      parameter,
      value,
    ),
  ]);
}

function requireActive(client: SimClient): void {
  if (client.status !== 300) {
    throw domainRule(
      'error.msg.client.not.active.exception',
      `Client with identifier ${client.id} is not active`,
      'id',
      [client.id],
    );
  }
}

function digitsOf(state: TenantState, def: SimChargeDefinition): number {
  return state.currencies[def.currencyCode]?.decimalPlaces ?? 2;
}

function outstanding(cc: SimClientCharge): Decimal {
  return new Decimal(cc.amount).minus(cc.amountPaid).minus(cc.amountWaived);
}

/** `POST /clients/{clientId}/charges`. */
export function applyClientCharge(env: HandlerEnv, cmd: Command, client: SimClient): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('clients.charges.create');
  const chargeId = cmd.long('chargeId', { required: true, positive: true });
  const amount = cmd.decimal('amount', { required: true, positive: true });
  const dueDate = cmd.date('dueDate', { required: true });
  cmd.throwIfErrors();
  requireActive(client);
  const def = getChargeDefinition(state, chargeId ?? 0);
  if (def.chargeAppliesTo !== 3) {
    throw domainRule(
      'error.msg.charge.cannot.be.applied.to.client',
      `Charge with identifier ${def.id} cannot be applied to a Client`,
      'id',
      [def.id],
    );
  }
  if (!def.active) {
    throw domainRule(
      'error.msg.charge.is.not.active',
      `Charge with identifier ${def.id} is not active`,
      'id',
      [def.id],
    );
  }
  if (def.chargeTimeType !== 2 || def.chargeCalculationType !== 1) {
    throw domainRule(
      'error.msg.client.charge.invalid.time.or.calculation.type',
      'Client charges must be flat and due on a specified date.',
      'id',
      [def.id],
    );
  }
  if ((dueDate ?? '') < (client.activationDate ?? '')) {
    chargeRule('dueDate.before.activation.date', 'dueDate', cmd.raw('dueDate'));
  }
  const digits = digitsOf(state, def);
  const zero = roundMoney(new Decimal(0), digits);
  const id = ++state.seq.clientCharge;
  state.clientCharges.set(id, {
    id,
    clientId: client.id,
    chargeId: def.id,
    amount: roundMoney(amount ?? new Decimal(0), digits),
    amountPaid: zero,
    amountWaived: zero,
    dueDate: dueDate ?? env.today,
    isActive: true,
    isPaid: false,
    isWaived: false,
    transactionIds: [],
  });
  return { officeId: client.officeId, clientId: client.id, resourceId: id };
}

/** `POST /clients/{clientId}/charges/{id}?command=paycharge`. */
export function payClientCharge(
  env: HandlerEnv,
  cmd: Command,
  client: SimClient,
  chargeId: number,
): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('clients.charges.pay');
  const amount = cmd.decimal('amount', { required: true, positive: true });
  const date = cmd.date('transactionDate', { required: true });
  const paymentTypeId = cmd.long('paymentTypeId', { positive: true });
  const externalId = cmd.string('externalId', { maxLength: 100 });
  cmd.throwIfErrors();
  requireActive(client);
  const cc = getClientCharge(state, client.id, chargeId);
  const def = getChargeDefinition(state, cc.chargeId);
  const txDate = date ?? env.today;
  if (!cc.isActive) {
    chargeRule('charge.is.not.active');
  }
  if (txDate < (client.activationDate ?? '')) {
    chargeRule('transaction.before.activationDate', 'transactionDate', cmd.raw('transactionDate'));
  }
  if (txDate > env.today) {
    chargeRule('transaction.is.futureDate', 'transactionDate', cmd.raw('transactionDate'));
  }
  if (cc.isWaived) {
    chargeRule('transaction.invalid.account.charge.is.already.waived');
  } else if (cc.isPaid) {
    chargeRule('transaction.invalid.account.charge.is.paid');
  }
  const digits = digitsOf(state, def);
  const paid = new Decimal(roundMoney(amount ?? new Decimal(0), digits));
  if ((amount ?? new Decimal(0)).gt(outstanding(cc))) {
    chargeRule('transaction.invalid.charge.amount.paid.in.access', 'amount', cmd.raw('amount'));
  }
  if (externalId !== undefined && state.index.clientTransactionExternalId.has(externalId)) {
    throw dataIntegrity(
      'error.msg.client.transaction.duplicate.externalId',
      `Client transaction with externalId \`${externalId}\` already exists`,
      'externalId',
      externalId,
    );
  }
  const pd = paymentTypeId === undefined ? undefined : readPaymentDetail(state, cmd, paymentTypeId).detail;
  const tx: SimClientTransaction = compact({
    id: ++state.seq.clientTx,
    clientId: client.id,
    clientChargeId: cc.id,
    type: 'PAY_CHARGE' as const,
    amount: roundMoney(paid, digits),
    date: txDate,
    externalId,
    paymentDetail: pd,
    reversed: false,
    submittedOnDate: env.today,
  });
  state.clientTransactions.set(tx.id, tx);
  if (externalId !== undefined) {
    state.index.clientTransactionExternalId.set(externalId, tx.id);
  }
  cc.transactionIds.push(tx.id);
  cc.amountPaid = roundMoney(new Decimal(cc.amountPaid).plus(paid), digits);
  cc.isPaid = outstanding(cc).lte(0);
  return compact({
    officeId: client.officeId,
    clientId: client.id,
    resourceId: cc.id,
    subResourceId: tx.id,
    transactionId: String(tx.id),
    subResourceExternalId: externalId,
  });
}

/** `POST /clients/{clientId}/charges/{id}?command=waive`. */
export function waiveClientCharge(
  env: HandlerEnv,
  cmd: Command,
  client: SimClient,
  chargeId: number,
): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('clients.charges.waive');
  requireActive(client);
  const cc = getClientCharge(state, client.id, chargeId);
  if (!cc.isActive) {
    chargeRule('charge.is.not.active');
  }
  if (cc.isWaived) {
    chargeRule('transaction.invalid.account.charge.is.already.waived');
  } else if (cc.isPaid) {
    chargeRule('transaction.invalid.account.charge.is.paid');
  }
  const def = getChargeDefinition(state, cc.chargeId);
  const digits = digitsOf(state, def);
  const waived = outstanding(cc);
  const tx: SimClientTransaction = {
    id: ++state.seq.clientTx,
    clientId: client.id,
    clientChargeId: cc.id,
    type: 'WAIVE_CHARGE',
    amount: roundMoney(waived, digits),
    date: env.today,
    reversed: false,
    submittedOnDate: env.today,
  };
  state.clientTransactions.set(tx.id, tx);
  cc.transactionIds.push(tx.id);
  cc.amountWaived = roundMoney(new Decimal(cc.amountWaived).plus(waived), digits);
  cc.isWaived = true;
  return {
    officeId: client.officeId,
    clientId: client.id,
    resourceId: cc.id,
    subResourceId: tx.id,
    transactionId: String(tx.id),
  };
}

/** `POST /clients/{clientId}/charges/{id}?command=inactivate`. */
export function inactivateClientCharge(
  env: HandlerEnv,
  cmd: Command,
  client: SimClient,
  chargeId: number,
): CommandResult {
  cmd.checkWhitelist('clients.charges.inactivate');
  const cc = getClientCharge(env.state, client.id, chargeId);
  if (!cc.isActive) {
    chargeRule('charge.is.not.active');
  }
  cc.isActive = false;
  cc.inactivationDate = env.today;
  return { officeId: client.officeId, clientId: client.id, resourceId: cc.id };
}

/** `DELETE /clients/{clientId}/charges/{id}`. */
export function deleteClientCharge(env: HandlerEnv, client: SimClient, chargeId: number): CommandResult {
  const cc = getClientCharge(env.state, client.id, chargeId);
  if (cc.transactionIds.length > 0) {
    throw domainRule(
      'error.msg.client.charge.cannot.be.deleted',
      `Client charge with identifier ${cc.id} cannot be deleted: it has payments or a waiver.`,
      'id',
      [cc.id],
    );
  }
  env.state.clientCharges.delete(cc.id);
  return { officeId: client.officeId, clientId: client.id, resourceId: cc.id };
}

/** A client charge as `GET /clients/{clientId}/charges/{id}` answers it. */
export function clientChargeData(
  state: TenantState,
  cc: SimClientCharge,
  withTransactions = false,
): Record<string, unknown> {
  const def = state.charges.get(cc.chargeId);
  const digits = def === undefined ? 2 : digitsOf(state, def);
  return compact({
    id: cc.id,
    clientId: cc.clientId,
    chargeId: cc.chargeId,
    name: def?.name,
    chargeTimeType: chargeTimeType(def?.chargeTimeType ?? 2),
    dueDate: toDateArray(cc.dueDate),
    chargeCalculationType: chargeCalculationType(def?.chargeCalculationType ?? 1),
    currency: currencyData(state, def?.currencyCode ?? 'USD', digits),
    amount: num(cc.amount),
    amountPaid: num(cc.amountPaid),
    amountWaived: num(cc.amountWaived),
    amountWrittenOff: num('0'),
    amountOutstanding: num(roundMoney(outstanding(cc), digits)),
    penalty: def?.penalty ?? false,
    isActive: cc.isActive,
    isPaid: cc.isPaid,
    isWaived: cc.isWaived,
    inactivationDate: cc.inactivationDate === undefined ? undefined : toDateArray(cc.inactivationDate),
    clientTransactionDatas: withTransactions
      ? cc.transactionIds
          .map((t) => state.clientTransactions.get(t))
          .filter((t) => t !== undefined)
          .map((t) => clientTransactionData(state, t))
      : undefined,
  });
}

/** `GET /clients/{clientId}/charges` with `chargeStatus` and `pendingPayment` filters. */
export function listClientCharges(
  state: TenantState,
  clientId: number,
  query: URLSearchParams,
): Record<string, unknown> {
  const status = query.get('chargeStatus') ?? 'active';
  const pending = query.get('pendingPayment');
  const items = [...state.clientCharges.values()].filter(
    (cc) =>
      cc.clientId === clientId &&
      (status === 'all' || (status === 'active') === cc.isActive) &&
      (pending === null || (pending === 'true') === (!cc.isPaid && !cc.isWaived)),
  );
  return page(
    items.map((cc) => clientChargeData(state, cc)),
    query,
  );
}

/** A client transaction as `GET /clients/{clientId}/transactions/{id}` answers it. */
export function clientTransactionData(state: TenantState, tx: SimClientTransaction): Record<string, unknown> {
  const client = state.clients.get(tx.clientId);
  const cc = state.clientCharges.get(tx.clientChargeId);
  const def = cc === undefined ? undefined : state.charges.get(cc.chargeId);
  const pd = tx.paymentDetail;
  return compact({
    id: tx.id,
    officeId: client?.officeId,
    officeName: client === undefined ? undefined : state.offices.get(client.officeId)?.name,
    type: clientTransactionType(tx.type),
    date: toDateArray(tx.date),
    currency: currencyData(state, def?.currencyCode ?? 'USD'),
    paymentDetailData:
      pd === undefined
        ? undefined
        : compact({
            id: pd.id,
            paymentType: { id: pd.paymentTypeId, name: state.paymentTypes.get(pd.paymentTypeId)?.name ?? '' },
            accountNumber: pd.accountNumber,
            checkNumber: pd.checkNumber,
            routingCode: pd.routingCode,
            receiptNumber: pd.receiptNumber,
            bankNumber: pd.bankNumber,
          }),
    amount: num(tx.amount),
    externalId: tx.externalId,
    submittedOnDate: toDateArray(tx.submittedOnDate),
    reversed: tx.reversed,
  });
}

/** The client transaction of a client or 404 `error.msg.client.transaction.id.invalid`. */
export function getClientTransaction(
  state: TenantState,
  client: SimClient,
  id: number,
): SimClientTransaction {
  const tx = state.clientTransactions.get(id);
  if (tx?.clientId !== client.id) {
    throw notFound(
      'error.msg.client.transaction.id.invalid',
      `Client transaction with identifier ${id} does not exist`,
      id,
    );
  }
  return tx;
}

/** A charge definition as `GET /charges/{id}` answers it. */
export function chargeDefinitionData(state: TenantState, def: SimChargeDefinition): Record<string, unknown> {
  return {
    id: def.id,
    name: def.name,
    active: def.active,
    penalty: def.penalty,
    currency: currencyData(state, def.currencyCode),
    amount: num(def.amount),
    chargeTimeType: chargeTimeType(def.chargeTimeType),
    chargeAppliesTo: chargeAppliesTo(def.chargeAppliesTo),
    chargeCalculationType: chargeCalculationType(def.chargeCalculationType),
  };
}
