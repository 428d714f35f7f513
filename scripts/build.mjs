// `npm run build` (also run by `npm run setup` and npm's `prepare`): the drift checker and the sandbox as plain
// JavaScript, esbuild bundles of their TypeScript with the helpers they import. Packages stay imports,
// resolved from whichever node_modules the code runs beside.
// - dist/drift/: the checker, with the parts only some runs need (the registries' page views) split into
//   chunks loaded on demand, and the retirement vocabulary copied beside it, where the checker reads it.
// - dist/sandbox/: the broker stand-in's entry points (cli, binary, binary-args, start) and their shared
//   chunks, plus sources.json naming every file it was built from: bin/built.mjs runs it only while none of
//   them has changed since, and the TypeScript sources otherwise.
import { copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '..');
export const BUILT = path.join(repo, 'dist/drift/cli.mjs');
export const SANDBOX_DIR = path.join(repo, 'dist/sandbox');

/** Writes `contents` under a private temporary name renamed into place: a reader never sees half a file. */
function writeAtomically(file, contents) {
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(temp, contents);
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Bundles `entryPoints` into `outdir` with chunks named by their content; chunks are written first and entry
 * points last, so a run that starts meanwhile loads a complete build. Files the new build no longer has are
 * removed. Returns esbuild's metafile.
 */
async function bundle({ entryPoints, outdir, chunkNames, chunkDir }) {
  const { build } = await import('esbuild');
  mkdirSync(chunkDir, { recursive: true });
  const result = await build({
    entryPoints,
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames,
    bundle: true,
    splitting: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    legalComments: 'none',
  });
  const entries = new Set(Object.keys(entryPoints).map((name) => path.join(outdir, `${name}.mjs`)));
  const written = new Set();
  for (const file of result.outputFiles.filter((f) => !entries.has(f.path))) {
    writeFileSync(file.path, file.contents);
    written.add(file.path);
  }
  for (const file of result.outputFiles.filter((f) => entries.has(f.path))) {
    writeAtomically(file.path, file.contents);
    written.add(file.path);
  }
  for (const entry of entries) if (!written.has(entry)) throw new Error(`esbuild wrote no ${entry}`);
  for (const name of readdirSync(chunkDir)) {
    const file = path.join(chunkDir, name);
    if (name.endsWith('.mjs') && !written.has(file)) rmSync(file, { force: true });
  }
  return result.metafile;
}

export async function buildChecker() {
  const out = path.dirname(BUILT);
  mkdirSync(out, { recursive: true });
  copyFileSync(path.join(repo, 'scripts/drift/vocabulary.yaml'), path.join(out, 'vocabulary.yaml'));
  await bundle({
    entryPoints: { cli: path.join(repo, 'scripts/drift/cli.ts') },
    outdir: out,
    chunkNames: 'chunks/[name]-[hash]',
    chunkDir: path.join(out, 'chunks'),
  });
}

export async function buildSandbox() {
  // Modules find the repository two folders above their own file (scripts/<part>/x.ts), so the chunks sit in
  // dist/sandbox/ itself, two folders down as well.
  const started = Date.now();
  const source = (name) => path.join(repo, 'scripts/sandbox', `${name}.ts`);
  const metafile = await bundle({
    entryPoints: Object.fromEntries(
      ['cli', 'binary', 'binary-args', 'start'].map((name) => [name, source(name)]),
    ),
    outdir: SANDBOX_DIR,
    chunkNames: '[name]-[hash]',
    chunkDir: SANDBOX_DIR,
  });
  const inputs = Object.keys(metafile.inputs)
    .filter((input) => !input.includes('node_modules/'))
    .sort();
  writeAtomically(
    path.join(SANDBOX_DIR, 'sources.json'),
    `${JSON.stringify({ builtAt: started, inputs }, null, 2)}\n`,
  );
}

/** Everything `npm run build` makes. */
export async function buildAll() {
  await Promise.all([buildChecker(), buildSandbox()]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  for (const [what, make] of [
    ['the drift checker', buildChecker],
    ['the sandbox', buildSandbox],
  ]) {
    try {
      await make();
    } catch (error) {
      process.stderr.write(`build: ${what} did not build: ${error.message}\n`);
      process.exitCode = 1;
    }
  }
}
