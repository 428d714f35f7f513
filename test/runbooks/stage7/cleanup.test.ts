// Clean-up across runs on moto: step 4 records what it creates in the run state; step 12, run later in
// another process, removes exactly that, leaves what existed before (or was made again since) alone,
// keeps what others have put into it, and with nothing recorded says so and exits 0.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  removeTempDirs,
  runCli,
  runInProcess,
  startTestSandbox,
  type TestSandbox,
  tempDir,
} from '../helpers.ts';

const ROLE = 'agentkeys-vault-role';
const BUCKET = 'agentkeys-vault-123456789012';
const TRUST_OTHER = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const AUDITORS = {
  Sid: 'AuditorsList',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:role/auditor' },
  Action: 's3:ListBucket',
  Resource: `arn:aws:s3:::${BUCKET}`,
};

let sandbox: TestSandbox;
let env: NodeJS.ProcessEnv;
let client: { iam: iam.IAMClient; s3: s3.S3Client };
const stateFile = () => path.join(sandbox.dir, 'runbook/stage7/created.json');
const recorded = () =>
  (JSON.parse(readFileSync(stateFile(), 'utf8')).created as Array<{ resource: { type: string } }>).map(
    (r) => r.resource.type,
  );

const exists = {
  role: () =>
    client.iam.send(new iam.GetRoleCommand({ RoleName: ROLE })).then(
      (r) => r.Role?.RoleId,
      () => undefined,
    ),
  bucket: () =>
    client.s3.send(new s3.HeadBucketCommand({ Bucket: BUCKET })).then(
      () => true,
      () => false,
    ),
  providers: async () =>
    (await client.iam.send(new iam.ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? [],
};

/** Removes whatever a test left in moto, the way an operator would by hand. */
async function wipe() {
  const quiet = (p: Promise<unknown>) => p.catch(() => undefined);
  const objects = await quiet(client.s3.send(new s3.ListObjectsV2Command({ Bucket: BUCKET })));
  for (const o of (objects as s3.ListObjectsV2CommandOutput | undefined)?.Contents ?? []) {
    await client.s3.send(new s3.DeleteObjectCommand({ Bucket: BUCKET, Key: o.Key }));
  }
  await quiet(client.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: BUCKET })));
  await quiet(client.s3.send(new s3.DeleteBucketCommand({ Bucket: BUCKET })));
  const names = await quiet(client.iam.send(new iam.ListRolePoliciesCommand({ RoleName: ROLE })));
  for (const name of (names as iam.ListRolePoliciesCommandOutput | undefined)?.PolicyNames ?? []) {
    await client.iam.send(new iam.DeleteRolePolicyCommand({ RoleName: ROLE, PolicyName: name }));
  }
  await quiet(client.iam.send(new iam.DeleteRoleCommand({ RoleName: ROLE })));
  for (const p of await exists.providers()) {
    await client.iam.send(new iam.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: p.Arn }));
  }
  mkdirSync(path.dirname(stateFile()), { recursive: true });
  writeFileSync(stateFile(), JSON.stringify({ format: 'agentkeys-runbook-state', version: 1, created: [] }));
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  env = childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir });
  const common = {
    region: 'us-east-1',
    endpoint: sandbox.state.motoUrl as string,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  client = { iam: new iam.IAMClient(common), s3: new s3.S3Client({ ...common, forcePathStyle: true }) };
}, 90_000);

afterEach(async () => {
  await wipe();
});

afterAll(async () => {
  removeTempDirs();
  client?.iam.destroy();
  client?.s3.destroy();
  await sandbox?.stop();
});

