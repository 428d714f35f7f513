// Step 4 on moto against a role and a bucket that already hold statements of others: it keeps them, its
// dry run shows the exact change as a unified diff, a second run changes nothing, and --restore puts back
// the documents byte for byte (as IAM and S3 return them).
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { applyPatch } from 'diff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  hasStackTrace,
  removeTempDirs,
  runInProcess,
  startProxy,
  startTestSandbox,
  type TestSandbox,
  tempDir,
} from '../helpers.ts';

const ROLE = 'agentkeys-vault-role';
const BUCKET = 'agentkeys-vault-123456789012';

// Written by hand, with the spacing a person leaves: restore must give back exactly these bytes.
const TRUST = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": { "Federated": "arn:aws:iam::123456789012:oidc-provider/old-broker.example.com" },
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
            "Condition": { "StringEquals": { "old-broker.example.com:aud": "sts.amazonaws.com" } }
        }
    ]
}`;
const INLINE = `{"Version":"2012-10-17","Statement":{"Sid":"OpsWriteLogs","Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}}`;
const BUCKET_POLICY = `{ "Version": "2012-10-17", "Statement": [ { "Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*",
  "Action": "s3:*", "Resource": ["arn:aws:s3:::${BUCKET}", "arn:aws:s3:::${BUCKET}/*"],
  "Condition": { "Bool": { "aws:SecureTransport": "false" } } } ] }`;

let sandbox: TestSandbox;
let env: NodeJS.ProcessEnv;
let client: { iam: iam.IAMClient; s3: s3.S3Client };

/** The three documents exactly as IAM and S3 hand them out (IAM's still URL-encoded). */
async function documents() {
  const role = await client.iam.send(new iam.GetRoleCommand({ RoleName: ROLE }));
  const inline = await client.iam.send(
    new iam.GetRolePolicyCommand({ RoleName: ROLE, PolicyName: 'agentkeys-vault-v3' }),
  );
  const bucket = await client.s3.send(new s3.GetBucketPolicyCommand({ Bucket: BUCKET }));
  return {
    trust: role.Role?.AssumeRolePolicyDocument as string,
    inline: inline.PolicyDocument as string,
    bucket: bucket.Policy as string,
  };
}
const statements = (text: string) => {
  const doc = JSON.parse(text.startsWith('{') ? text : decodeURIComponent(text));
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
};
const backupsDir = () => path.join(sandbox.dir, 'runbook/stage7/backups');
const backups = () => {
  try {
    return readdirSync(backupsDir()).sort();
  } catch {
    return [];
  }
};

beforeAll(async () => {
  sandbox = await startTestSandbox();
  env = childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir });
  const common = {
    region: 'us-east-1',
    endpoint: sandbox.state.motoUrl as string,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  client = { iam: new iam.IAMClient(common), s3: new s3.S3Client({ ...common, forcePathStyle: true }) };
  await client.iam.send(new iam.CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: TRUST }));
  await client.iam.send(
    new iam.PutRolePolicyCommand({
      RoleName: ROLE,
      PolicyName: 'agentkeys-vault-v3',
      PolicyDocument: INLINE,
    }),
  );
  await client.iam.send(
    new iam.PutRolePolicyCommand({
      RoleName: ROLE,
      PolicyName: 'ops-extra',
      PolicyDocument:
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}',
    }),
  );
  await client.s3.send(new s3.CreateBucketCommand({ Bucket: BUCKET }));
  await client.s3.send(new s3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: BUCKET_POLICY }));
}, 90_000);

afterAll(async () => {
  removeTempDirs();
  client?.iam.destroy();
  client?.s3.destroy();
  await sandbox?.stop();
});

