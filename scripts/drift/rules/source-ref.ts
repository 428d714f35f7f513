// source-ref: a reference into a source tree names a missing file, a line past its end, or a missing symbol.
import path from 'node:path';
import { type Doc, escapeRegExp } from '../doc.ts';
import { findFile } from '../match.ts';
import type { Rule, RuleContext } from '../rule.ts';
import type { SourceTree } from '../sources.ts';

const CODE_EXT = 'rs|ts|tsx|js|mjs|go|py|toml|sh|sql|proto|json|ya?ml|vue|c|h|cc|cpp|java|kt|swift|rb';
const PATH_REF = new RegExp(
  `(?<![\\w\\-./:@])((?:\\.{1,2}/)*[\\w.-]+(?:/[\\w.-]+)+\\.(?:${CODE_EXT}))(?![\\w-])(#L(\\d+)(?:-L?(\\d+))?|::([A-Za-z_]\\w*)|:(\\d+)(?!\\d|\\.\\d))?`,
  'g',
);

interface Ref {
  offset: number;
  text: string;
  path: string;
  line?: number;
  symbol?: string;
  source?: SourceTree;
  exact: boolean;
}

function githubRefs(doc: Doc, sources: SourceTree[]): Ref[] {
  const out: Ref[] = [];
  for (const s of sources) {
    if (!s.github) continue;
    const base = escapeRegExp(s.github);
    // Repository names are case-insensitive on GitHub; so is the cheap pre-check.
    if (!new RegExp(escapeRegExp(s.github.replace(/^https?:\/\//, '')), 'i').test(doc.text)) continue;
    const re = new RegExp(
      `${base}/(?:blob|tree)/[^/\\s]+/([^\\s#?)\\]"'\`>\${}]+)(?:#L(\\d+)(?:-L?(\\d+))?)?`,
      'gi',
    );
    for (const m of doc.text.matchAll(re)) {
      const line = m[3] ?? m[2];
      out.push({
        offset: m.index as number,
        text: m[0],
        path: m[1] as string,
        line: line ? Number(line) : undefined,
        source: s,
        exact: true,
      });
    }
  }
  return out;
}

function pathRefs(ctx: RuleContext, doc: Doc, sources: SourceTree[]): Ref[] {
  const out: Ref[] = [];
  if (!doc.text.includes('/')) return out;
  for (const m of doc.text.matchAll(PATH_REF)) {
    const p = (m[1] as string).replace(/^(?:\.{1,2}\/)+/, '');
    const suffixed = m[2] !== undefined;
    const first = p.slice(0, p.indexOf('/'));
    const owner = sources.find((s) => s.topLevel.has(first));
    if (!suffixed && !owner) continue;
    // A path that exists in this repository is a local file, not a reference into a source tree.
    if (ctx.exists(path.resolve(path.dirname(doc.abs), m[1] as string)) || ctx.exists(path.join(ctx.root, p)))
      continue;
    const line = m[4] ?? m[3] ?? m[6];
    out.push({
      offset: m.index as number,
      text: m[0],
      path: p,
      line: line ? Number(line) : undefined,
      symbol: m[5],
      source: owner,
      exact: false,
    });
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'source-ref',
    description:
      'A reference into a source tree names a missing file, a line past its end, or a missing symbol.',
    severity: 'error',
    messages: {
      missingFile: '`{{path}}` does not exist in source {{source}}',
      lineOutOfRange: '`{{path}}` has {{lines}} lines; line {{line}} does not exist in source {{source}}',
      missingSymbol: '`{{path}}` does not define `{{symbol}}` in source {{source}}',
      unverified:
        '`{{ref}}` cannot be verified: source {{source}} has no root or manifest (set it, or pass --source)',
    },
  },
  check(ctx) {
    const sources = ctx.config.sources.length > 0 ? ctx.sources() : [];
    if (sources.length === 0) return;
    const retiredFiles = ctx.config.retired.filter((r) => r.kind === 'file').map((r) => r.value);
    for (const doc of ctx.docs) {
      const seen = new Set<number>();
      for (const ref of [...githubRefs(doc, sources), ...pathRefs(ctx, doc, sources)]) {
        if (seen.has(ref.offset)) continue;
        seen.add(ref.offset);
        // Retired files are retired-reference's to report.
        if (retiredFiles.some((f) => findFile(ref.path, f).length > 0 || findFile(f, ref.path).length > 0))
          continue;
        const candidates = ref.source ? [ref.source] : sources;
        const verifiable = candidates.filter((s) => s.verifiable);
        const report = (messageId: string, data: Record<string, string | number>) =>
          ctx.report({
            doc,
            offset: ref.offset,
            match: ref.text,
            messageId,
            data,
            severity: messageId === 'unverified' ? 'info' : undefined,
          });
        if (verifiable.length === 0) {
          report('unverified', { ref: ref.text, source: candidates.map((s) => s.name).join(', ') });
          continue;
        }
        const hits = verifiable.flatMap((s) =>
          (ref.exact ? (s.info(ref.path) ? [ref.path] : []) : s.lookup(ref.path)).map((p) => ({ s, p })),
        );
        const name = verifiable.map((s) => s.name).join(', ');
        if (hits.length === 0) {
          report('missingFile', { path: ref.path, source: name });
          continue;
        }
        if (ref.line !== undefined) {
          const line = ref.line;
          const best = Math.max(...hits.map((h) => h.s.info(h.p)?.lines ?? 0));
          if (line > best) report('lineOutOfRange', { path: ref.path, line, lines: best, source: name });
        }
        if (ref.symbol !== undefined) {
          const symbol = ref.symbol;
          if (!hits.some((h) => h.s.info(h.p)?.symbols.includes(symbol))) {
            report('missingSymbol', { path: ref.path, symbol, source: name });
          }
        }
      }
    }
  },
};
