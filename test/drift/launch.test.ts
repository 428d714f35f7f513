// The launcher behind `npm run drift`: the esbuild bundle on plain Node must answer exactly like the sources,
// and a bundle older than any source must be rebuilt (checked on a copy, never on the real cache).
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanTemp, PROJECT, REPO, runCli, tempProject } from './helpers.ts';

const LAUNCHER = path.join(REPO, 'scripts/drift/launch.mjs');
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

async function launch(args: string[], cwd: string, launcher = LAUNCHER): Promise<Run> {
  try {
    const r = await promisify(execFile)(process.execPath, [launcher, ...args], {
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
    'docs/b.md': '# B\n\nSet BROKER_X_Y.\n',
  });

describe('launcher output equals the CLI sources', () => {
  const root = dirty();
  it.each([
    ['pretty', ['--root', root]],
    ['json', ['--root', root, '--format', 'json']],
    ['sarif', ['--root', root, '--format', 'sarif']],
    ['github', ['--root', root, '--format', 'github']],
    ['a clean tree', ['--root', tempProject({ 'docs/a.md': '# A\n' }), '--format', 'json']],
    ['a usage error', ['--format', 'xml']],
    ['a config error', ['--config', 'none.yaml']],
    ['mentions', ['mentions', 'POST /v1/mint-aws-creds', '--format', 'json']],
    ['index', ['index', 'source']],
    ['help', ['--help']],
  ])('%s', async (_name, args) => {
    const [bundled, sources] = await Promise.all([launch(args, PROJECT), inProcess(args, PROJECT)]);
    expect(bundled.code).toBe(sources.code);
    expect(steady(bundled.stdout)).toBe(steady(sources.stdout));
    expect(bundled.stderr).toBe(sources.stderr);
  });

  it('reads the site components and their TypeScript data loaders on this repository', async () => {
    const args = ['--format', 'json'];
    const [bundled, sources] = await Promise.all([launch(args, REPO), inProcess(args, REPO)]);
    expect(bundled.code).toBe(0);
    expect(steady(bundled.stdout)).toBe(steady(sources.stdout));
    expect(JSON.parse(bundled.stdout).summary.infos).toBe(0);
  });
});

describe('bundle freshness', () => {
  // Inside node_modules so that the copy's bundle resolves its packages from the repository.
  const base = path.join(REPO, 'node_modules/.cache');
  mkdirSync(base, { recursive: true });
  const copy = mkdtempSync(path.join(base, 'drift-launch-test-'));
  copies.push(copy);
  cpSync(path.join(REPO, 'scripts/drift'), path.join(copy, 'scripts/drift'), { recursive: true });
  cpSync(path.join(REPO, 'scripts/lib'), path.join(copy, 'scripts/lib'), { recursive: true });
  const launcher = path.join(copy, 'scripts/drift/launch.mjs');
  const cacheDir = path.join(copy, 'node_modules/.cache/agentkeys-drift');
  const bundle = path.join(cacheDir, 'cli.mjs');

  it('builds a missing bundle, reuses a fresh one and rebuilds a stale one', async () => {
    const first = await launch(['--help'], copy, launcher);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Usage:/);
    const built = statSync(bundle).mtimeMs;

    expect((await launch(['--help'], copy, launcher)).stdout).toBe(first.stdout);
    expect(statSync(bundle).mtimeMs).toBe(built);

    const cli = path.join(copy, 'scripts/drift/cli.ts');
    writeFileSync(cli, readFileSync(cli, 'utf8').replace('Usage:', 'Usage of the copy:'));
    const later = new Date(built + 5_000);
    utimesSync(cli, later, later);
    // Several runs at once: each sees a whole bundle, and no temporary file is left behind.
    const runs = await Promise.all([1, 2, 3].map(() => launch(['--help'], copy, launcher)));
    for (const r of runs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage of the copy:/);
    }
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(built);
    expect(readdirSync(cacheDir)).toEqual(['cli.mjs']);

    // The command-line helpers the checker shares with the other tools are part of the bundle too.
    const rebuilt = statSync(bundle).mtimeMs;
    const args = path.join(copy, 'scripts/lib/args.ts');
    writeFileSync(args, readFileSync(args, 'utf8').replace('`unknown flag ', '`no such flag '));
    const later2 = new Date(rebuilt + 5_000);
    utimesSync(args, later2, later2);
    const unknown = await launch(['--bogus'], copy, launcher);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^drift: no such flag --bogus/);
  });
});
