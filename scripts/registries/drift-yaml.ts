// drift.yaml, the checker's registry: YAML with line numbers, validated by a strict zod schema. The
// checker and the site's retired-surfaces page both read it through parseDriftYaml.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { z } from 'zod';
import { RegistryError } from './errors.ts';
import { extractor, groupCount } from './extractor.ts';
import { commentTraps, readYamlFile, type YamlWarning } from './yaml.ts';

const SURFACE_KINDS = ['endpoint', 'file', 'symbol', 'env', 'header', 'term'] as const;
export type SurfaceKind = (typeof SURFACE_KINDS)[number];

const stringList = z.array(z.string().min(1));

const retiredEntry = z
  .strictObject({
    endpoint: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    symbol: z.string().min(1).optional(),
    env: z.string().min(1).optional(),
    header: z.string().min(1).optional(),
    term: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    replacement: z.string().min(1).optional(),
    removed: z.string().min(1).optional(),
    // Other names the surface goes by; they match like the surface itself.
    aliases: stringList.optional(),
    // `exact`: a file matches by its path only, not by its bare name or test stem.
    match: z.enum(['exact', 'name']).optional(),
  })
  .refine((e) => SURFACE_KINDS.filter((k) => e[k] !== undefined).length === 1, {
    message: `needs exactly one of ${SURFACE_KINDS.join(', ')}`,
  });

