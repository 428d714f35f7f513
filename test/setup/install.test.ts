// Installing is quiet and reviewed: every dependency that runs an install script is approved by name in
// package.json's allowScripts, so `npm ci` neither warns about it nor silently skips its build.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

describe('install scripts', () => {
  it('every package with an install script is approved in allowScripts', () => {
    const output = execFileSync('npm', ['install-scripts', 'ls', '--json'], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ allowScripts: [] });
  });

  it('approves only packages the lockfile installs', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    const withScripts = new Set(
      Object.entries<{ hasInstallScript?: boolean }>(lock.packages)
        .filter(([, meta]) => meta.hasInstallScript)
        .map(([path]) => path.replace(/^.*node_modules\//, '')),
    );
    for (const name of Object.keys(pkg.allowScripts)) expect(withScripts, name).toContain(name);
  });
});
