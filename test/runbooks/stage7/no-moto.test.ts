// A sandbox without moto: the runbook still passes, and the AWS steps are skipped with the reason moto is
// missing — turned off with --no-moto, or not installed (then with how to install it).
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
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

let turnedOff: TestSandbox;
let notInstalled: TestSandbox;

beforeAll(async () => {
  // A PATH holding only node: neither moto_server nor a python3 to fall back on.
  const bin = path.join(tempDir('runbook-nomoto-bin-'), 'bin');
  mkdirSync(bin);
  symlinkSync(process.execPath, path.join(bin, 'node'));
  [turnedOff, notInstalled] = await Promise.all([
    startTestSandbox({ moto: false }),
    startTestSandbox({ env: { PATH: bin } }),
  ]);
});

afterAll(async () => {
  removeTempDirs();
  await Promise.all([turnedOff?.stop(), notInstalled?.stop()]);
});

describe.each([
  ['turned off with --no-moto', () => turnedOff, /^moto was turned off \(--no-moto\)/],
  [
    'not installed',
    () => notInstalled,
    /^moto is not installed.+install it with: pip install 'moto\[server\]'/,
  ],
])('stage7 on a sandbox whose moto is %s', (_why, sandbox, reason) => {
  it('exits 0 and skips steps 4, 8, 9 and 12 with the reason moto is missing', async () => {
    const file = path.join(tempDir('runbook-nomoto-'), 'run.json');
    const run = await runInProcess(
      // The bring-up needs no AWS: the verification steps are what moto's absence changes.
      ['stage7', '--from', '01', '--report', file],
      childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox().dir }),
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
    expect(steps.find((s) => s.id === '04')?.reason).toMatch(reason);
    // Steps that need what a skipped step produces say so, quoting its reason.
    expect(steps.find((s) => s.id === '08')?.reason).toMatch(
      /^needs awsTrust from step 04, which was skipped \(moto /,
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
