// The Stage 7 AWS documents and the broad-grant check that guards per-actor isolation.
import { describe, expect, it } from 'vitest';
import { roleSessionName } from '../../../runbooks/stage7/08-assume-role.ts';
import {
  ACTOR_TAG,
  broadGrants,
  bucketBroadGrants,
  bucketPolicy,
  canonical,
  describeMerge,
  documentDiff,
  includesStatements,
  mergeStatements,
  type PolicyDocument,
  parsePolicy,
  removeStatements,
  rolePolicy,
  trustPolicy,
} from '../../../runbooks/stage7/aws-policies.ts';

const bucket = 'agentkeys-vault-123456789012';

describe('Stage 7 AWS documents', () => {
  it('trust policy: web identity + TagSession, aud pinned, missing actor tag refused with Null', () => {
    const doc = trustPolicy('arn:aws:iam::1:oidc-provider/broker.example.com', 'broker.example.com');
    const st = doc.Statement[0];
    expect(st?.Action).toEqual(['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']);
    expect(st?.Condition).toEqual({
      StringEquals: { 'broker.example.com:aud': 'sts.amazonaws.com' },
      Null: { 'aws:RequestTag/agentkeys_actor_omni': 'false' },
    });
  });

  it('role and bucket policies scope every resource to the actor prefix and pass the broad check', () => {
    for (const doc of [rolePolicy(bucket), bucketPolicy(bucket, 'arn:aws:iam::1:role/r')]) {
      expect(doc.Statement).toHaveLength(2);
      expect(JSON.stringify(doc)).toContain(`bots/${ACTOR_TAG}/credentials/`);
      expect(broadGrants('doc', doc)).toEqual([]);
    }
  });

  it.each([
    ['s3:* on *', { Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    [
      'whole bucket objects',
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: `arn:aws:s3:::${bucket}/*` },
    ],
    [
      'listing without a prefix condition',
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
    ],
    ['action *', { Effect: 'Allow', Action: '*', Resource: '*' }],
  ])('flags a broad grant: %s', (_name, statement) => {
    const found = broadGrants('inline policy wide', {
      Version: '2012-10-17',
      Statement: [statement as never],
    });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^inline policy wide statement 1: /);
  });

  it('ignores Deny statements and non-S3 actions', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny' as const, Action: 's3:*', Resource: '*' },
        { Effect: 'Allow' as const, Action: 'logs:PutLogEvents', Resource: '*' },
      ],
    };
    expect(broadGrants('p', doc)).toEqual([]);
  });

  it('compares documents whatever the key order or URL encoding', () => {
    const doc = rolePolicy(bucket);
    const encoded = encodeURIComponent(JSON.stringify({ Statement: doc.Statement, Version: doc.Version }));
    expect(canonical(parsePolicy(encoded))).toBe(canonical(doc));
  });
});

