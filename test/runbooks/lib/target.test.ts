// Choosing the target: a broker URL with user:password@ is refused before anything prints the URL.
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, removeTempDirs, runInProcess, tempDir } from '../helpers.ts';

afterAll(removeTempDirs);

describe('a broker URL with credentials', () => {
  const url = 'https://ops:hunter2-pass@broker.example.org';
  const sandboxDir = () => ({ AGENTKEYS_SANDBOX_DIR: tempDir('runbook-target-') });

  it.each([
    ['--target', ['stage7', '--step', '02', '--target', url], childEnv(sandboxDir())],
    [
      'AGENTKEYS_BROKER_URL',
      ['stage7', '--step', '02'],
      childEnv({ ...sandboxDir(), AGENTKEYS_BROKER_URL: url }),
    ],
  ])('given by %s is a usage error that never shows the password', async (_how, args, env) => {
    const run = await runInProcess(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^runbook: the broker URL carries user:password@/m);
    expect(run.stderr).toMatch(/^ {2}Likely cause: remove the credentials from --target/m);
    expect(run.stdout + run.stderr).not.toContain('hunter2-pass');
  });
});
