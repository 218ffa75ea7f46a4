import { FINERACT_COMMANDS, FINERACT_FORMAT_PARAMETERS } from '@payment-layer/mifos-fineract-params';

/**
 * Target operations a mapping document can produce a body for, with the JSON keys each accepts. Fineract
 * rejects any key outside a command's whitelist (400 `error.msg.parameter.unsupported`), so a document that
 * maps a field its target does not accept fails when it is loaded, not in production.
 * @see docs/contracts/fineract.md §4 (clients), §5 (groups), §6 (savings), §7 (client charges)
 */

/** A target operation. */
export interface MappingTarget {
  /** The HTTP call the body is for. */
  readonly endpoint: string;
  /** Every key the call accepts. */
  readonly fields: readonly string[];
}

/** Known target operations, by the name used in a document's `target` (`fineract.<command>`). */
export const MAPPING_TARGETS: Readonly<Record<string, MappingTarget>> = Object.fromEntries(
  Object.entries(FINERACT_COMMANDS).map(([name, command]) => [
    `fineract.${name}`,
    { endpoint: command.endpoint, fields: [...FINERACT_FORMAT_PARAMETERS, ...command.parameters] },
  ]),
);
