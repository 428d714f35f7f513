// The one place runbooks read their settings from: URLs, region, emulator endpoint and secrets.
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Settings {
  /** Broker to call when no `--target` is given (a remote broker instead of the sandbox). */
  brokerUrl?: string;
  /** A served copy of the site (`npm start` sets it); without one, links name the page's file. */
  docsUrl?: string;
  region: string;
  /** Emulator endpoint for STS, IAM and S3 (moto); absent means real AWS. */
  awsEndpoint?: string;
  dataRoleArn?: string;
  /** The issuer the operator configured (BROKER_OIDC_ISSUER); compared byte for byte. */
  expectedIssuer?: string;
  sessionJwt?: string;
  walletPrivateKey?: string;
  /** Folder of the sandbox to reuse or start. */
  sandboxDir: string;
  /** Opt-in to delete, on real AWS, what runs recorded as created. */
  cleanup: boolean;
  /** Folder for the record of created resources and for backups, when not the default (see run-state.ts). */
  runStateDir?: string;
  /** The home folder, under which run state for a broker URL lives by default. */
  homeDir: string;
}

const nonEmpty = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);
const resolved = (dir: string | undefined) => (dir ? path.resolve(dir) : undefined);

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    brokerUrl: nonEmpty(env.AGENTKEYS_BROKER_URL)?.replace(/\/+$/, ''),
    docsUrl: nonEmpty(env.AGENTKEYS_DOCS_URL)?.replace(/\/+$/, ''),
    region: nonEmpty(env.AWS_REGION) ?? 'us-east-1',
    awsEndpoint: nonEmpty(env.AWS_ENDPOINT_URL),
    dataRoleArn: nonEmpty(env.AGENTKEYS_DATA_ROLE_ARN),
    // The issuer is compared byte for byte, so it is not trimmed or normalised.
    expectedIssuer: env.BROKER_OIDC_ISSUER || undefined,
    sessionJwt: nonEmpty(env.AGENTKEYS_SESSION_JWT),
    walletPrivateKey: nonEmpty(env.AGENTKEYS_WALLET_PRIVATE_KEY),
    sandboxDir: path.resolve(nonEmpty(env.AGENTKEYS_SANDBOX_DIR) ?? path.join(REPO_ROOT, '.sandbox')),
    cleanup: env.AGENTKEYS_RUNBOOK_CLEANUP === '1' || env.AGENTKEYS_RUNBOOK_CLEANUP === 'true',
    runStateDir: resolved(nonEmpty(env.AGENTKEYS_RUNBOOK_STATE_DIR)),
    homeDir: nonEmpty(env.HOME) ?? homedir(),
  };
}

/**
 * Link to a section of a runbook page, as printed in runbook output: on the served site when one is known,
 * else the page's Markdown file (relative to where the command runs), which every checkout has.
 */
export function docLink(settings: Pick<Settings, 'docsUrl'>, page: string, anchor: string): string {
  if (settings.docsUrl) return `${settings.docsUrl}/${page}#${anchor}`;
  const file = path.relative(process.cwd(), path.join(REPO_ROOT, 'docs', `${page}.md`)) || `${page}.md`;
  return `${file}#${anchor}`;
}
