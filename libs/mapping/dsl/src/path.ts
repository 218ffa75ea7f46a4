/**
 * The path syntax of mapping documents: a small, FHIRPath-like language over FHIR JSON, parsed once when a
 * document is compiled into a closure that walks the resource.
 *
 * ```
 * path     := step ( "." step )*
 * step     := ( name | "identifier(" code ( "|" code )* ")" | "extension(" name ")" ) selector*
 * selector := "[" ( index | "*" | subpath "=" value ) "]"
 * ```
 *
 * - `name.family` — fields; arrays are collections and are flattened, as in FHIRPath (`name.given` is every given name)
 * - `name[0]` — the item at an index of the collection; `[*]` — keep the whole collection (the value is always a list)
 * - `telecom[system=phone].value` — keep items whose sub-path equals the value (quotes optional: `[code='16']`)
 * - `identifier(UUID).value`, `identifier(Code|MR)` — identifiers by openIMIS type code, in order of preference
 * - `extension(patient-is-head).valueBoolean` — extensions by the last path segment of their URL
 *
 * A path yields nothing (`undefined`), one value, or — when several items match or `[*]` is used — a list.
 */
import { extensionName, identifierTypeCode } from '@payment-layer/fhir-util';

/** One step of a parsed path. */
export type PathStep =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'identifier'; readonly types: readonly string[] }
  | { readonly kind: 'extension'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'all' }
  | { readonly kind: 'filter'; readonly path: readonly string[]; readonly value: string };

/** A parsed path. */
export interface ParsedPath {
  /** The text it was parsed from. */
  readonly text: string;
  readonly steps: readonly PathStep[];
  /** Whether the value is always a list (the path uses `[*]`). */
  readonly many: boolean;
}

/** A syntax error in a path, with the 0-based character position. */
export class PathSyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'PathSyntaxError';
    this.position = position;
  }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const CODE = /^[A-Za-z0-9_.-]+$/;
const HELPERS = new Set(['identifier', 'extension']);

/**
 * Parses a path.
 *
 * @param text - e.g. `telecom[system=phone].value`
 * @returns the parsed steps
 * @throws PathSyntaxError
 */
export function parsePath(text: string): ParsedPath {
  const steps: PathStep[] = [];
  let i = 0;
  let many = false;
  if (text.length === 0) {
    throw new PathSyntaxError('empty path', 0);
  }
  for (;;) {
    const name = NAME.exec(text.slice(i))?.[0];
    if (name === undefined) {
      throw new PathSyntaxError(`expected a field name at position ${i}`, i);
    }
    i += name.length;
    if (text[i] === '(') {
      if (!HELPERS.has(name)) {
        throw new PathSyntaxError(
          `unknown function "${name}()": use identifier() or extension()`,
          i - name.length,
        );
      }
      const close = text.indexOf(')', i);
      if (close < 0) {
        throw new PathSyntaxError(`missing ")" after ${name}(`, i);
      }
      const arg = text.slice(i + 1, close).trim();
      if (name === 'identifier') {
        const types = arg.split('|').map((t) => t.trim());
        if (types.some((t) => !CODE.test(t))) {
          throw new PathSyntaxError(
            `identifier() needs type codes such as UUID or Code|MR, got "${arg}"`,
            i + 1,
          );
        }
        steps.push({ kind: 'identifier', types });
      } else {
        if (!CODE.test(arg)) {
          throw new PathSyntaxError(
            `extension() needs the last URL segment, e.g. patient-is-head, got "${arg}"`,
            i + 1,
          );
        }
        steps.push({ kind: 'extension', name: arg });
      }
      i = close + 1;
    } else {
      steps.push({ kind: 'field', name });
    }
    while (text[i] === '[') {
      const close = text.indexOf(']', i);
      if (close < 0) {
        throw new PathSyntaxError('missing "]"', i);
      }
      const inner = text.slice(i + 1, close).trim();
      if (inner === '*') {
        steps.push({ kind: 'all' });
        many = true;
      } else if (/^\d+$/.test(inner)) {
        steps.push({ kind: 'index', index: Number.parseInt(inner, 10) });
      } else {
        const eq = inner.indexOf('=');
        if (eq < 0) {
          throw new PathSyntaxError(`expected [index], [*] or [field=value], got "[${inner}]"`, i);
        }
        const sub = inner.slice(0, eq).trim();
        let value = inner.slice(eq + 1).trim();
        if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(sub)) {
          throw new PathSyntaxError(`invalid filter field "${sub}"`, i + 1);
        }
        if (/^'.*'$|^".*"$/.test(value)) {
          value = value.slice(1, -1);
        }
        if (value === '') {
          throw new PathSyntaxError(`empty filter value in "[${inner}]"`, i + 1);
        }
        steps.push({ kind: 'filter', path: sub.split('.'), value });
      }
      i = close + 1;
    }
    if (i === text.length) {
      break;
    }
    if (text[i] !== '.') {
      throw new PathSyntaxError(`unexpected "${text[i] ?? ''}" at position ${i}`, i);
    }
    i += 1;
  }
  return { text, steps, many };
}

