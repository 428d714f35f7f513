// Builds the site once per content state and shares the result between test files (and runs).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export interface BuildResult {
  ok: boolean;
  output: string;
  durationMs: number;
}

// Everything that can change the built site; runbooks are in because pages import step files, and the
// registries' loaders because the generated pages are rendered from what they read.
const inputs = [
  'docs',
  '.vitepress',
  'runbooks',
  'scripts/registries',
  'drift.yaml',
  'package.json',
  'package-lock.json',
];
const skipped = /(^|\/)(node_modules|dist|cache|\.temp)(\/|$)/;

function listFiles(root: string): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    if (statSync(path).isFile()) {
      files.push(input);
      continue;
    }
    for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
      const file = relative(root, join(entry.parentPath, entry.name));
      if (entry.isFile() && !skipped.test(file)) files.push(file);
    }
  }
  return files.sort();
}

export function contentHash(root: string): string {
  const hash = createHash('sha256');
  for (const file of listFiles(root))
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Runs `vitepress build` on a project folder; a clean build exits 0 and logs no render error. */
export function buildSite(root: string, outDir: string): Promise<BuildResult> {
  const started = Date.now();
  const cli = join(repoRoot, 'node_modules/vitepress/bin/vitepress.js');
  return new Promise((resolveBuild, reject) => {
    const child = spawn(process.execPath, [cli, 'build', root, '--outDir', outDir], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      // VitePress logs errors thrown while rendering a page but still exits 0; those count as failures.
      const renderError = /\b\w*Error\b: |\[Vue warn\]/.test(output);
      resolveBuild({ ok: code === 0 && !renderError, output, durationMs: Date.now() - started });
    });
  });
}

const cacheRoot = join(tmpdir(), 'agentkeys-site-build');

const failureReuseMs = 10 * 60_000;
const staleLockMs = 5 * 60_000;

function lockOwner(lock: string): number {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8'));
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  // A lock without a pid file yet is being taken right now; treat it as held.
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Builds of earlier content are dropped after half an hour, longer than any one test run takes.
function pruneOldBuilds(current: string): void {
  for (const entry of readdirSync(cacheRoot)) {
    const path = join(cacheRoot, entry);
    if (!entry.startsWith(current) && Date.now() - statSync(path).mtimeMs > 1_800_000) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

export interface SharedBuild {
  dist: string;
  output: string;
  durationMs: number;
  hash: string;
}

/**
 * The repository's site, built once per content hash. The first test file to ask builds it under a
 * lock directory; the others wait for the marker file and reuse the output.
 */
export async function sharedBuild(): Promise<SharedBuild> {
  // Built from a snapshot, so edits made while the build runs cannot mix two states of the pages.
  const snapshot = copyProject();
  try {
    return await buildOnce(snapshot.root);
  } finally {
    snapshot.remove();
  }
}

async function buildOnce(snapshot: string): Promise<SharedBuild> {
  const hash = contentHash(snapshot);
  const dir = join(cacheRoot, hash);
  const marker = join(dir, 'build.json');
  const failure = join(dir, 'failed.txt');
  const lock = join(cacheRoot, `${hash}.lock`);
  mkdirSync(cacheRoot, { recursive: true });
  for (;;) {
    if (existsSync(marker)) return { ...JSON.parse(readFileSync(marker, 'utf8')), hash };
    // The same content fails the same way; a recent failure is reported instead of building again.
    if (existsSync(failure) && Date.now() - statSync(failure).mtimeMs < failureReuseMs) {
      throw new Error(`site build failed:\n${readFileSync(failure, 'utf8')}`);
    }
    try {
      mkdirSync(lock);
    } catch {
      const stale =
        Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > staleLockMs;
      if (stale || !alive(lockOwner(lock))) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      pruneOldBuilds(hash);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const dist = join(dir, 'dist');
      const result = await buildSite(snapshot, dist);
      if (!result.ok) {
        writeFileSync(failure, result.output);
        throw new Error(`site build failed:\n${result.output}`);
      }
      const built = { dist, output: result.output, durationMs: result.durationMs };
      writeFileSync(marker, JSON.stringify(built));
      return { ...built, hash };
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export interface ProjectCopy {
  root: string;
  remove(): void;
}

/** A throwaway copy of what the site build reads, with node_modules linked rather than copied. */
export function copyProject(): ProjectCopy {
  const root = mkdtempSync(join(tmpdir(), 'agentkeys-site-copy-'));
  for (const input of inputs) {
    const from = join(repoRoot, input);
    if (!existsSync(from)) continue;
    cpSync(from, join(root, input), {
      recursive: true,
      filter: (src) => !skipped.test(relative(repoRoot, src)),
    });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
