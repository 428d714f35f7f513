// Every way a run can end from outside — its reader going away (`| head -1`), SIGTERM, SIGHUP — stops the
// step, says so, and leaves no process behind: not the runner, not the sandbox's moto it started, not the
// broker the bring-up (step B5) started from the sandbox's host folder.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killMarked, leftBehind, processMark } from '../helpers/processes.ts';
import { childEnv, ROOT, removeTempDirs, tempDir } from './helpers.ts';

const marks: string[] = [];

afterAll(() => {
  for (const mark of marks) killMarked(mark);
  removeTempDirs();
});

/** A run in a fresh sandbox folder, so the runner starts (and must stop) its own sandbox and moto. */
function runEnv(): { env: NodeJS.ProcessEnv; mark: string } {
  const { mark, env } = processMark();
  marks.push(mark);
  return { env: childEnv({ ...env, AGENTKEYS_SANDBOX_DIR: tempDir('runbook-exit-'), CI: '1' }), mark };
}

describe('a run ended from outside', () => {
  it('piped into head -1: prints one line, stops, and leaves no process', async () => {
    const { env, mark } = runEnv();
    const child = spawn('sh', ['-c', 'npm run runbook -- stage7 | head -1'], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    await once(child, 'close');
    expect(stdout.split('\n').filter(Boolean), stderr).toHaveLength(1);
    expect(stdout).toMatch(/^Stage 7 operator runbook on the sandbox/);
    expect(stderr).toMatch(/failed: stopped: the output pipe was closed/);
    expect(stderr).not.toMatch(/EPIPE|unexpected error/);
    expect(await leftBehind(mark)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    '%s: exits 130 naming the signal and leaves no process',
    async (signal) => {
      const { env, mark } = runEnv();
      const child = spawn(process.execPath, ['bin/agentkeys-runbook.mjs', 'stage7'], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const started = new Promise<void>((resolve) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          if (stdout.includes('✔ 01 ')) resolve();
        });
      });
      await started;
      child.kill(signal);
      const [code] = await once(child, 'close');
      expect(code, stdout + stderr).toBe(130);
      expect(stderr).toContain(signal === 'SIGTERM' ? 'stopped by SIGTERM' : '(SIGHUP)');
      expect(stderr).toMatch(/Resume: npm run runbook -- stage7 --from \d\d/);
      expect(await leftBehind(mark)).toEqual([]);
      // The broker B5 started runs with the env file's settings only (no marker): its port must be closed.
      const envFile = path.join(env.AGENTKEYS_SANDBOX_DIR as string, 'host/etc/agentkeys/broker.env');
      const issuer = /^BROKER_OIDC_ISSUER=(.+)$/m.exec(readFileSync(envFile, 'utf8'))?.[1];
      expect(await fetch(`${issuer}/healthz`).catch(() => 'closed')).toBe('closed');
    },
    120_000,
  );
});
