// Collect, then check: read every file once, scan it, run every rule, apply directives.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { componentIds } from './components.ts';
import { type DriftConfig, DriftUsageError, loadConfig, type MarkdownFlavor } from './config.ts';
import { resolveDirectives, suppress } from './directives.ts';
import { type Doc, lineStartsOf, positionOf } from './doc.ts';
import { collectFiles, MARKDOWN_SIZE_LIMIT, matcher, type Notice, readText, toPosix } from './files.ts';
import { languageOf } from './languages.ts';
import { type LiveSurfaces, loadLive } from './live.ts';
import { scanMarkdown } from './markdown.ts';
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

export async function makeDoc(
  abs: string,
  root: string,
  srcDir: string,
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
  let language = languageOf(abs);
  if (language === 'markdown' && r.text.length > MARKDOWN_SIZE_LIMIT) {
    notices.push({
      file: rel,
      message: 'larger than 5 MB: scanned line by line, without Markdown structure',
    });
    language = 'plain';
  }
  const doc: Doc = {
    path: rel,
    abs,
    text: r.text,
    language,
    lineStarts: lineStartsOf(r.text),
    units: [],
    blocks: [],
    historical,
    directives: [],
    links: [],
    skip: [],
  };
  if (language === 'markdown' && flavor) doc.flavor = flavor;
  if (language !== 'markdown') return { doc, raw: scanText(doc) };
  try {
    return { doc, raw: await scanMarkdown(doc, srcDir) };
  } catch (error) {
    // A page the renderer cannot parse is still searched, line by line, rather than failing the run.
    notices.push({
      file: rel,
      message: `parsed as plain text: the Markdown renderer failed (${(error as Error).message})`,
    });
    Object.assign(doc, {
      language: 'plain',
      units: [],
      blocks: [],
      links: [],
      skip: [],
      anchors: undefined,
      anchorList: undefined,
    });
    return { doc, raw: scanText(doc) };
  }
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
}

/** Loads the config and live data, collects and scans every file once. */
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
  const files = await collectFiles({
    configDir: config.dir,
    root,
    include: config.include,
    exclude: config.exclude,
    paths: options.paths ?? [],
    cwd,
    notices,
  });
  const isHistorical = matcher(config.historical, config.dir, root);
  const flavorOf = flavorResolver(config, root);
  const docs: Doc[] = [];
  const byAbs = new Map<string, Doc>();
  for (const abs of files) {
    const made = await makeDoc(abs, root, config.srcDir, isHistorical(abs), notices, flavorOf(abs));
    if (!made) continue;
    made.doc.directives = resolveDirectives(made.raw, today);
    docs.push(made.doc);
    byAbs.set(abs, made.doc);
  }
  return { root, cwd, config, live, today, docs, byAbs, notices, flavorOf };
}

export async function check(options: CheckOptions = {}): Promise<CheckResult> {
  const started = performance.now();
  const { root, cwd, config, live, today, docs, byAbs, notices, flavorOf } = await prepare(options);

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
        p = makeDoc(abs, root, config.srcDir, false, [], flavorOf(abs)).then((m) => m?.doc);
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
  for (const rule of rules) {
    current = rule;
    await rule.check(ctx);
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