/** A regular expression whose first non-empty capture group is the fact. */
const extractSource = z.string().superRefine((s, ctx) => {
  let re: RegExp;
  try {
    re = extractor(s);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid regular expression (${(error as Error).message.replace(/^Invalid regular expression: /, '')})`,
    });
    return;
  }
  if (groupCount(re) === 0)
    ctx.addIssue({ code: 'custom', message: 'needs a capture group around the fact, e.g. "([A-Z_]+)"' });
});

const KIND = /^[a-z][a-z0-9-]*$/;

const parityEntry = z.strictObject({
  kind: z.string().regex(KIND, 'is a name in lower case, e.g. route or boot-anchor'),
  files: stringList.min(1),
  extract: extractSource,
  // Checked after the schema, where its line is known: a string form or { file, extract }.
  against: z.unknown(),
});

const undocumentedEntry = z.strictObject({
  kind: z.string().regex(KIND, 'is a name in lower case, e.g. route or boot-anchor'),
  value: z.string().min(1),
  reason: z
    .string({ error: 'is missing: say why this fact is deliberately left out of the registry' })
    .trim()
    .min(1, 'is empty: say why this fact is deliberately left out of the registry'),
});

const deprecatedTerm = z.strictObject({
  deprecated: z.string().min(1),
  prefer: z.string().min(1),
  allowNear: stringList.optional(),
});

const schema = z.strictObject({
  include: stringList.min(1),
  exclude: stringList.optional(),
  historical: stringList.optional(),
  live: z
    .strictObject({ openapi: z.string().min(1).optional(), env: z.string().min(1).optional() })
    .optional(),
  sources: z
    .record(
      z.string().regex(/^[\w.-]+$/),
      z.strictObject({
        root: z.string().optional(),
        manifest: z.string().min(1).optional(),
        github: z.url().optional(),
        parity: z.array(parityEntry).optional(),
        undocumented: z.array(undocumentedEntry).optional(),
      }),
    )
    .optional(),
  retired: z.array(retiredEntry).optional(),
  // A list of deprecated terms, or a map that also extends the retirement vocabulary.
  terms: z
    .union(
      [
        z.array(deprecatedTerm),
        z.strictObject({
          deprecated: z.array(deprecatedTerm).optional(),
          retirement: stringList.optional(),
          pending: stringList.optional(),
        }),
      ],
      {
        error:
          'is a list of { deprecated, prefer, allowNear } entries, or a map of deprecated (that list), retirement and pending (lists of phrases)',
      },
    )
    .optional(),
  retirementWords: stringList.min(1).optional(),
  markdown: z
    .array(
      z.strictObject({
        files: stringList.min(1),
        flavor: z.enum(['github', 'vitepress'], { error: 'is github or vitepress' }),
      }),
    )
    .optional(),
  site: z.strictObject({ srcDir: z.string().min(1) }).optional(),
});

export type RawConfig = z.infer<typeof schema>;

export interface RetiredSurface {
  kind: SurfaceKind;
  value: string;
  description?: string;
  replacement?: string;
  removed?: string;
  /** Other names that match like the value. */
  aliases?: string[];
  /** Files: match the path only (no bare name, no test stem). */
  exact?: boolean;
}

export type MarkdownFlavor = 'github' | 'vitepress';

interface ListTarget {
  spec: string;
  /** Phantoms are looked for only among registry entries that match (the rest belong to other readers). */
  scope?: RegExp;
}

interface FileTarget {
  spec: string;
  /** Absolute path of the page or file. */
  file: string;
  /** Phantoms are looked for only in the section under the heading with this id. */
  section?: string;
}

/** The registry a parity kind is compared with. */
export type ParityTarget =
  | (ListTarget & { type: 'openapi-paths' })
  | (ListTarget & { type: 'env-names' })
  | (FileTarget & { type: 'runbook-anchors' })
  /** A file and the extractor that finds the registry's facts in it. */
  | (FileTarget & { type: 'file'; extract: RegExp });

export interface ParityEntry {
  kind: string;
  files: string[];
  extract: RegExp;
  against: ParityTarget;
  /** Line of the entry and of its `against` key in the config file. */
  line: number;
  againstLine: number;
}

export interface UndocumentedEntry {
  kind: string;
  value: string;
  reason: string;
  line: number;
}

export interface SourceConfig {
  name: string;
  root?: string;
  /** `root` as written, before `${VAR}` expansion. */
  rootSpec?: string;
  /** Line of the source entry and of its `root` key in the config file. */
  line: number;
  rootLine?: number;
  manifest?: string;
  github?: string;
  parity: ParityEntry[];
  undocumented: UndocumentedEntry[];
}

export interface DriftConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Folder holding the config: globs are relative to it. */
  dir: string;
  include: string[];
  exclude: string[];
  historical: string[];
  openapi?: string;
  envFile?: string;
  srcDir: string;
  sources: SourceConfig[];
  retired: RetiredSurface[];
  terms: { deprecated: string; prefer: string; allowNear: string[] }[];
  /** `retirementWords`: replaces the checker's own past-tense cues when set. */
  retirementWords?: string[];
  /** `terms.retirement` and `terms.pending`: cues added to the checker's vocabulary. */
  extraCues: { retirement: string[]; pending: string[] };
  /** `markdown` overrides of the link flavour, in order; the last entry that matches a file wins. */
  markdown: { files: string[]; flavor: MarkdownFlavor }[];
  /** The folder holds a VitePress site (`.vitepress/`, or `site` is configured): srcDir pages use its flavour. */
  vitepress: boolean;
  /** Things worth saying about the file that do not stop the run, by line. */
  warnings: YamlWarning[];
}

function lineOf(node: Node | null | undefined, counter: LineCounter): number {
  const offset = node?.range?.[0] ?? 0;
  return counter.linePos(offset).line;
}

/** Finds the YAML node an issue path points to, keeping the key node for unknown keys. */
function nodeAt(root: Node | null, keys: PropertyKey[], key?: string): Node | null {
  let node: Node | null = root;
  for (const k of keys) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === k);
      if (!pair) return node;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof k === 'number') {
      node = (node.items[k] as Node | null) ?? node;
    } else return node;
  }
  if (key && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === key);
    if (pair) return pair.key as Node;
  }
  return node;
}

function expandEnv(value: string, env: NodeJS.ProcessEnv): string | undefined {
  let missing = false;
  const out = value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b) as string];
    if (v === undefined || v === '') missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

/** Parses drift.yaml; `file` is the path shown in messages and the base of relative paths. */
export function parseDriftYaml(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): DriftConfig {
  const y = readYamlFile(text, file);
  const { doc, lines: counter } = y;
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (!issue) throw new RegistryError(`${file}: invalid configuration`);
    const keys = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const node = nodeAt(doc.contents as Node, keys, key);
      const where = keys.length > 0 ? ` in ${keys.join('.')}` : '';
      throw new RegistryError(
        `${file}:${lineOf(node, counter)}: unknown key "${key}"${where}; allowed keys are listed in docs/reference/drift-rules.md#configuration`,
      );
    }
    const node = nodeAt(doc.contents as Node, keys);
    const at = keys.length > 0 ? `"${keys.join('.')}"` : 'the document';
    throw new RegistryError(`${file}:${lineOf(node, counter)}: ${at}: ${issue.message}`);
  }
  const raw = parsed.data;
  const dir = path.dirname(file);
  const resolveIn = (p: string | undefined) => (p ? path.resolve(dir, p) : undefined);
  const lineAt = (keys: PropertyKey[]) => lineOf(nodeAt(doc.contents as Node, keys), counter);
  const fail = (keys: PropertyKey[], message: string): never => {
    throw new RegistryError(`${file}:${lineAt(keys)}: "${keys.join('.')}": ${message}`);
  };
  const sources: SourceConfig[] = Object.entries(raw.sources ?? {}).map(([name, s]) => {
    const at = ['sources', name];
    const parity = (s.parity ?? []).map((e, i): ParityEntry => {
      const keys = [...at, 'parity', i];
      return {
        kind: e.kind,
        files: e.files,
        extract: extractor(e.extract),
        against: parseAgainst(e.against, [...keys, 'against'], dir, fail),
        line: lineAt(keys),
        againstLine: lineAt([...keys, 'against']),
      };
    });
    const targets = new Map<string, string>();
    parity.forEach((e, i) => {
      const first = targets.get(e.kind);
      if (first === undefined) targets.set(e.kind, e.against.spec);
      else if (first !== e.against.spec)
        fail(
          [...at, 'parity', i, 'against'],
          `kind "${e.kind}" is already compared with ${first}; every entry of one kind names the same registry`,
        );
    });
    const undocumented = (s.undocumented ?? []).map((u, i) => {
      if (!targets.has(u.kind)) {
        const kinds = [...targets.keys()].join(', ') || 'none';
        fail(
          [...at, 'undocumented', i, 'kind'],
          `no parity entry of source "${name}" has kind "${u.kind}" (kinds: ${kinds})`,
        );
      }
      return { ...u, line: lineAt([...at, 'undocumented', i]) };
    });
    return {
      name,
      root: s.root ? resolveIn(expandEnv(s.root, env)) : undefined,
      rootSpec: s.root,
      line: lineAt(at),
      rootLine: s.root === undefined ? undefined : lineAt([...at, 'root']),
      manifest: resolveIn(s.manifest),
      github: s.github?.replace(/\/+$/, ''),
      parity,
      undocumented,
    };
  });
  const retired: RetiredSurface[] = (raw.retired ?? []).map((e, i) => {
    const kind = SURFACE_KINDS.find((k) => e[k] !== undefined) as SurfaceKind;
    if (e.match !== undefined && kind !== 'file')
      fail(['retired', i, 'match'], `applies to file entries only: a ${kind} always matches as written`);
    return {
      kind,
      value: (e[kind] as string).trim(),
      description: e.description,
      replacement: e.replacement,
      removed: e.removed,
      aliases: e.aliases?.map((a) => a.trim()),
      exact: e.match === 'exact',
    };
  });
  const srcDir = raw.site?.srcDir ?? (existsSync(path.join(dir, 'docs')) ? 'docs' : '.');
  const terms = Array.isArray(raw.terms) ? { deprecated: raw.terms } : (raw.terms ?? {});
  return {
    file,
    dir,
    include: raw.include,
    exclude: raw.exclude ?? [],
    historical: raw.historical ?? [],
    openapi: resolveIn(raw.live?.openapi),
    envFile: resolveIn(raw.live?.env),
    srcDir: path.resolve(dir, srcDir),
    sources,
    retired,
    terms: (terms.deprecated ?? []).map((t) => ({ ...t, allowNear: t.allowNear ?? [] })),
    retirementWords: raw.retirementWords,
    extraCues: { retirement: terms.retirement ?? [], pending: terms.pending ?? [] },
    markdown: raw.markdown ?? [],
    vitepress: raw.site !== undefined || existsSync(path.join(dir, '.vitepress')),
    warnings: commentTraps(y),
  };
}

