// Step 4: makes AWS trust the broker's issuer — IAM OIDC provider, data role trust, v3 inline and bucket
// policies — changing only the statements it owns (Sids starting AgentKeys) and keeping every other one.
// Before it changes anything that already exists it saves the current documents (undo: --restore); what
// it creates is recorded, so that step 12, in this run or a later one, removes exactly that.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:tls';
import * as iam from '@aws-sdk/client-iam';
import * as s3 from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { z as Zod } from 'zod';
import { isMain, runAlone } from '../lib/alone.ts';
import { type AwsClients, awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';
import { type Backup, loadZod, RunState, runStateDir, saveBackup } from '../lib/run-state.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import { step as issuerStep, type OidcIssuer } from './03-oidc-issuer.ts';
import * as docs from './aws-policies.ts';

export interface AwsTrust {
  account: string;
  providerArn: string;
  roleName: string;
  roleArn: string;
  bucket: string;
  /** What this run created (not what it found). */
  created: Array<'provider' | 'role' | 'role-policy' | 'bucket' | 'bucket-policy'>;
}

/** The tag step 4 puts on a bucket it creates: S3 has no stable id, so clean-up recognises it by this. */
export const BUCKET_TAG = 'agentkeys-runbook-created';

/** What the run state records for each thing step 4 creates (read back by step 12), and its backups hold. */
function shapes(z: typeof Zod) {
  const document = z.enum(['trust-policy', 'role-policy', 'bucket-policy']);
  const lists = z.object({ clientIds: z.array(z.string()), thumbprints: z.array(z.string()) });
  return {
    CreatedResource: z.discriminatedUnion('type', [
      z.object({ type: z.literal('oidc-provider'), arn: z.string(), createDate: z.string() }),
      z.object({ type: z.literal('client-id'), providerArn: z.string(), clientId: z.string() }),
      z.object({ type: z.literal('thumbprint'), providerArn: z.string(), thumbprint: z.string() }),
      z.object({
        type: z.literal('role'),
        name: z.string(),
        roleId: z.string(),
        trustSids: z.array(z.string()),
      }),
      z.object({ type: z.literal('bucket'), name: z.string(), tag: z.string() }),
      z.object({
        type: z.literal('statements'),
        document,
        /** The role (and its id, which a role made again under the same name does not share) or the bucket. */
        role: z.string().optional(),
        roleId: z.string().optional(),
        bucket: z.string().optional(),
        sids: z.array(z.string()),
      }),
    ]),
    /** Each document as AWS returned it before the change (null: there was none), and as written after. */
    TrustBackup: z.object({
      documents: z.array(
        z.object({
          document,
          role: z.string().optional(),
          roleId: z.string().optional(),
          bucket: z.string().optional(),
          before: z.string().nullable(),
          after: z.string(),
        }),
      ),
      provider: z.object({ arn: z.string(), createDate: z.string(), before: lists, after: lists }).optional(),
    }),
  };
}
type Shapes = ReturnType<typeof shapes>;
export type CreatedResource = Zod.infer<Shapes['CreatedResource']>;
type TrustBackup = Zod.infer<Shapes['TrustBackup']>;
type SavedDocument = TrustBackup['documents'][number];
export const stepShapes = async () => shapes(await loadZod());

const MISSING = new Set([
  'NoSuchEntity',
  'NoSuchEntityException',
  'NotFound',
  'NoSuchBucket',
  'NoSuchBucketPolicy',
]);

/** Reads an AWS resource; `undefined` when it does not exist. */
export async function lookup<T>(action: string, read: () => Promise<T>): Promise<T | undefined> {
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

/** One policy document: what AWS holds now and what step 4 would write. */
interface DocumentState {
  document: SavedDocument['document'];
  name: string;
  /** The exact text AWS holds now. */
  before?: string;
  current?: docs.PolicyDocument;
  merge: docs.Merge;
}

function documentState(
  document: DocumentState['document'],
  name: string,
  text: string | undefined,
  wanted: docs.PolicyDocument,
): DocumentState {
  const before = docs.policyText(text);
  const current = docs.parsePolicy(before);
  return { document, name, before, current, merge: docs.mergeStatements(current, wanted) };
}

/** Everything step 4 compares, read from AWS without changing anything. */
export async function survey(ctx: RunContext, aws: AwsClients, oidc: OidcIssuer) {
  const opts = { abortSignal: ctx.signal };
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

  const roleName = ctx.settings.dataRoleArn?.split('/').pop() ?? docs.VAULT_ROLE;
  const role = await lookup('iam:GetRole', () =>
    aws.iam.send(new iam.GetRoleCommand({ RoleName: roleName }), opts),
  );
  const roleArn = role?.Role?.Arn ?? `arn:${partition}:iam::${account}:role/${roleName}`;
  const bucket = docs.vaultBucket(account);
  const inline = role
    ? await lookup('iam:GetRolePolicy', () =>
        aws.iam.send(
          new iam.GetRolePolicyCommand({ RoleName: roleName, PolicyName: docs.VAULT_POLICY_NAME }),
          opts,
        ),
      )
    : undefined;
  const bucketExists = Boolean(
    await lookup('s3:HeadBucket', () => aws.s3.send(new s3.HeadBucketCommand({ Bucket: bucket }), opts)),
  );
  const bucketPolicy = bucketExists
    ? await lookup('s3:GetBucketPolicy', () =>
        aws.s3.send(new s3.GetBucketPolicyCommand({ Bucket: bucket }), opts),
      )
    : undefined;

  return {
    account,
    providerArn,
    issuer: oidc.issuer,
    thumbprint: print,
    provider: provider && {
      createDate: provider.CreateDate?.toISOString() ?? '',
      clientIds: provider.ClientIDList ?? [],
      thumbprints: provider.ThumbprintList ?? [],
    },
    roleName,
    roleArn,
    roleId: role?.Role?.RoleId,
    bucket,
    bucketExists,
    trust: documentState(
      'trust-policy',
      `trust policy of ${roleName}`,
      role?.Role?.AssumeRolePolicyDocument,
      docs.trustPolicy(providerArn, oidc.host),
    ),
    inline: documentState(
      'role-policy',
      `inline policy ${docs.VAULT_POLICY_NAME} of ${roleName}`,
      inline?.PolicyDocument,
      docs.rolePolicy(bucket),
    ),
    bucketPolicy: documentState(
      'bucket-policy',
      `bucket policy of ${bucket}`,
      bucketPolicy?.Policy,
      docs.bucketPolicy(bucket, roleArn),
    ),
  };
}
type Survey = Awaited<ReturnType<typeof survey>>;

interface Action {
  what: string;
  apply: () => Promise<void>;
}

/** The changes that bring AWS in line, in order; each records what it creates once it has made it. */
function actionsFor(
  ctx: RunContext,
  aws: AwsClients,
  s: Survey,
  record: (r: CreatedResource) => Promise<void>,
) {
  const opts = { abortSignal: ctx.signal };
  const made: AwsTrust['created'] = [];
  const actions: Action[] = [];
  let roleId = s.roleId;
  const add = (what: string, apply: () => Promise<void>) =>
    actions.push({
      what,
      apply: () =>
        apply().catch((error) => {
          throw awsError(what, error);
        }),
    });

  if (!s.provider) {
    add(`create IAM OIDC provider ${s.issuer} (client id ${docs.STS_AUDIENCE})`, async () => {
      await aws.iam.send(
        new iam.CreateOpenIDConnectProviderCommand({
          Url: s.issuer,
          ClientIDList: [docs.STS_AUDIENCE],
          ...(s.thumbprint ? { ThumbprintList: [s.thumbprint] } : {}),
        }),
        opts,
      );
      const provider = await aws.iam.send(
        new iam.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: s.providerArn }),
        opts,
      );
      made.push('provider');
      await record({
        type: 'oidc-provider',
        arn: s.providerArn,
        createDate: provider.CreateDate?.toISOString() ?? '',
      });
    });
  } else {
    if (!s.provider.clientIds.includes(docs.STS_AUDIENCE)) {
      add(`add client id ${docs.STS_AUDIENCE} to ${s.providerArn}`, async () => {
        await aws.iam.send(
          new iam.AddClientIDToOpenIDConnectProviderCommand({
            OpenIDConnectProviderArn: s.providerArn,
            ClientID: docs.STS_AUDIENCE,
          }),
          opts,
        );
        await record({ type: 'client-id', providerArn: s.providerArn, clientId: docs.STS_AUDIENCE });
      });
    }
    const print = s.thumbprint;
    if (print && !s.provider.thumbprints.includes(print)) {
      // The others stay: during a certificate change both fingerprints must be accepted.
      if (s.provider.thumbprints.length >= 5) {
        throw new StepError(`${s.providerArn} already holds 5 thumbprints, the most IAM allows`, {
          hint: `remove one that no certificate of ${s.issuer} uses any more, then run step 4 again`,
        });
      }
      add(`add thumbprint ${print} to ${s.providerArn}`, async () => {
        await aws.iam.send(
          new iam.UpdateOpenIDConnectProviderThumbprintCommand({
            OpenIDConnectProviderArn: s.providerArn,
            ThumbprintList: [...(s.provider?.thumbprints ?? []), print],
          }),
          opts,
        );
        await record({ type: 'thumbprint', providerArn: s.providerArn, thumbprint: print });
      });
    }
  }

  const trust = s.trust.merge;
  if (!s.roleId) {
    add(`create role ${s.roleName} trusting ${s.providerArn}`, async () => {
      const created = await aws.iam.send(
        new iam.CreateRoleCommand({
          RoleName: s.roleName,
          AssumeRolePolicyDocument: JSON.stringify(trust.document),
          Description: 'AgentKeys data role (vault): assumed with the broker OIDC JWT',
          MaxSessionDuration: 3600,
        }),
        opts,
      );
      roleId = created.Role?.RoleId ?? '';
      made.push('role');
      await record({ type: 'role', name: s.roleName, roleId, trustSids: trust.added });
    });
  } else if (trust.changed) {
    add(
      `change the trust policy of ${s.roleName}: ${docs.describeMerge(trust, s.trust.current)}`,
      async () => {
        await aws.iam.send(
          new iam.UpdateAssumeRolePolicyCommand({
            RoleName: s.roleName,
            PolicyDocument: JSON.stringify(trust.document),
          }),
          opts,
        );
        if (trust.added.length > 0) {
          await record({
            type: 'statements',
            document: 'trust-policy',
            role: s.roleName,
            roleId,
            sids: trust.added,
          });
        }
      },
    );
  }

  const inline = s.inline.merge;
  if (inline.changed) {
    const what = s.inline.current
      ? `change inline policy ${docs.VAULT_POLICY_NAME} on ${s.roleName}: ${docs.describeMerge(inline, s.inline.current)}`
      : `attach inline policy ${docs.VAULT_POLICY_NAME} on ${s.roleName}`;
    add(what, async () => {
      await aws.iam.send(
        new iam.PutRolePolicyCommand({
          RoleName: s.roleName,
          PolicyName: docs.VAULT_POLICY_NAME,
          PolicyDocument: JSON.stringify(inline.document),
        }),
        opts,
      );
      if (!s.inline.current) made.push('role-policy');
      if (inline.added.length > 0) {
        await record({
          type: 'statements',
          document: 'role-policy',
          role: s.roleName,
          roleId,
          sids: inline.added,
        });
      }
    });
  }

  if (!s.bucketExists) {
    add(`create bucket ${s.bucket}`, async () => {
      await aws.s3.send(
        new s3.CreateBucketCommand({
          Bucket: s.bucket,
          ...(aws.region === 'us-east-1'
            ? {}
            : {
                CreateBucketConfiguration: { LocationConstraint: aws.region as s3.BucketLocationConstraint },
              }),
        }),
        opts,
      );
      const tag = randomBytes(8).toString('hex');
      made.push('bucket');
      await record({ type: 'bucket', name: s.bucket, tag });
      await aws.s3.send(
        new s3.PutBucketTaggingCommand({
          Bucket: s.bucket,
          Tagging: { TagSet: [{ Key: BUCKET_TAG, Value: tag }] },
        }),
        opts,
      );
    });
  }

  const policy = s.bucketPolicy.merge;
  if (policy.changed) {
    const what = s.bucketPolicy.current
      ? `change the bucket policy of ${s.bucket}: ${docs.describeMerge(policy, s.bucketPolicy.current)}`
      : `set the v3 bucket policy of ${s.bucket}`;
    add(what, async () => {
      await aws.s3.send(
        new s3.PutBucketPolicyCommand({ Bucket: s.bucket, Policy: JSON.stringify(policy.document) }),
        opts,
      );
      if (!s.bucketPolicy.current) made.push('bucket-policy');
      if (policy.added.length > 0) {
        await record({ type: 'statements', document: 'bucket-policy', bucket: s.bucket, sids: policy.added });
      }
    });
  }
  return { actions, made };
}

