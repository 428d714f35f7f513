// Collect, then check: read every file once, scan it, run every rule, apply directives.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type CacheEntry,
  cacheFile,
  cacheKey,
  contentHash,
  readCache,
  unchanged,
  writeCache,
} from './cache.ts';
import { componentIds } from './components.ts';
import { type DriftConfig, DriftUsageError, loadConfig, type MarkdownFlavor } from './config.ts';
import { resolveDirectives, suppress } from './directives.ts';
import { type Doc, lineStartsOf, positionOf, type RawDirective } from './doc.ts';
import {
  collectFiles,
  MARKDOWN_SIZE_LIMIT,
  matcher,
  type Notice,
  readText,
  relativeTo,
  toPosix,
} from './files.ts';
import { languageOf } from './languages.ts';
import { type LiveSurfaces, loadLive } from './live.ts';
import { MissingVitepressError, scanMarkdown } from './markdown.ts';
import { type Finding, format, type RuleContext, readMention, sentenceText, wordsRegex } from './rule.ts';
import { directiveRule, rules } from './rules/index.ts';
import { openSource, type SourceTree } from './sources.ts';
import { scanText } from './text.ts';
import { cuesFor } from './vocabulary.ts';

export interface CheckOptions {
  /** Checked as if it were the repository root; defaults to cwd. */
  root?: string;
  /** Config file; defaults to <root>/drift.yaml. Relative to cwd. */
  config?: string;
  /** Narrow the check to these files or folders. */
  paths?: string[];
  /** Source roots by name, overriding drift.yaml (`--source NAME=DIR`). */
  sources?: Record<string, string>;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** YYYY-MM-DD used for directive expiry; defaults to today (UTC). */
  today?: string;
  /** Keep per-file results between runs (`--cache`). */
  cache?: boolean;
  /** The cache file, or a folder to hold it (`--cache-location`); relative to cwd. */
  cacheLocation?: string;
}

export interface CheckResult {
  root: string;
  findings: Finding[];
  notices: Notice[];
  summary: {
    files: number;
    findings: number;
    errors: number;
    warnings: number;
    infos: number;
    durationMs: number;
  };
}

/**
 * How the links of a Markdown file are read: files inside the site's source folder as VitePress renders
 * them (when the config's folder holds a VitePress site), every other file as GitHub does; the `markdown`
 * entries of drift.yaml override by glob, the last matching entry winning.
 */
export function flavorResolver(config: DriftConfig, root: string): (abs: string) => MarkdownFlavor {
  const overrides = config.markdown.map((m) => ({
    test: matcher(m.files, config.dir, root),
    flavor: m.flavor,
  }));
  const site = config.srcDir + path.sep;
  return (abs) => {
    let flavor: MarkdownFlavor = config.vitepress && abs.startsWith(site) ? 'vitepress' : 'github';
    for (const o of overrides) if (o.test(abs)) flavor = o.flavor;
    return flavor;
  };
}

/** Reads and scans one file; undefined (with a notice) when it is not text. */
/** The site's source folder when some page is read the VitePress way (so VitePress parses pages), else undefined. */
export function siteOf(config: DriftConfig): string | undefined {
  return config.vitepress || config.markdown.some((m) => m.flavor === 'vitepress')
    ? config.srcDir
    : undefined;
}

export async function makeDoc(
  abs: string,
  root: string,
  srcDir: string | undefined,
  historical: boolean,
  notices: Notice[],
  flavor?: MarkdownFlavor,
) {
  const rel = toPosix(path.relative(root, abs));
  const r = readText(abs);
  if ('notice' in r) {
    notices.push({ file: rel, message: r.notice });
    return undefined;
  }
  return scanDoc(abs, rel, r.text, srcDir, historical, notices, flavor);
}

function emptyDoc(abs: string, rel: string, text: string, language: string, historical: boolean): Doc {
  return {
    path: rel,
    abs,
    text,
    language,
    lineStarts: lineStartsOf(text),
    units: [],
    blocks: [],
    historical,
    directives: [],
    links: [],
    skip: [],
  };
}

