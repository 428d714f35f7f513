// Markdown scanner on VitePress's own markdown-it set-up: units, blocks, anchors, links and directives of a
// page. Heading ids are VitePress's (from the renderer) and GitHub's (github-slugger over the heading text).
import type GithubSlugger from 'github-slugger';
import type { MarkdownIt as Md } from 'markdown-it';
import type { MarkdownRenderer } from 'vitepress';
import { type RawDirective, readDirective } from './directives.ts';
import {
  type AnchorAt,
  type Block,
  type BlockKind,
  type Doc,
  type LinkRef,
  lineRange,
  positionOf,
  type Unit,
  type UnitKind,
} from './doc.ts';
import { languageOfFence, SYNTAX, syntaxOf } from './languages.ts';
import { scanCode } from './text.ts';

type Token = ReturnType<Md['parse']>[number];

let renderer: Promise<MarkdownRenderer> | undefined;

/** VitePress is not installed where the checker runs, yet pages are read as VitePress renders them. */
export class MissingVitepressError extends Error {
  override name = 'MissingVitepressError';
}

/**
 * VitePress's own markdown-it set-up, one per process (creating it costs the most). A no-op highlighter keeps
 * Shiki and its grammars out; ids and tokens are unaffected. VitePress is the project's own (an optional peer
 * of the checker), so heading ids are the ones that project's site renders.
 */
export function markdownRenderer(srcDir: string): Promise<MarkdownRenderer> {
  renderer ??= import('vitepress').then(
    ({ createMarkdownRenderer }) =>
      createMarkdownRenderer(srcDir, { highlight: (s: string) => s }, '/', { warn() {} }),
    (error: Error) => {
      renderer = undefined;
      throw new MissingVitepressError(error.message);
    },
  );
  return renderer;
}

/**
 * CommonMark with GitHub's tables and strikethrough, and github-slugger: loaded when first needed, for
 * projects without a VitePress site (the pages' structure is all the checker reads there) and for GitHub's
 * heading ids (a page's heading text without VitePress's plugins, which drop `{#id}`).
 */
let plainTools: Promise<{ md: Md; Slugger: typeof GithubSlugger }> | undefined;

function githubTools(): Promise<{ md: Md; Slugger: typeof GithubSlugger }> {
  plainTools ??= Promise.all([import('markdown-it'), import('github-slugger')]).then(([m, s]) => ({
    md: new m.default({ html: true }),
    Slugger: s.default,
  }));
  return plainTools;
}

/** The text content of a heading's inline Markdown: what GitHub turns into its id. */
export function headingText(md: Md, inline: string): string {
  const out: string[] = [];
  const walk = (tokens: ReturnType<Md['parseInline']>[number]['children']) => {
    for (const t of tokens ?? []) {
      if (t.type === 'text' || t.type === 'code_inline') out.push(t.content);
      else if (t.children) walk(t.children);
    }
  };
  for (const t of md.parseInline(inline, {})) walk(t.children);
  return out.join('');
}

/** The ids a page has on GitHub: github-slugger over its headings' text, and its HTML ids and names. */
export async function githubAnchorsOf(doc: Doc): Promise<Set<string>> {
  if (doc.githubAnchors) return doc.githubAnchors;
  const { md, Slugger } = await githubTools();
  const slugger = new Slugger();
  const ids = new Set<string>();
  for (const h of doc.headings ?? []) ids.add(slugger.slug(headingText(md, h)));
  for (const id of doc.htmlIds ?? []) ids.add(id);
  doc.githubAnchors = ids;
  return ids;
}

/** Front matter is stripped by VitePress before parsing; blank it so line numbers stay. */
function blankFrontMatter(text: string): { body: string; lines: number } {
  const m = /^---\r?\n[\s\S]*?\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return { body: text, lines: 0 };
  const lines = m[0].split('\n').length - (m[0].endsWith('\n') ? 1 : 0);
  return { body: m[0].replace(/[^\n]/g, '') + text.slice(m[0].length), lines };
}

/** Lines inside `::: retired` containers (outside fences), as a per-line flag. */
function retiredLines(lines: string[]): Uint8Array {
  const flags = new Uint8Array(lines.length);
  const stack: boolean[] = [];
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (f && (f[1] as string)[0] === fence[0] && (f[1] as string).length >= fence.length) fence = null;
    } else if (f) fence = f[1] as string;
    else {
      const open = /^\s*:{3,}\s*([\w-]+)/.exec(line);
      if (open) stack.push(open[1]?.toLowerCase() === 'retired' || stack.includes(true));
      else if (/^\s*:{3,}\s*$/.test(line)) {
        flags[i] = stack.includes(true) ? 1 : 0;
        stack.pop();
        continue;
      }
    }
    if (stack.includes(true)) flags[i] = 1;
  }
  return flags;
}

