/**
 * Deepest nesting of objects and arrays accepted in one input. FHIR resources we take stay far below it (a Bundle
 * entry's Patient with an extension inside an extension is about a dozen levels); recursive validators and
 * serialisers overflow the stack somewhere in the thousands.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a parsed JSON value nests objects and arrays deeper than `limit`, found without recursion (so the check
 * itself cannot overflow the stack on the input it guards against).
 *
 * @param value - parsed JSON
 * @param limit - deepest nesting allowed; the top-level object is depth 1
 * @returns true when some object or array sits deeper than `limit`
 */
export function exceedsJsonDepth(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 1 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const v = item.value;
    if (typeof v !== 'object' || v === null) {
      continue;
    }
    if (item.depth > limit) {
      return true;
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: item.depth + 1 });
      }
    }
  }
  return false;
}
