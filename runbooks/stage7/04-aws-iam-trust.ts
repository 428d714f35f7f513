// Step 4: makes AWS trust the broker's issuer — IAM OIDC provider, data role with its trust and v3 inline
// policy, vault bucket with the v3 bucket policy — idempotently, then checks no broad S3 grant remains.

import { connect } from 'node:tls';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { isMain, runAlone } from '../lib/alone.ts';
import { type AwsClients, awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import { step as issuerStep, type OidcIssuer } from './03-oidc-issuer.ts';
import * as docs from './aws-policies.ts';

export interface AwsTrust {
  account: string;
  providerArn: string;
  roleName: string;
  roleArn: string;
  bucket: string;
  /** What this run created (not what it found); clean-up on real AWS removes only these. */
  created: Array<'provider' | 'role' | 'role-policy' | 'bucket' | 'bucket-policy'>;
}

const MISSING = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'NotFound',
  'NoSuchBucket',
  'NoSuchBucketPolicy',
]);

/** Reads an AWS resource; `undefined` when it does not exist. */
async function lookup<T>(action: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (MISSING.has((error as Error).name)) return undefined;
    throw awsError(action, error);
  }
}

/** SHA-1 fingerprint of the certificate the issuer serves (40 lowercase hex), as IAM wants it. */
function thumbprint(issuer: URL, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: issuer.hostname,
      port: Number(issuer.port || 443),
      servername: issuer.hostname,
    });
    const stop = () => socket.destroy(new Error('aborted'));
    signal.addEventListener('abort', stop, { once: true });
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint;
      socket.end();
      signal.removeEventListener('abort', stop);
      resolve(fingerprint.replaceAll(':', '').toLowerCase());
    });
    socket.once('error', (error) => reject(new StepError(`TLS to ${issuer.host} failed: ${error.message}`)));
  });
}

/** Brings AWS in line with the documents; with `apply` false only says what it would do. */
export async function reconcile(ctx: RunContext, aws: AwsClients, oidc: OidcIssuer, apply: boolean) {
  const opts = { abortSignal: ctx.signal };
  const actions: string[] = [];
  const created: AwsTrust['created'] = [];
  const act = async (
    what: string,
    kind: AwsTrust['created'][number] | null,
    call: () => Promise<unknown>,
  ) => {
    actions.push(what);
    if (!apply) return;
    await call().catch((error) => {
      throw awsError(what, error);
    });
    if (kind) created.push(kind);
  };

  const me = await aws.sts.send(new GetCallerIdentityCommand({}), opts).catch((e) => {
    throw awsError('sts:GetCallerIdentity', e);
  });
  const account = me.Account as string;
  const partition = me.Arn?.split(':')[1] ?? 'aws';
  const providerArn = `arn:${partition}:iam::${account}:oidc-provider/${oidc.host}`;
  const issuerUrl = new URL(oidc.issuer);
  // An http issuer (the sandbox) serves no certificate; IAM then keeps an empty thumbprint list.
  const print = issuerUrl.protocol === 'https:' ? await thumbprint(issuerUrl, ctx.signal) : undefined;

  const provider = await lookup('iam:GetOpenIDConnectProvider', () =>
    aws.iam.send(new iam.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }), opts),
  );
  if (!provider) {
    await act(`create IAM OIDC provider ${oidc.issuer} (client id ${docs.STS_AUDIENCE})`, 'provider', () =>
      aws.iam.send(
        new iam.CreateOpenIDConnectProviderCommand({
          Url: oidc.issuer,
          ClientIDList: [docs.STS_AUDIENCE],
          ...(print ? { ThumbprintList: [print] } : {}),
        }),
        opts,
      ),
    );
  } else {
    if (!provider.ClientIDList?.includes(docs.STS_AUDIENCE)) {
      await act(`add client id ${docs.STS_AUDIENCE} to ${providerArn}`, null, () =>
        aws.iam.send(
          new iam.AddClientIDToOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: providerArn,
            ClientID: docs.STS_AUDIENCE,
          }),
          opts,
        ),
      );
    }
    if (print && !provider.ThumbprintList?.includes(print)) {
      await act(`set the thumbprint of ${providerArn} to ${print}`, null, () =>
        aws.iam.send(
          new iam.UpdateOpenIDConnectProviderThumbprintCommand({
            OpenIDConnectProviderArn: providerArn,
            ThumbprintList: [print],
          }),
          opts,
        ),
      );
    }
  }

  const roleName = ctx.settings.dataRoleArn?.split('/').pop() ?? docs.VAULT_ROLE;
  const trust = docs.trustPolicy(providerArn, oidc.host);
  const role = await lookup('iam:GetRole', () =>
    aws.iam.send(new iam.GetRoleCommand({ RoleName: roleName }), opts),
  );
  if (!role) {
    await act(`create role ${roleName} trusting ${providerArn}`, 'role', () =>
      aws.iam.send(
        new iam.CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: JSON.stringify(trust),
          Description: 'AgentKeys data role (vault): assumed with the broker OIDC JWT',
          MaxSessionDuration: 3600,
        }),
        opts,
      ),
    );
  } else if (
    docs.canonical(docs.parsePolicy(role.Role?.AssumeRolePolicyDocument)) !== docs.canonical(trust)
  ) {
    await act(`replace the trust policy of ${roleName}`, null, () =>
      aws.iam.send(
        new iam.UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trust) }),
        opts,
      ),
    );
  }
  const roleArn = role?.Role?.Arn ?? `arn:${partition}:iam::${account}:role/${roleName}`;

  const bucket = docs.vaultBucket(account);
  const inline = docs.rolePolicy(bucket);
  const current = role
    ? await lookup('iam:GetRolePolicy', () =>
        aws.iam.send(
          new iam.GetRolePolicyCommand({ RoleName: roleName, PolicyName: docs.VAULT_POLICY_NAME }),
          opts,
        ),
      )
    : undefined;
  if (docs.canonical(docs.parsePolicy(current?.PolicyDocument)) !== docs.canonical(inline)) {
    await act(
      `${current ? 'replace' : 'attach'} inline policy ${docs.VAULT_POLICY_NAME} on ${roleName}`,
      current ? null : 'role-policy',
      () =>
        aws.iam.send(
          new iam.PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: docs.VAULT_POLICY_NAME,
            PolicyDocument: JSON.stringify(inline),
          }),
          opts,
        ),
    );
  }

  const hasBucket = await lookup('s3:HeadBucket', () =>
    aws.s3.send(new s3.HeadBucketCommand({ Bucket: bucket }), opts),
  );
  if (!hasBucket) {
    await act(`create bucket ${bucket}`, 'bucket', () =>
      aws.s3.send(
        new s3.CreateBucketCommand({
          Bucket: bucket,
          ...(aws.region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: { LocationConstraint: aws.region as s3.BucketLocationConstraint },
              }),
        }),
        opts,
      ),
    );
  }
  const wanted = docs.bucketPolicy(bucket, roleArn);
  const policy = hasBucket
    ? await lookup('s3:GetBucketPolicy', () =>
        aws.s3.send(new s3.GetBucketPolicyCommand({ Bucket: bucket }), opts),
      )
    : undefined;
  if (docs.canonical(docs.parsePolicy(policy?.Policy)) !== docs.canonical(wanted)) {
    await act(
      `${policy ? 'replace' : 'set'} the v3 bucket policy of ${bucket}`,
      policy ? null : 'bucket-policy',
      () =>
        aws.s3.send(new s3.PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(wanted) }), opts),
    );
  }
  const trustState: AwsTrust = { account, providerArn, roleName, roleArn, bucket, created };
  return { trust: trustState, actions };
}