/** The documents step 4 would change. */
function changedDocuments(s: Survey) {
  return [s.trust, s.inline, s.bucketPolicy].filter((d) => d.merge.changed);
}

/** Saves what step 4 is about to change on resources that already exist; undefined when there is none. */
async function backUp(ctx: RunContext, s: Survey): Promise<string | undefined> {
  const exists = {
    'trust-policy': Boolean(s.roleId),
    'role-policy': Boolean(s.roleId),
    'bucket-policy': s.bucketExists,
  };
  const documents = changedDocuments(s)
    .filter((d) => exists[d.document])
    .map((d) => ({
      document: d.document,
      ...(d.document === 'bucket-policy' ? { bucket: s.bucket } : { role: s.roleName, roleId: s.roleId }),
      before: d.before ?? null,
      after: JSON.stringify(d.merge.document),
    }));
  const p = s.provider;
  const after = p && {
    clientIds: p.clientIds.includes(docs.STS_AUDIENCE) ? p.clientIds : [...p.clientIds, docs.STS_AUDIENCE],
    thumbprints:
      s.thumbprint && !p.thumbprints.includes(s.thumbprint)
        ? [...p.thumbprints, s.thumbprint]
        : p.thumbprints,
  };
  const providerChanges =
    p && after && (after.clientIds !== p.clientIds || after.thumbprints !== p.thumbprints)
      ? {
          arn: s.providerArn,
          createDate: p.createDate,
          before: { clientIds: p.clientIds, thumbprints: p.thumbprints },
          after,
        }
      : undefined;
  if (documents.length === 0 && !providerChanges) return undefined;
  const data: TrustBackup = {
    documents,
    ...(providerChanges ? { provider: providerChanges } : {}),
  };
  return saveBackup(runStateDir(ctx.runbook, ctx.target, ctx.settings), {
    runbook: ctx.runbook,
    step: '04',
    target: ctx.target.label,
    account: s.account,
    data,
  });
}

