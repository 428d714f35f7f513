// `npm start`, as a newcomer runs it: serves the site on 127.0.0.1, skips a busy port, prints the URL, runs
// the Stage 7 runbook on the embedded sandbox while every sidebar page renders in Chromium from the dev
// server (its h1 drawn, no page error, no module or asset request that failed), and stops cleanly on Ctrl-C.
// One `npm start` serves all of that, as it does for the newcomer.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runbook } from '../../runbooks/stage7/index.ts';
import { killMarked, leftBehind, processMark } from '../helpers/processes.ts';
import { type Browser, diagramsDrawn, launchBrowser } from './helpers/browser.ts';
import { sidebarLinks } from './helpers/pages.ts';
import { repoRoot } from './helpers/site-build.ts';

const children: ChildProcessWithoutNullStreams[] = [];
const servers: Server[] = [];

function start(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/start.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  children.push(child);
  return child;
}

// Reads stdout with a listener rather than an async iterator, which would destroy the pipe when done.
function printedUrl(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = output.match(/http:\/\/127\.0\.0\.1:\d+/);
      if (match) resolve(match[0]);
    });
    child.once('exit', () => reject(new Error(`start exited without printing a URL:\n${output}`)));
  });
}

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
});

describe('npm start, typed the npm way, with a busy port', () => {
  const { mark, env: markEnv } = processMark();
  let child: ChildProcessWithoutNullStreams;
  let sandboxDir: string;
  let taken: number;
  let url: string;
  let stdout = '';
  let browser: Browser;

  beforeAll(async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    taken = (busy.address() as { port: number }).port;
    sandboxDir = await mkdtemp(join(tmpdir(), 'start-sandbox-'));
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches npm and everything under it.
    child = spawn('npm', ['start', '--', '--port', String(taken)], {
      cwd: repoRoot,
      env: { ...process.env, ...markEnv, NO_COLOR: '1', AGENTKEYS_SANDBOX_DIR: sandboxDir },
      detached: true,
    });
    child.stdout.on('data', (chunk) => (stdout += chunk));
    url = await printedUrl(child);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (child?.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }
    killMarked(mark);
    await rm(sandboxDir, { recursive: true, force: true });
  });

  it('serves the site on the next free port', async () => {
    expect(Number(new URL(url).port)).toBeGreaterThan(taken);
    for (const path of ['/', '/reference/env']) {
      const response = await fetch(url + path);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<div id="app">');
    }
  });

  /** A fresh tab per page, so a request the previous page left in flight is not blamed on this one. */
  async function open(link: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message.split('\n')[0]}`));
    page.on('requestfailed', (request) =>
      problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    });
    const response = await page.goto(url + link, { waitUntil: 'load', timeout: 120_000 });
    expect(response?.status()).toBe(200);
    return { page, problems };
  }

  it.each(sidebarLinks())(
    '%s renders from the dev server with its h1, no page error and no failed request',
    async (link) => {
      const { page, problems } = await open(link);
      try {
        // The dev server renders on the client: the h1 exists once the app has mounted (the home page's is
        // its hero's name, outside the document body).
        await page.locator('h1').first().waitFor({ timeout: 60_000 });
        // Diagrams load their own modules after the page; they count too.
        await diagramsDrawn(page);
        await page.waitForLoadState('networkidle');
        expect(problems).toEqual([]);
        expect(await page.locator('h1').count()).toBe(1);
      } finally {
        await page.close();
      }
    },
    180_000,
  );

  it('runs the Stage 7 runbook on the embedded sandbox, keeps serving, and stops on Ctrl-C', async () => {
    await new Promise<void>((resolve, reject) => {
      const check = () => stdout.includes('Press Ctrl-C to stop.') && resolve();
      child.stdout.on('data', check);
      child.once('exit', () => reject(new Error(`start exited early:\n${stdout}`)));
      check();
    });
    expect(stdout).toMatch(new RegExp(`stage7: ${runbook.steps.length} steps — .* 0 skipped`));
    expect(stdout).toContain(`Stage 7 runbook passed. The site stays up at ${url}/`);
    expect((await fetch(`${url}/operator-runbook-stage7`)).status).toBe(200);
    const exited = once(child, 'exit');
    process.kill(-(child.pid as number), 'SIGINT');
    // npm ends itself with the signal that stopped its script, as a shell expects of Ctrl-C; the script's
    // own exit code (the runbook's) is checked on a direct start below.
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
    await expect(fetch(url)).rejects.toThrow();
    expect(await leftBehind(mark)).toEqual([]);
  }, 180_000);
});

describe('npm start', () => {
  it('links a failed step to its section on the site it serves, and keeps serving', async () => {
    // The host folder already holds an OIDC key file that is not a key: step B2 refuses to overwrite it and
    // fails, and its "Read:" line is the one to check.
    const dir = await mkdtemp(join(tmpdir(), 'start-failing-'));
    const keys = join(dir, 'host/var/lib/agentkeys/keys');
    mkdirSync(keys, { recursive: true });
    writeFileSync(join(keys, 'oidc-keypair.json'), '{}\n', { mode: 0o600 });
    try {
      const child = start(['--port', '0'], { AGENTKEYS_SANDBOX_DIR: dir });
      let output = '';
      child.stderr.on('data', (chunk) => (output += chunk));
      child.stdout.on('data', (chunk) => (output += chunk));
      const url = await printedUrl(child);
      await new Promise<void>((resolve, reject) => {
        const check = () => output.includes('Press Ctrl-C to stop.') && resolve();
        child.stdout.on('data', check);
        child.once('exit', () => reject(new Error(`start exited early:\n${output}`)));
        check();
      });
      expect(output).toContain('Step b2 (Generate the signing keys) failed');
      expect(output).toContain(`Read: ${url}/operator-runbook-stage7#oidc-keypair`);
      expect(output).toContain(`Stage 7 runbook ended with exit code 1. The site stays up at ${url}/`);
      expect((await fetch(`${url}/operator-runbook-stage7`)).status).toBe(200);
      expect(readFileSync(join(keys, 'oidc-keypair.json'), 'utf8')).toBe('{}\n');
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a bad --port with a usage message and exit code 2', async () => {
    const child = start(['--port', 'eighty']);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^start: --port must be 0–65535, got "eighty"\nUsage: /);
  }, 30_000);
});
