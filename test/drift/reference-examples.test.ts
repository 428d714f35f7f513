// The ✗ and ✓ examples on docs/reference/drift-rules.md, run through the checker with this repo's registry.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allRules, check } from '../../scripts/drift/index.ts';
import { REPO, SOURCE } from './helpers.ts';

const page = readFileSync(path.join(REPO, 'docs/reference/drift-rules.md'), 'utf8');
// `<lang> drift-example bad|good [file]`: an example, written as `file` when it names one (a registry the
// rule compares); `<lang> drift-example source <file>`: a file of the small source tree the rule's examples read.
const FENCE = /^```(\w+) drift-example (bad|good|source)(?: ([\w./-]+))?\n([\s\S]*?)^```$/gm;

interface Example {
  rule: string;
  kind: 'bad' | 'good';
  lang: string;
  body: string;
  file?: string;
}

const examples: Example[] = [];
const sourceFiles = new Map<string, Record<string, string>>();
/** Registry examples under Configuration: a whole drift.yaml, noticed (✗) or not (✓). */
const configExamples: { kind: string; body: string }[] = [];
const configuration = /^## Configuration \{#configuration\}$([\s\S]*?)^## /m.exec(page)?.[1] ?? '';
for (const m of configuration.matchAll(FENCE)) {
  const [, , kind, file, body] = m as unknown as [string, string, string, string | undefined, string];
  if (file !== 'drift.yaml') throw new Error('a configuration example is a drift.yaml');
  configExamples.push({ kind, body });
}
for (const section of page.split(/^## (?=`)/m).slice(1)) {
  const id = /^`([\w-]+)`/.exec(section)?.[1];
  if (!id) continue;
  for (const m of section.matchAll(FENCE)) {
    const [, lang, kind, file, body] = m as unknown as [string, string, string, string | undefined, string];
    if (kind === 'source') {
      if (!file) throw new Error(`${id}: a source example names its file`);
      sourceFiles.set(id, { ...sourceFiles.get(id), [file]: body });
    } else examples.push({ rule: id, lang, kind: kind as 'bad' | 'good', body, file });
  }
}

// A copy of what the examples are read against: this repository's registry (taking in the examples' own
// files, whatever their language), its pages and reference files, and a site folder.
const root = mkdtempSync(path.join(tmpdir(), 'drift-examples-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const registry = readFileSync(path.join(REPO, 'drift.yaml'), 'utf8').replace(
  /^include:\n/m,
  'include:\n  - "docs/example-*"\n',
);
writeFileSync(path.join(root, 'drift.yaml'), registry);
cpSync(path.join(REPO, 'docs'), path.join(root, 'docs'), { recursive: true });
mkdirSync(path.join(root, '.vitepress'));
const EXTENSIONS: Record<string, string> = { md: 'md', rust: 'rs', ts: 'ts', sh: 'sh', yaml: 'yaml' };

/** The source tree a rule's examples read: its own source examples, or the test suite's small tree. */
function sourceFor(rule: string): string {
  const files = sourceFiles.get(rule);
  if (!files) return SOURCE;
  const dir = path.join(`${root}-source`, rule);
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), body);
  }
  return dir;
}
afterAll(() => rmSync(`${root}-source`, { recursive: true, force: true }));

async function findingsOf(e: Example, n: number) {
  const file = e.file ?? `docs/example-${n}.${EXTENSIONS[e.lang] ?? e.lang}`;
  const abs = path.join(root, file);
  // An example that stands for a registry file replaces it for its own check only.
  let before: string | undefined;
  try {
    before = readFileSync(abs, 'utf8');
  } catch {}
  mkdirSync(path.dirname(abs), { recursive: true });
  writeFileSync(abs, e.body);
  try {
    const r = await check({ root, paths: [file], cwd: root, sources: { agentkeys: sourceFor(e.rule) } });
    return r.findings.filter((f) => f.file === file);
  } finally {
    if (before === undefined) rmSync(abs);
    else writeFileSync(abs, before);
  }
}

describe('reference page examples', () => {
  it('has a ✗ and a ✓ example for every rule', () => {
    for (const r of allRules) {
      const kinds = new Set(examples.filter((e) => e.rule === r.meta.id).map((e) => e.kind));
      expect([...kinds].sort(), r.meta.id).toEqual(['bad', 'good']);
    }
    expect(configExamples.map((e) => e.kind).sort()).toEqual(['bad', 'good']);
  });

  it.each(configExamples.map((e) => [e.kind === 'bad' ? '✗' : '✓', e] as const))(
    'configuration %s: a value cut short by a comment is noticed with its line',
    async (_name, e) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'drift-config-example-'));
      try {
        writeFileSync(path.join(dir, 'drift.yaml'), e.body);
        const r = await check({ root: dir, cwd: dir });
        const lined = r.notices.filter((n) => n.line !== undefined);
        if (e.kind === 'bad') expect(lined.length).toBeGreaterThan(0);
        else expect(lined).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

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
