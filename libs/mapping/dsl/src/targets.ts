/**
 * Target operations a mapping document can produce a body for, with the JSON keys each accepts. Fineract
 * rejects any key outside a command's whitelist (400 `error.msg.parameter.unsupported`), so a document that
 * maps a field its target does not accept fails when it is loaded, not in production.
 * @see shared/reference/fineract.md §4 (clients), §5 (groups), §6 (savings), §7 (client charges)
 */

const DATE = ['dateFormat', 'locale'];
const PAYMENT_DETAILS = [
  'paymentTypeId',
  'accountNumber',
  'checkNumber',
  'routingCode',
  'receiptNumber',
  'bankNumber',
];

/** A target operation. */
export interface MappingTarget {
  /** The HTTP call the body is for. */
  readonly endpoint: string;
  /** Every key the call accepts. */
  readonly fields: readonly string[];
}

/** Known target operations, by the name used in a document's `target`. */
export const MAPPING_TARGETS: Readonly<Record<string, MappingTarget>> = {
  'fineract.clients.create': {
    endpoint: 'POST /clients',
    fields: [
      ...DATE,
      'officeId',
      'legalFormId',
      'firstname',
      'middlename',
      'lastname',
      'fullname',
      'active',
      'activationDate',
      'address',
      'externalId',
      'groupId',
      'accountNo',
      'mobileNo',
      'emailAddress',
      'staffId',
      'submittedOnDate',
      'dateOfBirth',
      'genderId',
      'clientTypeId',
      'clientClassificationId',
      'savingsProductId',
      'isStaff',
      'clientNonPersonDetails',
      'familyMembers',
      'datatables',
    ],
  },
  'fineract.clients.update': {
    endpoint: 'PUT /clients/{clientId}',
    fields: [
      ...DATE,
      'accountNo',
      'externalId',
      'mobileNo',
      'emailAddress',
      'firstname',
      'middlename',
      'lastname',
      'fullname',
      'active',
      'activationDate',
      'staffId',
      'savingsProductId',
      'dateOfBirth',
      'genderId',
      'clientTypeId',
      'clientClassificationId',
      'submittedOnDate',
      'clientNonPersonDetails',
      'displayName',
      'legalFormId',
      'isStaff',
    ],
  },
  'fineract.groups.create': {
    endpoint: 'POST /groups',
    fields: [
      ...DATE,
      'name',
      'officeId',
      'active',
      'activationDate',
      'externalId',
      'staffId',
      'centerId',
      'submittedOnDate',
      'clientMembers',
      'collectionMeetingCalendar',
      'datatables',
    ],
  },
  'fineract.savingsaccounts.create': {
    endpoint: 'POST /savingsaccounts',
    fields: [
      ...DATE,
      'clientId',
      'groupId',
      'productId',
      'submittedOnDate',
      'externalId',
      'accountNo',
      'fieldOfficerId',
      'nominalAnnualInterestRate',
      'allowOverdraft',
      'overdraftLimit',
      'minRequiredOpeningBalance',
      'charges',
      'datatables',
    ],
  },
  'fineract.savingsaccounts.transactions.deposit': {
    endpoint: 'POST /savingsaccounts/{savingsId}/transactions?command=deposit',
    fields: [
      ...DATE,
      'transactionDate',
      'transactionAmount',
      ...PAYMENT_DETAILS,
      'note',
      'childAccountId',
      'retailEntries',
    ],
  },
  'fineract.savingsaccounts.transactions.withdrawal': {
    endpoint: 'POST /savingsaccounts/{savingsId}/transactions?command=withdrawal',
    fields: [
      ...DATE,
      'transactionDate',
      'transactionAmount',
      ...PAYMENT_DETAILS,
      'note',
      'childAccountId',
      'retailEntries',
    ],
  },
  'fineract.clients.charges.create': {
    endpoint: 'POST /clients/{clientId}/charges',
    fields: [...DATE, 'chargeId', 'amount', 'dueDate'],
  },
  'fineract.clients.charges.pay': {
    endpoint: 'POST /clients/{clientId}/charges/{clientChargeId}?command=paycharge',
    fields: [...DATE, 'amount', 'transactionDate', ...PAYMENT_DETAILS, 'externalId'],
  },
};
