// Java `DateTimeFormatter` patterns as Fineract reads request dates (`dateFormat` + `locale`), for the subset
// of pattern letters that date-only formats use. Dates are kept as ISO `yyyy-MM-dd` strings in the state and
// answered as `[y, m, d]` arrays like Fineract.

const MONTHS_EN = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

type Token =
  | { kind: 'year'; width: number }
  | { kind: 'month'; width: number }
  | { kind: 'day'; width: number }
  | { kind: 'literal'; text: string };

const compiled = new Map<string, Token[] | null>();

/**
 * Compiles a Java date pattern; `null` when the pattern uses letters this simulator does not support or is
 * not a valid pattern (Fineract answers `validation.msg.invalid.dateFormat.format`).
 */
function compile(pattern: string): Token[] | null {
  const cached = compiled.get(pattern);
  if (cached !== undefined) {
    return cached;
  }
  const tokens: Token[] = [];
  let ok = pattern.length > 0;
  let i = 0;
  while (ok && i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) {
        ok = false;
        break;
      }
      tokens.push({ kind: 'literal', text: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern.charAt(j) === c) {
        j++;
      }
      const width = j - i;
      if ((c === 'y' || c === 'u') && (width === 2 || width === 4)) {
        tokens.push({ kind: 'year', width });
      } else if ((c === 'M' || c === 'L') && width <= 4) {
        tokens.push({ kind: 'month', width });
      } else if (c === 'd' && width <= 2) {
        tokens.push({ kind: 'day', width });
      } else {
        ok = false;
      }
      i = j;
      continue;
    }
    tokens.push({ kind: 'literal', text: c });
    i++;
  }
  const result = ok && tokens.some((t) => t.kind === 'year') ? tokens : null;
  compiled.set(pattern, result);
  return result;
}

/** True when the pattern is one the simulator can parse. */
export function isSupportedDatePattern(pattern: string): boolean {
  return compile(pattern) !== null;
}

function isEnglish(locale: string): boolean {
  return /^en([_-][A-Za-z]{2})?$/.test(locale);
}

/**
 * Parses a date written with a Java pattern.
 * @param value - the date text
 * @param pattern - the Java pattern (`yyyy-MM-dd`, `dd MMMM yyyy`, `dd-MM-yyyy`, …)
 * @param locale - the request locale (month names are understood in English only)
 * @returns the ISO date `yyyy-MM-dd`, or `null` when the text does not match or is not a real date
 */
export function parseJavaDate(value: string, pattern: string, locale: string): string | null {
  const tokens = compile(pattern);
  if (tokens === null) {
    return null;
  }
  let pos = 0;
  let year: number | undefined;
  let month: number | undefined;
  let day: number | undefined;
  const digits = (min: number, max: number): number | null => {
    let j = pos;
    while (j < value.length && j - pos < max && /\d/.test(value.charAt(j))) {
      j++;
    }
    if (j - pos < min) {
      return null;
    }
    const n = parseInt(value.slice(pos, j), 10);
    pos = j;
    return n;
  };
  for (const t of tokens) {
    switch (t.kind) {
      case 'literal':
        if (!value.startsWith(t.text, pos)) {
          return null;
        }
        pos += t.text.length;
        break;
      case 'year': {
        const n = t.width === 2 ? digits(2, 2) : digits(4, 9);
        if (n === null) {
          return null;
        }
        year = t.width === 2 ? 2000 + n : n;
        break;
      }
      case 'month': {
        if (t.width <= 2) {
          const n = digits(t.width, 2);
          if (n === null) {
            return null;
          }
          month = n;
        } else {
          if (!isEnglish(locale)) {
            return null;
          }
          // DateTimeFormatter.ofPattern parses text case-sensitively: "March", not "march".
          const rest = value.slice(pos);
          const idx = MONTHS_EN.findIndex((m) => rest.startsWith(t.width === 4 ? m : m.slice(0, 3)));
          if (idx < 0) {
            return null;
          }
          month = idx + 1;
          pos += t.width === 4 ? (MONTHS_EN[idx] ?? '').length : 3;
        }
        break;
      }
      case 'day': {
        const n = digits(t.width, 2);
        if (n === null) {
          return null;
        }
        day = n;
        break;
      }
    }
  }
  if (pos !== value.length || year === undefined || month === undefined || day === undefined) {
    return null;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return null;
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A stored ISO date as Fineract answers it.
 * @param iso - `yyyy-MM-dd`
 * @returns `[y, m, d]`
 */
export function toDateArray(iso: string): [number, number, number] {
  const [y, m, d] = iso.split('-');
  return [parseInt(y ?? '0', 10), parseInt(m ?? '0', 10), parseInt(d ?? '0', 10)];
}

/**
 * Today's date (UTC) of a clock, as ISO `yyyy-MM-dd`: the simulator's business date.
 * @param now - the current instant
 * @returns the ISO date
 */
export function isoDate(now: Date): string {
  return now.toISOString().slice(0, 10);
}