/** The command that puts a backup back, as the operator types it for this target. */
export function restoreCommand(ctx: RunContext, file: string): string {
  const remote = ctx.target.kind === 'broker' ? ` --target ${ctx.target.label} --yes` : '';
  return `npm run runbook -- ${ctx.runbook} --restore ${file}${remote}`;
}

/** Brings AWS in line with the documents; with `apply` false only says what it would do. */
export async function reconcile(ctx: RunContext, aws: AwsClients, oidc: OidcIssuer, apply: boolean) {
  const s = await survey(ctx, aws, oidc);
  const state = apply ? await RunState.load(runStateDir(ctx.runbook, ctx.target, ctx.settings)) : undefined;
  const record = async (resource: CreatedResource) => {
    await state?.add({ step: '04', account: s.account, resource });
  };
  const { actions, made } = actionsFor(ctx, aws, s, record);
  const indent = apply ? '' : '    ';
  // Exact changes first: on a dry run for every document, on a real run for those that already exist.
  for (const d of changedDocuments(s)) {
    if (!apply || d.current) {
      for (const line of docs.documentDiff(d.name, d.current, d.merge.document)) ctx.log(`${indent}${line}`);
    }
  }
  if (apply && actions.length > 0) {
    const backup = await backUp(ctx, s);
    if (backup) {
      ctx.log(`saved the documents before this change to ${backup}`);
      ctx.log(`undo with: ${restoreCommand(ctx, backup)}`);
    }
    for (const action of actions) {
      await action.apply();
      ctx.log(`applied: ${action.what}`);
    }
  }
  const trust: AwsTrust = {
    account: s.account,
    providerArn: s.providerArn,
    roleName: s.roleName,
    roleArn: s.roleArn,
    bucket: s.bucket,
    created: made,
  };
  return { trust, actions: actions.map((a) => a.what), survey: s };
}

