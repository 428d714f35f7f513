// Step 12: removes what the runbook set up. On the sandbox it always runs; on real AWS only with
// AGENTKEYS_RUNBOOK_CLEANUP=1, and then only what this run created (clients rely on the rest).
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { isMain, runAlone } from '../lib/alone.ts';
import { type AwsClients, awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';
import { changed, defineStep, passed, skipped } from '../lib/step.ts';
import type { AwsTrust } from './04-aws-iam-trust.ts';
import * as docs from './aws-policies.ts';

const GONE = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'NoSuchBucket',
  'NoSuchBucketPolicy',
  'NotFound',
]);

/** On the sandbox, what step 4 creates, found by name (the step may have run in another process). */
async function sandboxResources(ctx: RunContext, aws: AwsClients): Promise<AwsTrust> {
  const me = await aws.sts.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal });
  const account = me.Account as string;
  const host = new URL(ctx.target.expectedIssuer ?? ctx.target.brokerUrl).host;
  const roleName = ctx.settings.dataRoleArn?.split('/').pop() ?? docs.VAULT_ROLE;
  return {
    account,
    providerArn: `arn:aws:iam::${account}:oidc-provider/${host}`,
    roleName,
    roleArn: `arn:aws:iam::${account}:role/${roleName}`,
    bucket: docs.vaultBucket(account),
    created: ['bucket-policy', 'bucket', 'role-policy', 'role', 'provider'],
  };
}

export const step = defineStep({
  id: '12',
  slug: 'cleanup',
  title: 'Clean up',
  doc: 'step-12-cleanup',
  needs: ['preflight'],
  produces: [],
  mutates: true,
  usesAws: true,
  changes: ['delete the bucket policy, bucket, inline policy, role and OIDC provider this run created'],
  async run(ctx) {
    if (!ctx.aws) return skipped('the sandbox runs without moto: nothing was created in AWS');
    const aws = ctx.aws;
    let trust: AwsTrust;
    if (ctx.target.kind === 'sandbox') {
      trust = await sandboxResources(ctx, aws);
    } else if (!ctx.settings.cleanup) {
      return skipped(
        'on real AWS clean-up is opt-in: set AGENTKEYS_RUNBOOK_CLEANUP=1 to delete what this run created',
      );
    } else if (!ctx.values.has('awsTrust')) {
      return skipped('nothing to clean: step 4 did not run in this run');
    } else {
      trust = ctx.values.get<AwsTrust>('awsTrust');
    }

    const opts = { abortSignal: ctx.signal };
    const deleted: string[] = [];
    const remove = async (what: string, call: () => Promise<unknown>) => {
      try {
        await call();
        deleted.push(what);
        ctx.log(`deleted ${what}`);
      } catch (error) {
        if (!GONE.has((error as Error).name)) throw awsError(`deleting ${what}`, error);
      }
    };
    const made = new Set(trust.created);

    if (made.has('bucket-policy')) {
      await remove(`bucket policy of ${trust.bucket}`, () =>
        aws.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: trust.bucket }), opts),
      );
    }
    if (made.has('bucket')) {
      // Only a bucket this run created is emptied; its objects can only be the runbook's probes.
      const listed = await aws.s3
        .send(new s3.ListObjectsV2Command({ Bucket: trust.bucket }), opts)
        .catch((error) =>
          GONE.has(error.name) ? { Contents: [] } : Promise.reject(awsError('s3:ListObjectsV2', error)),
        );
      for (const object of listed.Contents ?? []) {
        await remove(`s3://${trust.bucket}/${object.Key}`, () =>
          aws.s3.send(new s3.DeleteObjectCommand({ Bucket: trust.bucket, Key: object.Key }), opts),
        );
      }
      await remove(`bucket ${trust.bucket}`, () =>
        aws.s3.send(new s3.DeleteBucketCommand({ Bucket: trust.bucket }), opts),
      );
    }
    if (made.has('role-policy')) {
      await remove(`inline policy ${docs.VAULT_POLICY_NAME}`, () =>
        aws.iam.send(
          new iam.DeleteRolePolicyCommand({ RoleName: trust.roleName, PolicyName: docs.VAULT_POLICY_NAME }),
          opts,
        ),
      );
    }
    if (made.has('role')) {
      await remove(`role ${trust.roleName}`, () =>
        aws.iam.send(new iam.DeleteRoleCommand({ RoleName: trust.roleName }), opts),
      );
    }
    if (made.has('provider')) {
      await remove(`OIDC provider ${trust.providerArn}`, () =>
        aws.iam.send(
          new iam.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: trust.providerArn }),
          opts,
        ),
      );
    }
    return deleted.length > 0
      ? changed(`deleted ${deleted.length} resource(s)`)
      : passed('nothing left to delete');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/12-cleanup.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
