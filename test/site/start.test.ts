// `npm start`: serves the site on 127.0.0.1, skips a busy port, prints the URL, runs the Stage 7 runbook on
// the embedded sandbox and stops cleanly on SIGINT.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runbook } from '../../runbooks/stage7/index.ts';
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

describe('npm start', () => {
  it('serves the site on the next free port and stops on SIGINT', async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const taken = (busy.address() as { port: number }).port;

    const child = start(['--port', String(taken), '--no-runbook']);
    const url = await printedUrl(child);
    expect(Number(new URL(url).port)).toBeGreaterThan(taken);

    for (const path of ['/', '/reference/env']) {
      const response = await fetch(url + path);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<div id="app">');
    }

    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  }, 60_000);

  it('runs the Stage 7 runbook on the embedded sandbox by default and exits 0 when it passed', async () => {
    const sandboxDir = await mkdtemp(join(tmpdir(), 'start-sandbox-'));
    try {
      const child = start(['--port', '0'], { AGENTKEYS_SANDBOX_DIR: sandboxDir });
      let stdout = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      const url = await printedUrl(child);
      await new Promise<void>((resolve, reject) => {
        const poll = setInterval(() => {
          if (stdout.includes('Press Ctrl-C to stop.')) {
            clearInterval(poll);
            resolve();
          }
        }, 100);
        child.once('exit', () => {
          clearInterval(poll);
          reject(new Error(`start exited early:\n${stdout}`));
        });
      });
      expect(stdout).toMatch(new RegExp(`stage7: ${runbook.steps.length} steps — .* 0 skipped`));
      expect(stdout).toContain(`Stage 7 runbook passed. The site stays up at ${url}/`);
      expect((await fetch(`${url}/operator-runbook-stage7`)).status).toBe(200);
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      await rm(sandboxDir, { recursive: true, force: true });
    }
  }, 120_000);

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
