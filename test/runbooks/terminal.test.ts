// The runner in a real terminal (a pseudo-terminal, rendered like a terminal emulator would): each line of
// step output is drawn once, and Ctrl-C stops the run with the interrupted step, the Resume line and exit
// 130 — typed straight to the runner and through npm — leaving no process behind.
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMarked, leftBehind, processMark } from '../helpers/processes.ts';
import { runInPty } from '../helpers/pty.ts';
import {
  childEnv,
  ROOT,
  removeTempDirs,
  runInProcess,
  startProxy,
  startTestSandbox,
  type TestProxy,
  type TestSandbox,
  tempDir,
} from './helpers.ts';

let sandbox: TestSandbox;
const marks: string[] = [];

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  for (const mark of marks) killMarked(mark);
  removeTempDirs();
  await sandbox?.stop();
});

/** Terminal environment: no CI variable (it turns the live display off), a marker to find leftovers by. */
function terminalEnv(extra: Record<string, string>): { env: NodeJS.ProcessEnv; mark: string } {
  const { mark, env } = processMark();
  marks.push(mark);
  const base = childEnv({ ...env, ...extra });
  delete base.CI;
  delete base.NO_COLOR;
  return { env: base, mark };
}

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

describe('the runner in a terminal', () => {
  it('draws each line of step output once', async () => {
    const { env, mark } = terminalEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir });
    const run = runInPty('node bin/agentkeys-runbook.mjs stage7 --from 01 --to 04', {
      cwd: ROOT,
      env,
      cols: 200,
    });
    const { code, screen } = await run.exited;
    expect(code, screen.join('\n')).toBe(0);
    const lines = screen.map((line) => line.trim()).filter(Boolean);
    const repeated = lines.filter((line, i) => lines.indexOf(line) !== i);
    expect(repeated).toEqual([]);
    // The same lines a plain run prints for step 02, each drawn exactly once.
    const plain = await runInProcess(
      ['stage7', '--step', '02'],
      childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir }),
    );
    const expected = plain.stdout
      .split('\n')
      .filter((line) => line.startsWith('    02 │ '))
      .map((line) => line.slice('    02 │ '.length).trim());
    expect(expected.length).toBeGreaterThan(1);
    for (const line of expected) expect(lines.filter((l) => l.replace(/^› /, '') === line)).toHaveLength(1);
    expect(lines.filter((line) => line.startsWith('› ')).length).toBeGreaterThan(expected.length);
    expect(screen.some((line) => SPINNER.test(line))).toBe(false);
    expect(await leftBehind(mark)).toEqual([]);
  });

  describe.each([
    ['typed to the runner', 'node bin/agentkeys-runbook.mjs stage7 --step 03'],
    ['through npm', 'npm run runbook -- stage7 --step 03'],
  ])('Ctrl-C %s', (_how, command) => {
    let proxy: TestProxy;
    let release: () => void = () => {};

    afterAll(async () => {
      release();
      await proxy?.close();
    });

    it('ends with the interrupted step, the Resume line and exit 130, and stops what the run started', async () => {
      // Step 3's first call hangs until the test lets it go; the test presses Ctrl-C when it arrives.
      proxy = await startProxy(sandbox.state.brokerUrl);
      const arrived = new Promise<void>((resolve) => {
        proxy.intercept = (_request, url) => {
          if (url.pathname !== '/.well-known/openid-configuration') return undefined;
          resolve();
          return new Promise<Response>((answer) => {
            release = () => answer(new Response('{}', { status: 200 }));
          });
        };
      });
      const dir = tempDir('runbook-terminal-');
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...sandbox.state, brokerUrl: proxy.url }));
      copyFileSync(path.join(sandbox.dir, 'test-wallet.json'), path.join(dir, 'test-wallet.json'));
      const { env, mark } = terminalEnv({ AGENTKEYS_SANDBOX_DIR: dir });

      const run = runInPty(command, { cwd: ROOT, env });
      await arrived;
      run.ctrlC();
      const { code, screen } = await run.exited;
      const text = screen.join('\n');
      expect(code, text).toBe(130);
      expect(text).toMatch(/✖ Step 03 \(Verify the OIDC issuer\) failed: interrupted \(Ctrl-C\)/);
      expect(text).toContain('Resume: npm run runbook -- stage7 --from 03');
      // The live display ended: no spinner frame is left on the screen.
      expect(
        screen.some((line) => SPINNER.test(line)),
        text,
      ).toBe(false);
      expect(await leftBehind(mark)).toEqual([]);
    });
  });
});
