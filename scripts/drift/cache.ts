// The results cache behind `--cache`, as ESLint keeps one: per file, what scanning it gave (links, anchors,
// directives) and what the rules that read only that file found, keyed by the file's content. The whole
// cache is keyed by the checker's own code (and vocabulary), the config, the registries and the source
// manifests: a change to any of them starts it afresh. Rules that read other files (links, source
// references, parity, directives) run on every run, over the cached scans.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MarkdownFlavor } from './config.ts';
import type { AnchorAt, CachedFinding, LinkRef, RawDirective } from './doc.ts';
import { VOCABULARY_URL } from './vocabulary.ts';

const VERSION = 1;

/** Where `--cache` keeps its file unless `--cache-location` says otherwise: git-ignored wherever node_modules is. */
export const DEFAULT_CACHE = 'node_modules/.cache/agentkeys-drift/drift-cache.json';
const FILE_NAME = 'drift-cache.json';

export type { CachedFinding };

export interface CacheEntry {
  hash: string;
  /** The file's size, modification time and inode when it was read: unchanged, they spare reading it. */
  size: number;
  mtimeMs: number;
  ino: number;
  language: string;
  flavor?: MarkdownFlavor;
  links: LinkRef[];
  anchorList?: AnchorAt[];
  headings?: string[];
  htmlIds?: string[];
  components?: string[];
  skip: [number, number][];
  directives: RawDirective[];
  /** What scanning the file said (e.g. that it was read as plain text). */
  notices: string[];
  findings: CachedFinding[];
}

export const contentHash = (text: string) => createHash('sha1').update(text).digest('base64');

/**
 * The file a `--cache-location` names: a folder (existing, or written with a trailing slash) holds
 * drift-cache.json; anything else is the file itself. Relative to the working folder.
 */
export function cacheFile(location: string | undefined, root: string, cwd: string): string {
  if (location === undefined) return path.join(root, DEFAULT_CACHE);
  const abs = path.resolve(cwd, location);
  let folder = /[/\\]$/.test(location);
  try {
    folder ||= statSync(abs).isDirectory();
  } catch {}
  return folder ? path.join(abs, FILE_NAME) : abs;
}

let fingerprint: string | undefined;

/** The checker's own code: the built bundle when it runs built, else its TypeScript sources; and the vocabulary. */
function checkerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const h = createHash('sha1');
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.mjs')) h.update(readFileSync(here));
  else {
    const scripts = path.resolve(path.dirname(here), '..');
    for (const dir of ['drift', 'registries', 'lib']) {
      const files = readdirSync(path.join(scripts, dir), { recursive: true, encoding: 'utf8' }).sort();
      for (const f of files) {
        if (!f.endsWith('.ts')) continue;
        h.update(`${dir}/${f}\0`).update(readFileSync(path.join(scripts, dir, f)));
      }
    }
  }
  h.update(readFileSync(VOCABULARY_URL));
  fingerprint = h.digest('base64');
  return fingerprint;
}

/** The key every entry of one cache shares; `inputs` are the texts the checker read besides the files. */
export function cacheKey(inputs: (string | undefined)[]): string {
  const h = createHash('sha1').update(`v${VERSION}\0${checkerFingerprint()}`);
  for (const i of inputs) h.update('\0').update(i ?? '-');
  return h.digest('base64');
}

export interface StoredCache {
  entries: Map<string, CacheEntry>;
  /** When the cache was written (ms since the epoch); 0 for none. */
  writtenAt: number;
}

/** The entries stored under `key`, by path; none when the file is missing, unreadable or made for another key. */
export function readCache(file: string, key: string): StoredCache {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      key?: string;
      writtenAt?: number;
      files?: Record<string, CacheEntry>;
    };
    if (doc.key === key && doc.files && typeof doc.files === 'object' && typeof doc.writtenAt === 'number')
      return { entries: new Map(Object.entries(doc.files)), writtenAt: doc.writtenAt };
  } catch {
    // Missing or damaged: the run rebuilds it.
  }
  return { entries: new Map(), writtenAt: 0 };
}

/**
 * Whether a file is unchanged since its entry was made, by its metadata alone (as git's index tells): same
 * size, modification time and inode, and modified well before the cache was written — a file changed in
 * the same moment the cache was written could keep its time, so it is read again.
 */
export function unchanged(
  e: CacheEntry,
  st: { size: number; mtimeMs: number; ino: number },
  writtenAt: number,
) {
  return e.size === st.size && e.mtimeMs === st.mtimeMs && e.ino === st.ino && st.mtimeMs < writtenAt - 2000;
}

/** Writes the cache under a private name, then renames it: a run reading meanwhile sees a whole file. */
export function writeCache(file: string, key: string, entries: Map<string, CacheEntry>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify({ key, writtenAt: Date.now(), files: Object.fromEntries(entries) }));
    renameSync(temp, file);
  } finally {
    rmSync(temp, { force: true });
  }
}
