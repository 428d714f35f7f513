// The drift benchmark's recall numbers are only as good as its plant positions: this generates a tiny tree
// and checks every plant, decoy and link against the files themselves, anchors as VitePress makes them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { createMarkdownRenderer, disposeMdItInstance } from 'vitepress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTree, type Manifest } from '../../scripts/bench/drift/generate.ts';

const OPTIONS = { pages: 60, codeFiles: 60, seed: 7, plantEvery: 2 };
let root: string;
let manifest: Manifest;

const lines = (file: string) => readFileSync(join(root, file), 'utf8').split('\n');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'drift-bench-test-'));
  manifest = generateTree(root, OPTIONS);
});

afterAll(() => {
  disposeMdItInstance();
  rmSync(root, { recursive: true, force: true });
});

describe('drift benchmark generator', () => {
  it('plants every kind of problem, each at its recorded line and column', () => {
    const kinds = new Set(manifest.plants.map((p) => p.kind));
    for (const kind of [
      'md-fence-curl',
      'md-table-cell',
      'md-heading',
      'ts-comment',
      'rs-doc-comment',
      'yaml-comment',
      'sh-curl',
    ]) {
      expect(kinds).toContain(kind);
    }
    for (const kind of [
      'anchor-missing',
      'anchor-same-page',
      'anchor-duplicate-overflow',
      'anchor-custom-id-typo',
    ]) {
      expect(kinds).toContain(kind);
    }
    for (const p of manifest.plants) {
      const text = lines(p.file)[p.line - 1] ?? '';
      expect(text.slice(p.column - 1).startsWith(p.match), `${p.file}:${p.line} ${p.kind}`).toBe(true);
    }
    for (const d of manifest.decoys) {
      expect(lines(d.file)[d.line - 1], `${d.file}:${d.line} ${d.kind}`).toContain(d.match);
    }
  });

  it('mentions retired strings only on plant and decoy lines, so a text search has a fair query', () => {
    const known = new Set([...manifest.plants, ...manifest.decoys].map((x) => `${x.file}:${x.line}`));
    for (const p of manifest.plants.filter((x) => x.rule === 'retired-reference')) {
      expect(manifest.retiredStrings.some((s) => p.match.includes(s))).toBe(true);
    }
    for (const file of [...manifest.pages, ...manifest.codeFiles]) {
      lines(file).forEach((text, i) => {
        if (manifest.retiredStrings.some((s) => text.includes(s))) {
          expect(known.has(`${file}:${i + 1}`), `${file}:${i + 1} ${text}`).toBe(true);
        }
      });
    }
  });

  it('breaks exactly the planted anchors; every other link resolves to a VitePress heading id', async () => {
    const md = await createMarkdownRenderer(root, {}, '/');
    const anchors = new Map<string, Set<string>>();
    for (const file of manifest.pages) {
      const tokens = md.parse(readFileSync(join(root, file), 'utf8'), {});
      const ids = tokens.filter((t) => t.type === 'heading_open').map((t) => t.attrGet('id') ?? '');
      anchors.set(file, new Set(ids));
    }
    const broken: string[] = [];
    let checked = 0;
    for (const file of manifest.pages) {
      lines(file).forEach((text, i) => {
        for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
          if (!href || href.startsWith('http')) continue;
          const [path, anchor] = href.split('#');
          const target = path ? posix.join(posix.dirname(file), path) : file;
          checked++;
          if (!anchors.get(target)?.has(anchor ?? '')) broken.push(`${file}:${i + 1} ${href}`);
        }
      });
    }
    const planted = manifest.plants
      .filter((p) => p.rule === 'dead-link')
      .map((p) => `${p.file}:${p.line} ${p.match}`);
    expect(checked).toBeGreaterThan(manifest.pages.length * 3);
    expect(broken.sort()).toEqual(planted.sort());
  });

  it('writes the same tree for the same seed', () => {
    const again = mkdtempSync(join(tmpdir(), 'drift-bench-test-'));
    try {
      const second = generateTree(again, OPTIONS);
      expect(second.plants).toEqual(manifest.plants);
      for (const file of [manifest.pages[5], manifest.codeFiles[7]] as string[]) {
        expect(readFileSync(join(again, file), 'utf8')).toBe(readFileSync(join(root, file), 'utf8'));
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});
