// End to end on a small monorepo written for this test (fixtures/monorepo): a Rust crate with doc comments,
// plans with to-do lists, an archived design, a wiki and a README with GitHub-style links, no VitePress. The
// checker's findings and notices must be exactly the ones expected-findings.txt lists.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { check } from '../../scripts/drift/index.ts';
import { FIXTURES } from './helpers.ts';

const ROOT = path.join(FIXTURES, 'monorepo');

describe('the fixture monorepo', () => {
  it('gives every expected finding and nothing else', async () => {
    const r = await check({ root: ROOT, cwd: ROOT, env: {} });
    const actual = [
      ...r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}/${f.messageId} ${f.match}`),
      ...r.notices.map((n) => `notice ${n.file}${n.line === undefined ? '' : `:${n.line}`} ${n.message}`),
    ];
    const expected = readFileSync(path.join(ROOT, 'expected-findings.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(actual.sort()).toEqual(expected.sort());
  });
});