/** Puts back the documents a backup of step 4 holds, exactly, where nobody changed them since. */
async function restoreBackup(ctx: RunContext, backup: Backup) {
  const aws = ctx.aws;
  if (!aws) throw new StepError(noAws(ctx), { exitCode: 2 });
  const parsed = (await stepShapes()).TrustBackup.safeParse(backup.data);
  if (!parsed.success) throw new StepError('the backup does not hold step 4 documents', { exitCode: 2 });
  const opts = { abortSignal: ctx.signal };
  const me = await aws.sts.send(new GetCallerIdentityCommand({}), opts).catch((e) => {
    throw awsError('sts:GetCallerIdentity', e);
  });
  if (me.Account !== backup.account) {
    throw new StepError(
      `the backup is of AWS account ${backup.account}, but the credentials are for account ${me.Account}`,
      {
        hint: "use that account's credentials (AWS_PROFILE), or the backup taken in this account",
        exitCode: 2,
      },
    );
  }
  const would = ctx.dryRun ? 'would ' : '';
  const done: string[] = [];
  const refused: string[] = [];

  // In the reverse order of step 4's changes.
  for (const saved of [...parsed.data.documents].reverse()) {
    const name =
      saved.document === 'bucket-policy'
        ? `bucket policy of ${saved.bucket}`
        : saved.document === 'trust-policy'
          ? `trust policy of ${saved.role}`
          : `inline policy ${docs.VAULT_POLICY_NAME} of ${saved.role}`;
    const now = await readDocument(ctx, aws, saved);
    if (now === 'container-gone') {
      const holder = saved.role ? `role ${saved.role}` : `bucket ${saved.bucket}`;
      refused.push(`${name}: ${holder} is gone, or is not the one the backup was taken of`);
      continue;
    }
    if (now === saved.before) {
      ctx.log(`${name}: already as saved`);
      continue;
    }
    const canon = (text: string | null) => (text ? docs.canonical(docs.parsePolicy(text)) : null);
    const diff = docs.documentDiff(
      name,
      docs.parsePolicy(now ?? undefined),
      docs.parsePolicy(saved.before ?? undefined),
      {
        before: 'now',
        after: 'saved',
      },
    );
    for (const line of diff) ctx.log(`    ${line}`);
    if (canon(now) !== canon(saved.after) && canon(now) !== canon(saved.before)) {
      refused.push(`${name}: changed since step 4 wrote it`);
      continue;
    }
    if (!ctx.dryRun) await writeDocument(ctx, aws, saved);
    ctx.log(`${would}${saved.before === null ? 'delete' : 'put back'} the ${name}`);
    done.push(name);
  }

  const provider = parsed.data.provider;
  if (provider) {
    const now = await lookup('iam:GetOpenIDConnectProvider', () =>
      aws.iam.send(new iam.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider.arn }), opts),
    );
    if (!now || (now.CreateDate?.toISOString() ?? '') !== provider.createDate) {
      refused.push(`${provider.arn}: not the provider the backup was taken of any more`);
    } else {
      for (const clientId of provider.after.clientIds) {
        if (provider.before.clientIds.includes(clientId) || !now.ClientIDList?.includes(clientId)) continue;
        if (!ctx.dryRun) {
          await aws.iam
            .send(
              new iam.RemoveClientIDFromOpenIDConnectProviderCommand({
                OpenIDConnectProviderArn: provider.arn,
                ClientID: clientId,
              }),
              opts,
            )
            .catch((e) => Promise.reject(awsError('iam:RemoveClientIDFromOpenIDConnectProvider', e)));
        }
        ctx.log(`${would}remove client id ${clientId} from ${provider.arn}`);
        done.push(`client id ${clientId}`);
      }
      const prints = now.ThumbprintList ?? [];
      const same = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join();
      if (!same(prints, provider.before.thumbprints)) {
        if (!same(prints, provider.after.thumbprints)) {
          refused.push(`thumbprints of ${provider.arn}: changed since step 4`);
        } else {
          if (!ctx.dryRun) {
            await aws.iam
              .send(
                new iam.UpdateOpenIDConnectProviderThumbprintCommand({
                  OpenIDConnectProviderArn: provider.arn,
                  ThumbprintList: provider.before.thumbprints,
                }),
                opts,
              )
              .catch((e) => Promise.reject(awsError('iam:UpdateOpenIDConnectProviderThumbprint', e)));
          }
          ctx.log(`${would}put back the thumbprints of ${provider.arn}`);
          done.push(`thumbprints of ${provider.arn}`);
        }
      }
    }
  }

  if (refused.length > 0) {
    throw new StepError(`left as they are: ${refused.join('; ')}`, {
      hint: 'someone changed them after step 4, so putting the saved version back would undo their change: compare with the backup and restore by hand',
      anchor: 'roll-back',
    });
  }
  if (done.length === 0) return passed('everything is already as the backup saved it');
  return ctx.dryRun
    ? passed(`would put back ${done.length} item(s)`)
    : changed(`put back ${done.length} item(s)`);
}