async function scanDoc(
  abs: string,
  rel: string,
  text: string,
  srcDir: string | undefined,
  historical: boolean,
  notices: Notice[],
  flavor?: MarkdownFlavor,
) {
  let language = languageOf(abs);
  if (language === 'markdown' && text.length > MARKDOWN_SIZE_LIMIT) {
    notices.push({
      file: rel,
      message: 'larger than 5 MB: scanned line by line, without Markdown structure',
    });
    language = 'plain';
  }
  const doc = emptyDoc(abs, rel, text, language, historical);
  if (language === 'markdown' && flavor) doc.flavor = flavor;
  if (language !== 'markdown') return { doc, raw: scanText(doc) };
  try {
    return { doc, raw: await scanMarkdown(doc, srcDir) };
  } catch (error) {
    if (error instanceof MissingVitepressError)
      throw new DriftUsageError(
        `${rel}: pages are read as the VitePress site renders them (a .vitepress folder, site: or a markdown flavor of vitepress in drift.yaml), but VitePress cannot be loaded here (${error.message.split('\n')[0]}); install it (npm install --save-dev vitepress) or read the pages as GitHub does (markdown: [{ files: ["**"], flavor: github }])`,
      );
    // A page the renderer cannot parse is still searched, line by line, rather than failing the run.
    notices.push({
      file: rel,
      message: `parsed as plain text: the Markdown renderer failed (${(error as Error).message})`,
    });
    const plain = emptyDoc(abs, rel, text, 'plain', historical);
    return { doc: plain, raw: scanText(plain) };
  }
}

/** A cached file whose text is read, and its lines counted, only when a rule asks. */
class UnreadDoc implements Doc {
  units: Doc['units'] = [];
  blocks: Doc['blocks'] = [];
  directives: Doc['directives'] = [];
  links: Doc['links'] = [];
  skip: Doc['skip'] = [];
  flavor?: Doc['flavor'];
  anchors?: Set<string>;
  anchorList?: Doc['anchorList'];
  headings?: string[];
  htmlIds?: string[];
  components?: string[];
  cached?: Doc['cached'];
  #text?: string;
  #lineStarts?: number[];
  constructor(
    readonly abs: string,
    readonly path: string,
    readonly language: string,
    readonly historical: boolean,
  ) {}
  get text(): string {
    if (this.#text === undefined) {
      const r = readText(this.abs);
      this.#text = 'text' in r ? r.text : '';
    }
    return this.#text;
  }
  get lineStarts(): number[] {
    this.#lineStarts ??= lineStartsOf(this.text);
    return this.#lineStarts;
  }
}

/**
 * A file as the cache remembers it: no sentences (the rules that read them are not run on it again), and
 * its text, when not at hand, read only if a rule asks for it.
 */
function restoreDoc(
  abs: string,
  rel: string,
  text: string | undefined,
  historical: boolean,
  e: CacheEntry,
): Doc {
  const doc: Doc =
    text === undefined
      ? new UnreadDoc(abs, rel, e.language, historical)
      : emptyDoc(abs, rel, text, e.language, historical);
  doc.links = e.links;
  doc.skip = e.skip;
  if (e.flavor) doc.flavor = e.flavor;
  if (e.anchorList) {
    doc.anchorList = e.anchorList;
    doc.anchors = new Set(e.anchorList.map((a) => a.id));
  }
  if (e.headings) doc.headings = e.headings;
  if (e.htmlIds) doc.htmlIds = e.htmlIds;
  if (e.components) doc.components = e.components;
  doc.cached = e.findings;
  return doc;
}

function entryOf(
  doc: Doc,
  hash: string,
  st: { size: number; mtimeMs: number; ino: number },
  raw: RawDirective[],
  notices: string[],
): CacheEntry {
  const e: CacheEntry = {
    hash,
    size: st.size,
    mtimeMs: st.mtimeMs,
    ino: st.ino,
    language: doc.language,
    links: doc.links,
    skip: doc.skip,
    directives: raw,
    notices,
    findings: [],
  };
  if (doc.flavor) e.flavor = doc.flavor;
  if (doc.anchorList) e.anchorList = doc.anchorList;
  if (doc.headings) e.headings = doc.headings;
  if (doc.htmlIds) e.htmlIds = doc.htmlIds;
  if (doc.components) e.components = doc.components;
  return e;
}

export interface Prepared {
  flavorOf: (abs: string) => MarkdownFlavor;
  root: string;
  cwd: string;
  config: DriftConfig;
  live: LiveSurfaces;
  today: string;
  docs: Doc[];
  byAbs: Map<string, Doc>;
  notices: Notice[];
  /** With --cache: the file, its key, and the entry of every file checked. */
  cache?: { file: string; key: string; entries: Map<string, CacheEntry>; changed: boolean };
}

