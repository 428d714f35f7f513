#!/usr/bin/env node
// `npx agentkeys-drift --format json`: the drift checker as built by `npm run build` (plain JavaScript in
// dist/drift/), with flags that reach it without `--`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'dist/drift/cli.mjs');

/** The newest file under `dir`, with its time. */
function newest(dir) {
  let best = { file: '', time: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const hit = entry.isDirectory() ? newest(full) : { file: full, time: statSync(full).mtimeMs };
    if (hit.time > best.time) best = hit;
  }
  return best;
}

function refuse(message) {
  process.stderr.write(`drift: ${message}; run npm run build\n`);
  process.exit(2);
}

if (!existsSync(built)) refuse('the checker is not built (dist/drift/cli.mjs is missing)');
// In a checkout of this repository the sources sit beside the build: a newer source means a stale build.
const sources = ['scripts/drift', 'scripts/lib', 'scripts/registries']
  .map((d) => path.join(root, d))
  .filter((d) => existsSync(d));
if (sources.length > 0) {
  const latest = sources.map(newest).reduce((a, b) => (b.time > a.time ? b : a));
  if (latest.time > statSync(built).mtimeMs)
    refuse(`the built checker is older than ${path.relative(root, latest.file)}`);
}
const { run } = await import(pathToFileURL(built).href);
process.exitCode = await run(process.argv.slice(2));
