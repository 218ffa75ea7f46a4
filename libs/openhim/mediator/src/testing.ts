import { readFileSync, writeFileSync } from 'node:fs';
import { renderEnvTable, type EnvSchema } from './env-config';

/**
 * Checks that a README section `<!-- env:<name>:start -->`…`<!-- env:<name>:end -->` holds the table generated from
 * an env schema; with `UPDATE_DOCS=1` (`npm run docs`) it rewrites the section instead. Prettier's padding of the
 * Markdown table is ignored.
 *
 * @param readmePath - the README file
 * @param name - section name (the app)
 * @param schema - the app's env schema
 * @throws Error naming the command to run when the section is stale
 */
export function checkReadmeEnvSection(readmePath: string, name: string, schema: EnvSchema): void {
  const start = `<!-- env:${name}:start -->`;
  const end = `<!-- env:${name}:end -->`;
  const readme = readFileSync(readmePath, 'utf8');
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    throw new Error(`README has no ${start} … ${end} section`);
  }
  const current = readme.slice(from, to + end.length);
  const wanted = `${start}\n${renderEnvTable(schema)}\n${end}`;
  if (process.env.UPDATE_DOCS === '1') {
    writeFileSync(readmePath, readme.replace(current, wanted));
    return;
  }
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
    throw new Error(`README configuration table of ${name} is stale: run \`npm run docs\``);
  }
}
