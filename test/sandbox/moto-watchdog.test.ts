// moto never outlives the process that started it, however that process ends: a crash, an uncaught error
// or SIGKILL give it no chance to stop moto itself, so moto's watchdog must.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/sandbox/start.ts';
import { describeWith } from '../helpers/needs.ts';
import { killMarked, leftBehind, markedProcesses, processMark } from '../helpers/processes.ts';

const marks: string[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const mark of marks) killMarked(mark);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

// Starts a sandbox (with moto) from the build the runner embeds, prints moto's URL, then ends the way the test asks.
const script = (ending: string) => `
import { startSandbox } from './dist/sandbox/start.mjs';
const sandbox = await startSandbox({ dir: process.env.SANDBOX_DIR, brokerPort: 0, motoPort: 0 });
process.stdout.write(sandbox.motoUrl + '\\n');
${ending}
`;

describeWith('moto', 'moto started by the sandbox', () => {
  it.each([
    ['an uncaught error', "setTimeout(() => { throw new Error('boom'); }, 10);"],
    ['SIGKILL', "process.kill(process.pid, 'SIGKILL');"],
    ['process.exit without stopping it', 'process.exit(3);'],
  ])('is gone after %s', async (_how, ending) => {
    const { mark, env } = processMark();
    marks.push(mark);
    const dir = mkdtempSync(join(tmpdir(), 'moto-watchdog-'));
    dirs.push(dir);
    const child = spawn(process.execPath, ['--input-type=module', '-e', script(ending)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, SANDBOX_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    await once(child, 'close');
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n/);
    // moto was running under the child (it printed moto's URL), and is gone once the child is.
    expect(await leftBehind(mark)).toEqual([]);
  });

  it('sees moto while its parent lives (the check above can fail)', async () => {
    const { mark, env } = processMark();
    marks.push(mark);
    const dir = mkdtempSync(join(tmpdir(), 'moto-watchdog-'));
    dirs.push(dir);
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', script('setInterval(() => {}, 1000);')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env, SANDBOX_DIR: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    expect(markedProcesses(mark).some((p) => /moto/.test(p.command))).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'close');
    expect(await leftBehind(mark)).toEqual([]);
  });
});
