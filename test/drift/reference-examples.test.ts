// The ✗ and ✓ examples on docs/reference/drift-rules.md, run through the checker with this repo's registry.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allRules, check } from '../../scripts/drift/index.ts';
import { REPO, SOURCE } from './helpers.ts';

const page = readFileSync(path.join(REPO, 'docs/reference/drift-rules.md'), 'utf8');
const FENCE = /^```(\w+) drift-example (bad|good)\n([\s\S]*?)^```$/gm;

interface Example {
  rule: string;
  kind: 'bad' | 'good';
  lang: string;
  body: string;
}

const examples: Example[] = [];
for (const section of page.split(/^## (?=`)/m).slice(1)) {
  const id = /^`([\w-]+)`/.exec(section)?.[1];
  if (!id) continue;
  for (const m of section.matchAll(FENCE)) {
    examples.push({ rule: id, lang: m[1] as string, kind: m[2] as 'bad' | 'good', body: m[3] as string });
  }
}

const root = mkdtempSync(path.join(tmpdir(), 'drift-examples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
cpSync(path.join(REPO, 'drift.yaml'), path.join(root, 'drift.yaml'));
mkdirSync(path.join(root, 'docs/reference'), { recursive: true });
for (const f of ['broker.openapi.yaml', 'env.yaml']) {
  cpSync(path.join(REPO, 'docs/reference', f), path.join(root, 'docs/reference', f));
}

async function findingsOf(e: Example, n: number) {
  const file = `docs/example-${n}.${e.lang === 'md' ? 'md' : e.lang}`;
  writeFileSync(path.join(root, file), e.body);
  const r = await check({ root, paths: [file], cwd: root, sources: { agentkeys: SOURCE } });
  return r.findings.filter((f) => f.file === file);
}

describe('reference page examples', () => {
  it('has a ✗ and a ✓ example for every rule', () => {
    for (const r of allRules) {
      expect(
        examples
          .filter((e) => e.rule === r.meta.id)
          .map((e) => e.kind)
          .sort(),
        r.meta.id,
      ).toEqual(['bad', 'good']);
    }
  });

  it.each(examples.map((e, i) => [`${e.rule} ${e.kind === 'bad' ? '✗' : '✓'}`, e, i] as const))(
    '%s',
    async (_name, e, i) => {
      const found = await findingsOf(e, i);
      const list = found.map((f) => `${f.rule}/${f.messageId}`);
      if (e.kind === 'bad')
        expect(list.filter((x) => x.startsWith(`${e.rule}/`)).length, list.join()).toBeGreaterThan(0);
      else expect(list).toEqual([]);
    },
  );

  it('the page itself passes the checker', async () => {
    const r = await check({ root: REPO, paths: ['docs/reference/drift-rules.md'], cwd: REPO });
    expect(r.findings.map((f) => `${f.line}:${f.column} ${f.rule} ${f.message}`)).toEqual([]);
  });
});