/** The document's exact text now; null when absent; 'container-gone' when its role or bucket is. */
async function readDocument(ctx: RunContext, aws: AwsClients, saved: SavedDocument) {
  const opts = { abortSignal: ctx.signal };
  if (saved.document === 'bucket-policy') {
    const bucket = saved.bucket as string;
    const exists = await lookup('s3:HeadBucket', () =>
      aws.s3.send(new s3.HeadBucketCommand({ Bucket: bucket }), opts),
    );
    if (!exists) return 'container-gone' as const;
    const got = await lookup('s3:GetBucketPolicy', () =>
      aws.s3.send(new s3.GetBucketPolicyCommand({ Bucket: bucket }), opts),
    );
    return got?.Policy ?? null;
  }
  const role = await lookup('iam:GetRole', () =>
    aws.iam.send(new iam.GetRoleCommand({ RoleName: saved.role }), opts),
  );
  if (!role || role.Role?.RoleId !== saved.roleId) return 'container-gone' as const;
  if (saved.document === 'trust-policy') return docs.policyText(role.Role?.AssumeRolePolicyDocument) ?? null;
  const got = await lookup('iam:GetRolePolicy', () =>
    aws.iam.send(
      new iam.GetRolePolicyCommand({ RoleName: saved.role, PolicyName: docs.VAULT_POLICY_NAME }),
      opts,
    ),
  );
  return docs.policyText(got?.PolicyDocument) ?? null;
}

