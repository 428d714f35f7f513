// Step 9 against an S3 that evaluates policies: moto does not, so every runbook run on the sandbox takes the
// emulated branch. Here the real AWS SDK talks to an S3 stand-in on loopback that answers like AWS would for
// a correct bucket (another actor's prefix is AccessDenied: the step passes) and for broken ones (a
// cross-prefix read or write goes through: the step must fail and say so).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createContext, type RunContext } from '../../../runbooks/lib/context.ts';
import { readSettings } from '../../../runbooks/lib/env.ts';
import { StepError } from '../../../runbooks/lib/step.ts';
import type { Target } from '../../../runbooks/lib/target.ts';
import { otherActorOmni, step } from '../../../runbooks/stage7/09-actor-isolation.ts';
import { credentialsPrefix } from '../../../runbooks/stage7/aws-policies.ts';

const BUCKET = 'agentkeys-vault-123456789012';
const OWN = 'a'.repeat(64);

type Policy = 'denies' | 'allows-read' | 'allows-write';

interface StandIn {
  url: string;
  /** Requests as `METHOD key status`, in order. */
  seen: string[];
  objects: Map<string, string>;
  close(): Promise<void>;
}

const denied = (res: ServerResponse) => {
  res.writeHead(403, { 'content-type': 'application/xml' });
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>1</RequestId></Error>',
  );
};

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Path-style S3 PutObject / GetObject / DeleteObject on one bucket; only the actor's own prefix is open. */
async function startS3(policy: Policy): Promise<StandIn> {
  const objects = new Map<string, string>();
  const seen: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3.test');
    const [, bucket, ...rest] = decodeURIComponent(url.pathname).split('/');
    const key = rest.join('/');
    const own = key.startsWith(credentialsPrefix(OWN));
    const allowed =
      own ||
      (policy === 'allows-read' && req.method === 'GET') ||
      (policy === 'allows-write' && req.method !== 'GET');
    const content = await body(req);
    const status =
      bucket !== BUCKET ? 404 : !allowed ? 403 : req.method === 'GET' && !objects.has(key) ? 404 : 200;
    seen.push(`${req.method} ${own ? 'own' : 'other'} ${status}`);
    if (status === 403) return denied(res);
    if (status === 404) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      return res.end(
        '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
      );
    }
    if (req.method === 'PUT') objects.set(key, content);
    if (req.method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', etag: '"1"' });
      return res.end(objects.get(key));
    }
    res.writeHead(200, { etag: '"1"' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    objects,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0)) await item.close();
});

/** The context step 9 gets after steps 4, 7 and 8, with AWS answering as real AWS does (not emulated). */
function realAwsContext(endpoint: string): { ctx: RunContext; lines: string[] } {
  const target: Target = {
    kind: 'broker',
    label: 'http://broker.test',
    brokerUrl: 'http://broker.test',
    awsEndpoint: endpoint,
    awsAvailable: true,
    region: 'us-east-1',
    started: false,
    release: async () => {},
  };
  const lines: string[] = [];
  const base = createContext({
    runbook: 'stage7',
    page: 'operator-runbook-stage7',
    target,
    settings: readSettings({}),
    secretKeys: new Set(),
    plan: [step],
    dryRun: false,
    yes: true,
    print: (line) => lines.push(line),
  });
  const aws = base.aws as NonNullable<RunContext['aws']>;
  open.push({ close: async () => aws.s3.destroy() });
  const ctx: RunContext = { ...base, aws: { ...aws, emulated: false } };
  ctx.values.set('awsTrust', { bucket: BUCKET, roleName: 'agentkeys-vault-role' });
  ctx.values.set('awsCredentials', {
    accessKeyId: 'ASIATEST',
    secretAccessKey: 'x'.repeat(40),
    sessionToken: 'tok',
  });
  ctx.values.set('claims', { actorOmni: OWN });
  return { ctx, lines };
}

describe('step 9 on an S3 that evaluates policies', () => {
  it('passes when the other actor’s prefix answers AccessDenied, having tried both a write and a read', async () => {
    const s3 = await startS3('denies');
    open.push(s3);
    const { ctx, lines } = realAwsContext(s3.url);
    expect(await step.run(ctx)).toBeUndefined();
    expect(s3.seen).toEqual([
      'PUT own 200',
      'GET own 200',
      'PUT other 403',
      'GET other 403',
      'DELETE own 200',
    ]);
    expect(lines.at(-1)).toBe(
      `another actor's prefix: put and get denied on ${credentialsPrefix(otherActorOmni)}runbook-isolation-probe.enc`,
    );
    expect(s3.objects.size).toBe(0);
  });

  it.each([
    [
      'allows-read',
      /^s3:GetObject bots\/[0-9a-f]{64}\/credentials\/\S+ succeeded: one actor can reach another/,
    ],
    [
      'allows-write',
      /^s3:PutObject bots\/[0-9a-f]{64}\/credentials\/\S+ succeeded: one actor can reach another/,
    ],
  ] as const)(
    'fails when the bucket %s across prefixes, naming the call that went through',
    async (policy, message) => {
      const s3 = await startS3(policy);
      open.push(s3);
      if (policy === 'allows-read')
        s3.objects.set(`${credentialsPrefix(otherActorOmni)}runbook-isolation-probe.enc`, 'x');
      const { ctx } = realAwsContext(s3.url);
      const error = await step.run(ctx).catch((e) => e);
      expect(error).toBeInstanceOf(StepError);
      expect(error.message).toMatch(message);
      expect(error.anchor).toBe('step-4-aws-iam-trust');
      // Nothing the probe wrote is left behind, in either prefix.
      expect([...s3.objects.keys()].filter((k) => k.startsWith(credentialsPrefix(OWN)))).toEqual([]);
      if (policy === 'allows-write') expect(s3.objects.size).toBe(0);
    },
  );
});