const AGAINST_HELP =
  'use openapi-paths, env-names, runbook-anchors:<page>[#section] or { file: <path>[#section], extract: <regex> }';

/** One `against` value: a registry name with an optional argument, or a file and its own extractor. */
function parseAgainst(
  value: unknown,
  keys: PropertyKey[],
  dir: string,
  fail: (keys: PropertyKey[], message: string) => never,
): ParityTarget {
  const fileAndSection = (spec: string, where: PropertyKey[]) => {
    const hash = spec.indexOf('#');
    const rel = hash === -1 ? spec : spec.slice(0, hash);
    const section = hash === -1 ? undefined : spec.slice(hash + 1);
    if (rel === '' || section === '') fail(where, `"${spec}": name a file, and a section id after # if any`);
    if (section !== undefined && !/\.(?:md|markdown)$/i.test(rel))
      fail(where, `"${spec}": a #section can only be named in a Markdown page`);
    return { file: path.resolve(dir, rel), section };
  };
  if (typeof value === 'string') {
    const m = /^(openapi-paths|env-names|runbook-anchors)(?::(.*))?$/.exec(value.trim());
    if (!m) fail(keys, AGAINST_HELP);
    const [, type, arg] = m as RegExpExecArray;
    if (type === 'runbook-anchors') {
      if (!arg) fail(keys, 'runbook-anchors needs a page: runbook-anchors:docs/<page>.md[#section]');
      return { type, spec: value.trim(), ...fileAndSection(arg as string, keys) };
    }
    let scope: RegExp | undefined;
    if (arg) {
      try {
        scope = new RegExp(arg);
      } catch (error) {
        fail(
          keys,
          `the pattern after ${type}: is not a valid regular expression (${(error as Error).message})`,
        );
      }
    }
    return type === 'openapi-paths'
      ? { type, spec: value.trim(), scope }
      : { type: 'env-names', spec: value.trim(), scope };
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const unknown = Object.keys(o).find((k) => k !== 'file' && k !== 'extract');
    if (unknown) fail([...keys, unknown], `unknown key; ${AGAINST_HELP}`);
    if (typeof o.file !== 'string' || o.file === '') fail([...keys, 'file'], `needs a file; ${AGAINST_HELP}`);
    const ex = extractSource.safeParse(o.extract);
    if (typeof o.extract !== 'string') fail([...keys, 'extract'], `needs an extractor; ${AGAINST_HELP}`);
    if (!ex.success) fail([...keys, 'extract'], ex.error.issues[0]?.message ?? 'invalid extractor');
    const spec = `${o.file} (extract ${o.extract})`;
    return {
      type: 'file',
      spec,
      ...fileAndSection(o.file as string, [...keys, 'file']),
      extract: extractor(o.extract as string),
    };
  }
  return fail(keys, AGAINST_HELP);
}
