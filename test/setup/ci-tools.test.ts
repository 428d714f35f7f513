// CI never passes by skipping: with moto off the PATH and CI=true, setup stops before installing anything and
// a suite that needs moto fails as it starts, each with one line naming what is missing and how to install it.
// Without CI the same suite is skipped with that line as the reason.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingTool, missingLine, needs } from '../helpers/needs.ts';

const root = resolve(import.meta.dirname, '../..');
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const MOTO_LINE =
  "moto is not installed (no moto_server on PATH, no python3 module moto.server); install it with: pip install 'moto[server]'";

/** A PATH holding only node and dirname (no moto_server, no python3 to fall back on), plus what `extra` adds. */
function bareBin(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'ci-tools-'));
  temps.push(dir);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  symlinkSync('/usr/bin/dirname', join(bin, 'dirname'));
  for (const [name, script] of Object.entries(extra)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

describe('needs()', () => {
  const bin = bareBin();

  it('under CI=true throws one line: what is missing and how to install it', () => {
    const error = (() => {
      try {
        needs('moto', { PATH: bin, CI: 'true' });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MissingTool);
    expect(error?.message).toBe(`${MOTO_LINE} (CI=true: suites that need it fail rather than skip)`);
    expect(error?.stack?.split('\n')).toHaveLength(1);
  });

  it('without CI gives the same line as the reason to skip', () => {
    expect(needs('moto', { PATH: bin })).toEqual({ ok: false, reason: MOTO_LINE });
    expect(missingLine('moto')).toBe(MOTO_LINE);
  });

  it('finds moto_server on the PATH', () => {
    expect(needs('moto', { PATH: bareBin({ moto_server: 'exit 0' }), CI: 'true' })).toEqual({ ok: true });
  }, 180_000);
});

describe('scripts/setup.sh under CI=true', () => {
  const setup = (bin: string) =>
    spawnSync('/bin/bash', [join(root, 'scripts/setup.sh')], {
      env: { PATH: bin, CI: 'true', HOME: bin },
      encoding: 'utf8',
    });

  it('stops with exit 2 and one line before installing anything when moto is missing', () => {
    const run = setup(bareBin({ npm: 'exit 9' }));
    expect(run.status, run.stdout + run.stderr).toBe(2);
    expect(run.stderr).toBe(`setup: ${MOTO_LINE}\n`);
    expect(run.stdout).toBe('');
  });

  it('goes on to install when moto is there', () => {
    const bin = bareBin({ moto_server: 'exit 0', npm: 'echo "npm $*" > "$(dirname "$0")/npm.log"; exit 9' });
    const run = setup(bin);
    // The stand-in npm ends the script right after the check: what matters is that it was reached.
    expect(run.status).toBe(9);
    expect(readFileSync(join(bin, 'npm.log'), 'utf8')).toBe('npm ci --loglevel=warn --no-fund --no-audit\n');
  }, 180_000);
});

describe('npm test under CI=true with moto off the PATH', () => {
  it('fails the moto suite at its start, naming what is missing, instead of skipping it', async () => {
    // Asynchronous: a nested run may take a while on a busy machine, and a worker blocked that long stops
    // answering vitest.
    const child = spawn(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run'], {
      cwd: root,
      env: {
        PATH: bareBin(),
        HOME: process.env.HOME,
        CI: 'true',
        AGENTKEYS_TEST_INCLUDE: 'test/sandbox/moto.test.ts',
        NO_COLOR: '1',
      },
    });
    const run = { stdout: '', stderr: '', status: null as number | null };
    child.stdout.on('data', (d) => (run.stdout += d));
    child.stderr.on('data', (d) => (run.stderr += d));
    [run.status] = await once(child, 'close');
    const output = run.stdout + run.stderr;
    expect(run.status, output).toBe(1);
    expect(output).toContain(`MissingTool: ${MOTO_LINE}`);
    expect(output).toMatch(/Test Files {2}1 failed/);
    expect(output).not.toMatch(/skipped/);
  }, 180_000);
});