/** A compiled path: resource (or sub-element) in, value out. */
export type PathGetter = (node: unknown) => unknown;

type Step = (v: unknown) => unknown;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldStep(name: string): Step {
  return (v) => {
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (const item of v) {
        const x = isRecord(item) ? item[name] : undefined;
        if (x === undefined || x === null) {
          continue;
        }
        out ??= [];
        if (Array.isArray(x)) {
          for (const y of x) {
            out.push(y);
          }
        } else {
          out.push(x);
        }
      }
      return out;
    }
    return isRecord(v) ? v[name] : undefined;
  };
}

function each(
  v: unknown,
  visit: (node: Record<string, unknown>, out: unknown[]) => void,
): unknown[] | undefined {
  const out: unknown[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isRecord(item)) {
        visit(item, out);
      }
    }
  } else if (isRecord(v)) {
    visit(v, out);
  }
  return out.length === 0 ? undefined : out;
}

function identifierStep(types: readonly string[]): Step {
  const visit = (node: Record<string, unknown>, out: unknown[]): void => {
    // Resources carry a list; a Reference carries one Identifier.
    const raw = node.identifier;
    const ids: readonly unknown[] = Array.isArray(raw) ? raw : isRecord(raw) ? [raw] : [];
    // Preference order: the first type code that has a matching identifier wins.
    for (const type of types) {
      const before = out.length;
      for (const id of ids) {
        // openIMIS reads identifier type codes case-insensitively (`code` = `Code`).
        if (isRecord(id) && identifierTypeCode(id)?.toLowerCase() === type.toLowerCase()) {
          out.push(id);
        }
      }
      if (out.length > before) {
        return;
      }
    }
  };
  return (v) => each(v, visit);
}

function extensionStep(name: string): Step {
  const visit = (node: Record<string, unknown>, out: unknown[]): void => {
    const exts = node.extension;
    if (!Array.isArray(exts)) {
      return;
    }
    for (const ext of exts) {
      if (isRecord(ext) && typeof ext.url === 'string' && extensionName(ext.url) === name) {
        out.push(ext);
      }
    }
  };
  return (v) => each(v, visit);
}

function indexStep(index: number): Step {
  return (v) => (Array.isArray(v) ? (v as readonly unknown[])[index] : index === 0 ? v : undefined);
}

function matches(value: unknown, wanted: string): boolean {
  if (Array.isArray(value)) {
    return value.some((x) => matches(x, wanted));
  }
  return (
    (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') &&
    String(value) === wanted
  );
}

function filterStep(path: readonly string[], wanted: string): Step {
  const [single] = path;
  // One-level filters (`telecom[system=phone]`) are the common case: compare the property directly.
  const sub: Step =
    path.length === 1 && single !== undefined
      ? (item) => (isRecord(item) ? item[single] : undefined)
      : chain(path.map((name) => fieldStep(name)));
  return (v) => {
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (const item of v) {
        if (matches(sub(item), wanted)) {
          (out ??= []).push(item);
        }
      }
      return out;
    }
    return v !== undefined && matches(sub(v), wanted) ? v : undefined;
  };
}

