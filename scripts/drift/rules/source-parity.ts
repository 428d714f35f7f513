// source-parity: facts a source checkout holds (routes, env vars, anchors…) against our registries, both ways.
import path from 'node:path';
import picomatch from 'picomatch';
import type { ParityEntry, ParityTarget, SourceConfig, UndocumentedEntry } from '../config.ts';
import { DriftUsageError } from '../config.ts';
import { type Doc, lineStartsOf, positionOf } from '../doc.ts';
import { extractFacts, mask } from '../extract.ts';
import { readText } from '../files.ts';
import { languageOf } from '../languages.ts';
import { type Rule, type RuleContext, shownPath } from '../rule.ts';
import type { SourceTree } from '../sources.ts';

interface SourceFact {
  value: string;
  /** Path relative to the source root, and 1-based line. */
  file: string;
  line: number;
}

interface RegistryFact {
  value: string;
  offset: number;
}

interface Registry {
  doc: Doc;
  /** Shown in messages: the file, plus `#section` when phantoms are looked for in one section. */
  label: string;
  /** Where an undocumented fact belongs: the `paths` key, the section heading, or the top of the file. */
  home: number;
  facts: Map<string, RegistryFact>;
  /** Registry entries a phantom is looked for among; undefined when the target cannot tell (a page without a section). */
  candidates?: RegistryFact[];
}

/**
 * Route templates compare by shape: axum's `/:id` and `/{id}` and OpenAPI's `{id}` all stand for one
 * segment whatever the parameter is called, and a catch-all (`/*rest`, `/{*rest}`) only equals a catch-all.
 */
export function routeKey(route: string): string {
  return route
    .trim()
    .split('/')
    .map((seg) =>
      /^:\w+$|^\{[^{}*]+\}$/.test(seg) ? '{}' : /^\*\w*$|^\{\*[^{}]*\}$/.test(seg) ? '{*}' : seg,
    )
    .join('/');
}

const keyOf = (target: ParityTarget) =>
  target.type === 'openapi-paths' ? routeKey : (v: string) => v.trim();

const isCi = (env: NodeJS.ProcessEnv) => /^(?:true|1)$/i.test(env.CI ?? '');

/** Offset of the first non-blank character of a 1-based line. */
function lineOffset(doc: Doc, line: number): number {
  const start = doc.lineStarts[line - 1] ?? 0;
  const text = doc.text.slice(start, doc.lineStarts[line] ?? doc.text.length);
  return start + (text.length - text.trimStart().length);
}

/** Offset of `needle` on a 1-based line, or of the line's first character. */
function offsetOn(doc: Doc, line: number, needle: string): number {
  const start = doc.lineStarts[line - 1] ?? 0;
  const end = doc.lineStarts[line] ?? doc.text.length;
  const at = doc.text.slice(start, end).indexOf(needle);
  return at === -1 ? lineOffset(doc, line) : start + at;
}

/** [start, end) of the section under the heading with this id: up to the next heading of its level or above. */
function sectionRange(doc: Doc, id: string): [number, number] | undefined {
  const list = doc.anchorList ?? [];
  const i = list.findIndex((a) => a.id === id && a.level !== undefined);
  const head = list[i];
  if (!head?.level) return undefined;
  const next = list.slice(i + 1).find((a) => a.level !== undefined && a.level <= (head.level as number));
  return [head.offset, next?.offset ?? doc.text.length];
}

function variablesOf(spec: string): string[] {
  return [...spec.matchAll(/\$\{(\w+)\}|\$(\w+)/g)].map((m) => (m[1] ?? m[2]) as string);
}

async function configDoc(ctx: RuleContext): Promise<Doc> {
  const doc = await ctx.page(ctx.config.file);
  if (!doc) throw new DriftUsageError(`${ctx.config.file}: cannot be read again for a finding`);
  return doc;
}

/** No checkout to read: one notice, or an error when CI=true and the configured root is simply not there. */
async function noCheckout(ctx: RuleContext, s: SourceConfig, tree: SourceTree | undefined): Promise<void> {
  const config = shownPath(ctx.root, ctx.config.file);
  const how = `pass --source ${s.name}=DIR or set the root to a checkout`;
  if (tree?.missingRoot && isCi(ctx.env)) {
    const doc = await configDoc(ctx);
    const vars = variablesOf(s.rootSpec ?? '');
    ctx.report({
      doc,
      offset: offsetOn(doc, s.rootLine ?? s.line, 'root'),
      match: s.rootSpec ?? '',
      messageId: 'missingRoot',
      data: {
        source: s.name,
        spec: s.rootSpec ?? '',
        root: tree.missingRoot,
        how: vars.length > 0 ? `set ${vars.join(', ')} to a checkout` : 'point root at a checkout',
      },
    });
    return;
  }
  let why: string;
  if (tree?.missingRoot) why = `root ${tree.missingRoot} of source "${s.name}" does not exist`;
  else if (s.rootSpec) {
    const vars = variablesOf(s.rootSpec).filter((v) => !ctx.env[v]);
    why =
      vars.length > 0
        ? `${vars.map((v) => `${v} is not set`).join(' and ')} (root ${s.rootSpec} of source "${s.name}")`
        : `source "${s.name}" has no checkout`;
  } else why = `source "${s.name}" has no root in ${config}`;
  ctx.notice({ file: config, message: `source parity not checked: ${why}; ${how}` });
}

