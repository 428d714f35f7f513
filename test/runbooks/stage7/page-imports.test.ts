// The runbook page and its step scripts cannot drift apart: every step file is imported under its own
// heading, every `<<<` import in the pages names an existing file, and every anchor the runner links exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runbook } from '../../../runbooks/stage7/index.ts';
import { ROOT } from '../helpers.ts';

const PAGE = 'docs/operator-runbook-stage7.md';
const STEP_DIR = 'runbooks/stage7';
const stepFiles = readdirSync(path.join(ROOT, STEP_DIR)).filter((f) => /^(\d\d|b\d)-.+\.ts$/.test(f));
/** How the page numbers a step: 7 for `07`, B1 for `b1`. */
const label = (id: string) => (/^\d+$/.test(id) ? String(Number(id)) : id.toUpperCase());

function markdownFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(dir, d.name);
    if (d.isDirectory()) return markdownFiles(rel);
    return d.name.endsWith('.md') ? [rel] : [];
  });
}

/** `<<< path{lang}`, `<<< path#region`, `<<< path [title]` → the file path, resolved from the page. */
function snippetImports(page: string): Array<{ line: number; target: string }> {
  const text = readFileSync(path.join(ROOT, page), 'utf8');
  return text.split('\n').flatMap((line, i) => {
    const m = /^\s*<<<\s+(\S+?)(?:[{#[].*)?$/.exec(line);
    if (!m) return [];
    const raw = (m[1] as string).replace(/^@\//, '');
    const target = m[1]?.startsWith('@/') ? path.join('docs', raw) : path.join(path.dirname(page), raw);
    return [{ line: i + 1, target: path.normalize(target) }];
  });
}

/** Page anchors, from `{#id}` heading suffixes. */
function anchors(page: string): Set<string> {
  return new Set(
    [...readFileSync(path.join(ROOT, page), 'utf8').matchAll(/\{#([\w-]+)\}/g)].map((m) => m[1] as string),
  );
}

describe('runbook pages import the step scripts', () => {
  const pageExists = existsSync(path.join(ROOT, PAGE));

  it(`${PAGE} exists`, () => {
    expect(pageExists).toBe(true);
  });

  it.each(stepFiles)(`${PAGE} imports %s under its step heading`, (file) => {
    const text = readFileSync(path.join(ROOT, PAGE), 'utf8');
    const step = runbook.steps.find((s) => `${s.id}-${s.slug}.ts` === file);
    expect(step, `${file} is not in runbooks/stage7/index.ts`).toBeDefined();
    const heading = new RegExp(`^## Step ${label(step?.id ?? '')} — (.+) \\{#${step?.doc}\\}$`, 'm').exec(
      text,
    );
    expect(heading, `no "## Step ${label(step?.id ?? '')} — … {#${step?.doc}}" heading`).not.toBeNull();
    expect(heading?.[1]).toBe(step?.title);
    const section = text.slice(heading?.index).split(/^## /m)[1] ?? '';
    expect(section, `the Step ${label(step?.id ?? '')} section does not import ${file}`).toMatch(
      new RegExp(`^<<< \\.\\./${STEP_DIR}/${file.replace('.', '\\.')}(?:[{#\\s]|$)`, 'm'),
    );
  });

  it('every <<< import in the pages names a file that exists', () => {
    const missing = markdownFiles('docs').flatMap((page) =>
      snippetImports(page)
        .filter((imp) => !existsSync(path.join(ROOT, imp.target)))
        .map((imp) => `${page}:${imp.line} imports missing ${imp.target}`),
    );
    expect(missing).toEqual([]);
  });

  it('every anchor the runner links to exists on the page', () => {
    const onPage = anchors(PAGE);
    const source = readdirSync(path.join(ROOT, 'runbooks'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(path.join(ROOT, 'runbooks', f), 'utf8'))
      .join('\n');
    const linked = new Set([
      ...runbook.steps.map((s) => s.doc),
      ...[...source.matchAll(/anchor: '([\w-]+)'/g)].map((m) => m[1] as string),
      // A readiness check without a docs link (the broker always sends one) falls back to its name with
      // `/` and `_` as `-`: the default build's three checks.
      ...['auth/wallet_sig', 'wallet/client_keystore', 'audit/sqlite'].map((c) => c.replace(/[/_]/g, '-')),
      // Anchors the bring-up names for the broker's plain start-up errors (b5-start.ts, b3-env-file.ts).
      ...[...source.matchAll(/^\s+\[\/.+\/, '([\w-]+)'\],$/gm)].map((m) => m[1] as string),
      ...[...source.matchAll(/^\s+BROKER_\w+: '([\w-]+)',$/gm)].map((m) => m[1] as string),
    ]);
    // Readiness checks link to the anchor in their `docs` field; test/site/anchors.test.ts checks those.
    expect([...linked].filter((a) => !onPage.has(a))).toEqual([]);
  });
});
