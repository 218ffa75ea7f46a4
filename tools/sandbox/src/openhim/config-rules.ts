import { CoreValidationError, isRecord } from './util';

/**
 * Core's rules for mediator config definitions and values (openhim.md §3.2), with its messages. Inputs are raw
 * JSON, so every access is defensive in the same places core's JavaScript is lenient (e.g. `typeof null ===
 * 'object'` passes the `map` and `struct` checks, as in core).
 */

/** The mask core shows instead of a password. */
export const PASSWORD_MASK = '**********';

function toArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function label(value: unknown): string {
  return String(value);
}

function validateConfigDef(def: unknown): void {
  const type = field(def, 'type');
  const param = label(field(def, 'param'));
  if (type === 'struct') {
    const template = field(def, 'template');
    if (!template) {
      throw new CoreValidationError(`Must specify a template for struct param '${param}'`);
    }
    for (const item of toArray(template)) {
      if (!field(item, 'param')) {
        throw new CoreValidationError(
          `Must specify field 'param' in template definition for param '${param}'`,
        );
      }
      if (!field(item, 'type')) {
        throw new CoreValidationError(
          `Must specify field 'type' in template definition for param '${param}'`,
        );
      }
      if (field(item, 'type') === 'struct') {
        throw new CoreValidationError(
          `May not recursively specify 'struct' in template definitions (param '${param}')`,
        );
      }
    }
  } else if (type === 'option') {
    const values = field(def, 'values');
    if (!Array.isArray(values)) {
      throw new CoreValidationError(`Expected field 'values' to be an array (option param '${param}')`);
    }
    if (values.length === 0) {
      throw new CoreValidationError(`Must specify a values array for option param '${param}'`);
    }
  }
}

/**
 * Core's `validateConfigDefs`: struct templates (required, items with `param` and `type`, no nested struct) and
 * option values (a non-empty array).
 *
 * @throws CoreValidationError on the first invalid definition.
 */
export function validateConfigDefs(configDefs: unknown): void {
  for (const def of toArray(configDefs)) {
    validateConfigDef(def);
  }
}

function validateConfigField(param: string, def: unknown, value: unknown): void {
  switch (field(def, 'type')) {
    case 'string':
      if (typeof value !== 'string') {
        throw new CoreValidationError(`Expected config param ${param} to be a string.`);
      }
      break;
    case 'bigstring':
      if (typeof value !== 'string') {
        throw new CoreValidationError(`Expected config param ${param} to be a large string.`);
      }
      break;
    case 'number':
      if (typeof value !== 'number') {
        throw new CoreValidationError(`Expected config param ${param} to be a number.`);
      }
      break;
    case 'bool':
      if (typeof value !== 'boolean') {
        throw new CoreValidationError(`Expected config param ${param} to be a boolean.`);
      }
      break;
    case 'option': {
      const values = toArray(field(def, 'values'));
      if (!values.includes(value)) {
        throw new CoreValidationError(
          `Expected config param ${param} to be one of ${values.map(label).join(',')}`,
        );
      }
      break;
    }
    case 'map':
      if (typeof value !== 'object') {
        throw new CoreValidationError(`Expected config param ${param} to be an object.`);
      }
      for (const v of Object.values(value ?? {})) {
        if (typeof v !== 'string') {
          throw new CoreValidationError(`Expected config param ${param} to only contain string values.`);
        }
      }
      break;
    case 'struct': {
      if (typeof value !== 'object') {
        throw new CoreValidationError(`Expected config param ${param} to be an object.`);
      }
      const templateFields = toArray(field(def, 'template')).map((t) => field(t, 'param'));
      for (const key of Object.keys(value ?? {})) {
        if (!templateFields.includes(key)) {
          throw new CoreValidationError(
            `Field ${key} is not defined in template definition for config param ${param}.`,
          );
        }
      }
      break;
    }
    case 'password':
      if (typeof value !== 'string') {
        throw new CoreValidationError(
          `Expected config param ${param} to be a string representing a password.`,
        );
      }
      break;
    default:
      // Core only logs unknown types; the value passes.
      break;
  }
}

/**
 * Core's `validateConfig`: every key needs a definition; values are checked by type; `array: true` definitions
 * need an array whose elements are each checked.
 *
 * @throws CoreValidationError on the first invalid value.
 */
export function validateConfig(configDefs: unknown, config: unknown): void {
  const defs = toArray(configDefs);
  const values = Object(config) as Record<string, unknown>;
  for (const param of Object.keys(values)) {
    const matching = defs.filter((d) => field(d, 'param') === param);
    if (matching.length === 0) {
      throw new CoreValidationError(`No config definition found for parameter ${param}`);
    }
    for (const def of matching) {
      const value = values[param];
      if (field(def, 'array') === true) {
        if (!Array.isArray(value)) {
          throw new CoreValidationError(
            `Expected config param ${param} to be an array of type ${label(field(def, 'type'))}`,
          );
        }
        value.forEach((v, i) => {
          validateConfigField(`${param}[${i}]`, def, v);
        });
      } else {
        validateConfigField(param, def, value);
      }
    }
  }
}

/** Core's `maskPasswords`, in place: password values (per element in arrays, recursively in structs) become the mask. */
export function maskPasswords(configDefs: unknown, config: unknown): void {
  if (!isRecord(config)) {
    return;
  }
  for (const def of toArray(configDefs)) {
    const param = field(def, 'param');
    if (typeof param !== 'string' || !config[param]) {
      continue;
    }
    if (field(def, 'type') === 'password') {
      const value = config[param];
      config[param] =
        field(def, 'array') === true && Array.isArray(value) ? value.map(() => PASSWORD_MASK) : PASSWORD_MASK;
    }
    if (field(def, 'type') === 'struct') {
      maskPasswords(field(def, 'template'), config[param]);
    }
  }
}

/**
 * Core's `restoreMaskedPasswords`, in place on `maskedConfig`: a masked password is replaced by the stored value,
 * so the console can send back what `GET /mediators/:urn` showed.
 */
export function restoreMaskedPasswords(configDefs: unknown, maskedConfig: unknown, stored: unknown): void {
  if (!isRecord(maskedConfig) || !isRecord(stored)) {
    return;
  }
  for (const def of toArray(configDefs)) {
    const param = field(def, 'param');
    if (typeof param !== 'string') {
      continue;
    }
    const masked = maskedConfig[param];
    const original = stored[param];
    if (field(def, 'type') === 'password' && masked && original) {
      if (field(def, 'array') === true && Array.isArray(masked)) {
        masked.forEach((p, i) => {
          if (p === PASSWORD_MASK) {
            masked[i] = Array.isArray(original) ? (original as unknown[])[i] : undefined;
          }
        });
      } else if (masked === PASSWORD_MASK) {
        maskedConfig[param] = original;
      }
    }
    if (field(def, 'type') === 'struct' && masked && original) {
      restoreMaskedPasswords(field(def, 'template'), masked, original);
    }
  }
}
