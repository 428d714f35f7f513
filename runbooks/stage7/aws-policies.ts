// The Stage 7 AWS documents (trust policy, v3 role and bucket policies), how step 4 merges them into what
// AWS already holds, and the broad-grant check. Steps 4, 9 and 12 share them so that what is applied is
// exactly what is verified and removed.
import * as iam from '@aws-sdk/client-iam';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { type AwsClients, awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';

export const VAULT_ROLE = 'agentkeys-vault-role';
export const VAULT_POLICY_NAME = 'agentkeys-vault-v3';
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const POLICY_VERSION = '2012-10-17';
/** IAM policy variable: the actor's omni, from the session tag the OIDC JWT carries. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a JS placeholder.
export const ACTOR_TAG = '${aws:PrincipalTag/agentkeys_actor_omni}';

export type PolicyDocument = { Version: string; Statement: Statement[]; [key: string]: unknown };
export type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  [key: string]: unknown;
};

export const vaultBucket = (account: string) => `agentkeys-vault-${account}`;
export const credentialsPrefix = (omni: string) => `bots/${omni}/credentials/`;

/**
 * A name as a Sid part. Every statement this runbook writes carries a Sid starting with `AgentKeys`; step 4
 * changes only statements with its own Sids and keeps every other one. IAM allows letters and digits only.
 */
export function sidPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('');
}

/** One trust statement per issuer, so trusting a new host keeps the old host's statement (a host move). */
export const trustSid = (issuerHost: string) => `AgentKeysTrust${sidPart(issuerHost)}`;

