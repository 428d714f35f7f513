// Reads the broker's BROKER_* settings with the real broker's defaults and ranges; bad values refuse to boot.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSignInConfig, type SignInConfig } from './sign-in-config.ts';

export const BOOT_FAIL_EXIT_CODE = 78;

export type AuthMethod = 'wallet_sig' | 'email_link' | 'oauth2_google';
export const AUTH_METHODS: readonly AuthMethod[] = ['wallet_sig', 'email_link', 'oauth2_google'];

export interface BrokerConfig {
  issuer: string;
  devMode: boolean;
  oidcKeypairPath: string;
  oidcJwtTtlSeconds: number;
  sessionKeypairPath: string;
  sessionJwtTtlSeconds: number;
  authMethods: AuthMethod[];
  auditDbPath: string;
  auditAnchors: string[];
  auditPolicy: string;
  awsRegion: string;
  refuseToBootStrict: boolean;
  requestBodyLimitBytes: number;
  metricsEnabled: boolean;
  ntpMaxSkewSeconds: number;
  shutdownGraceSeconds: number;
  dataDir: string;
  rateLimitChallengesPerHourPerIp: number;
  signIn: SignInConfig;
}

/** A setting the broker cannot start with; `line` is the single line printed on stderr. */
export class BootFailError extends Error {
  readonly line: string;
  constructor(
    readonly variable: string,
    value: string,
    readonly reason: string,
    readonly anchor: string,
  ) {
    const line = `BOOT_FAIL: ${variable}=${printable(value)}: ${reason}; see runbook §${anchor}`;
    super(line);
    this.name = 'BootFailError';
    this.line = line;
  }
}

// A private key or token pasted into a setting, whole or as a key file's JSON.
const KEY_MATERIAL =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----|"private_key(?:_pem)?"|eyJ[\w-]{4,}\.[\w-]{4,}\.|0x[0-9a-fA-F]{64}/;

// Keeps the BOOT_FAIL output on one short line whatever the value holds, and keeps secrets out of it.
function printable(value: string): string {
  if (KEY_MATERIAL.test(value)) return '[redacted: key material]';
  // Of a URL's userinfo only the password is hidden: the rest still shows what is wrong.
  const masked = value.replace(/^([a-z][\w+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/i, '$1***@');
  const flat = masked.replace(/\p{Cc}/gu, '?');
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number, anchor: string): number {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new BootFailError(name, raw, `not a whole number (allowed ${rangeText(min, max)})`, anchor);
  }
  const value = Number(raw.trim());
  if (value < min || value > max) {
    throw new BootFailError(name, raw, `out of range (allowed ${rangeText(min, max)})`, anchor);
  }
  return value;
}

function rangeText(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `${min}-${max}`;
}

function boolean(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined) return false;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new BootFailError(name, raw, 'must be true or false', 'boolean-setting');
}

function path(env: Env, name: string, fallback: string, anchor: string): string {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') throw new BootFailError(name, raw, 'empty path', anchor);
  if (KEY_MATERIAL.test(raw)) {
    throw new BootFailError(
      name,
      raw,
      'holds a key, not the path of a file: save the key file with chmod 600 and set its path here',
      anchor,
    );
  }
  return resolve(raw);
}