/** The registry a kind is compared with, or undefined when a narrowed run does not check its file. */
async function loadRegistry(
  ctx: RuleContext,
  entry: ParityEntry,
  onMissingSection: (label: string, section: string) => Promise<void>,
): Promise<Registry | undefined> {
  const target = entry.against;
  const file =
    target.type === 'openapi-paths'
      ? ctx.config.openapi
      : target.type === 'env-names'
        ? ctx.config.envFile
        : target.file;
  if (!file) {
    const key = target.type === 'env-names' ? 'live.env' : 'live.openapi';
    throw new DriftUsageError(
      `${shownPath(ctx.root, ctx.config.file)}:${entry.againstLine}: "${target.spec}" compares with ${key}, which drift.yaml does not name`,
    );
  }
  if (ctx.narrowed && !ctx.docs.some((d) => d.abs === file)) return undefined;
  const shown = shownPath(ctx.root, file);
  if (!ctx.exists(file))
    throw new DriftUsageError(
      `${shownPath(ctx.root, ctx.config.file)}:${entry.againstLine}: "${target.spec}": ${shown} does not exist; create it or fix the path`,
    );
  const doc = await ctx.page(file);
  if (!doc) throw new DriftUsageError(`${shown}: cannot be read as text, so it cannot serve as a registry`);
  const facts = new Map<string, RegistryFact>();
  const key = keyOf(target);
  const add = (value: string, offset: number) => {
    if (!facts.has(key(value))) facts.set(key(value), { value, offset });
  };

  if (target.type === 'openapi-paths' || target.type === 'env-names') {
    const lines = target.type === 'openapi-paths' ? ctx.live.pathLines : ctx.live.envLines;
    for (const [value, line] of lines) add(value, offsetOn(doc, line, value));
    const candidates = [...facts.values()].filter((f) => !target.scope || target.scope.test(f.value));
    const home = target.type === 'openapi-paths' ? lineOffset(doc, ctx.live.pathsLine) : 0;
    return { doc, label: shown, home, facts, candidates };
  }

  let range: [number, number] | undefined;
  if (target.section !== undefined) {
    range = sectionRange(doc, target.section);
    if (!range) await onMissingSection(shown, target.section);
  }
  const label = range ? `${shown}#${target.section}` : shown;
  const home = range ? range[0] : 0;
  const inRange = (f: RegistryFact) => !range || (f.offset >= range[0] && f.offset < range[1]);

  if (target.type === 'runbook-anchors') {
    if (!doc.anchorList)
      throw new DriftUsageError(
        `${shownPath(ctx.root, ctx.config.file)}:${entry.againstLine}: "${target.spec}": ${shown} is not a Markdown page the checker can parse`,
      );
    for (const a of doc.anchorList) add(a.id, a.offset);
    // The heading that opens the section is the section's own id, not an entry of it.
    const [from, to] = range ?? [0, 0];
    const candidates = range
      ? doc.anchorList
          .filter((a) => a.offset > from && a.offset < to)
          .map((a) => ({ value: a.id, offset: a.offset }))
      : undefined;
    return { doc, label, home, facts, candidates };
  }

  const { code } = mask(doc.text, doc.language);
  const found = extractFacts(code, target.extract);
  for (const f of found) add(f.value, f.offset);
  const headingEnd = range ? doc.text.indexOf('\n', range[0]) + 1 || range[1] : 0;
  const candidates = found.filter((f) => !range || (inRange(f) && f.offset >= headingEnd));
  return { doc, label, home, facts, candidates };
}

