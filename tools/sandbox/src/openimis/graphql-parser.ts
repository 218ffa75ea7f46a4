/**
 * A deliberately small GraphQL reader for the query shapes openIMIS clients send (reference §10–§11):
 * one operation, fields with arguments and selection sets, variables, literals (string, number, boolean,
 * null, enum, list, object). Fragments and directives are not supported and are reported as syntax errors.
 */

/** A GraphQL input value after variable substitution. */
export type GqlValue =
  string | number | boolean | null | GqlValue[] | { [key: string]: GqlValue } | GqlEnum | GqlDecimalLiteral;

/** An enum literal (unquoted name), kept apart from strings. */
export class GqlEnum {
  /** @param name - enum value name */
  constructor(readonly name: string) {}
}

/** A numeric literal as written in the query (kept as text so decimals are never floats). */
export class GqlDecimalLiteral {
  /** @param text - the literal text */
  constructor(readonly text: string) {}
}

/** A field of a selection set. */
export interface GqlField {
  readonly name: string;
  readonly alias: string | undefined;
  readonly args: Readonly<Record<string, GqlValue>>;
  readonly selections: readonly GqlField[] | undefined;
  readonly line: number;
  readonly column: number;
}

/** A parsed operation. */
export interface GqlOperation {
  readonly kind: 'query' | 'mutation';
  readonly selections: readonly GqlField[];
}

/** A syntax error, reported like graphql-core ("Syntax Error: …"). */
export class GqlSyntaxError extends Error {
  /**
   * @param message - what is wrong
   * @param line - 1-based line
   * @param column - 1-based column
   */
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`Syntax Error: ${message}`);
    this.name = 'GqlSyntaxError';
  }
}

interface Token {
  readonly kind: 'punct' | 'name' | 'string' | 'number' | 'eof';
  readonly value: string;
  readonly line: number;
  readonly column: number;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (): { line: number; column: number } => ({ line, column: i - lineStart + 1 });
  while (i < source.length) {
    const ch = source.charAt(i);
    if (ch === '\n') {
      i += 1;
      line += 1;
      lineStart = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === ',' || ch === '\ufeff') {
      i += 1;
      continue;
    }
    if (ch === '#') {
      while (i < source.length && source.charAt(i) !== '\n') {
        i += 1;
      }
      continue;
    }
    const pos = at();
    if ('{}()[]:!$=@'.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch, ...pos });
      i += 1;
      continue;
    }
    if (source.startsWith('...', i)) {
      throw new GqlSyntaxError('fragments are not supported by the simulator', pos.line, pos.column);
    }
    if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i));
      const name = m?.[0] ?? ch;
      tokens.push({ kind: 'name', value: name, ...pos });
      i += name.length;
      continue;
    }
    if (/[-0-9]/.test(ch)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(i));
      if (m === null) {
        throw new GqlSyntaxError(`Invalid number, unexpected character "${ch}".`, pos.line, pos.column);
      }
      tokens.push({ kind: 'number', value: m[0], ...pos });
      i += m[0].length;
      continue;
    }
    if (ch === '"') {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        if (end < 0) {
          throw new GqlSyntaxError('Unterminated string.', pos.line, pos.column);
        }
        tokens.push({ kind: 'string', value: source.slice(i + 3, end), ...pos });
        for (const c of source.slice(i, end + 3)) {
          if (c === '\n') {
            line += 1;
          }
        }
        i = end + 3;
        continue;
      }
      let j = i + 1;
      let out = '';
      for (;;) {
        const c = source.charAt(j);
        if (c === '' || c === '\n') {
          throw new GqlSyntaxError('Unterminated string.', pos.line, pos.column);
        }
        if (c === '"') {
          break;
        }
        if (c === '\\') {
          const e = source.charAt(j + 1);
          const simple: Record<string, string> = {
            '"': '"',
            '\\': '\\',
            '/': '/',
            b: '\b',
            f: '\f',
            n: '\n',
            r: '\r',
            t: '\t',
          };
          if (e === 'u') {
            out += String.fromCharCode(parseInt(source.slice(j + 2, j + 6), 16));
            j += 6;
            continue;
          }
          const mapped = simple[e];
          if (mapped === undefined) {
            throw new GqlSyntaxError(`Invalid character escape sequence: \\${e}.`, pos.line, pos.column);
          }
          out += mapped;
          j += 2;
          continue;
        }
        out += c;
        j += 1;
      }
      tokens.push({ kind: 'string', value: out, ...pos });
      i = j + 1;
      continue;
    }
    throw new GqlSyntaxError(`Unexpected character: "${ch}".`, pos.line, pos.column);
  }
  tokens.push({ kind: 'eof', value: '<EOF>', line, column: i - lineStart + 1 });
  return tokens;
}

