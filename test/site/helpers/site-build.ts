// The site build: `buildSite` runs VitePress on a folder, `copyProject` makes a throwaway copy to build, and
// `sharedBuild` returns the one build a test run shares (made by global-setup.ts, handed out through inject).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../../..');

export interface BuildResult {
  ok: boolean;
  output: string;
  durationMs: number;
}

// What the site build reads: runbooks because pages import step files, scripts because the site's loaders
// read the registries (scripts/registries, and scripts/reference behind them).
const inputs = [
  'docs',
  '.vitepress',
  'runbooks',
  'scripts',
  'drift.yaml',
  'package.json',
  'package-lock.json',
];
const skipped = /(^|\/)(node_modules|dist|cache|\.temp)(\/|$)/;

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

export interface SharedBuild {
  dist: string;
  output: string;
  durationMs: number;
}

/** What the build service (test/site/global-setup.ts) answers: the build, or why it failed. */
export type BuildAnswer = ({ ok: true } & SharedBuild) | { ok: false; output: string };

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the build service the vitest main process runs for this test run. */
    siteBuild: string;
  }
}

/**
 * The repository's site, built once per test run by the vitest main process on the first request (from a
 * snapshot, so edits made meanwhile cannot mix two states of the pages); every test file gets the same one.
 */
export async function sharedBuild(): Promise<SharedBuild> {
  // Imported here, not at the top: global-setup.ts imports this module in vitest's main process, where
  // loading 'vitest' itself is not allowed.
  const { inject } = await import('vitest');
  const url = `${inject('siteBuild')}/build`;
  return new Promise((resolveBuild, reject) => {
    // node:http has no response timeout of its own: a cold build on a busy machine may take minutes.
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        const answer = JSON.parse(body) as BuildAnswer;
        if (answer.ok)
          resolveBuild({ dist: answer.dist, output: answer.output, durationMs: answer.durationMs });
        else reject(new Error(`site build failed:\n${answer.output}`));
      });
    }).on('error', reject);
  });
}

export interface ProjectCopy {
  root: string;
  remove(): void;
}

/**
 * A throwaway copy of what the site build reads, with node_modules linked rather than copied. With
 * `diagrams: false` the copy's theme gets a Mermaid that draws nothing, for builds whose checks read no
 * diagram: bundling Mermaid is most of the work of building a small site.
 */
export function copyProject(options: { diagrams?: boolean } = {}): ProjectCopy {
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
  if (options.diagrams === false)
    cpSync(join(repoRoot, 'test/site/helpers/no-diagrams.ts'), join(root, '.vitepress/theme/mermaid.ts'));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