describe('step 4 on a role and a bucket that hold statements of others', () => {
  let original: Awaited<ReturnType<typeof documents>>;
  let dryRun: string;
  let backup: string;

  it('--dry-run prints a unified diff per document and changes nothing', async () => {
    original = await documents();
    const run = await runInProcess(['stage7', '--step', '04', '--dry-run'], env);
    expect(run.code, run.stderr).toBe(0);
    dryRun = run.stdout;
    for (const name of [
      `trust policy of ${ROLE}`,
      `inline policy agentkeys-vault-v3 of ${ROLE}`,
      `bucket policy of ${BUCKET}`,
    ]) {
      expect(dryRun).toContain(`    --- ${name} (now)\n    +++ ${name} (after step 4)\n    @@ `);
    }
    expect(dryRun).toMatch(
      /would: change the trust policy of agentkeys-vault-role: add AgentKeysTrust\w+; keep 1 other/,
    );
    expect(await documents()).toEqual(original);
    expect(backups()).toEqual([]);
  });

  it('keeps every foreign statement, saves the documents first and prints the restore command', async () => {
    const run = await runInProcess(['stage7', '--step', '04'], env);
    expect(run.code, run.stderr).toBe(0);
    const saved = /saved the documents before this change to (\S+)/.exec(run.stdout)?.[1];
    expect(saved).toBeDefined();
    backup = saved as string;
    expect(path.dirname(backup)).toBe(backupsDir());
    expect(run.stdout).toContain(`undo with: npm run runbook -- stage7 --restore ${backup}\n`);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const held = JSON.parse(readFileSync(backup, 'utf8'));
    // What the backup holds is the text AWS held, not a re-serialisation of it.
    expect(held.data.documents.map((d: { before: string }) => d.before).sort()).toEqual(
      [TRUST, INLINE, BUCKET_POLICY].sort(),
    );

    const after = await documents();
    expect(statements(after.trust)).toContainEqual(statements(TRUST)[0]);
    expect(statements(after.inline)).toContainEqual(statements(INLINE)[0]);
    expect(statements(after.bucket)).toContainEqual(statements(BUCKET_POLICY)[0]);
    expect(statements(after.trust).map((s: { Sid?: string }) => s.Sid)).toEqual([
      undefined,
      expect.stringMatching(/^AgentKeysTrust127001\d+$/),
    ]);
    expect(statements(after.inline)).toHaveLength(3);
    expect(statements(after.bucket)).toHaveLength(3);
    const extra = await client.iam.send(
      new iam.GetRolePolicyCommand({ RoleName: ROLE, PolicyName: 'ops-extra' }),
    );
    expect(decodeURIComponent(extra.PolicyDocument as string)).toContain('kms:Decrypt');
  });

  it('showed the exact change: the dry-run diffs turn the old documents into the new ones', async () => {
    const after = await documents();
    const patches = dryRun
      .split('\n')
      .filter((l) => /^ {4}(---|\+\+\+|@@|[ +-])/.test(l) && !l.startsWith('    would:'))
      .map((l) => l.slice(4))
      .join('\n')
      .split(/(?=^--- )/m);
    const pretty = (text: string) =>
      `${JSON.stringify(JSON.parse(text.startsWith('{') ? text : decodeURIComponent(text)), null, 2)}\n`;
    const pairs: Array<[string, string]> = [
      [original.trust, after.trust],
      [original.inline, after.inline],
      [original.bucket, after.bucket],
    ];
    expect(patches).toHaveLength(3);
    for (const [i, [before, now]] of pairs.entries()) {
      const applied = applyPatch(pretty(before), `${patches[i]}\n`);
      expect(applied).not.toBe(false);
      expect(JSON.parse(applied as string)).toEqual(JSON.parse(pretty(now)));
    }
  });

  it('a second run changes nothing and saves nothing', async () => {
    const before = await documents();
    const files = backups();
    const run = await runInProcess(['stage7', '--step', '04'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/04 Apply the AWS IAM trust: passed in .+ — already in place/);
    expect(run.stdout).not.toContain('applied:');
    expect(await documents()).toEqual(before);
    expect(backups()).toEqual(files);
    const dry = await runInProcess(['stage7', '--step', '04', '--dry-run'], env);
    expect(dry.stdout).toContain('would: nothing: AWS already matches');
    expect(dry.stdout).not.toMatch(/^ {4}--- /m);
  });

  it('--restore --dry-run shows what it would put back and changes nothing', async () => {
    const before = await documents();
    const run = await runInProcess(['stage7', '--restore', backup, '--dry-run'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      `    --- trust policy of ${ROLE} (now)\n    +++ trust policy of ${ROLE} (saved)`,
    );
    expect(run.stdout).toContain(`would put back the bucket policy of ${BUCKET}`);
    expect(await documents()).toEqual(before);
  });

  it('--restore puts back the byte-identical documents, and a second restore has nothing to do', async () => {
    const run = await runInProcess(['stage7', '--restore', backup], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/restore: changed — put back 3 item\(s\)/);
    expect(await documents()).toEqual(original);
    const again = await runInProcess(['stage7', '--restore', backup], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/restore: passed — everything is already as the backup saved it/);
  });

  it('--restore leaves a document someone changed after step 4 alone and exits 1', async () => {
    const run = await runInProcess(['stage7', '--step', '04'], env);
    const file = /saved the documents before this change to (\S+)/.exec(run.stdout)?.[1] as string;
    const changedByHand = JSON.parse((await documents()).bucket);
    changedByHand.Statement.push({
      Sid: 'AuditorsList',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/auditor' },
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${BUCKET}`,
    });
    const handText = JSON.stringify(changedByHand);
    await client.s3.send(new s3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: handText }));

    const restore = await runInProcess(['stage7', '--restore', file], env);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(
      `left as they are: bucket policy of ${BUCKET}: changed since step 4 wrote it`,
    );
    expect(restore.stderr).toContain('Read: http://docs.test/operator-runbook-stage7#roll-back');
    expect(hasStackTrace(restore.stdout + restore.stderr)).toBe(false);
    const now = await documents();
    expect(now.trust).toBe(original.trust);
    expect(now.inline).toBe(original.inline);
    expect(now.bucket).toBe(handText);
    await client.s3.send(new s3.PutBucketPolicyCommand({ Bucket: BUCKET, Policy: BUCKET_POLICY }));
  });

  it('a change AWS refuses half-way leaves the backup taken before the first change, and --restore undoes the rest', async () => {
    const before = await documents();
    // The same sandbox, its AWS calls through a proxy that refuses to set the bucket policy.
    const proxy = await startProxy(sandbox.state.motoUrl as string);
    proxy.intercept = (request, url) =>
      request.method === 'PUT' && url.searchParams.has('policy')
        ? new Response('<Error><Code>AccessDenied</Code><Message>refused by the test</Message></Error>', {
            status: 403,
            headers: { 'content-type': 'application/xml' },
          })
        : undefined;
    try {
      const dir = tempDir('runbook-refusing-');
      writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...sandbox.state, motoUrl: proxy.url }));
      copyFileSync(path.join(sandbox.dir, 'test-wallet.json'), path.join(dir, 'test-wallet.json'));
      const run = await runInProcess(['stage7', '--step', '04'], { ...env, AGENTKEYS_SANDBOX_DIR: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /change the bucket policy of agentkeys-vault-123456789012: .+ failed: AccessDenied/,
      );
      const file = /saved the documents before this change to (\S+)/.exec(run.stdout)?.[1] as string;
      expect(run.stdout.indexOf(file)).toBeLessThan(run.stdout.indexOf('applied: '));
      expect(run.stdout).toMatch(/applied: change the trust policy of agentkeys-vault-role/);
      const half = await documents();
      expect(half.trust).not.toBe(before.trust);
      expect(half.bucket).toBe(before.bucket);

      const restore = await runInProcess(['stage7', '--restore', file], env);
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.stdout).toContain(`bucket policy of ${BUCKET}: already as saved`);
      expect(await documents()).toEqual(before);
    } finally {
      await proxy.close();
    }
  });

  it.each([
    [['--restore', 'no/such/backup.json'], /no backup at no\/such\/backup\.json/],
    [['--restore', 'package.json'], /package\.json is not a backup this runner wrote/],
    [['--restore', 'x.json', '--step', '04'], /--restore cannot be combined with --step/],
  ])('--restore refuses bad input with exit 2: %j', async (args, message) => {
    const run = await runInProcess(['stage7', ...args], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('--restore on another target than the backup was taken on stops with exit 2', async () => {
    const file = backups().map((f) => path.join(backupsDir(), f))[0] as string;
    const run = await runInProcess(['stage7', '--restore', file, '--target', 'http://127.0.0.1:9'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`was taken on sandbox, not http://127.0.0.1:9: add --target sandbox`);
  });
});
