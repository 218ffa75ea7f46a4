/**
 * The request parameters Fineract accepts per command, as its API parameter whitelists define them. Fineract
 * rejects any other key with 400 `error.msg.parameter.unsupported`, so every body this layer builds is checked
 * against these lists: mapping documents when they are loaded, the typed client verbs before they send.
 *
 * The date and locale parameters (`dateFormat`, `locale`) are accepted by every command that takes a date or an
 * amount; they are listed once in {@link FINERACT_FORMAT_PARAMETERS}, not per command.
 * @see docs/contracts/fineract.md §4 (clients), §5 (groups), §6 (savings), §7 (client charges)
 */

/** How dates and decimals in a body are to be read. */
export const FINERACT_FORMAT_PARAMETERS: readonly string[] = ['dateFormat', 'locale'];

/** The payment detail parameters of money movements (deposits, withdrawals, charge payments). */
export const PAYMENT_DETAIL_PARAMETERS: readonly string[] = [
  'paymentTypeId',
  'accountNumber',
  'checkNumber',
  'routingCode',
  'receiptNumber',
  'bankNumber',
];

/** One Fineract command: its HTTP call and the body parameters it accepts (format parameters aside). */
export interface FineractCommand {
  readonly endpoint: string;
  readonly parameters: readonly string[];
}

const SAVINGS_TRANSACTION: readonly string[] = [
  'transactionDate',
  'transactionAmount',
  ...PAYMENT_DETAIL_PARAMETERS,
  'note',
  'childAccountId',
  'retailEntries',
];

/** The commands this layer sends, by name. */
export const FINERACT_COMMANDS = {
  'clients.create': {
    endpoint: 'POST /clients',
    parameters: [
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
  'clients.update': {
    endpoint: 'PUT /clients/{clientId}',
    parameters: [
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
  'groups.create': {
    endpoint: 'POST /groups',
    parameters: [
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
  'savingsaccounts.create': {
    endpoint: 'POST /savingsaccounts',
    parameters: [
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
  'savingsaccounts.transactions.deposit': {
    endpoint: 'POST /savingsaccounts/{savingsId}/transactions?command=deposit',
    parameters: SAVINGS_TRANSACTION,
  },
  'savingsaccounts.transactions.withdrawal': {
    endpoint: 'POST /savingsaccounts/{savingsId}/transactions?command=withdrawal',
    parameters: SAVINGS_TRANSACTION,
  },
  'clients.charges.create': {
    endpoint: 'POST /clients/{clientId}/charges',
    parameters: ['chargeId', 'amount', 'dueDate'],
  },
  'clients.charges.pay': {
    endpoint: 'POST /clients/{clientId}/charges/{clientChargeId}?command=paycharge',
    parameters: ['amount', 'transactionDate', ...PAYMENT_DETAIL_PARAMETERS, 'externalId'],
  },
} as const satisfies Record<string, FineractCommand>;

/** A command name of {@link FINERACT_COMMANDS}. */
export type FineractCommandName = keyof typeof FINERACT_COMMANDS;
