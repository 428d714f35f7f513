// What the site renders passes the drift checker: no page, and no step script a page imports, presents a
// retired surface as live; the four main pages also carry no checker warning at all.
import { describe, expect, it } from 'vitest';
import { check, type Finding } from '../../scripts/drift/index.ts';
import { repoRoot } from './helpers/built-pages.ts';

const mainPageFiles = [
  'docs/arch.md',
  'docs/dev-setup.md',
  'docs/operator-runbook-stage7.md',
  'docs/stage7-demo-and-verification.md',
  'docs/runbook-template.md',
];

const show = (findings: Finding[]) =>
  findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.message}`);

describe('drift checker on what the site renders', () => {
  it('finds no retired surface presented as live in the pages or the step scripts they import', async () => {
    const result = await check({ root: repoRoot, cwd: repoRoot, paths: ['docs', 'runbooks/stage7'] });
    expect(result.summary.files).toBeGreaterThan(15);
    const live = result.findings.filter((f) => f.rule === 'retired-reference');
    expect(show(live)).toEqual([]);
  });

  it('finds nothing at all on the main pages: no dead link, deprecated term or unknown name', async () => {
    const result = await check({ root: repoRoot, cwd: repoRoot, paths: mainPageFiles });
    expect(result.summary.files).toBe(mainPageFiles.length);
    expect(show(result.findings.filter((f) => f.severity !== 'info'))).toEqual([]);
  });
});
