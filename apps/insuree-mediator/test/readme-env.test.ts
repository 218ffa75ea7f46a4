import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvTable } from '@payment-layer/openhim-mediator';
import { INSUREE_ENV_SCHEMA } from '../src/config';

// The README's configuration table is generated from the env schema; `npm run docs` rewrites it (UPDATE_DOCS=1).
const README = join(__dirname, '../../../README.md');
const START = '<!-- env:insuree-mediator:start -->';
const END = '<!-- env:insuree-mediator:end -->';

it('README documents every environment variable of the insuree mediator', () => {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  const wanted = `${START}\n${renderEnvTable(INSUREE_ENV_SCHEMA)}\n${END}`;
  const current = readme.slice(start, end + END.length);
  if (process.env.UPDATE_DOCS === '1') {
    writeFileSync(README, readme.replace(current, wanted));
    return;
  }
  // Prettier pads Markdown tables; compare cell contents only.
  const cells = (text: string): string =>
    text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) =>
        l
          .replace(/\s*\|\s*/g, '|')
          .replace(/-{3,}/g, '---')
          .trim(),
      )
      .join('\n');
  if (cells(current) !== cells(wanted)) {
    throw new Error('README configuration table of the insuree mediator is stale: run `npm run docs`');
  }
});