/** Token types that open a block holding other blocks, by the kind of block they make. */
const CONTAINERS: Record<string, BlockKind> = {
  blockquote_open: 'quote',
  blockquote_close: 'quote',
  list_item_open: 'item',
  list_item_close: 'item',
  container_open: 'container',
  container_close: 'container',
  github_alert_open: 'quote',
  github_alert_close: 'quote',
};

const HTML_ID = /\s(?:id|name)\s*=\s*["']([^"']+)["']/g;
// Plain href only: a Vue binding (:href) holds an expression, not a target.
const HTML_HREF = /<a\s(?:[^>]*?\s)?href\s*=\s*["']([^"']+)["']/g;
/** A Vue component tag: the ids it renders are not visible to a static scan. */
const COMPONENT = /<([A-Z][A-Za-z0-9]*)[\s/>]/g;

/**
 * Parses with the renderer as it is, except that the `{…}` attribute rule is switched off for a page
 * without a `{`: the rule cannot match there, and it is the costliest one on plain pages.
 */
function parse(md: Md, body: string, env: Record<string, string>): Token[] {
  if (body.includes('{')) return md.parse(body, env);
  const off = md.core.ruler.disable('curly_attributes', true);
  try {
    return md.parse(body, env);
  } finally {
    if (off.length > 0) md.core.ruler.enable(off, true);
  }
}

function addComponents(doc: Doc, html: string): void {
  for (const m of html.matchAll(COMPONENT)) {
    doc.components ??= [];
    if (!doc.components.includes(m[1] as string)) doc.components.push(m[1] as string);
  }
}

/**
 * Scans a page with VitePress's renderer when the project has a site (`srcDir` given), or with plain
 * markdown-it; the latter gives headings GitHub's ids, which are then the page's ids.
 */
