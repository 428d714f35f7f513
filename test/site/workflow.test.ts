// The GitHub workflow: runs on push and pull request, read-only, cancels stale runs, tests then ships the site.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('uploads the built site as an artifact after the build', () => {
    const upload = index((s) => s.uses?.startsWith('actions/upload-artifact@') ?? false);
    expect(upload).toBeGreaterThan(index((s) => /docs:build/.test(s.run ?? '')));
    expect(steps[upload]?.with?.path).toBe('.vitepress/dist');
  });
});