describe('step 12 removes what step 4 recorded, in a later run', () => {
  it('a later --step 12 (another process) deletes exactly what step 4 created; then nothing is recorded', async () => {
    const apply = await runCli(['stage7', '--step', '04'], env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(recorded()).toEqual(['oidc-provider', 'role', 'statements', 'bucket', 'statements']);

    const clean = await runCli(['stage7', '--step', '12'], env);
    expect(clean.code, clean.stderr).toBe(0);
    const lines = clean.stdout.split('\n').filter((l) => l.startsWith('    12 │'));
    expect(lines).toEqual([
      `    12 │ deleted bucket policy of ${BUCKET}`,
      `    12 │ deleted bucket ${BUCKET}`,
      '    12 │ deleted inline policy agentkeys-vault-v3',
      `    12 │ deleted role ${ROLE}`,
      expect.stringMatching(
        /^ {4}12 │ deleted OIDC provider arn:aws:iam::123456789012:oidc-provider\/127\.0\.0\.1:\d+$/,
      ),
    ]);
    expect(clean.stdout).toMatch(/12 Clean up: changed in .+ — deleted 5 resource\(s\)\n/);
    expect(recorded()).toEqual([]);
    expect(await exists.role()).toBeUndefined();
    expect(await exists.bucket()).toBe(false);
    expect(await exists.providers()).toEqual([]);

    const again = await runInProcess(['stage7', '--step', '12'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`12 │ nothing recorded in ${stateFile()}`);
    expect(again.stdout).toMatch(/12 Clean up: passed in .+ — nothing recorded/);
  });

  it('the whole runbook leaves a role and a bucket made beforehand in place, with their own statements', async () => {
    await client.iam.send(
      new iam.CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST_OTHER }),
    );
    const roleId = await exists.role();
    await client.s3.send(new s3.CreateBucketCommand({ Bucket: BUCKET }));
    const bucketPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [AUDITORS] });
    await client.s3.send(new s3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: bucketPolicy }));

    const run = await runInProcess(['stage7'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain(`deleted role ${ROLE}`);
    expect(run.stdout).not.toContain(`deleted bucket ${BUCKET}`);
    expect(await exists.role()).toBe(roleId);
    expect(await exists.bucket()).toBe(true);
    const trust = await client.iam.send(new iam.GetRoleCommand({ RoleName: ROLE }));
    expect(JSON.parse(decodeURIComponent(trust.Role?.AssumeRolePolicyDocument as string))).toEqual(
      JSON.parse(TRUST_OTHER),
    );
    const policy = await client.s3.send(new s3.GetBucketPolicyCommand({ Bucket: BUCKET }));
    expect(JSON.parse(policy.Policy as string)).toEqual(JSON.parse(bucketPolicy));
    // What the run created on them is gone: its inline policy and the OIDC provider.
    const inline = await client.iam.send(new iam.ListRolePoliciesCommand({ RoleName: ROLE }));
    expect(inline.PolicyNames).toEqual([]);
    expect(await exists.providers()).toEqual([]);
    expect(recorded()).toEqual([]);
  });

  it('leaves alone a role and a bucket that were deleted and made again after step 4', async () => {
    expect((await runInProcess(['stage7', '--step', '04'], env)).code).toBe(0);
    await wipeKeepingState();
    await client.iam.send(
      new iam.CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST_OTHER }),
    );
    await client.s3.send(new s3.CreateBucketCommand({ Bucket: BUCKET }));
    // moto hands a new bucket the tags of a deleted one of the same name (AWS does not); a bucket of
    // someone else's carries their tags.
    await client.s3.send(
      new s3.PutBucketTaggingCommand({
        Bucket: BUCKET,
        Tagging: { TagSet: [{ Key: 'team', Value: 'ops' }] },
      }),
    );

    const run = await runInProcess(['stage7', '--step', '12'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `left alone: role ${ROLE} is not the one the runbook created (it was made again since)`,
    );
    expect(run.stdout).toContain(`left alone: bucket ${BUCKET} is not the one the runbook created`);
    expect(await exists.role()).toBeDefined();
    expect(await exists.bucket()).toBe(true);
    // Those records are settled: nothing is left for a later run to act on.
    expect(recorded()).toEqual([]);
  });

  it('keeps what others have put into a created resource, and removes it in a later run once it is empty', async () => {
    expect((await runInProcess(['stage7', '--step', '04'], env)).code).toBe(0);
    await client.s3.send(
      new s3.PutObjectCommand({ Bucket: BUCKET, Key: 'bots/someone/credentials/x.enc', Body: 'x' }),
    );
    await client.iam.send(
      new iam.PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: 'ops-logs',
        PolicyDocument:
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}',
      }),
    );

    const first = await runInProcess(['stage7', '--step', '12'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`kept bucket ${BUCKET}: it holds objects the runbook did not put there`);
    expect(first.stdout).toContain(
      `kept role ${ROLE}: it has inline policies the runbook did not add: ops-logs`,
    );
    expect(first.stdout).toMatch(/kept OIDC provider \S+: roles still trust it: agentkeys-vault-role/);
    expect(first.stdout).toMatch(/— deleted 2 resource\(s\); kept 3, see above/);
    expect(await exists.bucket()).toBe(true);
    expect(await exists.role()).toBeDefined();
    expect(recorded()).toEqual(['oidc-provider', 'role', 'bucket']);

    await client.s3.send(
      new s3.DeleteObjectCommand({ Bucket: BUCKET, Key: 'bots/someone/credentials/x.enc' }),
    );
    await client.iam.send(new iam.DeleteRolePolicyCommand({ RoleName: ROLE, PolicyName: 'ops-logs' }));
    const later = await runInProcess(['stage7', '--step', '12'], env);
    expect(later.code).toBe(0);
    expect(later.stdout).toMatch(/— deleted 3 resource\(s\)\n/);
    expect(await exists.bucket()).toBe(false);
    expect(await exists.role()).toBeUndefined();
    expect(recorded()).toEqual([]);
  });

  it('--dry-run plans the same removals it would make, changing nothing', async () => {
    await client.iam.send(
      new iam.CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST_OTHER }),
    );
    expect((await runInProcess(['stage7', '--step', '04'], env)).code).toBe(0);
    const dry = await runInProcess(['stage7', '--step', '12', '--dry-run'], env);
    expect(dry.code).toBe(0);
    const planned = dry.stdout
      .split('\n')
      .filter((l) => l.startsWith('    would: '))
      .map((l) => l.slice('    would: '.length));
    expect(planned).toEqual([
      `delete bucket policy of ${BUCKET}`,
      `delete bucket ${BUCKET}`,
      'delete inline policy agentkeys-vault-v3',
      expect.stringMatching(
        new RegExp(`^remove AgentKeysTrust\\w+ from the trust policy of ${ROLE}, keeping 1 other$`),
      ),
      expect.stringMatching(/^delete OIDC provider /),
    ]);
    expect(recorded()).toHaveLength(5);
    const run = await runInProcess(['stage7', '--step', '12'], env);
    const done = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('    12 │ '))
      .map((l) => l.slice('    12 │ '.length));
    expect(done).toEqual(
      planned.map((p) =>
        p.replace(/^delete /, 'deleted ').replace(/^remove (.*), keeping/, 'removed $1, kept'),
      ),
    );
  });

  it('leaves an OIDC provider made beforehand in place while removing the role that trusts it', async () => {
    // moto 5.2 has no AddClientIDToOpenIDConnectProvider, so the provider is made complete by hand.
    const made = await client.iam.send(
      new iam.CreateOpenIDConnectProviderCommand({
        Url: sandbox.state.issuer,
        ClientIDList: ['sts.amazonaws.com'],
      }),
    );
    const apply = await runInProcess(['stage7', '--step', '04'], env);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).not.toContain('applied: create IAM OIDC provider');
    expect(recorded()).toEqual(['role', 'statements', 'bucket', 'statements']);
    const clean = await runInProcess(['stage7', '--step', '12'], env);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`deleted role ${ROLE}`);
    expect(clean.stdout).not.toContain('OIDC provider');
    expect((await exists.providers()).map((p) => p.Arn)).toEqual([made.OpenIDConnectProviderArn]);
  });

  it('acts only on records of the caller’s AWS account and says what it left', async () => {
    writeFileSync(
      stateFile(),
      JSON.stringify({
        format: 'agentkeys-runbook-state',
        version: 1,
        created: [
          {
            id: 'other',
            step: '04',
            at: '2026-01-01T00:00:00.000Z',
            account: '999999999999',
            resource: { type: 'role', name: ROLE, roleId: 'AROAOTHER', trustSids: [] },
          },
        ],
      }),
    );
    const run = await runInProcess(['stage7', '--step', '12'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "left 1 record(s) of AWS account 999999999999: run step 12 with that account's credentials",
    );
    expect(recorded()).toEqual(['role']);
  });

  it('a run state file it did not write stops the step with exit 1 and a way out, not a stack trace', async () => {
    writeFileSync(stateFile(), '{"created": "yes"}');
    const run = await runInProcess(['stage7', '--step', '12'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${stateFile()} is not a file this runner wrote`);
    expect(run.stderr).toMatch(/Likely cause: it records what earlier runs created/);
  });
});

describe('clean-up against a broker URL (real AWS stood in for by moto)', () => {
  const remote = (extra: Record<string, string>) => ({
    ...env,
    AGENTKEYS_SANDBOX_DIR: tempDir('runbook-remote-'),
    BROKER_OIDC_ISSUER: sandbox.state.issuer,
    AGENTKEYS_WALLET_PRIVATE_KEY: `0x${'42'.repeat(32)}`,
    AWS_ENDPOINT_URL: sandbox.state.motoUrl as string,
    ...extra,
  });

  it('is opt-in, keeps its state under ~/.agentkeys/runbook/<broker host>, and says when nothing is recorded', async () => {
    const home = tempDir('runbook-home-');
    const target = sandbox.state.brokerUrl;
    const off = await runInProcess(
      ['stage7', '--step', '12', '--target', target, '--yes'],
      remote({ HOME: home }),
    );
    expect(off.code).toBe(0);
    expect(off.stdout).toMatch(/12 Clean up: skipped .+ — on real AWS clean-up is opt-in/);
    const on = await runInProcess(
      ['stage7', '--step', '12', '--target', target, '--yes'],
      remote({ HOME: home, AGENTKEYS_RUNBOOK_CLEANUP: '1' }),
    );
    expect(on.code, on.stderr).toBe(0);
    const folder = path.join(home, '.agentkeys/runbook', new URL(target).host.replace(':', '_'), 'stage7');
    expect(on.stdout).toContain(`nothing recorded in ${path.join(folder, 'created.json')}`);
  });

  it('removes what a sandbox run recorded in the same AGENTKEYS_RUNBOOK_STATE_DIR', async () => {
    const shared = tempDir('runbook-state-');
    const apply = await runInProcess(['stage7', '--step', '04'], {
      ...env,
      AGENTKEYS_RUNBOOK_STATE_DIR: shared,
    });
    expect(apply.code, apply.stderr).toBe(0);
    const clean = await runInProcess(
      ['stage7', '--step', '12', '--target', sandbox.state.brokerUrl, '--yes'],
      remote({ AGENTKEYS_RUNBOOK_STATE_DIR: shared, AGENTKEYS_RUNBOOK_CLEANUP: '1' }),
    );
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/— deleted 5 resource\(s\)/);
    expect(await exists.role()).toBeUndefined();
  });
});

/** Deletes the resources by hand but keeps the run state, as if someone else had cleaned up. */
async function wipeKeepingState() {
  const saved = readFileSync(stateFile(), 'utf8');
  await wipe();
  writeFileSync(stateFile(), saved);
}
