// Payment types (`/paymenttypes`): the `paymentTypeId` every money movement needs.

import type { Command } from './command';
import type { CommandResult, HandlerEnv } from './context';
import { dataIntegrity } from './errors';

/** `POST /paymenttypes`. */
export function createPaymentType(env: HandlerEnv, cmd: Command): CommandResult {
  const { state } = env;
  cmd.checkWhitelist('paymenttypes.create');
  const name = cmd.string('name', { required: true, maxLength: 100 });
  const description = cmd.string('description', { maxLength: 500 });
  const isCashPayment = cmd.boolean('isCashPayment', { required: true });
  const position = cmd.long('position', { required: true });
  cmd.string('codeName', { maxLength: 100 });
  cmd.boolean('isSystemDefined');
  cmd.throwIfErrors();
  if ([...state.paymentTypes.values()].some((p) => p.name === name)) {
    throw dataIntegrity(
      'error.msg.paymenttype.duplicate.name',
      `Payment type with name \`${name ?? ''}\` already exists`,
      'name',
      name,
    );
  }
  const id = ++state.seq.paymentType;
  state.paymentTypes.set(id, {
    id,
    name: name ?? '',
    description: description ?? '',
    isCashPayment: isCashPayment ?? false,
    position: position ?? id,
  });
  return { resourceId: id };
}
