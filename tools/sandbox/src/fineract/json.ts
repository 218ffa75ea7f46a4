// A small JSON reader/writer that keeps numbers as their source text, so that amounts sent as JSON numbers
// reach decimal.js unchanged (Fineract reads them into BigDecimal) and amounts in responses are written as
// exact JSON numbers, never through a binary float.

/** A JSON number kept as its literal text. */
export class JsonNumber {
  /** @param text - the number exactly as written in JSON (or a decimal string to write as a number) */
  constructor(readonly text: string) {}
}

/** A parsed JSON value whose numbers are {@link JsonNumber}s. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/** A parsed JSON object. */
export type JsonObject = Record<string, JsonValue>;

/** Thrown by {@link parseJson} on text that is not JSON. */
export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Parses JSON text, keeping numbers as {@link JsonNumber}.
 * @param text - the JSON text
 * @returns the value
 * @throws JsonSyntaxError on malformed text
 */
export function parseJson(text: string): JsonValue {
  let pos = 0;
  const fail = (): never => {
    throw new JsonSyntaxError(`Unexpected input at position ${pos}`);
  };
  const ws = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) {
        pos++;
      } else {
        return;
      }
    }
  };
  const str = (): string => {
    pos++;
    let out = '';
    let start = pos;
    for (;;) {
      if (pos >= text.length) {
        fail();
      }
      const c = text[pos];
      if (c === '"') {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (c === '\\') {
        out += text.slice(start, pos);
        const e = text[pos + 1] ?? '';
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            fail();
          }
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          const mapped = STRING_ESCAPES[e];
          if (mapped === undefined) {
            return fail();
          }
          out += mapped;
          pos += 2;
        }
        start = pos;
      } else if (c !== undefined && c.charCodeAt(0) < 0x20) {
        fail();
      } else {
        pos++;
      }
    }
  };
  const value = (): JsonValue => {
    ws();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const obj: JsonObject = {};
      ws();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[pos] !== '"') {
          fail();
        }
        const key = str();
        ws();
        if (text[pos] !== ':') {
          fail();
        }
        pos++;
        obj[key] = value();
        ws();
        if (text[pos] === ',') {
          pos++;
        } else if (text[pos] === '}') {
          pos++;
          return obj;
        } else {
          fail();
        }
      }
    }
    if (c === '[') {
      pos++;
      const arr: JsonValue[] = [];
      ws();
      if (text[pos] === ']') {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(value());
        ws();
        if (text[pos] === ',') {
          pos++;
        } else if (text[pos] === ']') {
          pos++;
          return arr;
        } else {
          fail();
        }
      }
    }
    if (c === '"') {
      return str();
    }
    if (text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null) {
      return fail();
    }
    pos += m[0].length;
    return new JsonNumber(m[0]);
  };
  const result = value();
  ws();
  if (pos !== text.length) {
    fail();
  }
  return result;
}

/** True when the value is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber)
  );
}

const NUM_MARK = '\u0000n:';
const NUM_MARK_RE = /"\\u0000n:([-0-9.eE+]+)"/g;

/**
 * Serialises a value to JSON; {@link JsonNumber}s are written as bare numbers from their text, so decimal
 * amounts keep every digit. Other values follow `JSON.stringify` (undefined properties are dropped).
 * @param value - what to write
 * @returns the JSON text
 */
export function stringifyJson(value: unknown): string {
  let sawNumber = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof JsonNumber) {
      sawNumber = true;
      return NUM_MARK + v.text;
    }
    return v;
  });
  return sawNumber ? text.replace(NUM_MARK_RE, '$1') : text;
}
