// docs/dev-setup.md is executable documentation: its marked blocks run, in page order, in a fresh clone of
// the repository, and each must keep the promise its marker makes (see the comment at the top of the page).
//
// How the documented commands stay runnable here without changing them:
// - node_modules is linked from this checkout, so `npm run setup` (npm ci) is the one block not run;
// - the sandbox honours AGENTKEYS_SANDBOX_BROKER_PORT / _MOTO_PORT, set to 0 so it takes free ports;
//   `npm run docs:dev` moves past a taken port by itself and prints the one it chose;
// - `npm test` inside `npm test` would recurse and take minutes, so the block runs with
//   AGENTKEYS_TEST_INCLUDE naming one small suite (vitest.config.ts honours it): lint and type-check run
//   in full, vitest runs the marker suite. AGENTKEYS_DEVSETUP_NESTED also skips this file if it is included.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './helpers/browser.ts';
import { repoRoot } from './helpers/built-pages.ts';
import { type DevSetupBlock, extractBlocks, firstLocalUrl } from './helpers/devsetup-blocks.ts';

const nested = process.env.AGENTKEYS_DEVSETUP_NESTED === '1';
const blockTimeoutMs = 300_000;
const serveTimeoutMs = 90_000;

// A newcomer's shell: none of this run's npm, vitest or project variables leak into the commands.
function freshEnv(): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(
    ([key]) => !/^(npm_|VITEST|AGENTKEYS_|BROKER_|AWS_|NODE_ENV$|NODE_OPTIONS$|TEST$|CI$)/i.test(key),
  );
  return {
    ...Object.fromEntries(inherited),
    NO_COLOR: '1',
    AGENTKEYS_SANDBOX_BROKER_PORT: '0',
    AGENTKEYS_SANDBOX_MOTO_PORT: '0',
    AGENTKEYS_TEST_INCLUDE: 'test/site/devsetup-blocks.test.ts',
    AGENTKEYS_DEVSETUP_NESTED: '1',
    AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
  };
}

interface Running {
  block: DevSetupBlock;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(block: DevSetupBlock, cwd: string): Running {
  // Its own process group, so stopping it also stops what npm started under it.
  const child = spawn('bash', ['-e', '-c', block.script], {
    cwd,
    env: freshEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { block, child, output: () => output, exited };
}

function stopGroup(running: Running, signal: NodeJS.Signals): void {
  if (running.child.pid === undefined || running.child.exitCode !== null) return;
  try {
    process.kill(-running.child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function finish(running: Running, timeoutMs: number): Promise<number | null> {
  const timer = setTimeout(() => stopGroup(running, 'SIGKILL'), timeoutMs);
  try {
    return await running.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first local URL the process prints, or rejects when it exits or times out first. */
function printedUrl(running: Running): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('printed no local URL in time')), serveTimeoutMs);
    const onData = () => {
      const url = firstLocalUrl(running.output());
      if (url) done(null, url);
    };
    const onClose = () => done(new Error('exited before serving'));
    function done(error: Error | null, url?: string) {
      clearTimeout(timer);
      running.child.stdout?.off('data', onData);
      running.child.stderr?.off('data', onData);
      running.child.off('close', onClose);
      if (error) reject(error);
      else resolve(url as string);
    }
    running.child.stdout?.on('data', onData);
    running.child.stderr?.on('data', onData);
    running.child.on('close', onClose);
    onData();
  });
}

const tail = (text: string) => text.trim().split('\n').slice(-40).join('\n');

/** The page at `url` as a reader sees it: its h1 once the app has mounted, and any page error. */
async function rendered(url: string): Promise<{ h1: string | null; errors: string[] }> {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message.split('\n')[0] ?? ''));
    await page.goto(url, { waitUntil: 'load', timeout: serveTimeoutMs });
    const h1 = await page
      .locator('.vp-doc h1')
      .first()
      .textContent({ timeout: serveTimeoutMs })
      .catch(() => null);
    return { h1, errors };
  } finally {
    await browser.close();
  }
}

describe.skipIf(nested)('docs/dev-setup.md, run as written in a fresh clone', () => {
  const work = mkdtempSync(join(tmpdir(), 'pages-devsetup-'));
  const clone = join(work, 'agentkeys-operator-docs');
  const servers: Running[] = [];

  beforeAll(() => {
    execFileSync('git', ['clone', '--quiet', repoRoot, clone], { stdio: 'ignore' });
    symlinkSync(join(repoRoot, 'node_modules'), join(clone, 'node_modules'), 'dir');
  });

  afterAll(async () => {
    for (const server of servers) stopGroup(server, 'SIGINT');
    await Promise.all(servers.map((server) => finish(server, 15_000)));
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps the promise of every marked block, in page order', { timeout: 900_000 }, async () => {
    const blocks = extractBlocks(readFileSync(join(clone, 'docs/dev-setup.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(8);
    for (const block of blocks) {
      const label = `block "${block.step}" (docs/dev-setup.md line ${block.line})`;
      if (block.expect === 'skip') continue;
      const running = run(block, clone);
      if (block.expect === 'serves' || block.expect === 'renders') {
        servers.push(running);
        const url = await printedUrl(running).catch((error: Error) => {
          throw new Error(`${label}: ${error.message}\n${tail(running.output())}`);
        });
        const res = await fetch(`${url}${block.probe}`, { signal: AbortSignal.timeout(serveTimeoutMs) });
        expect(res.status, `${label}: GET ${block.probe} on ${url}`).toBe(200);
        if (block.expect === 'renders') {
          const page = await rendered(`${url}${block.probe}`);
          expect(page, `${label}: ${block.probe} in Chromium`).toMatchObject({ errors: [] });
          expect(page.h1, `${label}: ${block.probe} in Chromium`).toBeTruthy();
        }
        continue;
      }
      const code = await finish(running, blockTimeoutMs);
      const output = running.output();
      const context = `${label}\n${tail(output)}`;
      if (block.expect === 'node-20') {
        expect(code, context).toBe(0);
        expect(Number(/^v(\d+)\./m.exec(output)?.[1] ?? 0), context).toBeGreaterThanOrEqual(20);
      } else {
        expect(code, context).toBe(Number(block.expect.slice('exit-'.length)));
      }
      if (block.shows) expect(output, context).toContain(block.shows);
    }
    // The runbook reused the sandbox started above; stopping it on Ctrl-C removes its state file.
    const sandbox = servers.find((s) => s.block.script === 'npm run sandbox');
    expect(sandbox, 'the page starts the sandbox').toBeDefined();
    if (sandbox) {
      expect(existsSync(join(clone, '.sandbox/state.json'))).toBe(true);
      stopGroup(sandbox, 'SIGINT');
      await finish(sandbox, 15_000);
      expect(existsSync(join(clone, '.sandbox/state.json'))).toBe(false);
    }
  });
});
