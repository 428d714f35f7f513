// The GitHub workflow: runs on push and pull request, read-only, cancels stale runs, tests then ships the site;
// and .ci/run, which it calls: the broker checkout beside the repository switches the parity check on.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './helpers/site-build.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/docs.yml'), 'utf8'));
const jobs = Object.values<{ steps: Step[] }>(workflow.jobs);
const steps = jobs.flatMap((job) => job.steps);
const index = (match: (step: Step) => boolean) => steps.findIndex(match);

describe('.github/workflows/docs.yml', () => {
  it('runs on push and pull request with read-only contents', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('cancels a run that a newer push replaces', () => {
    expect(workflow.concurrency['cancel-in-progress']).toBe(true);
    expect(workflow.concurrency.group).toContain('github.ref');
  });

  it('sets up Node 20 and runs .ci/run before building', () => {
    const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(String(node?.with?.['node-version'])).toBe('20');
    const ci = index((s) => /\bbash \.ci\/run\b/.test(s.run ?? ''));
    const build = index((s) => /npm run docs:build|vitepress build/.test(s.run ?? ''));
    expect(ci).toBeGreaterThan(index((s) => s.uses?.startsWith('actions/setup-node@') ?? false));
    expect(build).toBeGreaterThan(ci);
  });

  it('installs moto with pip and puts it on the PATH before .ci/run, which needs it under CI=true', () => {
    const moto = index((s) => /pip install .*'moto\[server\]'/.test(s.run ?? ''));
    expect(moto).toBeGreaterThanOrEqual(0);
    expect(moto).toBeLessThan(index((s) => /\bbash \.ci\/run\b/.test(s.run ?? '')));
    expect(steps[moto]?.run).toMatch(/GITHUB_PATH/);
  });

  it('uploads the built site as an artifact after the build', () => {
    const upload = index((s) => s.uses?.startsWith('actions/upload-artifact@') ?? false);
    expect(upload).toBeGreaterThan(index((s) => /docs:build/.test(s.run ?? '')));
    expect(steps[upload]?.with?.path).toBe('.vitepress/dist');
  });
});

describe('.ci/run', () => {
  const temps: string[] = [];
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  /**
   * Runs the real .ci/run from a repository folder inside a scratch parent, with setup and `npm` replaced
   * by scripts that only record what they were given: the install and the test suite are not what is tested.
   */
  function ciRun(options: { upstream: boolean; preset?: string }): string {
    const parent = mkdtempSync(join(tmpdir(), 'ci-run-'));
    temps.push(parent);
    const repo = join(parent, 'repo');
    mkdirSync(join(repo, '.ci'), { recursive: true });
    mkdirSync(join(repo, 'scripts'), { recursive: true });
    cpSync(join(repoRoot, '.ci/run'), join(repo, '.ci/run'));
    writeFileSync(join(repo, 'scripts/setup.sh'), 'exit 0\n');
    const bin = join(parent, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'npm'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      '#!/bin/sh\necho "npm $* AGENTKEYS_SRC=${AGENTKEYS_SRC:-unset}" > "$(dirname "$0")/../npm.log"\n',
    );
    chmodSync(join(bin, 'npm'), 0o755);
    if (options.upstream)
      mkdirSync(join(parent, 'shared/upstream/agentkeys-broker-server/src'), { recursive: true });
    const env: NodeJS.ProcessEnv = { PATH: `${bin}:${process.env.PATH}`, HOME: parent };
    if (options.preset) env.AGENTKEYS_SRC = options.preset;
    execFileSync('bash', [join(repo, '.ci/run')], { env, stdio: 'pipe' });
    return readFileSync(join(parent, 'npm.log'), 'utf8').trim().replace(parent, '<parent>');
  }

  it('points AGENTKEYS_SRC at ../shared/upstream/agentkeys-broker-server when it exists', () => {
    expect(ciRun({ upstream: true })).toBe(
      'npm test AGENTKEYS_SRC=<parent>/shared/upstream/agentkeys-broker-server',
    );
  });

  it('leaves it unset without that folder, and keeps a value already set', () => {
    expect(ciRun({ upstream: false })).toBe('npm test AGENTKEYS_SRC=unset');
    expect(ciRun({ upstream: true, preset: '/elsewhere' })).toBe('npm test AGENTKEYS_SRC=/elsewhere');
  });
});
