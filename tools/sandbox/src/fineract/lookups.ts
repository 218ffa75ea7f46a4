// Entity look-ups that answer Fineract's 404 (`error.msg.resource.not.found` + the specific code in errors[0]).

import { notFound } from './errors';
import type {
  SimChargeDefinition,
  SimClient,
  SimClientCharge,
  SimCodeValue,
  SimGroup,
  SimOffice,
  SimPaymentType,
  SimSavingsAccount,
  SimSavingsProduct,
  TenantState,
} from './state';

function find<T>(map: Map<number, T>, id: number, code: string, what: string): T {
  const found = map.get(id);
  if (found === undefined) {
    throw notFound(code, `${what} with identifier ${id} does not exist`, id);
  }
  return found;
}

/** The client or 404 `error.msg.client.id.invalid`. */
export function getClient(state: TenantState, id: number): SimClient {
  return find(state.clients, id, 'error.msg.client.id.invalid', 'Client');
}

/** The client by external id or 404 `error.msg.client.id.invalid`. */
export function getClientByExternalId(state: TenantState, externalId: string): SimClient {
  const id = state.index.clientExternalId.get(externalId);
  if (id === undefined) {
    throw notFound(
      'error.msg.client.id.invalid',
      `Client with external identifier ${externalId} does not exist`,
      externalId,
    );
  }
  return getClient(state, id);
}

/** The office or 404 `error.msg.office.id.invalid`. */
export function getOffice(state: TenantState, id: number): SimOffice {
  return find(state.offices, id, 'error.msg.office.id.invalid', 'Office');
}

/** The group or 404 `error.msg.group.id.invalid`. */
export function getGroup(state: TenantState, id: number): SimGroup {
  return find(state.groups, id, 'error.msg.group.id.invalid', 'Group');
}

/** The savings account or 404 `error.msg.saving.account.id.invalid`. */
export function getSavingsAccount(state: TenantState, id: number): SimSavingsAccount {
  return find(state.savingsAccounts, id, 'error.msg.saving.account.id.invalid', 'Savings account');
}

/** The savings product or 404 `error.msg.savingsproduct.id.invalid`. */
export function getSavingsProduct(state: TenantState, id: number): SimSavingsProduct {
  return find(state.savingsProducts, id, 'error.msg.savingsproduct.id.invalid', 'Savings product');
}

/** The payment type or 404 `error.msg.paymenttype.id.invalid`. */
export function getPaymentType(state: TenantState, id: number): SimPaymentType {
  return find(state.paymentTypes, id, 'error.msg.paymenttype.id.invalid', 'Payment Type');
}

/** The charge definition or 404 `error.msg.charge.id.invalid`. */
export function getChargeDefinition(state: TenantState, id: number): SimChargeDefinition {
  return find(state.charges, id, 'error.msg.charge.id.invalid', 'Charge');
}

/** The client charge of a client or 404 `error.msg.client.charge.id.invalid`. */
export function getClientCharge(state: TenantState, clientId: number, id: number): SimClientCharge {
  const cc = state.clientCharges.get(id);
  if (cc?.clientId !== clientId) {
    throw notFound(
      'error.msg.client.charge.id.invalid',
      `Client charge with identifier ${id} does not exist`,
      id,
    );
  }
  return cc;
}

/** A code value of the given code or 404 `error.msg.codevalue.id.invalid`. */
export function getCodeValue(state: TenantState, id: number, codeName: string): SimCodeValue {
  const cv = state.codeValues.get(id);
  if (cv?.codeName !== codeName) {
    throw notFound('error.msg.codevalue.id.invalid', `Code value with identifier ${id} does not exist`, id);
  }
  return cv;
}
