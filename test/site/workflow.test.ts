// The GitHub workflow: runs on push and pull request, read-only, cancels stale runs, tests then ships the site;
// and .ci/run, which it calls: the broker checkout beside the repository switches the parity check on.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { siteBase } from '../../.vitepress/config.ts';
import { repoRoot } from './helpers/site-build.ts';

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/docs.yml'), 'utf8'));
const jobs = Object.values<Job>(workflow.jobs);
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

describe('publishing', () => {
  const onMain = "github.event_name == 'push' && github.ref == 'refs/heads/main'";
  const build = workflow.jobs['test-and-build'] as Job;
  const at = (match: (step: Step) => boolean) => build.steps.findIndex(match);

  it('builds with the base path Pages reports, through the one base setting of the site', () => {
    const pages = at((s) => s.uses?.startsWith('actions/configure-pages@') ?? false);
    const docsBuild = at((s) => /npm run docs:build/.test(s.run ?? ''));
    expect(pages).toBeGreaterThanOrEqual(0);
    expect(pages).toBeLessThan(docsBuild);
    expect(build.steps[pages]?.if).toBe(onMain);
    const id = build.steps[pages]?.id;
    expect(build.steps[docsBuild]?.env?.AGENTKEYS_DOCS_BASE).toBe(`\${{ steps.${id}.outputs.base_path }}`);
  });

  it('reads the base path as VitePress needs it: with slashes around, or / when unset', () => {
    expect(siteBase(undefined)).toBe('/');
    expect(siteBase('')).toBe('/');
    expect(siteBase('/agentkeys-operator-docs')).toBe('/agentkeys-operator-docs/');
    expect(siteBase('agentkeys-operator-docs/')).toBe('/agentkeys-operator-docs/');
  });

  it('deploys the built site to GitHub Pages from main only, the way VitePress documents it', () => {
    const upload = at((s) => s.uses?.startsWith('actions/upload-pages-artifact@') ?? false);
    expect(upload).toBeGreaterThan(at((s) => /npm run docs:build/.test(s.run ?? '')));
    expect(build.steps[upload]?.with?.path).toBe('.vitepress/dist');
    expect(build.steps[upload]?.if).toBe(onMain);
    const deploy = workflow.jobs.deploy as Job & { environment: { name: string } };
    expect(deploy.if).toBe(onMain);
    expect(deploy.needs).toBe('test-and-build');
    expect(deploy.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(deploy.environment.name).toBe('github-pages');
    expect(deploy.steps.some((s) => s.uses?.startsWith('actions/deploy-pages@'))).toBe(true);
  });

  it('on a pull request, annotates the diff with drift findings and uploads them as SARIF', () => {
    const drift = workflow.jobs.drift as Job;
    expect(drift.if).toBe("github.event_name == 'pull_request'");
    expect(drift.permissions?.['security-events']).toBe('write');
    const runs = drift.steps.map((s) => s.run ?? '');
    expect(runs.some((r) => /npm run drift -- --format github\b/.test(r))).toBe(true);
    const sarif = runs.find((r) => /--format sarif/.test(r)) ?? '';
    const file = /> (\S+\.sarif)/.exec(sarif)?.[1];
    const upload = drift.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(file).toBeDefined();
    expect(upload?.with?.sarif_file).toBe(file);
    expect(upload?.if).toBe('always()');
  });
});

describe('workflow validation (npm run lint:workflows)', () => {
  const validator = join(repoRoot, 'node_modules/.bin/action-validator');
  const validate = (file: string) => {
    try {
      execFileSync(validator, [file], { stdio: 'pipe' });
      return { code: 0, output: '' };
    } catch (error) {
      const e = error as { status: number; stdout: Buffer; stderr: Buffer };
      return { code: e.status, output: `${e.stdout}${e.stderr}` };
    }
  };

  it('is part of npm test, through npm run lint', () => {
    const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts;
    expect(scripts.lint).toContain('npm run lint:workflows');
    expect(scripts['lint:workflows']).toBe('action-validator .github/workflows/*.yml');
    expect(scripts.test).toMatch(/^npm run lint && /);
  });

  it('passes the workflow as written', () => {
    expect(validate(join(repoRoot, '.github/workflows/docs.yml'))).toEqual({ code: 0, output: '' });
  });

  it('fails a workflow with a misspelt key, naming it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'workflow-'));
    try {
      const broken = readFileSync(join(repoRoot, '.github/workflows/docs.yml'), 'utf8').replace(
        'runs-on: ubuntu-latest',
        'runs_on: ubuntu-latest',
      );
      writeFileSync(join(folder, 'docs.yml'), broken);
      const result = validate(join(folder, 'docs.yml'));
      expect(result.code).toBe(1);
      expect(result.output).toContain("Additional property 'runs_on' is not allowed");
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
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
