/**
 * Image build CLI, run by `docker/Dockerfile`:
 *
 *   tsx tools/images/src/cli.ts build <app> <outDir>   bundle, assets and production packages of one image
 *   tsx tools/images/src/cli.ts list                   the apps docker/images.json describes
 */
import { resolve } from 'node:path';
import { buildImage, imageSpecs } from './images';

async function main(argv: readonly string[]): Promise<void> {
  const [command, app, outDir] = argv;
  const specs = imageSpecs();
  if (command === 'list') {
    process.stdout.write(`${specs.map((s) => s.app).join('\n')}\n`);
    return;
  }
  if (command !== 'build' || app === undefined || outDir === undefined) {
    throw new Error('usage: cli.ts build <app> <outDir> | cli.ts list');
  }
  const spec = specs.find((s) => s.app === app);
  if (!spec) {
    throw new Error(
      `docker/images.json has no image "${app}" (known: ${specs.map((s) => s.app).join(', ')})`,
    );
  }
  const bundle = await buildImage(spec, resolve(outDir));
  process.stdout.write(`${app}: ${bundle.file}, external ${bundle.imports.join(', ')}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`image build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
