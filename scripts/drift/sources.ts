// Source trees pages point into: a checkout (root) or a manifest made by `drift index`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DriftUsageError, type SourceConfig } from './config.ts';
import { readText, toPosix } from './files.ts';

export interface ManifestFile {
  lines: number;
  symbols: string[];
}

export interface Manifest {
  version: 1;
  files: Record<string, ManifestFile>;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', 'target', 'dist', '.venv', '__pycache__']);

/** Definitions a `path::symbol` reference may name: functions, types, modules, constants. */
const DEFINITION =
  /^[ \t]*(?:(?:pub(?:\([^)]*\))?|export|default|async|unsafe|extern(?:[ \t]+"[^"]*")?|declare|abstract|static|final)[ \t]+)*(?:fn|struct|enum|trait|type|mod|const|static|union|function\*?|class|interface|namespace|def|func|macro_rules!)[ \t]+(?:\([^)]*\)[ \t]*)?([A-Za-z_$][\w$]*)/gm;

export function symbolsOf(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(DEFINITION)) out.add(m[1] as string);
  return [...out].sort();
}

export function lineCount(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(d, e.name);
      // Symbolic links are not followed: a link loop cannot trap the walk.
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) visit(abs);
      } else if (e.isFile()) out.push(abs);
    }
  };
  visit(dir);
  return out.sort();
}

/** Builds a manifest of a checkout: every text file with its line count and definitions. */
export function buildManifest(dir: string): Manifest {
  const files: Record<string, ManifestFile> = {};
  for (const abs of walk(dir)) {
    const r = readText(abs);
    if (!('text' in r)) continue;
    files[toPosix(path.relative(dir, abs))] = { lines: lineCount(r.text), symbols: symbolsOf(r.text) };
  }
  return { version: 1, files };
}

export interface SourceTree {
  name: string;
  github?: string;
  /** Whether references can be verified (a root or a manifest is available). */
  verifiable: boolean;
  /** The checkout folder in use, when there is one. */
  checkout?: string;
  /** A root drift.yaml names that is not a folder: the tree falls back to its manifest, if any. */
  missingRoot?: string;
  topLevel: Set<string>;
  /** Every file of the tree, relative to it. */
  paths: string[];
  /** Paths of the tree whose path equals `p` or ends with `/p`. */
  lookup(p: string): string[];
  info(p: string): ManifestFile | undefined;
}

function isFolder(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Opens a source tree. A root given on the command line must exist; a root from drift.yaml that does not
 * is treated like no checkout (a machine without it still checks pages), and the caller may say so.
 */
export function openSource(s: SourceConfig, cliRoot: string | undefined): SourceTree {
  let root = cliRoot ?? s.root;
  let missingRoot: string | undefined;
  if (root && !isFolder(root)) {
    if (cliRoot)
      throw new DriftUsageError(`source "${s.name}": root ${root} is not a folder; point it at a checkout`);
    missingRoot = root;
    root = undefined;
  }
  let paths: string[] = [];
  let info: (p: string) => ManifestFile | undefined = () => undefined;
  if (root) {
    const dir = root;
    paths = walk(dir).map((a) => toPosix(path.relative(dir, a)));
    const cache = new Map<string, ManifestFile | undefined>();
    info = (p) => {
      if (!cache.has(p)) {
        const r = readText(path.join(dir, p));
        cache.set(p, 'text' in r ? { lines: lineCount(r.text), symbols: symbolsOf(r.text) } : undefined);
      }
      return cache.get(p);
    };
  } else if (s.manifest) {
    let m: Manifest;
    try {
      m = JSON.parse(readFileSync(s.manifest, 'utf8')) as Manifest;
      if (!m || typeof m.files !== 'object') throw new Error('no files');
    } catch {
      throw new DriftUsageError(
        `source "${s.name}": manifest ${s.manifest} is missing or not a manifest; make one with \`npm run drift -- index DIR\``,
      );
    }
    paths = Object.keys(m.files);
    info = (p) => m.files[p];
  }
  const byBase = new Map<string, string[]>();
  const topLevel = new Set<string>();
  for (const p of paths) {
    const base = p.slice(p.lastIndexOf('/') + 1);
    const list = byBase.get(base);
    if (list) list.push(p);
    else byBase.set(base, [p]);
    const slash = p.indexOf('/');
    if (slash > 0) topLevel.add(p.slice(0, slash));
  }
  return {
    name: s.name,
    github: s.github,
    verifiable: Boolean(root || s.manifest),
    checkout: root,
    missingRoot,
    topLevel,
    paths,
    lookup(p) {
      const base = p.slice(p.lastIndexOf('/') + 1);
      return (byBase.get(base) ?? []).filter((c) => c === p || c.endsWith(`/${p}`));
    },
    info,
  };
}
