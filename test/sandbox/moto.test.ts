// End to end on loopback: sign in, mint, AssumeRoleWithWebIdentity on moto, then put and get an S3 object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../scripts/sandbox/start.ts';
import { describeWith } from '../helpers/needs.ts';

// The SDK warns about Node 20 on every client; the notice is expected and not a failure.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describeWith('moto', 'sandbox + moto', () => {
  let sandbox: Sandbox;
  let dir: string;
  const dummy = { accessKeyId: 'testing', secretAccessKey: 'testing' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentkeys-moto-'));
    sandbox = await startSandbox({
      dir,
      brokerPort: 0,
      motoPort: 0,
      env: { HOME: dir, PATH: process.env.PATH },
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(path: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await fetch(`${sandbox.brokerUrl}${path}`, {
      method: 'POST',
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, path).toBe(200);
    return (await res.json()) as Record<string, string>;
  }

  it('POST /v1/mint-oidc-jwt → AssumeRoleWithWebIdentity → S3 put and get', async () => {
    expect(sandbox.motoUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const account = privateKeyToAccount(generatePrivateKey());
    const start = await post('/v1/auth/wallet/start', { address: account.address, chain_id: 1 });
    const signature = await account.signMessage({ message: start.siwe_message as string });
    const session = await post('/v1/auth/wallet/verify', { request_id: start.request_id, signature });
    const minted = await post('/v1/mint-oidc-jwt', undefined, {
      authorization: `Bearer ${session.session_jwt}`,
    });

    const endpoint = sandbox.motoUrl as string;
    const region = sandbox.region;
    const iam = new IAMClient({ endpoint, region, credentials: dummy });
    const host = new URL(sandbox.issuer).host;
    const provider = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: sandbox.issuer,
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['0'.repeat(40)],
      }),
    );
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: provider.OpenIDConnectProviderArn },
          Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
          Condition: {
            StringEquals: { [`${host}:aud`]: 'sts.amazonaws.com' },
            Null: { 'aws:RequestTag/agentkeys_actor_omni': 'false' },
          },
        },
      ],
    };
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'agentkeys-vault-role',
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    );

    // Anonymous call: the minted JWT is the only credential.
    const sts = new STSClient({ endpoint, region });
    const assumed = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: role.Role?.Arn,
        RoleSessionName:
          `agentkeys-${minted.wallet?.slice(0, 40)}-${Math.floor(Date.now() / 1000)}-000001`.slice(0, 64),
        WebIdentityToken: minted.jwt,
        DurationSeconds: 900,
      }),
    );
    const creds = assumed.Credentials;
    expect(creds?.AccessKeyId).toBeTruthy();
    expect(creds?.SessionToken).toBeTruthy();

    const s3 = new S3Client({
      endpoint,
      region,
      forcePathStyle: true,
      credentials: {
        accessKeyId: creds?.AccessKeyId as string,
        secretAccessKey: creds?.SecretAccessKey as string,
        sessionToken: creds?.SessionToken,
      },
    });
    const bucket = 'agentkeys-vault-123456789012';
    const key = `bots/${session.omni_account}/credentials/openai.enc`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'ciphertext' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body?.transformToString()).toBe('ciphertext');
  });
});
