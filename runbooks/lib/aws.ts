// AWS clients for the runbook: emulator-aware (AWS_ENDPOINT_URL), bounded retries, readable STS/IAM/S3 errors.
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { registerSecret } from './redact.ts';
import { StepError } from './step.ts';

// The SDK prints Node-version notices on Node 20; they are noise in runbook output.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface AwsSettings {
  region: string;
  /** Emulator endpoint (moto); undefined means real AWS. */
  endpoint?: string;
}

export interface AwsClients {
  region: string;
  /** True when calls go to an emulator that does not evaluate policy conditions. */
  emulated: boolean;
  sts: STSClient;
  /** STS without any credentials: the web identity token is the only credential. */
  anonymousSts: STSClient;
  iam: IAMClient;
  s3: S3Client;
}

// Emulators accept any key; these keep the SDK from searching the machine for real ones.
const EMULATOR_CREDENTIALS = { accessKeyId: 'runbook-emulator', secretAccessKey: 'runbook-emulator' };
const REQUEST_HANDLER = { requestTimeout: 15_000, connectionTimeout: 5_000 };

export function createAwsClients(settings: AwsSettings): AwsClients {
  const common = {
    region: settings.region,
    // Standard retry mode backs off on Throttling and 5xx; four attempts keeps a bad run short.
    maxAttempts: 4,
    requestHandler: REQUEST_HANDLER,
    ...(settings.endpoint ? { endpoint: settings.endpoint, credentials: EMULATOR_CREDENTIALS } : {}),
  };
  return {
    region: settings.region,
    emulated: Boolean(settings.endpoint),
    sts: new STSClient(common),
    anonymousSts: new STSClient({
      ...common,
      credentials: () => Promise.reject(new Error('AssumeRoleWithWebIdentity is called without credentials')),
    }),
    iam: new IAMClient(common),
    s3: new S3Client({ ...common, forcePathStyle: Boolean(settings.endpoint) }),
  };
}

export function destroyAwsClients(clients: AwsClients | undefined): void {
  if (!clients) return;
  for (const client of [clients.sts, clients.anonymousSts, clients.iam, clients.s3]) client.destroy();
}

/** What each STS error usually means, and the troubleshooting anchor that explains it. */
export const STS_ERRORS: Record<string, { hint: string; anchor: string }> = {
  InvalidIdentityToken: {
    hint: 'STS could not validate the JWT: JWKS unreachable, kid not in the JWKS, issuer not registered as an IAM OIDC provider, or a bad thumbprint',
    anchor: 'sts-invalid-identity-token',
  },
  IncorrectTokenAudience: {
    hint: 'the JWT aud is not a client id of the IAM OIDC provider (expected sts.amazonaws.com)',
    anchor: 'sts-incorrect-token-audience',
  },
  ExpiredTokenException: {
    hint: 'the JWT expired before STS saw it: mint it right before assuming the role, check the clock',
    anchor: 'sts-expired-token',
  },
  AccessDenied: {
    hint: 'the trust policy refused the call: a condition failed (aud, the agentkeys_actor_omni request tag) or sts:TagSession is missing',
    anchor: 'sts-access-denied',
  },
  IDPCommunicationError: {
    hint: 'STS could not fetch the discovery document or JWKS from the issuer',
    anchor: 'sts-idp-communication-error',
  },
};

/** Turns an SDK error into a StepError naming the AWS error and what it likely means. */
export function awsError(action: string, error: unknown): StepError {
  if (error instanceof StepError) return error;
  const err = error as { name?: string; message?: string; Code?: string };
  const name = err.Code ?? err.name ?? 'Error';
  const key = /audience/i.test(err.message ?? '') ? 'IncorrectTokenAudience' : name;
  const known = STS_ERRORS[key];
  return new StepError(`${action} failed: ${name}: ${err.message ?? ''}`.trim(), {
    hint: known?.hint,
    anchor: known?.anchor,
  });
}

/** Registers every secret part of a set of temporary credentials. */
export function registerCredentials(creds: { SecretAccessKey?: string; SessionToken?: string }): void {
  registerSecret(creds.SecretAccessKey);
  registerSecret(creds.SessionToken);
}
