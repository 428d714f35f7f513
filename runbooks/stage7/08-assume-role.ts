// Step 8: assumes the data role the way a client does — an anonymous sts:AssumeRoleWithWebIdentity call
// in which the OIDC JWT is the only credential — and gets temporary AWS credentials for the actor.
import {
  AssumeRoleWithWebIdentityCommand,
  type AssumeRoleWithWebIdentityCommandOutput,
} from '@aws-sdk/client-sts';
import { expBackoff, retry } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import { awsError, registerCredentials } from '../lib/aws.ts';
import { defineStep, StepError, skipped } from '../lib/step.ts';
import type { AwsTrust } from './04-aws-iam-trust.ts';
import type { OidcClaims } from './07-verify-oidc-jwt.ts';

export interface TempCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
}

/** agentkeys-<wallet, 40 safe chars at most>-<unix seconds>-<6-digit microseconds>, cut to 64. */
export function roleSessionName(
  wallet: string,
  nowMicros = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)),
): string {
  const safe = wallet.replace(/[^\w+=,.@-]/g, '').slice(0, 40);
  const seconds = nowMicros / 1_000_000n;
  const micros = String(nowMicros % 1_000_000n).padStart(6, '0');
  return `agentkeys-${safe}-${seconds}-${micros}`.slice(0, 64);
}

export const step = defineStep({
  id: '08',
  slug: 'assume-role',
  title: 'Assume the data role',
  doc: 'step-8-assume-role',
  needs: ['preflight', 'awsTrust', 'oidcJwt', 'claims'],
  produces: ['awsCredentials'],
  secrets: ['awsCredentials'],
  mutates: false,
  usesAws: true,
  async run(ctx) {
    const aws = ctx.aws;
    if (!aws) return skipped('the sandbox runs without moto: no STS to call');
    const trust = ctx.values.get<AwsTrust>('awsTrust');
    const claims = ctx.values.get<OidcClaims>('claims');
    const sessionName = roleSessionName(claims.wallet || claims.actorOmni);
    const assume = () =>
      aws.anonymousSts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: trust.roleArn,
          RoleSessionName: sessionName,
          WebIdentityToken: ctx.values.get<string>('oidcJwt'),
          DurationSeconds: 3600,
        }),
        { abortSignal: ctx.signal },
      );
    // IAM is eventually consistent: a role or provider created seconds ago may not be visible to STS yet.
    const fresh = !aws.emulated && trust.created.length > 0;
    let answer: AssumeRoleWithWebIdentityCommandOutput;
    try {
      answer = fresh ? await retry(5, expBackoff('10s', '2s'), assume) : await assume();
    } catch (error) {
      throw awsError(`sts:AssumeRoleWithWebIdentity on ${trust.roleArn}`, error);
    }
    const c = answer.Credentials;
    registerCredentials(c ?? {});
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new StepError('STS answered without credentials', {
        hint: 'an emulator or proxy returned a partial answer',
      });
    }
    const creds: TempCredentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration?.toISOString() ?? '',
    };
    ctx.values.set('awsCredentials', creds);
    ctx.log(`session ${sessionName} as ${answer.AssumedRoleUser?.Arn}`);
    ctx.log(`temporary credentials ${creds.accessKeyId} until ${creds.expiration}`);
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/08-assume-role.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
