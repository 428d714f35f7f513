// `npm run drift` on plain Node: loading the TypeScript sources through tsx costs about a second per run,
// so the CLI is bundled once by esbuild (packages stay imports) and rebuilt only when a source changes.

import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const here = import.meta.dirname;
const repo = path.resolve(here, '../..');
const bundle = path.join(repo, 'node_modules/.cache/agentkeys-drift/cli.mjs');
// The checker's own folder and the command-line helpers it shares with the other tools.
const sources = [here, path.join(repo, 'scripts/lib')];

/** Newest modification time of any file under `dir` (the launcher itself included). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

function bundleTime() {
  try {
    return statSync(bundle).mtimeMs;
  } catch {
    return -1;
  }
}

async function rebuild() {
  const { build } = await import('esbuild');
  mkdirSync(path.dirname(bundle), { recursive: true });
  // A private temp name, then rename: concurrent runs never import a half-written bundle.
  const temp = `${bundle}.${process.pid}.${Date.now()}.tmp.mjs`;
  try {
    await build({
      entryPoints: [path.join(here, 'cli.ts')],
      outfile: temp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    renameSync(temp, bundle);
  } finally {
    rmSync(temp, { force: true });
  }
}

try {
  if (bundleTime() < Math.max(...sources.map(newest))) await rebuild();
} catch (error) {
  process.stderr.write(`drift: internal error: could not bundle the checker: ${error.message}\n`);
  process.exit(3);
}
// The bundle sits under the repository's node_modules, so its package imports resolve from there.
const { run } = await import(pathToFileURL(bundle).href);
// After the bundle's own imports: only what the checker imports later (the site's data loaders) passes the hooks.
register('./ts-hooks.mjs', import.meta.url);
process.exitCode = await run(process.argv.slice(2));
