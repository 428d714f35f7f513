// dead-link: a relative link or snippet include to a missing page or file, or to an anchor the page lacks.
// A link is read where it is clicked: on the VitePress site (clean URLs, VitePress's heading ids) for pages
// inside the site's source folder, on GitHub (paths as written, folders, GitHub's heading ids) elsewhere.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import damerauLevenshtein from 'damerau-levenshtein';
import type { Doc, LinkRef } from '../doc.ts';
import { githubAnchorsOf } from '../markdown.ts';
import type { Rule, RuleContext } from '../rule.ts';
import { lineCount } from '../sources.ts';

const SCHEME = /^[a-z][a-z\d+.-]*:/i;
const RENDERERS = { github: 'GitHub', vitepress: 'VitePress' };

function decode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The file a link lands on, following VitePress clean URLs (`./arch`, `arch.md`, `arch.html`, `dir/`). */
function resolveVitepress(ctx: RuleContext, doc: Doc, target: string): { abs: string; found: boolean } {
  const base = target.startsWith('/')
    ? path.join(ctx.config.srcDir, target)
    : path.resolve(path.dirname(doc.abs), target);
  const candidates: string[] = [];
  if (target.endsWith('/')) candidates.push(path.join(base, 'index.md'));
  else if (base.endsWith('.html')) candidates.push(base.replace(/\.html$/, '.md'), base);
  else if (path.extname(base) === '') candidates.push(`${base}.md`, path.join(base, 'index.md'), base);
  else candidates.push(base);
  if (target.startsWith('/')) candidates.push(path.join(ctx.config.srcDir, 'public', target));
  const hit = candidates.find((c) => ctx.exists(c));
  return { abs: hit ?? (candidates[0] as string), found: hit !== undefined };
}

/**
 * The file or folder a link lands on as GitHub reads it: the path as written (`/` is the repository root), a
 * folder (GitHub shows its tree), or, without an extension, the page `<path>.md` (links between wiki pages).
 */
function resolveGithub(ctx: RuleContext, doc: Doc, target: string): { abs: string; found: boolean } {
  const base = target.startsWith('/')
    ? path.join(ctx.root, target)
    : path.resolve(path.dirname(doc.abs), target);
  const candidates = [base];
  if (path.extname(base) === '' && !target.endsWith('/')) candidates.push(`${base}.md`);
  const hit = candidates.find((c) => ctx.exists(c));
  return { abs: hit ?? base, found: hit !== undefined };
}

const resolved = new WeakMap<RuleContext['exists'], Map<string, { abs: string; found: boolean }>>();

/** Where a link lands, once per folder, flavour and target: pages of one folder share their links. */
function resolve(ctx: RuleContext, doc: Doc, github: boolean, target: string) {
  let memo = resolved.get(ctx.exists);
  if (!memo) {
    memo = new Map();
    resolved.set(ctx.exists, memo);
  }
  const key = `${Number(github)}${path.dirname(doc.abs)}\0${target}`;
  let hit = memo.get(key);
  if (!hit) {
    hit = (github ? resolveGithub : resolveVitepress)(ctx, doc, target);
    memo.set(key, hit);
  }
  return hit;
}

/** A missing path whose first folder does not exist here belongs to a source tree: source-ref judges it. */
function claimedBySource(ctx: RuleContext, abs: string): boolean {
  if (ctx.config.sources.length === 0) return false;
  const rel = path.relative(ctx.root, abs);
  const first = rel.split(path.sep)[0] ?? '';
  return !rel.startsWith('..') && rel.includes(path.sep) && !ctx.exists(path.join(ctx.root, first));
}

/** The file in the same folder whose name is closest to the missing one, as a hint. */
function nearestSibling(abs: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(path.dirname(abs));
  } catch {
    return undefined;
  }
  const near = closest(path.basename(abs), names);
  return near ? `${near} in the same folder` : undefined;
}

