// The built checker behind `npm run drift` and the package's bin: plain JavaScript made by `npm run build`
// must answer exactly like the TypeScript sources, refuse to run when it is older than them, and hold none
// of the site's code (the registries' loaders are shared instead; nothing is imported through hooks).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanTemp, PROJECT, REPO, runCli, tempProject } from './helpers.ts';

const BIN = path.join(REPO, 'bin/agentkeys-drift.mjs');
const copies: string[] = [];

afterAll(() => {
  cleanTemp();
  for (const c of copies.splice(0)) rmSync(c, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function launch(args: string[], cwd: string, bin = BIN): Promise<Run> {
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const r = e as { code: number; stdout: string; stderr: string };
    return { code: r.code, stdout: r.stdout, stderr: r.stderr };
  }
}

const inProcess = (args: string[], cwd: string): Promise<Run> => runCli(args, cwd);

// The one field that differs from run to run.
const steady = (s: string) =>
  s.replace(/"durationMs": \d+/g, '"durationMs": 0').replace(/in \d+ ms/g, 'in 0 ms');

const dirty = () =>
  tempProject({
    'docs/a.md': '# A\n\nCall POST /v1/mint-aws-creds.\n\nSee [b](./b.md#nope).\n',
    'docs/b.md': '# B\n\nSet BROKER_X_Y.\n\n- **Retire `mint_v2`.** Pending.\n',
  });

describe('the built checker answers like its sources', () => {
  const root = dirty();
  it.each([
    ['pretty', ['--root', root]],
    ['json', ['--root', root, '--format', 'json']],
    ['sarif', ['--root', root, '--format', 'sarif']],
    ['github', ['--root', root, '--format', 'github']],
    ['a clean tree', ['--root', tempProject({ 'docs/a.md': '# A\n' }), '--format', 'json']],
    ['a usage error', ['--format', 'xml']],
    ['an unknown flag, with the shared helpers’ suggestion', ['--formt', 'json']],
    ['a config error', ['--config', 'none.yaml']],
    ['mentions', ['mentions', 'POST /v1/mint-aws-creds', '--format', 'json']],
    ['index', ['index', 'source']],
    ['help', ['--help']],
  ])('%s', async (_name, args) => {
    const [built, sources] = await Promise.all([launch(args, PROJECT), inProcess(args, PROJECT)]);
    expect(built.code).toBe(sources.code);
    expect(steady(built.stdout)).toBe(steady(sources.stdout));
    expect(built.stderr).toBe(sources.stderr);
  });

  it('reads the ids of this site’s generated pages without running the site', async () => {
    const args = ['--format', 'json'];
    const [built, sources] = await Promise.all([launch(args, REPO), inProcess(args, REPO)]);
    expect(built.code).toBe(0);
    expect(steady(built.stdout)).toBe(steady(sources.stdout));
    expect(JSON.parse(built.stdout).summary.infos).toBe(0);
  });
});

describe('a stale or missing build', () => {
  // A copy of the bin, the sources and the build, inside the repository so that packages resolve.
  const base = path.join(REPO, 'node_modules/.cache');
  mkdirSync(base, { recursive: true });
  const copy = mkdtempSync(path.join(base, 'drift-build-test-'));
  copies.push(copy);
  for (const d of ['bin', 'dist/drift', 'scripts/drift', 'scripts/lib', 'scripts/registries'])
    cpSync(path.join(REPO, d), path.join(copy, d), { recursive: true });
  const bin = path.join(copy, 'bin/agentkeys-drift.mjs');
  const built = path.join(copy, 'dist/drift/cli.mjs');

  it('runs a build newer than every source, and refuses once a source is newer', async () => {
    const past = new Date(Date.now() - 60_000);
    for (const d of ['scripts/drift', 'scripts/lib', 'scripts/registries']) {
      const dir = path.join(copy, d);
      for (const f of readdirRecursive(dir)) utimesSync(f, past, past);
    }
    expect((await launch(['--help'], copy, bin)).code).toBe(0);

    const source = path.join(copy, 'scripts/registries/yaml.ts');
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    const stale = await launch(['--help'], copy, bin);
    expect(stale.code).toBe(2);
    expect(stale.stdout).toBe('');
    expect(stale.stderr).toBe(
      'drift: the built checker is older than scripts/registries/yaml.ts; run npm run build\n',
    );
  });

  it('says how to build when there is no build at all', async () => {
    rmSync(built);
    const r = await launch(['--help'], copy, bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'drift: the checker is not built (dist/drift/cli.mjs is missing); run npm run build\n',
    );
  });
});

function readdirRecursive(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

describe('what the built checker is made of', () => {
  it('bundles the checker, the shared command-line helpers and the registries’ loaders, and no site code', async () => {
    const r = await build({
      entryPoints: [path.join(REPO, 'scripts/drift/cli.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs).toContain('scripts/lib/args.ts');
    expect(inputs).toContain('scripts/registries/drift-yaml.ts');
    expect(inputs.filter((f) => f.startsWith('.vitepress/'))).toEqual([]);
    const packages = new Set(
      Object.values(r.metafile.inputs)
        .flatMap((i) => i.imports)
        .filter((i) => i.external)
        .map((i) => i.path),
    );
    // Loader hooks and run-time bundling are gone: neither esbuild nor node:module is needed to run.
    expect([...packages].filter((p) => p === 'esbuild' || p === 'node:module' || p === 'tsx')).toEqual([]);
  });

  it('the registries import neither the checker nor the site', async () => {
    const r = await build({
      entryPoints: [path.join(REPO, 'scripts/registries/index.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    // scripts/reference holds the env.yaml and upstream.yaml schemas the sandbox reads as well.
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.filter((f) => !/^scripts\/(?:registries|reference)\//.test(f))).toEqual([]);
  });
});
