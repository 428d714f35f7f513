// The CI gate: this repository checked with its own drift.yaml, and proof that a stale line turns it red.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../scripts/drift/cli.ts';
import { check } from '../../scripts/drift/index.ts';
import { REPO } from './helpers.ts';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A copy of what the checker reads: the config, the live data and every included file. */
function copyRepo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-gate-'));
  temps.push(dir);
  const skip = new Set(['node_modules', '.git', 'dist', 'cache', '.sandbox', 'artifacts']);
  cpSync(REPO, dir, {
    recursive: true,
    filter: (src) => !skip.has(path.basename(src)),
  });
  return dir;
}

describe('repository gate', () => {
  it('has no drift errors in this repository (warnings are listed, not failed)', async () => {
    const r = await check({ root: REPO });
    const list = (sev: string) =>
      r.findings
        .filter((f) => f.severity === sev)
        .map((f) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.message}`)
        .join('\n');
    const warnings = list('warning');
    if (warnings) console.warn(`drift warnings:\n${warnings}`);
    expect(list('error'), `drift errors (npm run drift shows them with suggestions):\n${list('error')}`).toBe(
      '',
    );
  });

  it('goes red when a stale /v1/mint-aws-creds line is planted in a copy', async () => {
    const root = copyRepo();
    const page = path.join(root, 'docs/planted.md');
    writeFileSync(page, '# Planted\n\nGet AWS keys with `POST /v1/mint-aws-creds`.\n');
    let out = '';
    const code = await run(
      ['--root', root, '--format', 'json'],
      (s) => {
        out += s;
      },
      () => {},
    );
    expect(code).toBe(1);
    const planted = JSON.parse(out).findings.filter((f: { file: string }) => f.file === 'docs/planted.md');
    expect(planted).toEqual([
      expect.objectContaining({ rule: 'retired-reference', severity: 'error', line: 3, column: 20 }),
    ]);
  });
});
