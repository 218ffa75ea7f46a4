import path from 'node:path';
import { defineConfig } from 'drizzle-kit';

// Paths are anchored to this file so `npx drizzle-kit generate --config libs/staging/db/drizzle.config.ts`
// produces the same output from any working directory.
export default defineConfig({
  dialect: 'sqlite',
  schema: path.join(__dirname, 'src/schema/index.ts'),
  out: path.join(__dirname, 'drizzle'),
  strict: true,
  verbose: true,
});
