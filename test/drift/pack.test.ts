// The checker as another repository gets it: `npm pack` of this project, installed into a temporary
// project of its own with its own drift.yaml, run there with `npx agentkeys-drift`. The install works
// from the local npm cache (every package the checker needs was fetched when this repository was
// installed), through a lockfile made from this repository's own: no network when the cache is warm.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers.ts';

const exec = promisify(execFile);
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  // npm's own settings from the test run (npm_config_*) would leak into the consumer's npm.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  try {
    const r = await exec(cmd, args, { cwd, env: { ...env, NO_COLOR: '1' }, maxBuffer: 1 << 26 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const r = e as { code: number; stdout: string; stderr: string };
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
}

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
let tarball: string;
let files: string[];

beforeAll(async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'drift-pack-'));
  temps.push(out);
  // The build is the one the test run made (vitest's globalSetup); packing needs no second one.
  const r = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], REPO);
  expect(r.code, r.stderr).toBe(0);
  const [packed] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(out, packed?.filename ?? '');
  files = (packed?.files ?? []).map((f) => f.path);
});

/**
 * A project that depends on the tarball, with a lockfile that pins what this repository's lockfile pins
 * for the package's own dependencies (its production entries), so `npm ci` can install from the cache.
 */
async function consumer(pages: Record<string, string>): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-consumer-'));
  temps.push(dir);
  const spec = `file:${path.relative(dir, tarball)}`;
  const lock = JSON.parse(readFileSync(path.join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      dependencies: pkg.dependencies,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages))
    if (key !== '' && !entry.dev && !entry.devOptional) packages[key] = entry;
  const manifest = { name: 'consumer', version: '1.0.0', private: true, dependencies: { [pkg.name]: spec } };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages }),
  );
  const r = await run(
    'npm',
    ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    dir,
  );
  expect(r.code, r.stderr).toBe(0);
  for (const [rel, text] of Object.entries(pages)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const REGISTRY = `include: ["**/*.md"]
retired:
  - symbol: old_handler
    description: The handler before v2.
    replacement: new_handler
    removed: "v2"
`;

describe('the packed checker', () => {
  it('holds the bin and the built checker, not the TypeScript sources', () => {
    expect(files).toContain('bin/agentkeys-drift.mjs');
    expect(files).toContain('dist/drift/cli.mjs');
    expect(files).toContain('dist/drift/vocabulary.yaml');
    expect(files.filter((f) => f.startsWith('scripts/') || f.endsWith('.ts'))).toEqual([]);
  });

  it('installs into another project and checks it with npx agentkeys-drift', async () => {
    const dir = await consumer({
      'drift.yaml': REGISTRY,
      'README.md': '# Project\n\nCall old_handler, or see [the guide](docs/guide).\n',
      'docs/guide.md': '# Guide\n\nThe old_handler was removed in v2.\n\n## 3.1 Setup (issue #4)\n',
      'docs/more.md': '# More\n\n[setup](guide.md#31-setup-issue-4) and [gone](guide.md#setup)\n',
    });
    // Nothing of the site toolchain comes along: the checker's own dependencies only.
    expect(existsSync(path.join(dir, 'node_modules/vitepress'))).toBe(false);
    const r = await run('npx', ['--offline', 'agentkeys-drift', '--format', 'json'], dir);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(
      report.findings.map(
        (f: { file: string; line: number; rule: string; match: string }) =>
          `${f.file}:${f.line} ${f.rule} ${f.match}`,
      ),
    ).toEqual(['README.md:3 retired-reference old_handler', 'docs/more.md:3 dead-link guide.md#setup']);
    expect(report.summary.files).toBe(3);

    const cached = await run('npx', ['--offline', 'agentkeys-drift', '--cache', '--format', 'json'], dir);
    const again = await run('npx', ['--offline', 'agentkeys-drift', '--cache', '--format', 'json'], dir);
    expect(JSON.parse(again.stdout).findings).toEqual(report.findings);
    expect(JSON.parse(cached.stdout).findings).toEqual(report.findings);
    expect(existsSync(path.join(dir, 'node_modules/.cache/agentkeys-drift/drift-cache.json'))).toBe(true);
  });

  it('asks for VitePress, with exit 2, where the project has a site but not VitePress', async () => {
    const dir = await consumer({
      'drift.yaml': REGISTRY,
      '.vitepress/config.mjs': 'export default {};\n',
      'docs/index.md': '# Home\n',
    });
    const r = await run('npx', ['--offline', 'agentkeys-drift'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^drift: docs\/index\.md: pages are read as the VitePress site renders them/);
    expect(r.stderr).toContain('npm install --save-dev vitepress');
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
