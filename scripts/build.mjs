// `npm run build` (also run by `npm run setup` and npm's `prepare`): the drift checker as plain JavaScript.
// An esbuild bundle of scripts/drift/cli.ts with its helpers (scripts/lib, scripts/registries), with the
// parts only some runs need (the registries' page views) split into chunks loaded on demand; packages stay
// imports, resolved from whichever node_modules the package is installed in. The retirement vocabulary is
// copied beside it, where the checker reads it.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
export const BUILT = path.join(repo, 'dist/drift/cli.mjs');

/**
 * Writes the parts loaded on demand first (named by their content), then the entry point under a private
 * temporary name renamed into place: a run that starts meanwhile never sees half a file. Parts no longer
 * referenced are removed.
 */
export async function buildChecker() {
  const { build } = await import('esbuild');
  const out = path.dirname(BUILT);
  mkdirSync(path.join(out, 'chunks'), { recursive: true });
  copyFileSync(path.join(repo, 'scripts/drift/vocabulary.yaml'), path.join(out, 'vocabulary.yaml'));
  const result = await build({
    entryPoints: { cli: path.join(repo, 'scripts/drift/cli.ts') },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    legalComments: 'none',
  });
  const chunks = new Set();
  let entry;
  for (const file of result.outputFiles) {
    if (file.path === BUILT) entry = file;
    else {
      chunks.add(path.basename(file.path));
      writeFileSync(file.path, file.contents);
    }
  }
  if (!entry) throw new Error('esbuild wrote no dist/drift/cli.mjs');
  const temp = `${BUILT}.${process.pid}.${Date.now()}.tmp.mjs`;
  try {
    writeFileSync(temp, entry.contents);
    renameSync(temp, BUILT);
  } finally {
    rmSync(temp, { force: true });
  }
  for (const name of readdirSync(path.join(out, 'chunks')))
    if (!chunks.has(name)) rmSync(path.join(out, 'chunks', name), { force: true });
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  try {
    await buildChecker();
  } catch (error) {
    process.stderr.write(`build: the drift checker did not build: ${error.message}\n`);
    process.exitCode = 1;
  }
}