/** Who may assume the data role: only JWTs from our issuer, for STS, carrying the actor tag. */
export function trustPolicy(providerArn: string, issuerHost: string): PolicyDocument {
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Sid: trustSid(issuerHost),
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

function ownPrefixStatements(bucket: string, sidSuffix = '', principal?: unknown): Statement[] {
  const tagged = { 'aws:PrincipalTag/agentkeys_actor_omni': 'false' };
  return [
    {
      Sid: `AgentKeysListOwnPrefix${sidSuffix}`,
      Effect: 'Allow',
      ...(principal ? { Principal: principal } : {}),
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringLike: { 's3:prefix': `bots/${ACTOR_TAG}/credentials/*` }, Null: tagged },
    },
    {
      Sid: `AgentKeysReadWriteOwnObjects${sidSuffix}`,
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
  return { Version: POLICY_VERSION, Statement: ownPrefixStatements(bucket) };
}

/**
 * The bucket policy (v3): the same two statements, granted to the data role. Their Sids name the role, so a
 * second data role on the same bucket gets statements of its own instead of replacing the first one's.
 */
export function bucketPolicy(bucket: string, roleArn: string): PolicyDocument {
  const roleName = roleArn.split('/').pop() ?? roleArn;
  return {
    Version: POLICY_VERSION,
    Statement: ownPrefixStatements(bucket, `For${sidPart(roleName)}`, { AWS: roleArn }),
  };
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

/** The document text as it was written: IAM hands documents back URL-encoded, S3 as plain JSON. */
export function policyText(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return text.trim().startsWith('{') ? text : decodeURIComponent(text);
}

export function parsePolicy(text: string | undefined): PolicyDocument | undefined {
  const raw = policyText(text);
  return raw === undefined ? undefined : (JSON.parse(raw) as PolicyDocument);
}

/** A policy's statements as a list: IAM also accepts a single statement object. */
export function statementsOf(doc: PolicyDocument | undefined): Statement[] {
  const st = doc?.Statement as Statement | Statement[] | undefined;
  return st === undefined ? [] : Array.isArray(st) ? st : [st];
}

/** Sids earlier versions of this runbook gave its bucket and role statements (the trust statement had none). */
const EARLIER_SIDS = new Set(['ListOwnPrefix', 'ReadWriteOwnObjects']);

const withoutSid = ({ Sid: _sid, ...rest }: Statement) => canonical(rest);

export interface Merge {
  /** The document to write: the current one with our statements added or brought up to date. */
  document: PolicyDocument;
  /** Our Sids that were missing and are added. */
  added: string[];
  /** Our Sids that were there with other content and are replaced. */
  updated: string[];
  /** Statements an earlier runbook version wrote (same content, no or old Sid), now given our Sid. */
  adopted: number;
  /** Statements that are not ours, kept exactly as they are. */
  kept: number;
  /** Whether the document to write differs from the current one. */
  changed: boolean;
}

/**
 * Brings our statements into `current` and leaves every other statement as it is, in its place. A
 * statement is ours when its Sid is one of `wanted`'s; one an earlier runbook version wrote (the same
 * content, without a Sid or with its old Sid) is taken over rather than duplicated.
 */
export function mergeStatements(current: PolicyDocument | undefined, wanted: PolicyDocument): Merge {
  const ours = new Map(wanted.Statement.map((st) => [st.Sid as string, st]));
  const placed = new Set<string>();
  const result: Statement[] = [];
  const merge: Omit<Merge, 'document' | 'changed'> = { added: [], updated: [], adopted: 0, kept: 0 };
  for (const st of statementsOf(current)) {
    const own = st.Sid ? ours.get(st.Sid) : undefined;
    if (own && !placed.has(st.Sid as string)) {
      if (canonical(own) !== canonical(st)) merge.updated.push(st.Sid as string);
      result.push(own);
      placed.add(st.Sid as string);
      continue;
    }
    const earlier =
      (st.Sid === undefined || EARLIER_SIDS.has(st.Sid)) &&
      wanted.Statement.find((w) => !placed.has(w.Sid as string) && withoutSid(w) === withoutSid(st));
    if (earlier) {
      result.push(earlier);
      placed.add(earlier.Sid as string);
      merge.adopted += 1;
      continue;
    }
    result.push(st);
    merge.kept += 1;
  }
  for (const st of wanted.Statement) {
    if (placed.has(st.Sid as string)) continue;
    result.push(st);
    merge.added.push(st.Sid as string);
  }
  // Policy variables such as the actor tag need this Version; it also applies to kept statements.
  const document = { ...current, Version: wanted.Version, Statement: result } as PolicyDocument;
  const before = current && { ...current, Statement: statementsOf(current) };
  return { ...merge, document, changed: !before || canonical(before) !== canonical(document) };
}

/** What a merge does, in words: `add AgentKeysTrustX; keep 1 other statement`. */
export function describeMerge(merge: Merge, current: PolicyDocument | undefined): string {
  const parts: string[] = [];
  if (merge.added.length > 0) parts.push(`add ${merge.added.join(', ')}`);
  if (merge.updated.length > 0) parts.push(`update ${merge.updated.join(', ')}`);
  if (merge.adopted > 0)
    parts.push(`give our Sids to ${merge.adopted} statement(s) an earlier runbook wrote`);
  if (current && current.Version !== merge.document.Version)
    parts.push(`set Version ${merge.document.Version}`);
  if (merge.kept > 0) parts.push(`keep ${merge.kept} other statement(s) as they are`);
  return parts.join('; ');
}

/** `current` without the statements whose Sid is in `sids`; `undefined` when none is left. */
export function removeStatements(
  current: PolicyDocument,
  sids: readonly string[],
): { document: PolicyDocument | undefined; removed: string[]; left: number } {
  const drop = new Set(sids);
  const all = statementsOf(current);
  const left = all.filter((st) => !(st.Sid && drop.has(st.Sid)));
  const removed = all.filter((st) => st.Sid && drop.has(st.Sid)).map((st) => st.Sid as string);
  return {
    document: left.length > 0 ? ({ ...current, Statement: left } as PolicyDocument) : undefined,
    removed,
    left: left.length,
  };
}

/** Whether every statement of `wanted` is in `current`, exactly (other statements may be there too). */
export function includesStatements(current: PolicyDocument | undefined, wanted: PolicyDocument): boolean {
  const have = new Set(statementsOf(current).map(canonical));
  return wanted.Statement.every((st) => have.has(canonical(st)));
}

/** A document as the diff shows it: indented JSON, keys in the order the document has them. */
const pretty = (doc: PolicyDocument | undefined) => (doc ? `${JSON.stringify(doc, null, 2)}\n` : '');

/** A unified diff of one document, from what AWS holds now to what the step would write. */
export function documentDiff(
  name: string,
  before: PolicyDocument | undefined,
  after: PolicyDocument | undefined,
  labels: { before: string; after: string } = { before: 'now', after: 'after step 4' },
): string[] {
  const patch = createTwoFilesPatch(
    `${name} (${before ? labels.before : `${labels.before}: none`})`,
    `${name} (${after ? labels.after : `${labels.after}: none`})`,
    pretty(before),
    pretty(after),
    undefined,
    undefined,
    { context: 3, headerOptions: FILE_HEADERS_ONLY },
  );
  return patch.replace(/\n$/, '').split('\n');
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Allow statements that reach S3 objects or listings beyond the actor's own prefix. Any of them
 * silently defeats per-actor isolation, because IAM grants are additive.
 */
export function broadGrants(
  source: string,
  doc: PolicyDocument | undefined,
  applies: (st: Statement) => boolean = () => true,
): string[] {
  const found: string[] = [];
  for (const [i, st] of statementsOf(doc).entries()) {
    if (st.Effect !== 'Allow' || !applies(st)) continue;
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

/**
 * Broad grants in a bucket policy that reach the data role: statements for anyone (`*`), the role, or its
 * sessions. Kept statements of others are checked too — one of them can open every prefix.
 */
export function bucketBroadGrants(
  bucket: string,
  doc: PolicyDocument | undefined,
  roleArn: string,
): string[] {
  const roleName = roleArn.split('/').pop() ?? roleArn;
  const reachesRole = (st: Statement) => {
    const principal = st.Principal as string | { AWS?: string | string[] } | undefined;
    if (principal === '*') return true;
    if (!principal || typeof principal !== 'object') return false;
    return list(principal.AWS).some(
      (p) => p === '*' || p === roleArn || p.includes(`:assumed-role/${roleName}/`),
    );
  };
  return broadGrants(`bucket policy of ${bucket}`, doc, reachesRole);
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