function chain(steps: readonly Step[]): Step {
  // Unrolled for the common short paths: a closure per length keeps the hot loop free of array iteration.
  const [a, b, c] = steps;
  if (steps.length === 1 && a) {
    return a;
  }
  if (steps.length === 2 && a && b) {
    return (v) => {
      const x = a(v);
      return x === undefined ? undefined : b(x);
    };
  }
  if (steps.length === 3 && a && b && c) {
    return (v) => {
      const x = a(v);
      if (x === undefined) {
        return undefined;
      }
      const y = b(x);
      return y === undefined ? undefined : c(y);
    };
  }
  return (v) => {
    let x = v;
    for (const step of steps) {
      x = step(x);
      if (x === undefined) {
        return undefined;
      }
    }
    return x;
  };
}

function compileStep(step: PathStep): Step | undefined {
  switch (step.kind) {
    case 'field':
      return fieldStep(step.name);
    case 'identifier':
      return identifierStep(step.types);
    case 'extension':
      return extensionStep(step.name);
    case 'index':
      return indexStep(step.index);
    case 'filter':
      return filterStep(step.path, step.value);
    case 'all':
      return undefined;
  }
}

/**
 * Compiles a parsed path into a getter. The getter returns `undefined` for nothing, the value itself for
 * exactly one match, and a list for several matches (always a list when the path uses `[*]`).
 *
 * @param path - a parsed path
 * @returns the getter
 */
export function compilePath(path: ParsedPath): PathGetter {
  const steps = path.steps.map(compileStep).filter((s): s is Step => s !== undefined);
  const run = chain(steps);
  if (path.many) {
    return (node) => {
      const v = run(node);
      if (v === undefined || v === null) {
        return undefined;
      }
      return Array.isArray(v) ? (v.length === 0 ? undefined : v) : [v];
    };
  }
  return (node) => {
    const v = run(node);
    if (Array.isArray(v)) {
      const list = v as readonly unknown[];
      return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
    }
    return v === null ? undefined : v;
  };
}

/**
 * A FHIRPath-like location for messages, e.g. `Patient.name[0].family`.
 *
 * @param root - the resource type (or the location of the element the path starts from)
 * @param path - the path
 * @param length - only the first `length` steps
 * @returns the location text
 */
export function formatLocation(root: string, path: ParsedPath, length = path.steps.length): string {
  let out = root;
  for (const step of path.steps.slice(0, length)) {
    switch (step.kind) {
      case 'field':
        out += `.${step.name}`;
        break;
      case 'identifier':
        out += `.identifier(${step.types.join('|')})`;
        break;
      case 'extension':
        out += `.extension(${step.name})`;
        break;
      case 'index':
        out += `[${step.index}]`;
        break;
      case 'all':
        out += '[*]';
        break;
      case 'filter':
        out += `[${step.path.join('.')}=${step.value}]`;
        break;
    }
  }
  return out;
}

/**
 * The location of the first step of a path that yields nothing for this node — the element that is missing,
 * e.g. `Patient.name` when a Patient has no name at all, `Patient.name[0].family` when only the family is missing.
 *
 * @param root - resource type or element location
 * @param path - the path that yielded nothing
 * @param node - the resource or element
 * @returns the location of the missing element
 */
export function locateMissing(root: string, path: ParsedPath, node: unknown): string {
  for (let n = 1; n <= path.steps.length; n++) {
    const prefix = compilePath({ text: path.text, steps: path.steps.slice(0, n), many: false });
    if (prefix(node) === undefined) {
      return formatLocation(root, path, n);
    }
  }
  return formatLocation(root, path);
}
