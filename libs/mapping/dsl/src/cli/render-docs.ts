/**
 * Writes the human fields mapping document from the mapping documents of every app:
 * `docs/mappings/<app>.md` and `docs/mappings/README.md`. Run from anywhere:
 * `npx tsx libs/mapping/dsl/src/cli/render-docs.ts` (a test fails when the committed output is stale).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderWorkspaceMappingDocs } from '../render';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');

function main(): void {
  const files = renderWorkspaceMappingDocs(ROOT);
  const dir = join(ROOT, 'docs', 'mappings');
  mkdirSync(dir, { recursive: true });
  // Pages of apps that no longer have mappings must go too.
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.md') && !files.has(`docs/mappings/${name}`)) {
      rmSync(join(dir, name));
    }
  }
  for (const [path, text] of files) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), text);
    process.stdout.write(`wrote ${path}\n`);
  }
}

main();
