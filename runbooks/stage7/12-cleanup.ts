// Step 12: removes what step 4 recorded as created — in this run or an earlier one — and nothing else. A
// resource goes only while it is still the one that was created and holds nothing the runbook did not put
// there; otherwise it is kept and the step says why. On real AWS it runs only with AGENTKEYS_RUNBOOK_CLEANUP=1.
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { isMain, runAlone } from '../lib/alone.ts';
import { type AwsClients, awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';
import { RunState, runStateDir } from '../lib/run-state.ts';
import { changed, defineStep, passed, skipped } from '../lib/step.ts';
import { BUCKET_TAG, type CreatedResource, lookup, stepShapes } from './04-aws-iam-trust.ts';
import * as docs from './aws-policies.ts';

/** What clean-up does with one record: `forget` drops it, `keep` leaves it for a later run. */
type Outcome =
  | { kind: 'deleted' | 'changed'; line: string; forget: true }
  | { kind: 'skip'; line: string; forget: true }
  | { kind: 'keep'; line: string; forget: false };

/** The lines an outcome prints: past tense once done, present tense in the dry-run plan. */
function outcomes(apply: boolean) {
  const say = (past: string, present: string) => (apply ? past : present);
  return {
    deleted: (what: string): Outcome => ({
      kind: 'deleted',
      line: say(`deleted ${what}`, `delete ${what}`),
      forget: true,
    }),
    removed: (sids: string, from: string, left: number): Outcome => ({
      kind: 'changed',
      line: `${say('removed', 'remove')} ${sids} from the ${from}, ${say('kept', 'keeping')} ${left} other`,
      forget: true,
    }),
    gone: (what: string): Outcome => ({
      kind: 'skip',
      line: say(`already gone: ${what}`, `nothing to do for ${what}: already gone`),
      forget: true,
    }),
    replaced: (what: string, why: string): Outcome => ({
      kind: 'skip',
      line: `${say('left alone', 'leave alone')}: ${what} is not the one the runbook created (${why})`,
      forget: true,
    }),
    keep: (what: string, why: string): Outcome => ({
      kind: 'keep',
      line: `${say('kept', 'keep')} ${what}: ${why}`,
      forget: false,
    }),
  };
}

/**
 * What the walk has removed so far. A dry run changes nothing, so its later checks (does a role still
 * trust the provider, does the role still have an inline policy) read this as well as AWS.
 */
interface Done {
  /** `trust:<role>`, `inline:<role>`, `bucket-policy:<bucket>` → the Sids removed from that document. */
  statements: Map<string, Set<string>>;
  /** `role:<name>`, `inline:<role>`, `bucket-policy:<bucket>` that were deleted. */
  deleted: Set<string>;
}

const removedFrom = (done: Done, key: string, sids: readonly string[]) =>
  done.statements.set(key, new Set([...(done.statements.get(key) ?? []), ...sids]));

/** Statements of `doc` that are not among those the walk removed from it. */
const remaining = (done: Done, key: string, doc: docs.PolicyDocument | undefined) =>
  docs.statementsOf(doc).filter((st) => !(st.Sid && done.statements.get(key)?.has(st.Sid)));

/** Names of the roles whose trust policy names the provider (IAM lists trust documents with the roles). */
async function rolesTrusting(
  ctx: RunContext,
  aws: AwsClients,
  providerArn: string,
  done: Done,
): Promise<string[]> {
  const found: string[] = [];
  let marker: string | undefined;
  do {
    const page = await aws.iam
      .send(new iam.ListRolesCommand({ Marker: marker }), { abortSignal: ctx.signal })
      .catch((e) => Promise.reject(awsError('iam:ListRoles', e)));
    for (const role of page.Roles ?? []) {
      const name = role.RoleName as string;
      if (done.deleted.has(`role:${name}`)) continue;
      const trust = remaining(done, `trust:${name}`, docs.parsePolicy(role.AssumeRolePolicyDocument));
      if (trust.some((st) => JSON.stringify(st).includes(`"${providerArn}"`))) found.push(name);
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return found;
}

/** Undoes one record, or with `apply` false says what it would do. */
async function undo(
  ctx: RunContext,
  aws: AwsClients,
  r: CreatedResource,
  apply: boolean,
  done: Done,
): Promise<Outcome> {
  const opts = { abortSignal: ctx.signal };
  const call = async (what: string, send: () => Promise<unknown>) => {
    if (apply) await send().catch((e) => Promise.reject(awsError(what, e)));
  };
  const { deleted, removed, gone, replaced, keep } = outcomes(apply);
  const role = async (name: string) =>
    (await lookup('iam:GetRole', () => aws.iam.send(new iam.GetRoleCommand({ RoleName: name }), opts)))?.Role;
  const provider = (arn: string) =>
    lookup('iam:GetOpenIDConnectProvider', () =>
      aws.iam.send(new iam.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }), opts),
    );

  switch (r.type) {
    case 'statements': {
      const list = r.sids.join(', ');
      if (r.document === 'bucket-policy') {
        const bucket = r.bucket as string;
        const what = `bucket policy of ${bucket}`;
        const now = await lookup('s3:GetBucketPolicy', () =>
          aws.s3.send(new s3.GetBucketPolicyCommand({ Bucket: bucket }), opts),
        );
        const left =
          now && docs.removeStatements(docs.parsePolicy(now.Policy) as docs.PolicyDocument, r.sids);
        if (!left || left.removed.length === 0) return gone(`${list} in the ${what}`);
        removedFrom(done, `bucket-policy:${bucket}`, left.removed);
        if (!left.document) {
          await call(`deleting the ${what}`, () =>
            aws.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: bucket }), opts),
          );
          done.deleted.add(`bucket-policy:${bucket}`);
          return deleted(what);
        }
        const rest = JSON.stringify(left.document);
        await call(`changing the ${what}`, () =>
          aws.s3.send(new s3.PutBucketPolicyCommand({ Bucket: bucket, Policy: rest }), opts),
        );
        return removed(left.removed.join(', '), what, left.left);
      }
      const name = r.role as string;
      const current = await role(name);
      const where = r.document === 'trust-policy' ? `trust policy of ${name}` : `inline policy of ${name}`;
      if (!current) return gone(`${list} in the ${where} (the role is gone)`);
      if (current.RoleId !== r.roleId) return replaced(`role ${name}`, 'it was made again since');
      if (r.document === 'trust-policy') {
        const what = `trust policy of ${name}`;
        const left = docs.removeStatements(
          docs.parsePolicy(current.AssumeRolePolicyDocument) as docs.PolicyDocument,
          r.sids,
        );
        if (left.removed.length === 0) return gone(`${list} in the ${what}`);
        if (!left.document)
          return keep(`${list} in the ${what}`, 'no other statement is left, and a role needs one');
        removedFrom(done, `trust:${name}`, left.removed);
        const rest = JSON.stringify(left.document);
        await call(`changing the ${what}`, () =>
          aws.iam.send(new iam.UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: rest }), opts),
        );
        return removed(left.removed.join(', '), what, left.left);
      }
      const what = `inline policy ${docs.VAULT_POLICY_NAME}`;
      const now = await lookup('iam:GetRolePolicy', () =>
        aws.iam.send(
          new iam.GetRolePolicyCommand({ RoleName: name, PolicyName: docs.VAULT_POLICY_NAME }),
          opts,
        ),
      );
      const left =
        now && docs.removeStatements(docs.parsePolicy(now.PolicyDocument) as docs.PolicyDocument, r.sids);
      if (!left || left.removed.length === 0) return gone(`${list} in the ${what} of ${name}`);
      removedFrom(done, `inline:${name}`, left.removed);
      if (!left.document) {
        await call(`deleting the ${what}`, () =>
          aws.iam.send(
            new iam.DeleteRolePolicyCommand({ RoleName: name, PolicyName: docs.VAULT_POLICY_NAME }),
            opts,
          ),
        );
        done.deleted.add(`inline:${name}`);
        return deleted(what);
      }
      const rest = JSON.stringify(left.document);
      await call(`changing the ${what}`, () =>
        aws.iam.send(
          new iam.PutRolePolicyCommand({
            RoleName: name,
            PolicyName: docs.VAULT_POLICY_NAME,
            PolicyDocument: rest,
          }),
          opts,
        ),
      );
      return removed(left.removed.join(', '), `${what} of ${name}`, left.left);
    }

    case 'role': {
      const what = `role ${r.name}`;
      const current = await role(r.name);
      if (!current) return gone(what);
      if (current.RoleId !== r.roleId) return replaced(what, 'it was made again since');
      const foreign = remaining(
        done,
        `trust:${r.name}`,
        docs.parsePolicy(current.AssumeRolePolicyDocument),
      ).filter((st) => !st.Sid || !r.trustSids.includes(st.Sid));
      if (foreign.length > 0)
        return keep(what, `its trust policy has ${foreign.length} statement(s) the runbook did not write`);
      const read = <T>(action: string, send: () => Promise<T>) =>
        send().catch((e) => Promise.reject(awsError(action, e)));
      const inline = await read('iam:ListRolePolicies', () =>
        aws.iam.send(new iam.ListRolePoliciesCommand({ RoleName: r.name }), opts),
      );
      const others = (inline.PolicyNames ?? []).filter(
        (p) => !(p === docs.VAULT_POLICY_NAME && done.deleted.has(`inline:${r.name}`)),
      );
      if (others.length > 0)
        return keep(what, `it has inline policies the runbook did not add: ${others.join(', ')}`);
      const attached = await read('iam:ListAttachedRolePolicies', () =>
        aws.iam.send(new iam.ListAttachedRolePoliciesCommand({ RoleName: r.name }), opts),
      );
      const names = attached.AttachedPolicies?.map((p) => p.PolicyName) ?? [];
      if (names.length > 0) return keep(what, `policies are attached to it: ${names.join(', ')}`);
      const profiles = await read('iam:ListInstanceProfilesForRole', () =>
        aws.iam.send(new iam.ListInstanceProfilesForRoleCommand({ RoleName: r.name }), opts),
      );
      if (profiles.InstanceProfiles?.length) return keep(what, 'an instance profile holds it');
      await call(`deleting ${what}`, () =>
        aws.iam.send(new iam.DeleteRoleCommand({ RoleName: r.name }), opts),
      );
      done.deleted.add(`role:${r.name}`);
      return deleted(what);
    }

    case 'bucket': {
      const what = `bucket ${r.name}`;
      const exists = await lookup('s3:HeadBucket', () =>
        aws.s3.send(new s3.HeadBucketCommand({ Bucket: r.name }), opts),
      );
      if (!exists) return gone(what);
      const tags = await aws.s3
        .send(new s3.GetBucketTaggingCommand({ Bucket: r.name }), opts)
        .catch((e) =>
          e.name === 'NoSuchTagSet' ? { TagSet: [] } : Promise.reject(awsError('s3:GetBucketTagging', e)),
        );
      if (!tags.TagSet?.some((t) => t.Key === BUCKET_TAG && t.Value === r.tag)) {
        return replaced(
          what,
          `it lacks the ${BUCKET_TAG} tag step 4 put on it; delete it by hand if it is that bucket`,
        );
      }
      const objects = await aws.s3
        .send(new s3.ListObjectsV2Command({ Bucket: r.name, MaxKeys: 1 }), opts)
        .catch((e) => Promise.reject(awsError('s3:ListObjectsV2', e)));
      if (objects.KeyCount) return keep(what, 'it holds objects the runbook did not put there');
      const policy = await lookup('s3:GetBucketPolicy', () =>
        aws.s3.send(new s3.GetBucketPolicyCommand({ Bucket: r.name }), opts),
      );
      if (policy && !done.deleted.has(`bucket-policy:${r.name}`)) {
        return keep(what, 'its bucket policy has statements the runbook did not add');
      }
      await call(`deleting ${what}`, () => aws.s3.send(new s3.DeleteBucketCommand({ Bucket: r.name }), opts));
      return deleted(what);
    }

    case 'oidc-provider': {
      const what = `OIDC provider ${r.arn}`;
      const current = await provider(r.arn);
      if (!current) return gone(what);
      if ((current.CreateDate?.toISOString() ?? '') !== r.createDate)
        return replaced(what, 'it was made again since');
      const trusting = await rolesTrusting(ctx, aws, r.arn, done);
      if (trusting.length > 0) return keep(what, `roles still trust it: ${trusting.join(', ')}`);
      await call(`deleting ${what}`, () =>
        aws.iam.send(new iam.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: r.arn }), opts),
      );
      return deleted(what);
    }

    case 'client-id':
    case 'thumbprint': {
      const value = r.type === 'client-id' ? r.clientId : r.thumbprint;
      const what = `${r.type === 'client-id' ? 'client id' : 'thumbprint'} ${value} of ${r.providerArn}`;
      const current = await provider(r.providerArn);
      const list = (r.type === 'client-id' ? current?.ClientIDList : current?.ThumbprintList) ?? [];
      if (!list.includes(value)) return gone(what);
      const trusting = await rolesTrusting(ctx, aws, r.providerArn, done);
      if (trusting.length > 0) return keep(what, `roles still trust the provider: ${trusting.join(', ')}`);
      await call(`removing the ${what}`, () =>
        r.type === 'client-id'
          ? aws.iam.send(
              new iam.RemoveClientIDFromOpenIDConnectProviderCommand({
                OpenIDConnectProviderArn: r.providerArn,
                ClientID: value,
              }),
              opts,
            )
          : aws.iam.send(
              new iam.UpdateOpenIDConnectProviderThumbprintCommand({
                OpenIDConnectProviderArn: r.providerArn,
                ThumbprintList: list.filter((t) => t !== value),
              }),
              opts,
            ),
      );
      return { kind: 'changed', line: `${apply ? 'removed' : 'remove'} ${what}`, forget: true };
    }
  }
}

