// A sandbox without moto: the runbook still passes, and the AWS steps are skipped with a stated reason.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  removeTempDirs,
  runInProcess,
  startTestSandbox,
  type TestSandbox,
  tempDir,
} from '../helpers.ts';

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ moto: false });
});

afterAll(async () => {
  removeTempDirs();
  await sandbox?.stop();
});

describe('stage7 on a sandbox without moto', () => {
  it('exits 0 and skips steps 4, 8, 9 and 12 with a reason that says how to get moto', async () => {
    const file = path.join(tempDir('runbook-nomoto-'), 'run.json');
    const run = await runInProcess(
      ['stage7', '--report', file],
      childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir }),
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'the sandbox runs without moto: the AWS steps (04, 08, 09, 12) will be skipped',
    );
    const steps = JSON.parse(readFileSync(file, 'utf8')).steps as Array<{
      id: string;
      status: string;
      reason: string;
    }>;
    const skippedIds = steps.filter((s) => s.status === 'skipped').map((s) => s.id);
    expect(skippedIds).toEqual(['04', '08', '09', '12']);
    expect(steps.find((s) => s.id === '04')?.reason).toMatch(/install it \(pip install "moto\[server\]"\)/);
    // Steps that need what a skipped step produces say so, quoting its reason.
    expect(steps.find((s) => s.id === '08')?.reason).toMatch(
      /^needs awsTrust from step 04, which was skipped \(the sandbox runs without moto/,
    );
    expect(steps.filter((s) => s.status === 'passed').map((s) => s.id)).toEqual([
      '01',
      '02',
      '03',
      '05',
      '06',
      '07',
      '10',
      '11',
    ]);
  });
});
