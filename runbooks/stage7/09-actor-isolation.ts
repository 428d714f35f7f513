// Step 9: proves per-actor isolation with the actor's temporary credentials: its own prefix can be written
// and read, another actor's cannot. Emulators do not evaluate policy conditions, so there the policy
// documents are checked instead — and the step says so.
import { createHash } from 'node:crypto';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { isMain, runAlone } from '../lib/alone.ts';
import { awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';
import { defineStep, passed, StepError, skipped } from '../lib/step.ts';
import type { AwsTrust } from './04-aws-iam-trust.ts';
import type { OidcClaims } from './07-verify-oidc-jwt.ts';
import type { TempCredentials } from './08-assume-role.ts';
import * as docs from './aws-policies.ts';

/** The omni of an actor that is not us: derived like any wallet master's. */
export const otherActorOmni = createHash('sha256')
  .update(`agentkeysevm${'0x000000000000000000000000000000000000dead'}`)
  .digest('hex');

const PROBE = 'runbook-isolation-probe.enc';
const EMULATED =
  'the emulator does not evaluate IAM policy conditions, so cross-actor denial was checked on the policy documents, not by a denied request';

async function denied(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (
      (error as Error).name === 'AccessDenied' ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403
    )
      return;
    throw awsError(what, error);
  }
  throw new StepError(`${what} succeeded: one actor can reach another actor's prefix`, {
    hint: `a broad S3 grant on the role or bucket, or a policy without ${docs.ACTOR_TAG}: re-run step 4`,
    anchor: 'step-4-aws-iam-trust',
  });
}

async function checkDocuments(ctx: RunContext, trust: AwsTrust): Promise<void> {
  const aws = ctx.aws as NonNullable<RunContext['aws']>;
  const opts = { abortSignal: ctx.signal };
  const inline = await aws.iam
    .send(
      new iam.GetRolePolicyCommand({ RoleName: trust.roleName, PolicyName: docs.VAULT_POLICY_NAME }),
      opts,
    )
    .catch((e) => Promise.reject(awsError('iam:GetRolePolicy', e)));
  const bucket = await aws.s3
    .send(new s3.GetBucketPolicyCommand({ Bucket: trust.bucket }), opts)
    .catch((e) => Promise.reject(awsError('s3:GetBucketPolicy', e)));
  // Statements of others may sit beside ours (step 4 keeps them); ours must be there exactly.
  if (!docs.includesStatements(docs.parsePolicy(inline.PolicyDocument), docs.rolePolicy(trust.bucket))) {
    throw new StepError(`the inline policy of ${trust.roleName} lacks the v3 statements`, {
      anchor: 'step-4-aws-iam-trust',
      hint: 're-run step 4',
    });
  }
  const policy = docs.parsePolicy(bucket.Policy);
  if (!docs.includesStatements(policy, docs.bucketPolicy(trust.bucket, trust.roleArn))) {
    throw new StepError(`the bucket policy of ${trust.bucket} lacks the v3 statements`, {
      anchor: 'step-4-aws-iam-trust',
      hint: 're-run step 4',
    });
  }
  const broad = [
    ...(await docs.findBroadGrants(ctx, aws, trust.roleName)),
    ...docs.bucketBroadGrants(trust.bucket, policy, trust.roleArn),
  ];
  if (broad.length > 0)
    throw new StepError(`broad S3 grants remain: ${broad.join('; ')}`, { anchor: 'step-4-aws-iam-trust' });
  ctx.log(
    `role and bucket policies scope every object to bots/${docs.ACTOR_TAG}/credentials/; no broad grant`,
  );
}

export const step = defineStep({
  id: '09',
  slug: 'actor-isolation',
  title: 'Prove per-actor isolation',
  doc: 'step-9-actor-isolation',
  needs: ['preflight', 'awsTrust', 'awsCredentials', 'claims'],
  produces: [],
  mutates: true,
  usesAws: true,
  changes: [`write, read and delete bots/<actor omni>/credentials/${PROBE} in the vault bucket`],
  async run(ctx) {
    if (!ctx.aws) return skipped('the sandbox runs without moto: no S3 to call');
    const trust = ctx.values.get<AwsTrust>('awsTrust');
    const creds = ctx.values.get<TempCredentials>('awsCredentials');
    const { actorOmni } = ctx.values.get<OidcClaims>('claims');
    const client = new s3.S3Client({
      region: ctx.aws.region,
      ...(ctx.target.awsEndpoint ? { endpoint: ctx.target.awsEndpoint, forcePathStyle: true } : {}),
      credentials: {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        sessionToken: creds.sessionToken,
      },
      maxAttempts: 2,
    });
    const opts = { abortSignal: ctx.signal };
    const own = `${docs.credentialsPrefix(actorOmni)}${PROBE}`;
    const other = `${docs.credentialsPrefix(otherActorOmni)}${PROBE}`;
    const body = `isolation probe ${new Date().toISOString()}`;
    // Set when a write into the other actor's prefix went through, so the probe is not left there.
    let wroteOther = false;
    try {
      await client
        .send(new s3.PutObjectCommand({ Bucket: trust.bucket, Key: own, Body: body }), opts)
        .catch((e) => Promise.reject(awsError(`s3:PutObject ${own}`, e)));
      const got = await client
        .send(new s3.GetObjectCommand({ Bucket: trust.bucket, Key: own }), opts)
        .catch((e) => Promise.reject(awsError(`s3:GetObject ${own}`, e)));
      if ((await got.Body?.transformToString()) !== body)
        throw new StepError(`s3:GetObject ${own} returned other content`);
      ctx.log(`own prefix: put and get allowed on ${own}`);

      if (ctx.aws.emulated) {
        await checkDocuments(ctx, trust);
        ctx.log(`note: ${EMULATED}`);
        return passed(EMULATED);
      }
      await denied(`s3:PutObject ${other}`, async () => {
        await client.send(new s3.PutObjectCommand({ Bucket: trust.bucket, Key: other, Body: body }), opts);
        wroteOther = true;
      });
      await denied(`s3:GetObject ${other}`, () =>
        client.send(new s3.GetObjectCommand({ Bucket: trust.bucket, Key: other }), opts),
      );
      ctx.log(`another actor's prefix: put and get denied on ${other}`);
      return undefined;
    } finally {
      for (const key of wroteOther ? [own, other] : [own]) {
        await client
          .send(new s3.DeleteObjectCommand({ Bucket: trust.bucket, Key: key }), opts)
          .catch(() => undefined);
      }
      client.destroy();
    }
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/09-actor-isolation.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
