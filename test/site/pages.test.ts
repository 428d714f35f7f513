// The four main pages as built: imported step code, working in-page links, front matter, and the
// terminology rules (retired surfaces only as retired, legacy names only as legacy).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { HTMLElement } from 'node-html-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { runbook } from '../../runbooks/stage7/index.ts';
import { vocabulary } from '../../scripts/drift/vocabulary.ts';
import {
  builtSite,
  content,
  type DriftFile,
  ids,
  mainPages,
  page,
  readYamlFile,
  repoRoot,
  retiredSurface,
} from './helpers/built-pages.ts';

const pages = [...mainPages, 'runbook-template'];
const built = new Map<string, HTMLElement>();

beforeAll(async () => {
  for (const path of pages) built.set(path, await page(path));
});

const get = (path: string): HTMLElement => {
  const root = built.get(path);
  if (!root) throw new Error(`page ${path} was not loaded`);
  return root;
};

const stepFiles = runbook.steps.map((s) => `${s.id}-${s.slug}.ts`);
const codeBlocks = (root: HTMLElement) =>
  content(root)
    .querySelectorAll('pre')
    .map((pre) => pre.text.trim());
const source = (file: string) => readFileSync(join(repoRoot, 'runbooks/stage7', file), 'utf8').trim();

