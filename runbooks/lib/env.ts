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
  /** The agentkeys-broker-server binary the bring-up installs (without it: the sandbox's stand-in). */
  brokerBin?: string;
  /** Key slots (`oidc`, `session`) the bring-up may replace; the old file is kept beside the new one. */
  rotateKeys: Array<'oidc' | 'session'>;
  /** Broker settings set in this shell (BROKER_* and the broker's other names), for the env file of step B3. */
  brokerSettings: Record<string, string>;
}

/** Names the broker reads besides BROKER_*; step B3 keeps only those env.yaml lists for the broker. */
const brokerReads =
  /^(BROKER_\w+|ACCOUNT_ID|REGION|RUST_LOG|AGENTKEYS_CHAIN(_RPC_HTTP)?|HEIMA_RPC_HTTP|(CHAIN_RPC_HTTP|SIDECAR_REGISTRY_ADDRESS|SCOPE_CONTRACT_ADDRESS|K3_EPOCH_COUNTER_ADDRESS)_\w+)$/;

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
    brokerBin: nonEmpty(env.AGENTKEYS_BROKER_BIN),
    rotateKeys: (env.AGENTKEYS_ROTATE_KEYS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s): s is 'oidc' | 'session' => s === 'oidc' || s === 'session'),
    brokerSettings: Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => brokerReads.test(e[0]) && e[1] !== undefined),
    ),
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
