// `npm run build` (also run by `npm run setup` and npm's `prepare`): the drift checker as plain JavaScript.
// One esbuild bundle of scripts/drift/cli.ts with its helpers (scripts/lib, scripts/registries); packages
// stay imports, resolved from whichever node_modules the package is installed in. The retirement vocabulary
// is copied beside it, where the checker reads it.
import { copyFileSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
export const BUILT = path.join(repo, 'dist/drift/cli.mjs');

/** Builds into a private temporary name, then renames: a run that starts meanwhile never sees half a file. */
export async function buildChecker() {
  const { build } = await import('esbuild');
  const out = path.dirname(BUILT);
  mkdirSync(out, { recursive: true });
  copyFileSync(path.join(repo, 'scripts/drift/vocabulary.yaml'), path.join(out, 'vocabulary.yaml'));
  const temp = `${BUILT}.${process.pid}.${Date.now()}.tmp.mjs`;
  try {
    await build({
      entryPoints: [path.join(repo, 'scripts/drift/cli.ts')],
      outfile: temp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
      legalComments: 'none',
    });
    renameSync(temp, BUILT);
  } finally {
    rmSync(temp, { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  try {
    await buildChecker();
  } catch (error) {
    process.stderr.write(`build: the drift checker did not build: ${error.message}\n`);
    process.exitCode = 1;
  }
}
