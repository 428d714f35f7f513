// Which code the sandbox runs: its plain-JavaScript build (dist/sandbox/, made by `npm run build`) while every
// file it was built from is unchanged, and its TypeScript sources through tsx otherwise. The build starts in
// a third of the time; falling back keeps an edit to a source effective at once, without a rebuild.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..');
const buildDir = path.join(root, 'dist/sandbox');

/** The first source the build was made from that changed or disappeared since, or undefined. */
export function changedSource(dir = buildDir, sourceRoot = root) {
  let record;
  try {
    record = JSON.parse(readFileSync(path.join(dir, 'sources.json'), 'utf8'));
  } catch {
    return 'dist/sandbox/sources.json';
  }
  for (const input of record.inputs) {
    const file = path.join(sourceRoot, input);
    if (!existsSync(file) || statSync(file).mtimeMs > record.builtAt) return input;
  }
  return undefined;
}

let chosen;

/** Whether this process runs the built sandbox (decided once, so its modules never mix the two). */
export function sandboxIsBuilt() {
  chosen ??= changedSource() === undefined;
  return chosen;
}

/** The URL of a built sandbox entry point: `cli`, `binary`, `binary-args` or `start`. */
export function builtSandbox(name) {
  return pathToFileURL(path.join(buildDir, `${name}.mjs`)).href;
}