describe('merging our statements into what AWS holds', () => {
  const provider = 'arn:aws:iam::1:oidc-provider/broker.example.com';
  const ours = trustPolicy(provider, 'broker.example.com');
  const oldIssuer = {
    Effect: 'Allow' as const,
    Principal: { Federated: 'arn:aws:iam::1:oidc-provider/old.example.com' },
    Action: 'sts:AssumeRoleWithWebIdentity',
  };

  it('gives every statement a Sid of ours: one per issuer host, one per role in the bucket policy', () => {
    expect(ours.Statement[0]?.Sid).toBe('AgentKeysTrustBrokerExampleCom');
    expect(trustPolicy('p', '127.0.0.1:8091').Statement[0]?.Sid).toBe('AgentKeysTrust1270018091');
    expect(rolePolicy(bucket).Statement.map((s) => s.Sid)).toEqual([
      'AgentKeysListOwnPrefix',
      'AgentKeysReadWriteOwnObjects',
    ]);
    expect(
      bucketPolicy(bucket, 'arn:aws:iam::1:role/agentkeys-data-role').Statement.map((s) => s.Sid),
    ).toEqual([
      'AgentKeysListOwnPrefixForAgentkeysDataRole',
      'AgentKeysReadWriteOwnObjectsForAgentkeysDataRole',
    ]);
  });

  it('into nothing: the document is ours alone', () => {
    const merge = mergeStatements(undefined, ours);
    expect(merge).toMatchObject({ added: ['AgentKeysTrustBrokerExampleCom'], kept: 0, changed: true });
    expect(merge.document).toEqual(ours);
  });

  it('keeps a foreign statement in its place and adds ours after it', () => {
    const current = {
      Version: '2012-10-17',
      Id: 'keep-me',
      Statement: oldIssuer,
    } as unknown as PolicyDocument;
    const merge = mergeStatements(current, ours);
    expect(merge.document).toEqual({
      Version: '2012-10-17',
      Id: 'keep-me',
      Statement: [oldIssuer, ours.Statement[0]],
    });
    expect(merge).toMatchObject({ kept: 1, added: ['AgentKeysTrustBrokerExampleCom'], changed: true });
    expect(describeMerge(merge, current)).toBe(
      'add AgentKeysTrustBrokerExampleCom; keep 1 other statement(s) as they are',
    );
  });

  it('replaces our own statement where it stands when its content drifted, and reports no change when it did not', () => {
    const stale = { ...ours.Statement[0], Action: 'sts:AssumeRoleWithWebIdentity' };
    const current = { Version: '2012-10-17', Statement: [stale, oldIssuer] } as PolicyDocument;
    const merge = mergeStatements(current, ours);
    expect(merge.document.Statement).toEqual([ours.Statement[0], oldIssuer]);
    expect(merge).toMatchObject({ updated: ['AgentKeysTrustBrokerExampleCom'], added: [], kept: 1 });
    expect(mergeStatements(merge.document, ours).changed).toBe(false);
  });

  it('takes over a statement an earlier runbook wrote (same content, old Sid or none) instead of doubling it', () => {
    const earlier = rolePolicy(bucket).Statement.map((s, i) => ({
      ...s,
      Sid: i === 0 ? 'ListOwnPrefix' : undefined,
    }));
    const merge = mergeStatements({ Version: '2012-10-17', Statement: earlier }, rolePolicy(bucket));
    expect(merge.document).toEqual(rolePolicy(bucket));
    expect(merge).toMatchObject({ adopted: 2, added: [], kept: 0 });
    // A foreign Sid with the same content is someone else's statement: kept, ours added beside it.
    const foreign = {
      ...rolePolicy(bucket).Statement[0],
      Sid: 'TheirList',
    } as PolicyDocument['Statement'][number];
    const beside = mergeStatements({ Version: '2012-10-17', Statement: [foreign] }, rolePolicy(bucket));
    expect(beside.document.Statement).toHaveLength(3);
  });

  it('raises an old Version, since the actor tag variable needs 2012-10-17', () => {
    const current = { Version: '2008-10-17', Statement: [oldIssuer] } as PolicyDocument;
    const merge = mergeStatements(current, ours);
    expect(merge.document.Version).toBe('2012-10-17');
    expect(describeMerge(merge, current)).toContain('set Version 2012-10-17');
  });

  it('removes only the named Sids, and nothing is left when they were all', () => {
    const both = { Version: '2012-10-17', Statement: [oldIssuer, ...ours.Statement] } as PolicyDocument;
    expect(removeStatements(both, ['AgentKeysTrustBrokerExampleCom'])).toEqual({
      document: { Version: '2012-10-17', Statement: [oldIssuer] },
      removed: ['AgentKeysTrustBrokerExampleCom'],
      left: 1,
    });
    expect(removeStatements(ours, ['AgentKeysTrustBrokerExampleCom']).document).toBeUndefined();
    expect(removeStatements(both, ['Nope']).removed).toEqual([]);
  });

  it('includesStatements: every wanted statement exactly, others allowed', () => {
    const doc = { Version: '2012-10-17', Statement: [oldIssuer, ...ours.Statement] } as PolicyDocument;
    expect(includesStatements(doc, ours)).toBe(true);
    const altered = {
      ...doc,
      Statement: [oldIssuer, { ...ours.Statement[0], Action: 'sts:*' }],
    } as PolicyDocument;
    expect(includesStatements(altered, ours)).toBe(false);
  });

  it('documentDiff is a unified diff from the document now to the document after', () => {
    const current = { Version: '2012-10-17', Statement: [oldIssuer] } as PolicyDocument;
    const lines = documentDiff('trust policy of r', current, mergeStatements(current, ours).document);
    expect(lines.slice(0, 3)).toEqual([
      '--- trust policy of r (now)',
      '+++ trust policy of r (after step 4)',
      expect.stringMatching(/^@@ -\d+,\d+ \+\d+,\d+ @@$/),
    ]);
    expect(lines).toContain('+      "Sid": "AgentKeysTrustBrokerExampleCom",');
    // Keeping the foreign statement means the diff only adds.
    expect(lines.filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
    expect(documentDiff('x', undefined, ours)[0]).toBe('--- x (now: none)');
  });
});

describe('bucketBroadGrants', () => {
  const role = 'arn:aws:iam::1:role/agentkeys-vault-role';
  const wide = (principal: unknown) => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow' as const,
        Principal: principal,
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ],
  });

  it.each([
    ['anyone', '*'],
    ['AWS *', { AWS: '*' }],
    ['the role', { AWS: [role] }],
    ['its sessions', { AWS: 'arn:aws:sts::1:assumed-role/agentkeys-vault-role/s1' }],
  ])('flags a broad grant to %s', (_name, principal) => {
    expect(bucketBroadGrants(bucket, wide(principal), role)).toHaveLength(1);
  });

  it('leaves grants to other principals and our own statements alone', () => {
    expect(bucketBroadGrants(bucket, wide({ AWS: 'arn:aws:iam::1:role/auditor' }), role)).toEqual([]);
    expect(bucketBroadGrants(bucket, bucketPolicy(bucket, role), role)).toEqual([]);
  });
});

describe('roleSessionName', () => {
  it('is agentkeys-<wallet, 40 safe chars>-<seconds>-<6-digit micros>, cut to 64', () => {
    const micros = 1_795_939_751_000_042n;
    expect(roleSessionName('0xAbC', micros)).toBe('agentkeys-0xAbC-1795939751-000042');
    const long = roleSessionName(`0x${'a'.repeat(40)}`, micros);
    expect(long).toHaveLength(64);
    expect(long).toBe(`agentkeys-0x${'a'.repeat(38)}-1795939751-00`);
    expect(roleSessionName('a b/c:d', micros)).toBe('agentkeys-abcd-1795939751-000042');
  });
});
