// Reads the broker's settings the way agentkeys-broker-server does at the commit in docs/reference/upstream.yaml:
// the same order, the same plain start-up errors and the same first BOOT_FAIL check (the issuer). Every default
// and range comes from docs/reference/env.yaml; the rest of the BOOT_FAIL checks run in boot.ts.
import { dirname } from 'node:path';
import { type EnvSpec, loadEnvSpec } from '../reference/env-file.ts';

/** Exit code of `npm run sandbox` for a setting it cannot start with (BOOT_FAIL or a plain start-up error). */
export const BOOT_FAIL_EXIT_CODE = 78;

export type AuthMethod = 'wallet_sig' | 'email_link' | 'oauth2_google';

export interface BrokerConfig {
  issuer: string;
  devMode: boolean;
  /** Host part of the issuer, the SIWE `domain`: what follows `://` up to the first `/`. */
  siweDomain: string;
  dataRoleArn: string;
  sessionDurationSeconds: number;
  oidcKeypairPath: string;
  oidcJwtTtlSeconds: number;
  sessionKeypairPath: string;
  sessionJwtTtlSeconds: number;
  /** BROKER_AUTH_METHODS as written (boot.ts checks each entry against what is compiled in). */
  authMethodsRaw: string;
  /** The trimmed, non-empty, distinct entries of authMethodsRaw. */
  authMethods: AuthMethod[];
  walletProvisioner: string;
  auditDbPath: string;
  auditAnchorsRaw: string;
  auditAnchors: string[];
  auditPolicy: string;
  awsRegion: string;
  refuseToBootStrict: boolean;
  requestBodyLimitBytes: number;
  metricsEnabled: boolean;
  shutdownGraceSeconds: number;
  /**
   * The next two are declared by the broker but read by nothing at the documented commit; like the
   * broker, the sandbox's wallet sign-in applies neither.
   */
  ntpMaxSkewSeconds: number;
  rateLimitChallengesPerHourPerIp: number;
  /** Settings of the email-link and Google sign-in routes (read only when their method is enabled). */
  signIn: SignInConfig;
}

export interface SignInConfig {
  /** BROKER_DATA_DIR, or the audit database's folder: where the SES cache would go, and the sandbox outbox. */
  dataDir: string;
  /** Required settings are undefined when unset: boot.ts refuses them then, once their method is enabled. */
  emailFromAddress: string | undefined;
  emailSender: string;
  emailPerEmailHourly: number;
  emailPerIpMinutely: number;
  oauth2ClientId: string | undefined;
  oauth2ClientSecretFile: string | undefined;
  oauth2RedirectUri: string | undefined;
  oauth2StateKeyPath: string | undefined;
  oauth2StartPerIpMinutely: number;
}

// A private key or token pasted into a setting, whole or as a key file's JSON.
const KEY_MATERIAL =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----|"private_key(?:_pem)?"|eyJ[\w-]{4,}\.[\w-]{4,}\.|0x[0-9a-fA-F]{64}/;