export async function scanMarkdown(doc: Doc, srcDir: string | undefined): Promise<RawDirective[]> {
  const withSite = srcDir !== undefined;
  const tools = withSite ? undefined : await githubTools();
  // VitePress bundles its own markdown-it typings; the instance is markdown-it all the same.
  const md = tools ? tools.md : ((await markdownRenderer(srcDir as string)) as unknown as Md);
  const slugger = tools ? new tools.Slugger() : undefined;
  const { text, lineStarts } = doc;
  const { body, lines: fmLines } = blankFrontMatter(text);
  const lines = text.split('\n');
  const retired = retiredLines(lines);
  const lineOf = (offset: number) => positionOf(lineStarts, offset).line - 1;
  const isRetired = (offset: number) => retired[lineOf(offset)] === 1;
  const covered = new Uint8Array(lines.length);
  const fenceLines = new Uint8Array(lines.length);
  const units: Unit[] = [];
  const anchors = new Set<string>();
  const anchorList: AnchorAt[] = [];
  const headings: string[] = [];
  const htmlIds: string[] = [];
  const links: LinkRef[] = [];
  const raw: RawDirective[] = [];
  const html = SYNTAX.markdown ?? null;

  const blocks: Block[] = [];
  /** Open containers (blockquotes, list items, `:::` containers, alerts), innermost last. */
  const open: number[] = [];
  /** Containers still waiting for their first paragraph, whose label and done marks speak for them. */
  const waiting = new Set<number>();
  const lineEnd = (line0: number) => lineRange(text, lineStarts, line0)[1];
  const addBlock = (kind: BlockKind, map: [number, number], title?: [number, number]) => {
    const b: Block = { kind, start: lineStarts[map[0]] ?? text.length, end: lineEnd(map[1] - 1) };
    if (title) b.title = title;
    const parent = open[open.length - 1];
    if (parent !== undefined) b.parent = parent;
    blocks.push(b);
    return blocks.length - 1;
  };

  const lineUnit = (line0: number, kind: UnitKind, block?: number) => {
    const [s, e] = lineRange(text, lineStarts, line0);
    const u: Unit = { start: s, end: e, kind, retiredBlock: retired[line0] === 1 };
    if (block !== undefined) u.block = block;
    units.push(u);
    covered[line0] = 1;
  };
  const prose = (map: [number, number], kind: UnitKind, blockKind: BlockKind = 'paragraph') => {
    const s = lineStarts[map[0]] ?? text.length;
    const e = lineEnd(map[1] - 1);
    const index = addBlock(blockKind, map);
    (blocks[index] as Block).lead = [s, e];
    // The first paragraph of a container labels it and holds its done marks.
    for (const c of open) {
      if (!waiting.has(c)) continue;
      waiting.delete(c);
      (blocks[c] as Block).lead = [s, e];
    }
    units.push({ start: s, end: e, kind, retiredBlock: isRetired(s), block: index, lazy: true });
    for (let l = map[0]; l < map[1]; l++) covered[l] = 1;
  };
  /** Finds where `needle` is written inside the block's lines, for a link's column. */
  const locate = (map: [number, number] | null, needle: string, from: number) => {
    const s = Math.max(from, map ? (lineStarts[map[0]] ?? 0) : 0);
    // An inline link's target follows `](`: prefer that over the same words in the link text.
    const inline = needle === '' ? -1 : text.indexOf(`](${needle}`, s);
    const blockEnd = map ? (lineStarts[map[1]] ?? text.length) : text.length;
    if (inline !== -1 && inline < blockEnd) return inline + 2;
    const at = text.indexOf(needle, s);
    if (at !== -1) return at;
    // A reference-style link's target is written in its definition, elsewhere on the page.
    const anywhere = needle === '' ? -1 : text.indexOf(needle);
    return anywhere !== -1 ? anywhere : map ? (lineStarts[map[0]] ?? 0) : 0;
  };

  for (let l = 0; l < fmLines; l++) lineUnit(l, 'frontmatter');

  const tokens = parse(md, body, { path: doc.abs, relativePath: doc.path });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const map = t.map as [number, number] | null;
    const lineAt = map ? (lineStarts[map[0]] ?? 0) : 0;
    const id = t.attrGet?.('id')?.toString();
    if (id) {
      anchors.add(id);
      anchorList.push({
        id,
        offset: lineAt,
        level: t.type === 'heading_open' ? Number(t.tag.slice(1)) : undefined,
      });
    }
    if (t.type === 'html_inline' || t.type === 'html_block') addComponents(doc, t.content);
    const container = CONTAINERS[t.type.replace(/^container_[\w-]+_/, 'container_')];
    if (container && t.nesting === 1 && map) {
      // A container's title line (`::: warning Retired`, `> [!WARNING] Retired`) labels it too.
      const titled = container === 'container' || t.type === 'github_alert_open';
      const index = addBlock(container, map, titled ? [lineStarts[map[0]] ?? 0, lineEnd(map[0])] : undefined);
      open.push(index);
      waiting.add(index);
      continue;
    }
    if (container && t.nesting === -1) {
      const index = open.pop();
      if (index !== undefined) waiting.delete(index);
      continue;
    }
    if (t.type === 'heading_open' && map) {
      const content = tokens[i + 1]?.content ?? '';
      headings.push(content);
      // Without a site, GitHub's ids are the page's ids.
      if (tools && slugger) {
        const slug = slugger.slug(headingText(tools.md, content));
        anchors.add(slug);
        anchorList.push({ id: slug, offset: lineAt, level: Number(t.tag.slice(1)) });
      }
      for (let l = map[0]; l < map[1]; l++) lineUnit(l, 'heading');
    } else if (t.type === 'paragraph_open' && map) {
      if (!covered[map[0]]) prose(map, 'prose');
    } else if (t.type === 'html_block' && map) {
      prose(map, 'html');
      for (const m of t.content.matchAll(HTML_ID)) {
        anchors.add(m[1] as string);
        htmlIds.push(m[1] as string);
        anchorList.push({ id: m[1] as string, offset: lineAt });
      }
    } else if (t.type === 'table_open' && map) {
      // Each row is a sentence of its own, and a block: a done mark in a row speaks for the row.
      for (let l = map[0]; l < map[1]; l++) {
        const row = addBlock('row', [l, l + 1]);
        (blocks[row] as Block).lead = [lineStarts[l] ?? 0, lineEnd(l)];
        lineUnit(l, 'table', row);
      }
    } else if ((t.type === 'fence' || t.type === 'code_block') && map) {
      const src = (t as Token & { src?: [string, string] }).src;
      if (src) {
        const raw0 = lines[map[0]] as string;
        links.push({
          href: raw0.trim().slice(3).trim(),
          offset: (lineStarts[map[0]] ?? 0) + raw0.indexOf('<<<') + 3,
          snippet: true,
        });
        lineUnit(map[0], 'line', open[open.length - 1]);
        continue;
      }
      if (/(?:^|\s)drift-example(?:[\s=:-]|$)/.test(t.info)) {
        doc.skip.push([lineStarts[map[0]] ?? 0, lineRange(text, lineStarts, map[1] - 1)[1]]);
        for (let l = map[0]; l < map[1]; l++) covered[l] = 1;
        continue;
      }
      const lang = t.type === 'code_block' ? 'plain' : languageOfFence(t.info);
      const syntax = lang === 'plain' ? null : syntaxOf(lang);
      const fenced = t.type === 'fence';
      const bodyFrom = fenced ? map[0] + 1 : map[0];
      // A fence that is not closed runs to the end of its container.
      const closed = fenced && /^\s*(`{3,}|~{3,})\s*$/.test(lines[map[1] - 1] ?? '') && map[1] - 1 > map[0];
      const bodyTo = fenced && closed ? map[1] - 1 : map[1];
      const parent = open[open.length - 1];
      if (fenced) lineUnit(map[0], 'code', parent);
      if (closed) lineUnit(map[1] - 1, 'code', parent);
      // The body in its own language: comments as prose blocks, every other line alone.
      if (bodyTo > bodyFrom) {
        const s = lineStarts[bodyFrom] ?? text.length;
        const e = lineEnd(bodyTo - 1);
        const before = units.length;
        if (lang === 'plain') {
          for (let l = bodyFrom; l < bodyTo; l++)
            if ((lines[l] as string).trim() !== '') lineUnit(l, 'code', parent);
        } else scanCode(text, lang, s, e, units, blocks, parent, isRetired);
        for (let k = before; k < units.length; k++) {
          const u = units[k] as Unit;
          if (u.kind === 'line') u.kind = 'code';
        }
      }
      for (let l = map[0]; l < map[1]; l++) {
        covered[l] = 1;
        fenceLines[l] = 1;
        const isBody = t.type === 'code_block' || (l > map[0] && l < map[1] - 1);
        const d = isBody ? readDirective(lines[l] as string, l + 1, syntax) : null;
        if (d) raw.push(d);
      }
    } else if (t.type === 'inline' && t.children) {
      let from = 0;
      for (const c of t.children) {
        // The permalink VitePress adds to every heading is the renderer's, not the page's.
        if (c.type === 'link_open' && !/\bheader-anchor\b/.test(String(c.attrGet('class') ?? ''))) {
          const href = String(c.attrGet('href') ?? '');
          const at = locate(map, href, from);
          from = at + href.length;
          links.push({ href, offset: at });
        } else if (c.type === 'html_inline') {
          addComponents(doc, c.content);
          for (const m of c.content.matchAll(HTML_ID)) {
            anchors.add(m[1] as string);
            htmlIds.push(m[1] as string);
            anchorList.push({ id: m[1] as string, offset: lineAt });
          }
          for (const m of c.content.matchAll(HTML_HREF)) {
            const at = locate(map, m[1] as string, from);
            links.push({ href: m[1] as string, offset: at });
          }
        }
      }
    }
    if (t.type === 'html_block' && map) {
      for (const m of t.content.matchAll(HTML_HREF)) {
        links.push({ href: m[1] as string, offset: locate(map, m[1] as string, 0) });
      }
    }
  }
  // Anything the block walk did not cover (container markers, stray lines) is judged line by line.
  for (let l = 0; l < lines.length; l++) {
    if (!covered[l] && (lines[l] as string).trim() !== '') lineUnit(l, 'line');
  }
  units.sort((a, b) => a.start - b.start);
  // HTML comments hold Markdown directives wherever they stand outside fences.
  const skipLines = fenceLines;
  for (const [s, e] of doc.skip)
    for (let l = lineOf(s); l <= lineOf(Math.max(s, e - 1)); l++) skipLines[l] = 1;
  for (let l = 0; l < lines.length; l++) {
    if (skipLines[l]) continue;
    const d = readDirective(lines[l] as string, l + 1, html);
    if (d) raw.push(d);
  }
  raw.sort((a, b) => a.line - b.line);
  doc.units = units;
  doc.blocks = blocks;
  doc.anchors = anchors;
  doc.headings = headings;
  doc.htmlIds = htmlIds;
  doc.anchorList = anchorList;
  doc.links = links;
  return raw;
}