describe('imported step scripts', () => {
  it.each(stepFiles)('operator runbook shows %s verbatim', (file) => {
    expect(codeBlocks(get('operator-runbook-stage7'))).toContain(source(file));
  });

  const demoSteps = stepFiles.filter((f) => /^(02|05|06|07|08|09|10|11)-/.test(f));
  it.each(demoSteps)('demo & verification shows %s verbatim', (file) => {
    expect(codeBlocks(get('stage7-demo-and-verification'))).toContain(source(file));
  });

  it('each step section says how to run it with the runner, then shows its script in a closed block', () => {
    const markdown = readFileSync(join(repoRoot, 'docs/operator-runbook-stage7.md'), 'utf8');
    const sections = markdown.split(/^## /m);
    for (const step of runbook.steps) {
      const section = sections.find((s) => s.includes(`{#${step.doc}}`));
      expect(section, step.doc).toBeDefined();
      expect(section).toContain(`npm run runbook -- stage7 --step ${step.id}`);
      const script = `runbooks/stage7/${step.id}-${step.slug}.ts`;
      expect(section).toContain(`::: details The script the runner executes: ${script}\n\n<<< ../${script}`);
    }
  });
});

describe('the runbook template', () => {
  it('the operator runbook has the template sections in order, the steps between before-you-start and verify', () => {
    const h2 = content(get('operator-runbook-stage7'))
      .querySelectorAll('h2')
      .map((h) => h.id);
    const order = [
      'when-to-use',
      'impact',
      'before-you-start',
      ...runbook.steps.map((s) => s.doc),
      'verify',
      'roll-back',
      'troubleshooting',
    ];
    const positions = order.map((id) => h2.indexOf(id));
    expect(positions).not.toContain(-1);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('the template page names every section the runbook uses', () => {
    const ids = ['when-to-use', 'impact', 'before-you-start', 'verify', 'roll-back', 'troubleshooting'];
    const text = content(get('runbook-template')).text;
    for (const id of ids) expect(text).toContain(`{#${id}}`);
  });
});

describe('links and front matter', () => {
  // Each linked page is parsed once: the runbook page alone is 1.7 MB of HTML.
  const targetIds = new Map<string, Promise<Set<string>>>();
  const idsOf = (path: string) => {
    if (!targetIds.has(path)) targetIds.set(path, page(path).then(ids));
    return targetIds.get(path) as Promise<Set<string>>;
  };

  it.each(pages)('%s links only to anchors that exist', async (path) => {
    const broken: string[] = [];
    for (const a of content(get(path)).querySelectorAll('a[href]')) {
      const href = a.getAttribute('href') ?? '';
      if (/^[a-z]+:/i.test(href) || !href.includes('#')) continue;
      const [target, fragment] = href.split('#') as [string, string];
      // `/#x` is the home page; `` is this page.
      const targetPath =
        target === '' ? path : target.replace(/^\.?\//, '').replace(/\.html$/, '') || 'index';
      const known = targetPath === path ? ids(get(path)) : await idsOf(targetPath);
      if (!known.has(decodeURIComponent(fragment))) broken.push(href);
    }
    expect(broken).toEqual([]);
  });

  it.each(pages)('%s has its own description', (path) => {
    const meta = get(path).querySelector('meta[name="description"]')?.getAttribute('content') ?? '';
    const home = readFileSync(join(repoRoot, 'docs', `${path}.md`), 'utf8');
    expect(meta.length).toBeGreaterThan(40);
    expect(home).toMatch(/^---\n[\s\S]*?\ndescription: /);
  });

  it.each(pages)('%s has exactly one h1', (path) => {
    expect(content(get(path)).querySelectorAll('h1')).toHaveLength(1);
  });
});

// Mirrors the checker's rule on the rendered output, so a component or include cannot reintroduce a retired
// surface as live: outside `::: retired` callouts and code, the sentence must say it was retired.
const drift = readYamlFile<DriftFile>('drift.yaml');
const retirementWords = new RegExp(
  `(?<![\\w-])(?:${(drift.retirementWords ?? vocabulary().retirement).map((w) => w.replace(/\s+/g, '\\s+')).join('|')})(?![\\w-])`,
  'i',
);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const surfaces = drift.retired.map((entry) => {
  const { kind, surface } = retiredSurface(entry);
  const needle = kind === 'endpoint' ? (surface.split(' ').pop() ?? surface) : surface;
  return { surface, pattern: new RegExp(`(?<![\\w/-])${escapeRegExp(needle)}(?![\\w-])`) };
});

/** Text blocks outside retired callouts and code, split into sentences. */
function sentences(root: HTMLElement): string[] {
  const doc = content(root).clone() as HTMLElement;
  for (const el of doc.querySelectorAll('.retired, pre, .mermaid')) el.remove();
  return doc
    .querySelectorAll('p, li, tr, h1, h2, h3, h4, h5, h6')
    .flatMap((el) => el.text.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[A-Z`])/));
}

describe('terminology on the built pages', () => {
  it.each(pages)('%s mentions retired surfaces only as retired', (path) => {
    const live = sentences(get(path)).flatMap((sentence) =>
      surfaces
        .filter(({ pattern }) => pattern.test(sentence) && !retirementWords.test(sentence))
        .map(({ surface }) => `${surface}: ${sentence}`),
    );
    expect(live).toEqual([]);
  });

  it('no built page outside docs/archived presents a retired surface as live', async () => {
    const dist = await builtSite();
    const files = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.html') && !f.startsWith('archived') && f !== '404.html',
    );
    expect(files.length).toBeGreaterThan(8);
    const live: string[] = [];
    for (const file of files) {
      // Parsing is synchronous: let the worker answer vitest between pages.
      await setImmediate();
      const root = await page(file.replace(/\.html$/, ''));
      // The retired page's table is drift.yaml itself, rendered.
      for (const table of root.querySelectorAll('.retired-table')) table.remove();
      for (const sentence of sentences(root)) {
        for (const { surface, pattern } of surfaces) {
          if (pattern.test(sentence) && !retirementWords.test(sentence))
            live.push(`${file}: ${surface}: ${sentence}`);
        }
      }
    }
    expect(live).toEqual([]);
  });

  it('sees the retirement notes that stand outside callouts', () => {
    // Guards the check above against matching nothing at all.
    const notes = mainPages.flatMap((path) =>
      sentences(get(path)).filter((sentence) => surfaces.some(({ pattern }) => pattern.test(sentence))),
    );
    expect(notes.length).toBeGreaterThan(0);
    expect(notes.every((sentence) => retirementWords.test(sentence))).toBe(true);
  });

  it.each(pages)('%s names agentkeys_user_wallet only as legacy or back-compat', (path) => {
    const bad = sentences(get(path)).filter(
      (s) => s.includes('agentkeys_user_wallet') && !/\b(legacy|back-compat|backward-compatible)\b/i.test(s),
    );
    expect(bad).toEqual([]);
  });

  it.each(pages)('%s says "data role", never the old names', (path) => {
    const text = content(get(path)).text;
    expect(text).not.toMatch(/\bagent role\b/i);
  });

  it('the architecture page defines every canonical name with its aliases', () => {
    let el = content(get('arch')).querySelector('#s4-canonical-names')?.nextElementSibling ?? null;
    while (el && el.tagName !== 'TABLE') el = el.nextElementSibling;
    const rows = new Map(
      (el?.querySelectorAll('tbody tr') ?? []).map((tr) => {
        const [name, aliases] = tr.querySelectorAll('td').map((td) => td.text.trim());
        return [name ?? '', aliases ?? ''];
      }),
    );
    expect(rows.get('actor_omni')).toMatch(/omni_account[\s\S]*agentkeys_actor_omni/);
    expect(rows.get('session JWT')).toMatch(/J1[\s\S]*bearer/);
    expect(rows.get('OIDC JWT')).toContain('oidc_jwt');
    expect(rows.get('data role')).toContain('AGENTKEYS_DATA_ROLE_ARN');
    expect(rows.get('agentkeys_user_wallet (legacy)')).toBeDefined();
  });
});
