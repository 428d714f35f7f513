// End to end: the whole Stage 7 runbook through the CLI against a real sandbox with moto, plus the
// runner's selection, dry-run, idempotence and report formats on the same sandbox.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeleteRolePolicyCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../../helpers/needs.ts';
import {
  childEnv,
  hasStackTrace,
  removeTempDirs,
  runCli,
  runInProcess,
  startTestSandbox,
  type TestSandbox,
  tempDir,
} from '../helpers.ts';

let sandbox: TestSandbox;
let env: NodeJS.ProcessEnv;
let reports: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  env = childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir });
  reports = tempDir('runbook-reports-');
});

afterAll(async () => {
  removeTempDirs();
  await sandbox?.stop();
});

const ids = [
  'b1',
  'b2',
  'b3',
  'b4',
  'b5',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '07',
  '08',
  '09',
  '10',
  '11',
  '12',
];

describeWith('moto', 'npm run runbook -- stage7 on the sandbox', () => {
  // From an empty host folder: the bring-up (B1–B5) first, then the verification steps against its broker.
  it('runs every step top to bottom, exits 0 and writes the JSON report', async () => {
    const file = path.join(reports, 'run.json');
    const run = await runCli(['stage7', '--report', file], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(report)).toEqual(['runbook', 'target', 'startedAt', 'durationMs', 'steps']);
    expect(report.runbook).toBe('stage7');
    expect(report.target).toBe('sandbox');
    expect(Number.isNaN(Date.parse(report.startedAt))).toBe(false);
    expect(report.steps.map((s: { id: string }) => s.id)).toEqual(ids);
    for (const step of report.steps) {
      expect(Object.keys(step)).toEqual(['id', 'title', 'status', 'durationMs', 'reason', 'error']);
      expect(['passed', 'changed']).toContain(step.status);
      expect(step.error).toBeNull();
    }
    const byId = Object.fromEntries(report.steps.map((s: { id: string }) => [s.id, s]));
    expect(byId['04'].status).toBe('changed');
    expect(byId['09'].reason).toMatch(/does not evaluate IAM policy conditions/);
    expect(byId['12'].status).toBe('changed');
    // One line per step with its status and duration.
    for (const id of ids) expect(run.stdout).toMatch(new RegExp(`^. ${id} .+: (passed|changed) in \\d`, 'm'));
    expect(run.stdout).toMatch(/moto|emulator/);
  }, 120_000);

  it('--step 07 first runs the steps that produce what 07 needs, and nothing else', async () => {
    const file = path.join(reports, 'step7.json');
    const run = await runCli(['stage7', '--step', '07', '--report', file], env);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.steps.map((s: { id: string }) => s.id)).toEqual(['01', '03', '05', '06', '07']);
  });

  it('--from/--to run a range plus its producers', async () => {
    const file = path.join(reports, 'range.json');
    const run = await runInProcess(['stage7', '--from', '10', '--to', '11', '--report', file], env);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    expect(report.steps.map((s: { id: string }) => s.id)).toEqual(['01', '05', '10', '11']);
  });

  it('step 4 is idempotent: changed on the first apply, passed on the second', async () => {
    const first = path.join(reports, 'apply1.json');
    const second = path.join(reports, 'apply2.json');
    expect((await runInProcess(['stage7', '--step', '04', '--report', first], env)).code).toBe(0);
    expect((await runInProcess(['stage7', '--step', '04', '--report', second], env)).code).toBe(0);
    const status = (file: string) => JSON.parse(readFileSync(file, 'utf8')).steps.at(-1);
    expect(status(first)).toMatchObject({ id: '04', status: 'changed' });
    expect(status(second)).toMatchObject({ id: '04', status: 'passed', reason: 'already in place' });
    const dry = await runInProcess(['stage7', '--step', '04', '--dry-run'], env);
    expect(dry.stdout).toContain('would: nothing: AWS already matches');
    expect((await runInProcess(['stage7', '--step', '12'], env)).code).toBe(0);
  });

  it('step 4 fails while a broad S3 grant sits on the data role, naming the statement', async () => {
    expect((await runInProcess(['stage7', '--step', '04'], env)).code).toBe(0);
    const iam = new IAMClient({
      region: 'us-east-1',
      endpoint: sandbox.state.motoUrl as string,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const wide = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    });
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'agentkeys-vault-role',
        PolicyName: 'wide',
        PolicyDocument: wide,
      }),
    );
    try {
      const run = await runInProcess(['stage7', '--step', '04'], env);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        "still has S3 grants beyond the actor's prefix: inline policy wide statement 1: s3:* on *",
      );
      expect(run.stderr).toMatch(/Likely cause: IAM grants add up/);
    } finally {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: 'agentkeys-vault-role', PolicyName: 'wide' }));
      iam.destroy();
      expect((await runInProcess(['stage7', '--step', '12'], env)).code).toBe(0);
    }
  });

  it('--dry-run shows the plan and what step 4 would create, changing nothing', async () => {
    const run = await runInProcess(['stage7', '--dry-run'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dry run, nothing is changed');
    expect(run.stdout).toMatch(
      /would: create IAM OIDC provider http:\/\/127\.0\.0\.1:\d+ \(client id sts\.amazonaws\.com\)/,
    );
    expect(run.stdout).toMatch(/would: create role agentkeys-vault-role/);
    expect(run.stdout).toMatch(/would: set the v3 bucket policy of agentkeys-vault-\d{12}/);
    // Nothing was created: a second dry run still plans the same creations.
    const again = await runInProcess(['stage7', '--dry-run'], env);
    expect(again.stdout).toMatch(/would: create role agentkeys-vault-role/);
  });

  it('writes JUnit XML with one testcase per step', async () => {
    const file = path.join(reports, 'run.xml');
    const run = await runInProcess(['stage7', '--from', '01', '--to', '03', '--report', file], env);
    expect(run.code).toBe(0);
    const xml = readFileSync(file, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toMatch(/<testsuite name="stage7"[^>]* tests="3" failures="0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
  });

  it('answers usage errors with exit 2 and the usage text, never a stack trace', async () => {
    for (const args of [
      ['stage7', '--step', '99'],
      ['nope'],
      ['stage7', '--timeout', 'x'],
      ['stage7', '--report', 'a.txt'],
      ['stage7', '--bogus'],
    ]) {
      const run = await runInProcess(args, env);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/^runbook: /);
      expect(run.stderr).toContain('Usage:');
      expect(hasStackTrace(run.stderr + run.stdout)).toBe(false);
    }
  });

  it('against a broker URL: state-changing steps need --yes, the issuer must be https', async () => {
    // A sandbox folder without state: the URL is then just a broker URL, not the sandbox.
    const remote = {
      ...env,
      AGENTKEYS_SANDBOX_DIR: tempDir('runbook-remote-'),
      BROKER_OIDC_ISSUER: sandbox.state.issuer,
      AGENTKEYS_WALLET_PRIVATE_KEY: `0x${'42'.repeat(32)}`,
      AWS_ENDPOINT_URL: sandbox.state.motoUrl as string,
    };
    const target = sandbox.state.brokerUrl;
    const refused = await runInProcess(['stage7', '--target', target], remote);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /steps 04 \(Apply the AWS IAM trust\), 09 .+ change state on http:.+ re-run with --yes/,
    );
    const dry = await runInProcess(['stage7', '--target', target, '--dry-run'], remote);
    expect(dry.code).toBe(0);
    // The sandbox's issuer is plain http: a real broker must serve https, so step 3 stops the run.
    const run = await runInProcess(['stage7', '--target', target, '--yes'], remote);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`failed: the issuer ${sandbox.state.issuer} is not https`);
    expect(run.stderr).toContain('Read: http://docs.test/operator-runbook-stage7#oidc-issuer');
    expect(run.stderr).toContain(`Resume: npm run runbook -- stage7 --from 03 --target ${target} --yes`);
    // Read-only steps that do not depend on the issuer still work against the URL.
    const retired = await runInProcess(['stage7', '--target', target, '--step', '11'], remote);
    expect(retired.code, retired.stdout + retired.stderr).toBe(0);
  });

  it('treats the URL npm run sandbox prints (AGENTKEYS_BROKER_URL) as the sandbox', async () => {
    const run = await runInProcess(['stage7', '--step', '03'], {
      ...env,
      AGENTKEYS_BROKER_URL: sandbox.state.brokerUrl,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`on the sandbox (${sandbox.state.brokerUrl})`);
  });

  it('lists the runbook and its steps', async () => {
    const run = await runInProcess(['list'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^stage7 — /m);
    expect(run.stdout).toMatch(/^ {2}04 aws-iam-trust +Apply the AWS IAM trust \[changes state\]$/m);
  });
});