/**
 * Parses a document with exactly one operation and substitutes variables.
 *
 * @param source - query text
 * @param variables - `variables` of the request
 * @returns the operation
 * @throws GqlSyntaxError on anything outside the supported subset
 */
export function parseOperation(source: string, variables: Readonly<Record<string, unknown>>): GqlOperation {
  const tokens = tokenize(source);
  const defaults: Record<string, GqlValue> = {};
  let p = 0;
  const peek = (): Token => tokens[p] ?? { kind: 'eof', value: '<EOF>', line: 0, column: 0 };
  const fail = (t: Token, expected: string): never => {
    throw new GqlSyntaxError(
      `Expected ${expected}, found ${t.kind === 'eof' ? '<EOF>' : `"${t.value}"`}.`,
      t.line,
      t.column,
    );
  };
  const take = (): Token => {
    const t = peek();
    p += 1;
    return t;
  };
  const expectPunct = (value: string): Token => {
    const t = take();
    return t.kind === 'punct' && t.value === value ? t : fail(t, `"${value}"`);
  };
  const isPunct = (value: string): boolean => peek().kind === 'punct' && peek().value === value;
  const expectName = (): Token => {
    const t = take();
    return t.kind === 'name' ? t : fail(t, 'Name');
  };

  const fromJson = (value: unknown): GqlValue => {
    if (value === undefined || value === null) {
      return null;
    }
    if (Array.isArray(value)) {
      return value.map(fromJson);
    }
    if (typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      return value;
    }
    return null;
  };

  const parseValue = (): GqlValue => {
    const t = peek();
    if (t.kind === 'punct' && t.value === '$') {
      take();
      const name = expectName().value;
      return variables[name] !== undefined ? fromJson(variables[name]) : (defaults[name] ?? null);
    }
    if (t.kind === 'string') {
      take();
      return t.value;
    }
    if (t.kind === 'number') {
      take();
      return new GqlDecimalLiteral(t.value);
    }
    if (t.kind === 'name') {
      take();
      if (t.value === 'true' || t.value === 'false') {
        return t.value === 'true';
      }
      return t.value === 'null' ? null : new GqlEnum(t.value);
    }
    if (t.kind === 'punct' && t.value === '[') {
      take();
      const list: GqlValue[] = [];
      while (!isPunct(']')) {
        if (peek().kind === 'eof') {
          fail(peek(), '"]"');
        }
        list.push(parseValue());
      }
      take();
      return list;
    }
    if (t.kind === 'punct' && t.value === '{') {
      take();
      const obj: Record<string, GqlValue> = {};
      while (!isPunct('}')) {
        const key = expectName().value;
        expectPunct(':');
        obj[key] = parseValue();
      }
      take();
      return obj;
    }
    return fail(t, 'a value');
  };

  const parseSelectionSet = (): GqlField[] => {
    expectPunct('{');
    const fields: GqlField[] = [];
    while (!isPunct('}')) {
      const first = expectName();
      let name = first.value;
      let alias: string | undefined;
      if (isPunct(':')) {
        take();
        alias = name;
        name = expectName().value;
      }
      const args: Record<string, GqlValue> = {};
      if (isPunct('(')) {
        take();
        while (!isPunct(')')) {
          const key = expectName().value;
          expectPunct(':');
          args[key] = parseValue();
        }
        take();
      }
      if (isPunct('@')) {
        fail(peek(), 'a field (directives are not supported by the simulator)');
      }
      const selections = isPunct('{') ? parseSelectionSet() : undefined;
      fields.push({ name, alias, args, selections, line: first.line, column: first.column });
    }
    take();
    if (fields.length === 0) {
      fail(peek(), 'Name');
    }
    return fields;
  };

  let kind: GqlOperation['kind'] = 'query';
  const head = peek();
  if (head.kind === 'name') {
    if (head.value !== 'query' && head.value !== 'mutation') {
      fail(head, '"query" or "mutation"');
    }
    take();
    kind = head.value as GqlOperation['kind'];
    if (peek().kind === 'name') {
      take();
    }
    if (isPunct('(')) {
      // Variable definitions: types and defaults are read but not checked.
      take();
      while (!isPunct(')')) {
        expectPunct('$');
        const varName = expectName().value;
        expectPunct(':');
        let depth = 0;
        while (!(depth === 0 && (isPunct(')') || isPunct('$') || isPunct('=')))) {
          const t = take();
          if (t.kind === 'eof') {
            fail(t, '")"');
          }
          if (t.value === '[') {
            depth += 1;
          } else if (t.value === ']') {
            depth -= 1;
          }
        }
        if (isPunct('=')) {
          take();
          defaults[varName] = parseValue();
        }
      }
      take();
    }
  }
  const selections = parseSelectionSet();
  if (peek().kind !== 'eof') {
    fail(peek(), '<EOF>');
  }
  return { kind, selections };
}