/** A string as Rust's `{:?}` prints it: double-quoted, with quotes, backslashes and invisible characters escaped. */
export function rustDebug(value: string): string {
  let out = '"';
  for (const ch of value) {
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\0') out += '\\0';
    else if (/[\p{C}\p{Z}\p{M}]/u.test(ch) && ch !== ' ')
      out += `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * A value as a BOOT_FAIL line or start-up error shows it: quoted like the broker's `{:?}`, except that key
 * material is never printed (it is replaced, unquoted, so it cannot pass for the value) and a URL password
 * is masked. The real broker prints both as they are.
 */
export function shown(value: string): string {
  if (KEY_MATERIAL.test(value)) return '[redacted: key material]';
  return rustDebug(value.replace(/^([a-z][\w+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i, '$1***@'));
}

/** A setting the broker refuses in its BOOT_FAIL checks; `line` is the one line printed on stderr. */
export class BootFailError extends Error {
  readonly line: string;
  constructor(
    readonly variable: string,
    value: string,
    readonly reason: string,
    readonly anchor: string,
  ) {
    const line = `BOOT_FAIL: ${variable}=${shown(value)}: ${reason}; see runbook §${anchor}`;
    super(line);
    this.name = 'BootFailError';
    this.line = line;
  }
}

/** A setting the broker refuses before its BOOT_FAIL checks, with a plain error and no runbook anchor. */
export class StartupError extends Error {
  /** What the broker prints for it on stderr: `Error: <message>`. */
  readonly line: string;
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
    this.line = `Error: ${message}`;
  }
}

type Env = Record<string, string | undefined>;
type IntKind = 'u64' | 'usize' | 'i64' | 'i32';

const INT_LIMITS: Record<IntKind, [bigint, bigint]> = {
  u64: [0n, 2n ** 64n - 1n],
  usize: [0n, 2n ** 64n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
};

/** Rust's `str::parse` for an integer type: an optional sign, then digits only; its error texts on failure. */
export function parseRustInt(text: string, kind: IntKind): { value: number } | { error: string } {
  if (text === '') return { error: 'cannot parse integer from empty string' };
  const signed = kind === 'i64' || kind === 'i32';
  const match = (signed ? /^[+-]?(\d+)$/ : /^\+?(\d+)$/).exec(text);
  if (!match) return { error: 'invalid digit found in string' };
  const value = BigInt(text.replace(/^\+/, ''));
  const [min, max] = INT_LIMITS[kind];
  if (value > max) return { error: 'number too large to fit in target type' };
  if (value < min) return { error: 'number too small to fit in target type' };
  return { value: Number(value) };
}

/** A number the broker parses at start-up and refuses to start without (config.rs). */
function strictInt(env: Env, spec: EnvSpec, name: string, kind: IntKind): number {
  const raw = env[name];
  if (raw === undefined) return spec.intDefault(name);
  const parsed = parseRustInt(raw, kind);
  if ('error' in parsed) throw new StartupError(`${name}=${shown(raw)} could not be parsed: ${parsed.error}`);
  return parsed.value;
}

/** A number the broker range-checks at start-up; the range is env.yaml's min and max. */
function rangedInt(env: Env, spec: EnvSpec, name: string, kind: IntKind): number {
  const value = strictInt(env, spec, name, kind);
  const { min, max } = spec.bounds(name);
  if (value < min || value > max)
    throw new StartupError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A number the broker reads leniently: anything that does not parse means the default. */
function lenientInt(env: Env, spec: EnvSpec, name: string, kind: IntKind): number {
  const raw = env[name];
  const parsed = raw === undefined ? undefined : parseRustInt(raw, kind);
  return parsed && 'value' in parsed ? parsed.value : spec.intDefault(name);
}

/** Only the exact text `true` is true; anything else, or unset, is false. */
const flag = (env: Env, name: string) => env[name] === 'true';

/** Set (even to an empty text) wins over the default, as Rust's `env::var(..).unwrap_or(..)`. */
const text = (env: Env, spec: EnvSpec, name: string, home: string) =>
  env[name] ?? spec.textDefault(name, home);

const entries = (raw: string) => [
  ...new Set(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

function dataRoleArn(env: Env): string {
  if (env.BROKER_DATA_ROLE_ARN !== undefined) return env.BROKER_DATA_ROLE_ARN;
  if (env.BROKER_AGENT_ROLE_ARN !== undefined) return env.BROKER_AGENT_ROLE_ARN;
  if (env.ACCOUNT_ID !== undefined) return `arn:aws:iam::${env.ACCOUNT_ID}:role/agentkeys-data-role`;
  throw new StartupError(
    'missing required env var: set BROKER_DATA_ROLE_ARN explicitly (legacy: BROKER_AGENT_ROLE_ARN), or set ACCOUNT_ID and the broker will derive arn:aws:iam::$ACCOUNT_ID:role/agentkeys-data-role',
  );
}

/** The first of the names that is set and not empty. */
function firstSet(env: Env, names: string[]): string | undefined {
  for (const name of names) if (env[name]) return env[name];
  return undefined;
}

/** The SIWE domain the broker derives from its issuer: what follows `://` up to the first `/`. */
export function urlHost(url: string): string {
  const afterScheme = url.includes('://') ? url.slice(url.indexOf('://') + 3) : url;
  return afterScheme.split('/')[0] ?? afterScheme;
}

/**
 * Builds the configuration from an environment in the broker's order: the plain start-up checks of its
 * config (StartupError), then the first BOOT_FAIL check, the issuer's scheme (BootFailError). `spec` is
 * env.yaml; tests pass an edited copy.
 */
export function loadConfig(env: Env, spec: EnvSpec = loadEnvSpec()): BrokerConfig {
  // The broker falls back to "." when HOME is unset.
  const home = env.HOME ?? '.';
  const dataRole = dataRoleArn(env);
  const auditDbPath = text(env, spec, 'BROKER_AUDIT_DB_PATH', home);
  const awsRegion = firstSet(env, ['BROKER_AWS_REGION', 'REGION']) ?? spec.textDefault('BROKER_AWS_REGION');
  const sessionDurationSeconds = rangedInt(env, spec, 'BROKER_SESSION_DURATION_SECONDS', 'i32');
  const shutdownGraceSeconds = strictInt(env, spec, 'BROKER_SHUTDOWN_GRACE_SECONDS', 'u64');
  const issuer = env.BROKER_OIDC_ISSUER;
  if (issuer === undefined) throw new StartupError('missing required env var: BROKER_OIDC_ISSUER');
  const oidcKeypairPath = text(env, spec, 'BROKER_OIDC_KEYPAIR_PATH', home);
  const oidcJwtTtlSeconds = rangedInt(env, spec, 'BROKER_OIDC_JWT_TTL_SECONDS', 'u64');

  // The first BOOT_FAIL check: only the https prefix of the issuer is looked at.
  const devMode = flag(env, 'BROKER_DEV_MODE');
  if (!devMode && !issuer.startsWith('https://')) {
    throw new BootFailError(
      'BROKER_OIDC_ISSUER',
      issuer,
      'must be https:// in non-dev mode (set BROKER_DEV_MODE=true to relax)',
      'oidc-issuer',
    );
  }

  const authMethodsRaw = text(env, spec, 'BROKER_AUTH_METHODS', home);
  const auditAnchorsRaw = text(env, spec, 'BROKER_AUDIT_ANCHORS', home);
  return {
    issuer,
    devMode,
    siweDomain: urlHost(issuer),
    dataRoleArn: dataRole,
    sessionDurationSeconds,
    oidcKeypairPath,
    oidcJwtTtlSeconds,
    sessionKeypairPath: text(env, spec, 'BROKER_SESSION_KEYPAIR_PATH', home),
    // Read at every sign-in by the broker: a value that does not parse means the default, and the
    // documented range is not checked.
    sessionJwtTtlSeconds: lenientInt(env, spec, 'BROKER_SESSION_JWT_TTL_SECONDS', 'u64'),
    authMethodsRaw,
    authMethods: entries(authMethodsRaw) as AuthMethod[],
    walletProvisioner: text(env, spec, 'BROKER_WALLET_PROVISIONER', home),
    auditDbPath,
    auditAnchorsRaw,
    auditAnchors: entries(auditAnchorsRaw),
    auditPolicy: text(env, spec, 'BROKER_AUDIT_POLICY', home),
    awsRegion,
    refuseToBootStrict: flag(env, 'BROKER_REFUSE_TO_BOOT_STRICT'),
    requestBodyLimitBytes: lenientInt(env, spec, 'BROKER_REQUEST_BODY_LIMIT_BYTES', 'usize'),
    metricsEnabled: flag(env, 'BROKER_METRICS_ENABLED'),
    shutdownGraceSeconds,
    ntpMaxSkewSeconds: lenientInt(env, spec, 'BROKER_NTP_MAX_SKEW_SECONDS', 'u64'),
    rateLimitChallengesPerHourPerIp: lenientInt(
      env,
      spec,
      'BROKER_RATE_LIMIT_CHALLENGES_PER_HOUR_PER_IP',
      'u64',
    ),
    signIn: {
      dataDir: env.BROKER_DATA_DIR ?? dirname(auditDbPath),
      emailFromAddress: env.BROKER_EMAIL_FROM_ADDRESS,
      emailSender: text(env, spec, 'BROKER_EMAIL_SENDER', home),
      emailPerEmailHourly: lenientInt(env, spec, 'BROKER_EMAIL_RATE_LIMIT_PER_EMAIL_HOURLY', 'i64'),
      emailPerIpMinutely: lenientInt(env, spec, 'BROKER_EMAIL_RATE_LIMIT_PER_IP_MINUTELY', 'i64'),
      oauth2ClientId: env.BROKER_OAUTH2_GOOGLE_CLIENT_ID,
      oauth2ClientSecretFile: env.BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE,
      oauth2RedirectUri: env.BROKER_OAUTH2_REDIRECT_URI,
      oauth2StateKeyPath: env.BROKER_OAUTH2_STATE_HMAC_KEY_PATH,
      oauth2StartPerIpMinutely: lenientInt(
        env,
        spec,
        'BROKER_OAUTH2_START_RATE_LIMIT_PER_IP_MINUTELY',
        'i64',
      ),
    },
  };
}
