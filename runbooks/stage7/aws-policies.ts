// The Stage 7 AWS documents (trust policy, v3 role and bucket policies) and the broad-grant check.
// Steps 4, 9 and 12 share them so that what is applied is exactly what is verified.
import * as iam from '@aws-sdk/client-iam';
import { type AwsClients, awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';

export const VAULT_ROLE = 'agentkeys-vault-role';
export const VAULT_POLICY_NAME = 'agentkeys-vault-v3';
export const STS_AUDIENCE = 'sts.amazonaws.com';
/** IAM policy variable: the actor's omni, from the session tag the OIDC JWT carries. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS placeholder.
export const ACTOR_TAG = '${aws:PrincipalTag/agentkeys_actor_omni}';

export type PolicyDocument = { Version: string; Statement: Statement[] };
export type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
};

export const vaultBucket = (account: string) => `agentkeys-vault-${account}`;
export const credentialsPrefix = (omni: string) => `bots/${omni}/credentials/`;

/** Who may assume the data role: only JWTs from our issuer, for STS, carrying the actor tag. */
export function trustPolicy(providerArn: string, issuerHost: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: { [`${issuerHost}:aud`]: STS_AUDIENCE },
          // Null=false fails when the tag is missing; a negated string test would let it through.
          Null: { 'aws:RequestTag/agentkeys_actor_omni': 'false' },
        },
      },
    ],
  };
}

function ownPrefixStatements(bucket: string, principal?: unknown): Statement[] {
  const tagged = { 'aws:PrincipalTag/agentkeys_actor_omni': 'false' };
  return [
    {
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      ...(principal ? { Principal: principal } : {}),
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringLike: { 's3:prefix': `bots/${ACTOR_TAG}/credentials/*` }, Null: tagged },
    },
    {
      Sid: 'ReadWriteOwnObjects',
      Effect: 'Allow',
      ...(principal ? { Principal: principal } : {}),
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: `arn:aws:s3:::${bucket}/bots/${ACTOR_TAG}/credentials/*`,
      Condition: { Null: tagged },
    },
  ];
}

/** The data role's inline policy (v3): each actor lists and touches only its own prefix. */
export function rolePolicy(bucket: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: ownPrefixStatements(bucket) };
}

/** The bucket policy (v3): the same two statements, granted to the data role. */
export function bucketPolicy(bucket: string, roleArn: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: ownPrefixStatements(bucket, { AWS: roleArn }) };
}

/** JSON with sorted keys, so documents compare equal whatever order AWS returns them in. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** IAM hands documents back URL-encoded; S3 as plain JSON. */
export function parsePolicy(text: string | undefined): PolicyDocument | undefined {
  if (!text) return undefined;
  const raw = text.trim().startsWith('{') ? text : decodeURIComponent(text);
  return JSON.parse(raw) as PolicyDocument;
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Allow statements that reach S3 objects or listings beyond the actor's own prefix. Any of them
 * silently defeats per-actor isolation, because IAM grants are additive.
 */
export function broadGrants(source: string, doc: PolicyDocument | undefined): string[] {
  const found: string[] = [];
  for (const [i, st] of (doc?.Statement ?? []).entries()) {
    if (st.Effect !== 'Allow') continue;
    const actions = list(st.Action).filter((a) => a === '*' || a.toLowerCase().startsWith('s3:'));
    if (actions.length === 0) continue;
    const prefixCondition = JSON.stringify(st.Condition?.StringLike?.['s3:prefix'] ?? '');
    const broad = list(st.Resource).filter((resource) => {
      if (resource.includes(ACTOR_TAG)) return false;
      // A bucket ARN is fine when listing is narrowed to the actor's prefix.
      return !(/^arn:aws[\w-]*:s3:::[^/*]+$/.test(resource) && prefixCondition.includes(ACTOR_TAG));
    });
    if (broad.length > 0) {
      found.push(`${source} statement ${st.Sid ?? i + 1}: ${actions.join(', ')} on ${broad.join(', ')}`);
    }
  }
  return found;
}

/** Every Allow on S3 beyond the actor's prefix, in the role's inline and attached policies. */
export async function findBroadGrants(ctx: RunContext, aws: AwsClients, roleName: string): Promise<string[]> {
  const opts = { abortSignal: ctx.signal };
  const found: string[] = [];
  try {
    const inline = await aws.iam.send(new iam.ListRolePoliciesCommand({ RoleName: roleName }), opts);
    for (const name of inline.PolicyNames ?? []) {
      const doc = await aws.iam.send(
        new iam.GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
        opts,
      );
      found.push(...broadGrants(`inline policy ${name}`, parsePolicy(doc.PolicyDocument)));
    }
    const attached = await aws.iam.send(
      new iam.ListAttachedRolePoliciesCommand({ RoleName: roleName }),
      opts,
    );
    for (const p of attached.AttachedPolicies ?? []) {
      const meta = await aws.iam.send(new iam.GetPolicyCommand({ PolicyArn: p.PolicyArn }), opts);
      const version = await aws.iam.send(
        new iam.GetPolicyVersionCommand({ PolicyArn: p.PolicyArn, VersionId: meta.Policy?.DefaultVersionId }),
        opts,
      );
      found.push(
        ...broadGrants(`managed policy ${p.PolicyName}`, parsePolicy(version.PolicyVersion?.Document)),
      );
    }
  } catch (error) {
    throw awsError('reading the policies of the data role', error);
  }
  return found;
}