/** Every fact the entries' extractors find in the checkout, first occurrence kept. */
function sourceFacts(
  tree: SourceTree,
  entries: ParityEntry[],
  key: (v: string) => string,
  onEmpty: (entry: ParityEntry) => void,
): Map<string, SourceFact> {
  const out = new Map<string, SourceFact>();
  const texts = new Map<string, { code: string; lineStarts: number[] } | null>();
  const root = tree.checkout as string;
  for (const entry of entries) {
    const matches = picomatch(entry.files, { dot: true });
    let found = 0;
    for (const rel of tree.paths) {
      if (!matches(rel)) continue;
      let t = texts.get(rel);
      if (t === undefined) {
        const r = readText(path.join(root, rel));
        t =
          'text' in r ? { code: mask(r.text, languageOf(rel)).code, lineStarts: lineStartsOf(r.text) } : null;
        texts.set(rel, t);
      }
      if (!t) continue;
      for (const f of extractFacts(t.code, entry.extract)) {
        found++;
        const k = key(f.value);
        if (!out.has(k))
          out.set(k, { value: f.value, file: rel, line: positionOf(t.lineStarts, f.offset).line });
      }
    }
    if (found === 0) onEmpty(entry);
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'source-parity',
    description:
      'A fact the source has is missing from our registry (undocumented), or our registry names one the source does not have (phantom).',
    severity: 'error',
    messages: {
      undocumented:
        '{{kind}} `{{fact}}` is in source {{source}} at {{at}} but not in {{registry}}: document it, or list it under sources.{{source}}.undocumented with a reason',
      phantom:
        '{{kind}} `{{fact}}` is in {{registry}} but not in source {{source}} (searched {{files}} as {{config}}:{{entry}} says): remove it, or fix the extractor',
      staleAllowed: 'undocumented entry {{kind}} `{{fact}}` {{why}}: remove the entry',
      emptyExtractor:
        'the {{kind}} extractor finds nothing in {{files}} of source {{source}}: check its files and extract',
      missingSection:
        '{{registry}} has no heading with id `{{section}}`, so phantom {{kind}} facts cannot be looked for: fix the section id',
      missingRoot:
        'source {{source}}: root {{spec}} is {{root}}, which does not exist; with CI=true the parity check needs the checkout ({{how}})',
    },
  },
  async check(ctx) {
    const configured = ctx.config.sources.filter((s) => s.parity.length > 0);
    if (configured.length === 0) return;
    const trees = ctx.sources();
    for (const s of configured) {
      const tree = trees.find((t) => t.name === s.name);
      if (!tree?.checkout) {
        await noCheckout(ctx, s, tree);
        continue;
      }
      const kinds = new Map<string, ParityEntry[]>();
      for (const e of s.parity) kinds.set(e.kind, [...(kinds.get(e.kind) ?? []), e]);
      for (const [kind, entries] of kinds) {
        const first = entries[0] as ParityEntry;
        const registry = await loadRegistry(ctx, first, async (label, section) => {
          const conf = await configDoc(ctx);
          ctx.report({
            doc: conf,
            offset: offsetOn(conf, first.againstLine, section),
            match: first.against.spec,
            messageId: 'missingSection',
            data: { registry: label, section, kind },
          });
        });
        if (!registry) continue;
        const key = keyOf(first.against);
        const files = entries.flatMap((e) => e.files).join(', ');
        const entryLines = entries.map((e) => e.line).join(', ');
        const conf = await configDoc(ctx);
        const facts = sourceFacts(tree, entries, key, (e) =>
          ctx.report({
            doc: conf,
            offset: lineOffset(conf, e.line),
            match: e.kind,
            messageId: 'emptyExtractor',
            data: { kind, files: e.files.join(', '), source: s.name },
          }),
        );
        const allowed = new Map<string, UndocumentedEntry>();
        for (const u of s.undocumented) if (u.kind === kind) allowed.set(key(u.value), u);
        for (const [k, f] of facts) {
          if (registry.facts.has(k) || allowed.has(k)) continue;
          ctx.report({
            doc: registry.doc,
            offset: registry.home,
            match: f.value,
            messageId: 'undocumented',
            data: {
              kind,
              fact: f.value,
              source: s.name,
              at: `${f.file}:${f.line}`,
              registry: registry.label,
            },
          });
        }
        for (const c of registry.candidates ?? []) {
          if (facts.has(key(c.value))) continue;
          ctx.report({
            doc: registry.doc,
            offset: c.offset,
            match: c.value,
            messageId: 'phantom',
            data: {
              kind,
              fact: c.value,
              source: s.name,
              registry: registry.label,
              files,
              config: conf.path,
              entry: entryLines,
            },
          });
        }
        for (const [k, u] of allowed) {
          const why = !facts.has(k)
            ? `matches no ${kind} fact of source ${s.name}`
            : registry.facts.has(k)
              ? `is documented in ${registry.label}`
              : undefined;
          if (!why) continue;
          ctx.report({
            doc: conf,
            offset: lineOffset(conf, u.line),
            match: u.value,
            messageId: 'staleAllowed',
            data: { kind, fact: u.value, why },
            severity: 'warning',
          });
        }
      }
    }
  },
};