function issuer(env: Env, devMode: boolean): string {
  const name = 'BROKER_OIDC_ISSUER';
  const raw = env[name];
  if (raw === undefined || raw === '') {
    throw new BootFailError(
      name,
      raw ?? '',
      'required: the public https URL the broker signs as',
      'oidc-issuer',
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BootFailError(name, raw, 'not a URL', 'oidc-issuer');
  }
  if (url.protocol === 'http:' && !devMode) {
    throw new BootFailError(
      name,
      raw,
      'AWS accepts only https issuers (http needs BROKER_DEV_MODE=true)',
      'oidc-issuer',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BootFailError(name, raw, 'scheme must be https', 'oidc-issuer');
  }
  if (url.username || url.password || url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new BootFailError(name, raw, 'no credentials, query or fragment allowed', 'oidc-issuer');
  }
  if (raw.endsWith('/')) throw new BootFailError(name, raw, 'remove the trailing slash', 'oidc-issuer');
  if (url.pathname !== '/')
    throw new BootFailError(name, raw, 'must be scheme and host only, no path', 'oidc-issuer');
  return raw;
}

function authMethods(env: Env): AuthMethod[] {
  const name = 'BROKER_AUTH_METHODS';
  const raw = env[name] ?? 'wallet_sig';
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) {
    throw new BootFailError(
      name,
      raw,
      'no sign-in method enabled, list at least wallet_sig',
      'auth-method-empty',
    );
  }
  for (const m of list) {
    if (!(AUTH_METHODS as readonly string[]).includes(m)) {
      throw new BootFailError(
        name,
        raw,
        `unknown method ${m} (known: ${AUTH_METHODS.join(', ')})`,
        'auth-method-unknown',
      );
    }
  }
  return [...new Set(list)] as AuthMethod[];
}

function auditAnchors(env: Env): string[] {
  const name = 'BROKER_AUDIT_ANCHORS';
  const raw = env[name] ?? 'sqlite';
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new BootFailError(name, raw, 'at least one anchor is needed', 'audit-anchors');
  for (const a of list) {
    if (a === 'evm_testnet') {
      throw new BootFailError(
        name,
        raw,
        'evm_testnet anchoring is not available in the sandbox, use sqlite',
        'audit-anchors',
      );
    }
    if (a !== 'sqlite')
      throw new BootFailError(name, raw, `unknown anchor ${a} (known: sqlite, evm_testnet)`, 'audit-anchors');
  }
  const policy = env.BROKER_AUDIT_POLICY ?? 'dual_strict';
  if (policy !== 'dual_strict') {
    throw new BootFailError(
      'BROKER_AUDIT_POLICY',
      policy,
      'unknown policy (known: dual_strict)',
      'audit-anchors',
    );
  }
  return list;
}

function region(env: Env): string {
  const raw = env.BROKER_AWS_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/.test(raw)) {
    throw new BootFailError(
      'BROKER_AWS_REGION',
      raw,
      'not an AWS region name (like us-east-1)',
      'aws-region',
    );
  }
  return raw;
}

/** Builds the broker configuration from an environment, or throws BootFailError for the first bad value. */
export function loadConfig(env: Env): BrokerConfig {
  const home = env.HOME ?? homedir();
  const base = join(home, '.agentkeys', 'broker');
  const devMode = boolean(env, 'BROKER_DEV_MODE');
  const issuerUrl = issuer(env, devMode);
  const config: BrokerConfig = {
    issuer: issuerUrl,
    devMode,
    oidcKeypairPath: path(env, 'BROKER_OIDC_KEYPAIR_PATH', join(base, 'oidc-keypair.json'), 'oidc-keypair'),
    oidcJwtTtlSeconds: integer(env, 'BROKER_OIDC_JWT_TTL_SECONDS', 300, 60, 3600, 'oidc-jwt-ttl'),
    sessionKeypairPath: path(
      env,
      'BROKER_SESSION_KEYPAIR_PATH',
      join(base, 'session-keypair.json'),
      'session-keypair',
    ),
    sessionJwtTtlSeconds: integer(env, 'BROKER_SESSION_JWT_TTL_SECONDS', 18000, 60, 86400, 'session-jwt-ttl'),
    authMethods: authMethods(env),
    auditDbPath: path(env, 'BROKER_AUDIT_DB_PATH', join(base, 'audit.sqlite'), 'audit-sqlite'),
    auditAnchors: auditAnchors(env),
    auditPolicy: env.BROKER_AUDIT_POLICY ?? 'dual_strict',
    awsRegion: region(env),
    refuseToBootStrict: boolean(env, 'BROKER_REFUSE_TO_BOOT_STRICT'),
    requestBodyLimitBytes: integer(
      env,
      'BROKER_REQUEST_BODY_LIMIT_BYTES',
      1048576,
      1,
      Number.MAX_SAFE_INTEGER,
      'request-body-limit',
    ),
    metricsEnabled: boolean(env, 'BROKER_METRICS_ENABLED'),
    ntpMaxSkewSeconds: integer(
      env,
      'BROKER_NTP_MAX_SKEW_SECONDS',
      60,
      0,
      Number.MAX_SAFE_INTEGER,
      'numeric-setting',
    ),
    shutdownGraceSeconds: integer(
      env,
      'BROKER_SHUTDOWN_GRACE_SECONDS',
      30,
      0,
      Number.MAX_SAFE_INTEGER,
      'numeric-setting',
    ),
    dataDir: path(env, 'BROKER_DATA_DIR', join(base, 'data'), 'data-dir'),
    rateLimitChallengesPerHourPerIp: integer(
      env,
      'BROKER_RATE_LIMIT_CHALLENGES_PER_HOUR_PER_IP',
      60,
      1,
      Number.MAX_SAFE_INTEGER,
      'numeric-setting',
    ),
    signIn: loadSignInConfig(env, issuerUrl),
  };
  if (config.oidcKeypairPath === config.sessionKeypairPath) {
    throw new BootFailError(
      'BROKER_SESSION_KEYPAIR_PATH',
      config.sessionKeypairPath,
      'must be a different file from BROKER_OIDC_KEYPAIR_PATH',
      'session-keypair',
    );
  }
  return config;
}
