// Loads drift.yaml: YAML with line numbers, validated by a strict zod schema.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { z } from 'zod';

/** A usage or configuration problem: the CLI prints the message and exits 2. */
export class DriftUsageError extends Error {
  override name = 'DriftUsageError';
}

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
  })
  .refine((e) => SURFACE_KINDS.filter((k) => e[k] !== undefined).length === 1, {
    message: `needs exactly one of ${SURFACE_KINDS.join(', ')}`,
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
      }),
    )
    .optional(),
  retired: z.array(retiredEntry).optional(),
  terms: z
    .array(
      z.strictObject({
        deprecated: z.string().min(1),
        prefer: z.string().min(1),
        allowNear: stringList.optional(),
      }),
    )
    .optional(),
  retirementWords: stringList.min(1).optional(),
  site: z.strictObject({ srcDir: z.string().min(1) }).optional(),
});

export type RawConfig = z.infer<typeof schema>;

export interface RetiredSurface {
  kind: SurfaceKind;
  value: string;
  description?: string;
  replacement?: string;
  removed?: string;
}

export interface SourceConfig {
  name: string;
  root?: string;
  manifest?: string;
  github?: string;
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
  retirementWords: string[];
}

export const DEFAULT_RETIREMENT_WORDS = [
  'retired',
  'removed',
  'deleted',
  'deprecated',
  'no longer',
  'gone',
  'returns 404',
  'replaced by',
  'superseded',
];

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

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): DriftConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err ? counter.linePos(err.pos[0]).line : 1;
    throw new DriftUsageError(
      `${file}:${line}: invalid YAML: ${err?.message.split('\n')[0] ?? 'parse error'}`,
    );
  }
  const parsed = schema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (!issue) throw new DriftUsageError(`${file}: invalid configuration`);
    const keys = issue.path;
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const node = nodeAt(doc.contents as Node, keys, key);
      const where = keys.length > 0 ? ` in ${keys.join('.')}` : '';
      throw new DriftUsageError(
        `${file}:${lineOf(node, counter)}: unknown key "${key}"${where}; allowed keys are listed in docs/reference/drift-rules.md#configuration`,
      );
    }
    const node = nodeAt(doc.contents as Node, keys);
    const at = keys.length > 0 ? `"${keys.join('.')}"` : 'the document';
    throw new DriftUsageError(`${file}:${lineOf(node, counter)}: ${at}: ${issue.message}`);
  }
  const raw = parsed.data;
  const dir = path.dirname(file);
  const resolveIn = (p: string | undefined) => (p ? path.resolve(dir, p) : undefined);
  const sources: SourceConfig[] = Object.entries(raw.sources ?? {}).map(([name, s]) => ({
    name,
    root: s.root ? resolveIn(expandEnv(s.root, env)) : undefined,
    manifest: resolveIn(s.manifest),
    github: s.github?.replace(/\/+$/, ''),
  }));
  const retired: RetiredSurface[] = (raw.retired ?? []).map((e) => {
    const kind = SURFACE_KINDS.find((k) => e[k] !== undefined) as SurfaceKind;
    return {
      kind,
      value: (e[kind] as string).trim(),
      description: e.description,
      replacement: e.replacement,
      removed: e.removed,
    };
  });
  const srcDir = raw.site?.srcDir ?? (existsSync(path.join(dir, 'docs')) ? 'docs' : '.');
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
    terms: (raw.terms ?? []).map((t) => ({ ...t, allowNear: t.allowNear ?? [] })),
    retirementWords: raw.retirementWords ?? DEFAULT_RETIREMENT_WORDS,
  };
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): DriftConfig {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DriftUsageError(
      `${file}: config file not found or not readable; pass --config FILE or --root DIR holding a drift.yaml`,
    );
  }
  return parseConfig(text, file, env);
}