/** Walks the records newest first (so what was made inside something goes before it). */
async function cleanUp(ctx: RunContext, aws: AwsClients, apply: boolean) {
  const state = await RunState.load(runStateDir(ctx.runbook, ctx.target, ctx.settings));
  const lines: string[] = [];
  const counts = { deleted: 0, changed: 0, kept: 0 };
  const recorded = state.records.length;
  if (recorded === 0) {
    lines.push(
      `nothing recorded in ${state.file}: no step created anything here that is still to be removed`,
    );
    return { lines, counts, recorded: 0 };
  }
  const me = await aws.sts.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal }).catch((e) => {
    throw awsError('sts:GetCallerIdentity', e);
  });
  const elsewhere = state.records.filter((r) => r.account !== me.Account);
  const done: Done = { statements: new Map(), deleted: new Set() };
  const shapes = await stepShapes();
  for (const record of state.records.filter((r) => r.account === me.Account).reverse()) {
    const resource = shapes.CreatedResource.safeParse(record.resource);
    if (!resource.success) {
      lines.push(
        `kept record ${record.id} of step ${record.step}: not a resource this step knows how to remove`,
      );
      counts.kept += 1;
      continue;
    }
    const outcome = await undo(ctx, aws, resource.data, apply, done);
    lines.push(outcome.line);
    if (outcome.kind === 'deleted') counts.deleted += 1;
    if (outcome.kind === 'changed') counts.changed += 1;
    if (outcome.kind === 'keep') counts.kept += 1;
    if (apply && outcome.forget) await state.remove(record.id);
    if (apply) ctx.log(outcome.line);
  }
  if (elsewhere.length > 0) {
    const accounts = [...new Set(elsewhere.map((r) => r.account))].join(', ');
    const line = `left ${elsewhere.length} record(s) of AWS account ${accounts}: run step 12 with that account's credentials`;
    lines.push(line);
    if (apply) ctx.log(line);
  }
  return { lines, counts, recorded };
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
  changes: [
    'delete what step 4 recorded as created, in this run or an earlier one, while it holds nothing else',
  ],
  async plan(ctx) {
    if (!ctx.aws) return ['nothing: the sandbox runs without moto'];
    const { lines } = await cleanUp(ctx, ctx.aws, false);
    if (ctx.target.kind !== 'sandbox' && !ctx.settings.cleanup) {
      lines.push('(only with AGENTKEYS_RUNBOOK_CLEANUP=1: clean-up is opt-in on real AWS)');
    }
    return lines;
  },
  async run(ctx) {
    if (!ctx.aws) return skipped('the sandbox runs without moto: nothing was created in AWS');
    if (ctx.target.kind !== 'sandbox' && !ctx.settings.cleanup) {
      return skipped(
        'on real AWS clean-up is opt-in: set AGENTKEYS_RUNBOOK_CLEANUP=1 to delete what runs recorded as created',
      );
    }
    const { lines, counts, recorded } = await cleanUp(ctx, ctx.aws, true);
    if (recorded === 0) {
      for (const line of lines) ctx.log(line);
      return passed('nothing recorded');
    }
    const kept = counts.kept > 0 ? `; kept ${counts.kept}, see above` : '';
    if (counts.deleted + counts.changed === 0) return passed(`nothing left to delete${kept}`);
    const edits = counts.changed > 0 ? `, removed the runbook's additions from ${counts.changed} others` : '';
    return changed(`deleted ${counts.deleted} resource(s)${edits}${kept}`);
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/12-cleanup.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