const noAws = (ctx: RunContext) => ctx.target.awsUnavailableReason ?? 'there is no AWS endpoint to call';

export const step = defineStep({
  id: '04',
  slug: 'aws-iam-trust',
  title: 'Apply the AWS IAM trust',
  doc: 'step-4-aws-iam-trust',
  needs: ['preflight', 'oidc'],
  produces: ['awsTrust'],
  mutates: true,
  usesAws: true,
  changes: [
    'create or update the IAM OIDC provider for the issuer (client id sts.amazonaws.com, thumbprint)',
    'create agentkeys-vault-role or replace its trust policy',
    'attach or replace the v3 inline policy on the data role',
    'create agentkeys-vault-<account> or replace its v3 bucket policy',
  ],
  async plan(ctx) {
    if (!ctx.aws) return [noAws(ctx)];
    // The plan needs the issuer; reading it changes nothing.
    if (!ctx.values.has('oidc')) await issuerStep.run({ ...ctx, log: () => {} });
    const { actions } = await reconcile(ctx, ctx.aws, ctx.values.get<OidcIssuer>('oidc'), false);
    return actions.length > 0 ? actions : ['nothing: AWS already matches'];
  },
  async run(ctx) {
    if (!ctx.aws) return skipped(noAws(ctx));
    const { trust, actions } = await reconcile(ctx, ctx.aws, ctx.values.get<OidcIssuer>('oidc'), true);
    for (const action of actions) ctx.log(`applied: ${action}`);
    ctx.log(`data role ${trust.roleArn}; bucket ${trust.bucket}`);
    const broad = await docs.findBroadGrants(ctx, ctx.aws, trust.roleName);
    if (broad.length > 0) {
      for (const grant of broad) ctx.log(`broad grant: ${grant}`);
      throw new StepError(
        `${trust.roleName} still has S3 grants beyond the actor's prefix: ${broad.join('; ')}`,
        {
          hint: 'IAM grants add up, so one broad grant lets every actor read every prefix: detach or narrow it',
        },
      );
    }
    ctx.log(`no broad S3 grant on ${trust.roleName}`);
    ctx.values.set('awsTrust', trust);
    return actions.length > 0 ? changed(`${actions.length} change(s) applied`) : passed('already in place');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/04-aws-iam-trust.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