const readOr = (file: string | undefined) => {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Loads the config and live data, collects and scans every file once (or takes its scan from the cache). */
export async function prepare(options: CheckOptions = {}): Promise<Prepared> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const root = path.resolve(cwd, options.root ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new DriftUsageError(`--root ${root}: not a folder`);
  const configFile = options.config ? path.resolve(cwd, options.config) : path.join(root, 'drift.yaml');
  const config = loadConfig(configFile, options.env ?? process.env);
  for (const name of Object.keys(options.sources ?? {})) {
    if (!config.sources.some((s) => s.name === name)) {
      const known = config.sources.map((s) => s.name).join(', ') || 'none';
      throw new DriftUsageError(`--source ${name}: drift.yaml has no source "${name}" (sources: ${known})`);
    }
  }
  const live = loadLive(config.openapi, config.envFile, root);
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const notices: Notice[] = [];
  const cacheAt = options.cache ? cacheFile(options.cacheLocation, root, cwd) : undefined;
  const files = await collectFiles({
    configDir: config.dir,
    root,
    include: config.include,
    exclude: config.exclude,
    paths: options.paths ?? [],
    cwd,
    notices,
    // The registry names every retired surface; scanned, each entry would report itself.
    never: cacheAt ? [config.file, cacheAt] : [config.file],
  });
  const shown = (f: string) => toPosix(path.relative(root, f)) || f;
  for (const w of config.warnings)
    notices.push({ file: shown(config.file), line: w.line, message: w.message });
  for (const { file, warning } of live.warnings)
    notices.push({ file, line: warning.line, message: warning.message });
  const isHistorical = matcher(config.historical, config.dir, root);
  const flavorOf = flavorResolver(config, root);
  let cache: Prepared['cache'];
  let stored = new Map<string, CacheEntry>();
  let writtenAt = 0;
  if (cacheAt) {
    const key = cacheKey([
      root,
      config.file,
      readOr(config.file),
      readOr(config.openapi),
      readOr(config.envFile),
      ...config.sources.flatMap((s) => [s.name, s.root, s.manifest, readOr(s.manifest)]),
    ]);
    ({ entries: stored, writtenAt } = readCache(cacheAt, key));
    cache = { file: cacheAt, key, entries: new Map(), changed: false };
  }
  const docs: Doc[] = [];
  const byAbs = new Map<string, Doc>();
  for (const abs of files) {
    const rel = relativeTo(root, abs);
    const hit = stored.get(rel);
    let st: { size: number; mtimeMs: number; ino: number } = { size: -1, mtimeMs: -1, ino: -1 };
    if (cache) {
      try {
        st = statSync(abs);
      } catch {}
    }
    let doc: Doc;
    let raw: RawDirective[];
    if (cache && hit && unchanged(hit, st, writtenAt)) {
      doc = restoreDoc(abs, rel, undefined, isHistorical(abs), hit);
      for (const message of hit.notices) notices.push({ file: rel, message });
      cache.entries.set(rel, hit);
      doc.directives = resolveDirectives(hit.directives, today);
      docs.push(doc);
      byAbs.set(abs, doc);
      continue;
    }
    const r = readText(abs);
    if ('notice' in r) {
      notices.push({ file: rel, message: r.notice });
      continue;
    }
    const hash = cache ? contentHash(r.text) : '';
    if (cache && hit && hit.hash === hash) {
      doc = restoreDoc(abs, rel, r.text, isHistorical(abs), hit);
      raw = hit.directives;
      for (const message of hit.notices) notices.push({ file: rel, message });
      // The same content under new metadata: kept, with the metadata brought up to date.
      const fresh = hit.size !== st.size || hit.mtimeMs !== st.mtimeMs || hit.ino !== st.ino;
      cache.entries.set(rel, fresh ? { ...hit, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } : hit);
      cache.changed ||= fresh;
    } else {
      const own: Notice[] = [];
      const made = await scanDoc(abs, rel, r.text, siteOf(config), isHistorical(abs), own, flavorOf(abs));
      notices.push(...own);
      doc = made.doc;
      raw = made.raw;
      if (cache) {
        cache.entries.set(
          rel,
          entryOf(
            doc,
            hash,
            st,
            raw,
            own.map((n) => n.message),
          ),
        );
        cache.changed = true;
      }
    }
    doc.directives = resolveDirectives(raw, today);
    docs.push(doc);
    byAbs.set(abs, doc);
  }
  // A file checked before and gone (or narrowed away) now keeps its entry only on a full run's terms.
  if (cache) {
    if ((options.paths ?? []).length > 0) {
      for (const [rel, e] of stored) if (!cache.entries.has(rel)) cache.entries.set(rel, e);
    } else if ([...stored.keys()].some((rel) => !cache.entries.has(rel))) cache.changed = true;
  }
  return { root, cwd, config, live, today, docs, byAbs, notices, flavorOf, cache };
}

export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  const started = performance.now();
  const { root, cwd, config, live, today, docs, byAbs, notices, flavorOf, cache } = await prepare(options);

  const existsCache = new Map<string, boolean>();
  const exists = (abs: string) => {
    let v = existsCache.get(abs);
    if (v === undefined) {
      try {
        const st = statSync(abs);
        v = st.isFile() || st.isDirectory();
      } catch {
        v = false;
      }
      existsCache.set(abs, v);
    }
    return v;
  };
  const extra = new Map<string, Promise<Doc | undefined>>();
  const componentCache = new Map<string, Promise<Set<string> | undefined>>();
  let trees: SourceTree[] | undefined;
  const raw: {
    rule: string;
    severity: Finding['severity'];
    doc: Doc;
    offset: number;
    r: Omit<Finding, 'file' | 'line' | 'column' | 'rule' | 'severity'>;
  }[] = [];
  let current = rules[0] ?? directiveRule;
  const cues = cuesFor(config);
  const ctx: RuleContext = {
    root,
    config,
    env: options.env ?? process.env,
    narrowed: (options.paths ?? []).length > 0,
    docs,
    live,
    today,
    exists,
    sources() {
      trees ??= config.sources.map((s) =>
        openSource(
          s,
          options.sources?.[s.name] ? path.resolve(cwd, options.sources[s.name] as string) : undefined,
        ),
      );
      return trees;
    },
    page(abs) {
      const known = byAbs.get(abs);
      if (known) return Promise.resolve(known);
      let p = extra.get(abs);
      if (!p) {
        p = makeDoc(abs, root, siteOf(config), false, [], flavorOf(abs)).then((m) => m?.doc);
        extra.set(abs, p);
      }
      return p;
    },
    report(r) {
      if (r.doc.skip.length > 0 && r.doc.skip.some(([s, e]) => r.offset >= s && r.offset < e)) return;
      const template = current.meta.messages[r.messageId];
      if (template === undefined) throw new Error(`${current.meta.id}: unknown message id ${r.messageId}`);
      raw.push({
        rule: current.meta.id,
        severity: r.severity ?? current.meta.severity,
        doc: r.doc,
        offset: r.offset,
        r: {
          match: r.match,
          message: format(template, r.data),
          suggestion: r.suggestion ?? null,
          messageId: r.messageId,
          data: r.data,
        },
      });
    },
    notice(n) {
      notices.push(n);
    },
    componentIds(doc) {
      let p = componentCache.get(doc.abs);
      if (!p) {
        p = componentIds(doc.components ?? [], path.join(root, '.vitepress', 'theme', 'components'));
        componentCache.set(doc.abs, p);
      }
      return p;
    },
    exemption(doc, offset) {
      const r = readMention(doc, offset, cues);
      return r === 'pending' ? null : r;
    },
    pending: (doc, offset) => readMention(doc, offset, cues) === 'pending',
    sentenceHas: (doc, offset, words) => wordsRegex(words).test(sentenceText(doc, offset)),
  };
  // Single-file rules run on the files the cache could not answer for; the others see every file.
  const fresh = docs.filter((d) => !d.cached);
  for (const rule of rules) {
    current = rule;
    await rule.check(rule.meta.scope === 'file' ? { ...ctx, docs: fresh } : ctx);
  }
  const local = new Set(rules.filter((r) => r.meta.scope === 'file').map((r) => r.meta.id));
  if (cache) {
    for (const x of raw) {
      if (!local.has(x.rule) || x.doc.cached) continue;
      cache.entries
        .get(x.doc.path)
        ?.findings.push({ rule: x.rule, severity: x.severity, offset: x.offset, ...x.r });
    }
  }
  for (const doc of docs) {
    for (const c of doc.cached ?? []) {
      const { rule, severity, offset, ...r } = c;
      raw.push({ rule, severity, doc, offset, r });
    }
  }
  const findings: Finding[] = [];
  const toFinding = (x: (typeof raw)[number]): Finding => {
    const { line, column } = positionOf(x.doc.lineStarts, x.offset);
    return { rule: x.rule, severity: x.severity, file: x.doc.path, line, column, ...x.r };
  };
  for (const x of raw) {
    const f = toFinding(x);
    if (!suppress(x.doc.directives, f.line)) findings.push(f);
  }
  raw.length = 0;
  current = directiveRule;
  await directiveRule.check(ctx);
  for (const x of raw) findings.push(toFinding(x));
  findings.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column,
  );
  if (cache?.changed) writeCache(cache.file, cache.key, cache.entries);
  const count = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  return {
    root,
    findings,
    notices,
    summary: {
      files: docs.length,
      findings: findings.length,
      errors: count('error'),
      warnings: count('warning'),
      infos: count('info'),
      durationMs: Math.round(performance.now() - started),
    },
  };
}
