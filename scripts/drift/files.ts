// File collection (globs relative to the config's folder) and reading each file once, safely.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import { DriftUsageError } from './config.ts';

export interface Notice {
  file: string;
  /** 1-based line the notice is about, when it is about one. */
  line?: number;
  message: string;
}

/** `file` or `file:line`, as a notice is shown. */
export const noticeAt = (n: Notice) => (n.line === undefined ? n.file : `${n.file}:${n.line}`);

/** Larger files are still scanned, but as plain lines: a Markdown parse of them would dominate the run. */
export const MARKDOWN_SIZE_LIMIT = 5 * 1024 * 1024;

export const toPosix = (p: string) => (path.sep === '/' ? p : p.split(path.sep).join('/'));

/** `abs` relative to `base`, with forward slashes; a plain cut when `abs` lies inside `base`. */
export function relativeTo(base: string, abs: string): string {
  return abs.startsWith(base) && abs[base.length] === path.sep
    ? toPosix(abs.slice(base.length + 1))
    : toPosix(path.relative(base, abs));
}

export async function collectFiles(opts: {
  configDir: string;
  root: string;
  include: string[];
  exclude: string[];
  paths: string[];
  cwd: string;
  notices: Notice[];
  /** Files never checked, whatever the globs say: the registry the run was given, the cache file. */
  never?: string[];
}): Promise<string[]> {
  const found = await glob(opts.include, {
    cwd: opts.configDir,
    // Installed packages are never the project's own text, whatever the globs say.
    ignore: [...opts.exclude, '**/node_modules/**'],
    dot: true,
    absolute: true,
    onlyFiles: true,
    followSymbolicLinks: true,
    expandDirectories: false,
  });
  // Links are followed (the glob stops at cycles); a file reached twice is checked once, under its shortest path.
  const byReal = new Map<string, string>();
  const sorted = [...new Set(found.map((f) => path.resolve(f)))].sort(
    (a, b) => a.length - b.length || (a < b ? -1 : 1),
  );
  for (const f of sorted) {
    let real = f;
    try {
      real = realpathSync.native(f);
    } catch {}
    const first = byReal.get(real);
    if (first === undefined) byReal.set(real, f);
    else {
      opts.notices.push({
        file: toPosix(path.relative(opts.root, f)),
        message: `skipped: the same file as ${toPosix(path.relative(opts.root, first))}, reached through a symbolic link`,
      });
    }
  }
  const never = new Set(opts.never ?? []);
  let files = [...byReal.values()].filter((f) => !never.has(f)).sort();
  if (opts.paths.length > 0) {
    const wanted = opts.paths.map((p) => {
      const candidates = [path.resolve(opts.cwd, p), path.resolve(opts.root, p)];
      const hit = candidates.find((c) => {
        try {
          statSync(c);
          return true;
        } catch {
          return false;
        }
      });
      if (!hit) throw new DriftUsageError(`${p}: no such file or folder`);
      return hit;
    });
    files = files.filter((f) => wanted.some((w) => f === w || f.startsWith(w + path.sep)));
    for (const w of wanted) {
      if (!statSync(w).isDirectory() && !files.includes(w)) {
        opts.notices.push({
          file: toPosix(path.relative(opts.root, w)),
          message: never.has(w)
            ? 'not checked: the registry the run reads is never checked as a page'
            : 'not checked: drift.yaml does not include this file (see include/exclude)',
        });
      }
    }
  }
  return files;
}

export type ReadResult = { text: string } | { notice: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads a file as UTF-8 text, or explains why it is skipped. Never throws. */
export function readText(abs: string): ReadResult {
  let buf: Buffer;
  try {
    buf = readFileSync(abs);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why: Record<string, string> = {
      EACCES: 'permission denied',
      EISDIR: 'is a folder',
      ELOOP: 'symbolic link loop',
      ENOENT: 'missing (dangling symbolic link?)',
    };
    return { notice: `skipped: cannot read (${why[code] ?? code})` };
  }
  const head = buf.subarray(0, 8000);
  if (head.includes(0)) return { notice: 'skipped: binary file' };
  try {
    let text = decoder.decode(buf);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { text };
  } catch {
    return { notice: 'skipped: not valid UTF-8 text' };
  }
}

export function matcher(globs: string[], base: string, root: string): (abs: string) => boolean {
  if (globs.length === 0) return () => false;
  const m = picomatch(globs, { dot: true });
  return (abs) => m(relativeTo(base, abs)) || (base !== root && m(relativeTo(root, abs)));
}