function closest(word: string, options: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const o of options) {
    // Damerau–Levenshtein: a swap of two neighbouring letters (`isntall`) counts as one edit.
    const d = damerauLevenshtein(word, o).steps;
    if (d < bestScore) {
      bestScore = d;
      best = o;
    }
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

async function checkLink(ctx: RuleContext, doc: Doc, link: LinkRef): Promise<void> {
  let href = link.href.trim();
  if (link.snippet) {
    href = (href.split(/\s+/)[0] ?? '').replace(/\{[^}]*\}$/, '');
    if (href.startsWith('@/'))
      href = path.relative(path.dirname(doc.abs), path.join(ctx.config.srcDir, href.slice(2)));
  }
  if (href === '' || href.startsWith('//') || SCHEME.test(href)) return;
  const github = doc.flavor === 'github';
  const hash = href.indexOf('#');
  const rawPath = (hash === -1 ? href : href.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash === -1 ? '' : decode(href.slice(hash + 1));
  let targetDoc: Doc | undefined = doc;
  let page = doc.path;
  if (rawPath !== '') {
    const { abs, found } = resolve(ctx, doc, github, decode(rawPath));
    page = path.relative(ctx.root, abs).split(path.sep).join('/');
    if (!found) {
      if (claimedBySource(ctx, abs)) return;
      const isPage = abs.endsWith('.md');
      ctx.report({
        doc,
        offset: link.offset,
        match: link.href,
        messageId: link.snippet ? 'missingSnippet' : isPage ? 'missingPage' : 'missingFile',
        data: { target: rawPath, resolved: page },
        suggestion: nearestSibling(abs),
      });
      return;
    }
    if (!abs.endsWith('.md')) {
      const lines = /^L(\d+)(?:-L?(\d+))?$/.exec(fragment);
      if (lines && !link.snippet) {
        const wanted = Number(lines[2] ?? lines[1]);
        const target = await ctx.page(abs);
        const count = target ? lineCount(target.text) : 0;
        if (target && wanted > count) {
          ctx.report({
            doc,
            offset: link.offset,
            match: link.href,
            messageId: 'lineOutOfRange',
            data: { target: rawPath, line: wanted, lines: count },
          });
        }
      }
      return;
    }
    targetDoc = await ctx.page(abs);
  }
  if (fragment === '' || link.snippet || !targetDoc?.anchors) return;
  const anchors = github ? await githubAnchorsOf(targetDoc) : targetDoc.anchors;
  if (anchors.has(fragment)) return;
  // Vue components render on the site only; GitHub shows the page's Markdown.
  const rendered = !github && targetDoc.components ? await ctx.componentIds(targetDoc) : new Set<string>();
  if (rendered?.has(fragment)) return;
  if (!rendered) {
    ctx.report({
      doc,
      offset: link.offset,
      match: link.href,
      messageId: 'anchorUnverified',
      data: { anchor: fragment, page },
      severity: 'info',
    });
    return;
  }
  const near = closest(fragment, [...anchors, ...rendered]);
  ctx.report({
    doc,
    offset: link.offset,
    match: link.href,
    messageId: 'missingAnchor',
    data: { anchor: fragment, page, flavor: RENDERERS[doc.flavor ?? 'vitepress'] },
    suggestion: near ? `#${near}` : undefined,
  });
}

export const rule: Rule = {
  meta: {
    id: 'dead-link',
    description:
      'A relative link points to a missing page or file, or to an anchor the page does not produce.',
    severity: 'error',
    messages: {
      missingPage: 'link to `{{target}}`: no page {{resolved}}',
      missingFile: 'link to `{{target}}`: no file {{resolved}}',
      missingSnippet: 'snippet include `{{target}}`: no file {{resolved}}',
      missingAnchor:
        'link to `#{{anchor}}`: {{page}} has no heading or element with that id (as {{flavor}} renders it)',
      anchorUnverified:
        'link to `#{{anchor}}`: {{page}} renders components whose ids cannot be checked statically',
      lineOutOfRange: 'link to `{{target}}#L{{line}}`: the file has only {{lines}} lines',
    },
  },
  async check(ctx) {
    for (const doc of ctx.docs) {
      for (const link of doc.links) await checkLink(ctx, doc, link);
    }
  },
};
