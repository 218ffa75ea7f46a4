import path from 'node:path';
import { defineConfig } from 'drizzle-kit';

// drizzle-kit resolves `out` against the working directory (an absolute path breaks its snapshot look-up), so the
// paths are made relative to the cwd from this file's location: `npx drizzle-kit generate --config
// libs/staging/db/drizzle.config.ts` produces the same output from any working directory.
const here = (...parts: string[]): string =>
  path.relative(process.cwd(), path.join(__dirname, ...parts)) || '.';

export default defineConfig({
  dialect: 'sqlite',
  schema: here('src', 'schema', 'index.ts'),
  out: here('drizzle'),
  strict: true,
  verbose: true,
});
