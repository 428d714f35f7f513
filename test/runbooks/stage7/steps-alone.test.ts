// Every step file runs by itself (`npx tsx runbooks/stage7/<file>.ts`), aimed at the test sandbox with one
// variable, running its producers first and exiting 0.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../../helpers/needs.ts';
import { childEnv, hasStackTrace, ROOT, runScript, startTestSandbox, type TestSandbox } from '../helpers.ts';

const STEP_FILES = readdirSync(path.join(ROOT, 'runbooks/stage7'))
  .filter((f) => /^\d\d-.+\.ts$/.test(f))
  .sort();

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});

afterAll(async () => {
  await sandbox?.stop();
});

describeWith('moto', 'each Stage 7 step file alone', () => {
  it('has the twelve agreed files', () => {
    expect(STEP_FILES).toEqual([
      '01-preflight.ts',
      '02-broker-health.ts',
      '03-oidc-issuer.ts',
      '04-aws-iam-trust.ts',
      '05-session-jwt.ts',
      '06-mint-oidc-jwt.ts',
      '07-verify-oidc-jwt.ts',
      '08-assume-role.ts',
      '09-actor-isolation.ts',
      '10-grants.ts',
      '11-retired-surfaces.ts',
      '12-cleanup.ts',
    ]);
  });

  const runAlone = async (file: string) => {
    const run = await runScript(
      `runbooks/stage7/${file}`,
      [],
      childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir }),
    );
    expect(run.stderr, run.stdout).toBe('');
    expect(run.code, run.stdout).toBe(0);
    const id = file.slice(0, 2);
    // Its own line is the last step line, after its producers' lines.
    const lines = run.stdout.split('\n').filter((l) => /^. \d\d /.test(l));
    expect(lines.at(-1)).toMatch(new RegExp(`^. ${id} .+: (passed|changed) in `));
    expect(hasStackTrace(run.stdout)).toBe(false);
    return run;
  };
  // Steps that leave AWS alone run side by side; the AWS ones run in page order, so step 12 finds
  // what step 4 created (the sandbox keeps AWS state between runs).
  const AWS = new Set(['04-aws-iam-trust.ts', '08-assume-role.ts', '09-actor-isolation.ts', '12-cleanup.ts']);

  it.concurrent.each(STEP_FILES.filter((f) => !AWS.has(f)))(
    'npx tsx runbooks/stage7/%s exits 0',
    async (file) => {
      await runAlone(file);
    },
  );

  it.each(STEP_FILES.filter((f) => AWS.has(f)))('npx tsx runbooks/stage7/%s exits 0', async (file) => {
    const run = await runAlone(file);
    if (file === '12-cleanup.ts') expect(run.stdout).toMatch(/deleted role agentkeys-vault-role/);
  });
});
