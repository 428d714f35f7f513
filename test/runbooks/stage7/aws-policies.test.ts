// The Stage 7 AWS documents and the broad-grant check that guards per-actor isolation.
import { describe, expect, it } from 'vitest';
import { roleSessionName } from '../../../runbooks/stage7/08-assume-role.ts';
import {
  ACTOR_TAG,
  broadGrants,
  bucketPolicy,
  canonical,
  parsePolicy,
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