/** Writes the saved text back byte for byte, or deletes the document when there was none. */
async function writeDocument(ctx: RunContext, aws: AwsClients, saved: SavedDocument): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  const role = saved.role as string;
  const bucket = saved.bucket as string;
  const call = (): Promise<unknown> => {
    if (saved.document === 'trust-policy') {
      return aws.iam.send(
        new iam.UpdateAssumeRolePolicyCommand({ RoleName: role, PolicyDocument: saved.before as string }),
        opts,
      );
    }
    if (saved.document === 'role-policy') {
      return saved.before === null
        ? aws.iam.send(
            new iam.DeleteRolePolicyCommand({ RoleName: role, PolicyName: docs.VAULT_POLICY_NAME }),
            opts,
          )
        : aws.iam.send(
            new iam.PutRolePolicyCommand({
              RoleName: role,
              PolicyName: docs.VAULT_POLICY_NAME,
              PolicyDocument: saved.before,
            }),
            opts,
          );
    }
    return saved.before === null
      ? aws.s3.send(new s3.DeleteBucketPolicyCommand({ Bucket: bucket }), opts)
      : aws.s3.send(new s3.PutBucketPolicyCommand({ Bucket: bucket, Policy: saved.before }), opts);
  };
  await call().catch((error) => {
    throw awsError(`restoring the ${saved.document} of ${saved.role ?? saved.bucket}`, error);
  });
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
    'create the IAM OIDC provider for the issuer, or add client id sts.amazonaws.com and the thumbprint to it',
    'create agentkeys-vault-role, or add or update its AgentKeys statement in the trust policy',
    'add or update the AgentKeys statements of the v3 inline policy on the data role',
    'create agentkeys-vault-<account>, or add or update the AgentKeys statements of its bucket policy',
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
    const {
      trust,
      actions,
      survey: s,
    } = await reconcile(ctx, ctx.aws, ctx.values.get<OidcIssuer>('oidc'), true);
    ctx.log(`data role ${trust.roleArn}; bucket ${trust.bucket}`);
    const broad = [
      ...(await docs.findBroadGrants(ctx, ctx.aws, trust.roleName)),
      ...docs.bucketBroadGrants(trust.bucket, s.bucketPolicy.merge.document, trust.roleArn),
    ];
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
  restore: restoreBackup,
});

/** Runs this step alone: `npx tsx runbooks/stage7/04-aws-iam-trust.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
