/**
 * The project's guard against float money: production sources of every app and lib (tests and this money lib
 * excepted) may not turn an amount into a JS number. ESLint bans `parseFloat`; this also catches `Number(x.amount)`
 * and `+x.total`, which no lint rule of ours can tell apart from harmless conversions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..', '..');
const MONEY_WORDS = /amount|total|value|balance|price/i;
/** An identifier or property chain: `x`, `x.y`, `x?.y`, `x[0].y`, `x['y']`. */
const OPERAND = String.raw`[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*|\[[^\]\n]*\])*`;
const PARSE_FLOAT = /\b(?:Number\s*\.\s*)?parseFloat\s*\(/g;
const NUMBER_CALL = new RegExp(String.raw`\bNumber\s*\(\s*(${OPERAND})\s*[),]`, 'g');
// A `+` is unary when what precedes it cannot end an operand: an operator, an opening bracket, a keyword.
const UNARY_PLUS = new RegExp(
  String.raw`(?:^|[=(,:?!&|[{;<>*/%~^-]|\breturn|\bcase|=>)\s*\+(?![+=])\s*(${OPERAND})`,
  'gm',
);

/** One offending use of a float conversion. */
interface Finding {
  readonly line: number;
  readonly text: string;
}

function stripComments(source: string): string {
  // Keep line numbers: replace comment text by spaces, leave newlines.
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(
      /(^|[^:'"`\\])\/\/[^\n]*/g,
      (c, prefix: string) => prefix + ' '.repeat(c.length - prefix.length),
    );
}

/**
 * Finds float conversions of money-like operands in TypeScript source.
 *
 * @param source - file contents
 * @returns one finding per offending expression
 */
function findFloatMoney(source: string): Finding[] {
  const code = stripComments(source);
  const findings: Finding[] = [];
  const lineOf = (index: number): number => code.slice(0, index).split('\n').length;
  for (const m of code.matchAll(PARSE_FLOAT)) {
    findings.push({ line: lineOf(m.index), text: m[0] });
  }
  for (const re of [NUMBER_CALL, UNARY_PLUS]) {
    for (const m of code.matchAll(re)) {
      const operand = m[1] ?? '';
      if (MONEY_WORDS.test(operand)) {
        findings.push({ line: lineOf(m.index), text: m[0].trim() });
      }
    }
  }
  return findings;
}

function sourceFiles(dir: string, inSrc: boolean, out: string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist' || name === 'coverage') {
      continue;
    }
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      sourceFiles(path, inSrc || name === 'src', out);
    } else if (inSrc && name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) {
      out.push(path);
    }
  }
  return out;
}

describe('float money detector', () => {
  it.each([
    'const x = parseFloat(body.amount);',
    'const x = Number.parseFloat(s);',
    'const x = Number(invoice.totalGross.value);',
    'const x = Number(amount);',
    'const x = Number(row?.Balance);',
    "const x = Number(item['unitPrice']);",
    'const x = +charge.amountOutstanding;',
    'return +total;',
    'f(a, +m.value)',
    'const y = (+price) * 2;',
  ])('flags %s', (line) => {
    expect(findFloatMoney(line)).not.toEqual([]);
  });

  it.each([
    'const port = Number(env.PORT);',
    'const n = Number(count);',
    'const s = a + b.amount;',
    'total += 1;',
    'i++; ++value;',
    'const x = amount.plus(total);',
    '// Number(amount) is banned',
    '/* parseFloat(amount) */',
    "const url = 'https://x/y'; const n = Number(limit);",
  ])('accepts %s', (line) => {
    expect(findFloatMoney(line)).toEqual([]);
  });
});

describe('no float money in production sources', () => {
  const files = [
    ...sourceFiles(join(ROOT, 'apps'), false, []),
    ...sourceFiles(join(ROOT, 'libs'), false, []),
  ].filter((f) => !relative(ROOT, f).split(sep).join('/').startsWith('libs/shared/money/'));

  it('scans the workspace', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('never turns an amount into a JS number (use @payment-layer/shared-money)', () => {
    const offenders: string[] = [];
    for (const file of files) {
      for (const f of findFloatMoney(readFileSync(file, 'utf8'))) {
        offenders.push(`${relative(ROOT, file)}:${f.line}: ${f.text}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
