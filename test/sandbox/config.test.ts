// loadConfig: contract defaults and ranges; every bad value refuses to boot with one BOOT_FAIL line.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../scripts/sandbox/broker.ts';
import { BootFailError, loadConfig } from '../../scripts/sandbox/config.ts';

const base = { HOME: '/home/op', BROKER_OIDC_ISSUER: 'https://broker.example.org' };
// One line; the reason itself holds no ';' so the runbook reference is always the last clause.
const LINE = /^BOOT_FAIL: [A-Z_]+=[^\n]*: [^\n;]+; see runbook §[a-z0-9-]+$/;

function bootFail(env: Record<string, string | undefined>): BootFailError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof BootFailError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted a bad value');
}

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    expect(loadConfig(base)).toEqual({
      issuer: 'https://broker.example.org',
      devMode: false,
      oidcKeypairPath: '/home/op/.agentkeys/broker/oidc-keypair.json',
      oidcJwtTtlSeconds: 300,
      sessionKeypairPath: '/home/op/.agentkeys/broker/session-keypair.json',
      sessionJwtTtlSeconds: 18000,
      authMethods: ['wallet_sig'],
      auditDbPath: '/home/op/.agentkeys/broker/audit.sqlite',
      auditAnchors: ['sqlite'],
      auditPolicy: 'dual_strict',
      awsRegion: 'us-east-1',
      refuseToBootStrict: false,
      requestBodyLimitBytes: 1048576,
      metricsEnabled: false,
      ntpMaxSkewSeconds: 60,
      shutdownGraceSeconds: 30,
      dataDir: '/home/op/.agentkeys/broker/data',
      rateLimitChallengesPerHourPerIp: 60,
    });
  });

  it('accepts the range edges', () => {
    const c = loadConfig({
      ...base,
      BROKER_OIDC_JWT_TTL_SECONDS: '3600',
      BROKER_SESSION_JWT_TTL_SECONDS: '60',
      BROKER_AUTH_METHODS: 'wallet_sig, email_link,oauth2_google',
      BROKER_AWS_REGION: 'eu-central-2',
    });
    expect(c).toMatchObject({ oidcJwtTtlSeconds: 3600, sessionJwtTtlSeconds: 60, awsRegion: 'eu-central-2' });
    expect(c.authMethods).toEqual(['wallet_sig', 'email_link', 'oauth2_google']);
  });

  it.each([
    ['issuer missing', { BROKER_OIDC_ISSUER: undefined }, 'BROKER_OIDC_ISSUER', 'oidc-issuer'],
    ['issuer not a URL', { BROKER_OIDC_ISSUER: 'broker' }, 'BROKER_OIDC_ISSUER', 'oidc-issuer'],
    [
      'http issuer without dev mode',
      { BROKER_OIDC_ISSUER: 'http://127.0.0.1:8091' },
      'BROKER_OIDC_ISSUER',
      'oidc-issuer',
    ],
    [
      'issuer with trailing slash',
      { BROKER_OIDC_ISSUER: 'https://b.example/' },
      'BROKER_OIDC_ISSUER',
      'oidc-issuer',
    ],
    [
      'issuer with a path',
      { BROKER_OIDC_ISSUER: 'https://b.example/oidc' },
      'BROKER_OIDC_ISSUER',
      'oidc-issuer',
    ],
    [
      'issuer with a query',
      { BROKER_OIDC_ISSUER: 'https://b.example?x=1' },
      'BROKER_OIDC_ISSUER',
      'oidc-issuer',
    ],
    [
      'issuer with another scheme',
      { BROKER_OIDC_ISSUER: 'ftp://b.example' },
      'BROKER_OIDC_ISSUER',
      'oidc-issuer',
    ],
    ['OIDC key path empty', { BROKER_OIDC_KEYPAIR_PATH: '' }, 'BROKER_OIDC_KEYPAIR_PATH', 'oidc-keypair'],
    [
      'session key = OIDC key',
      { BROKER_OIDC_KEYPAIR_PATH: '/k.json', BROKER_SESSION_KEYPAIR_PATH: '/k.json' },
      'BROKER_SESSION_KEYPAIR_PATH',
      'session-keypair',
    ],
    [
      'OIDC TTL too short',
      { BROKER_OIDC_JWT_TTL_SECONDS: '59' },
      'BROKER_OIDC_JWT_TTL_SECONDS',
      'oidc-jwt-ttl',
    ],
    [
      'OIDC TTL too long',
      { BROKER_OIDC_JWT_TTL_SECONDS: '3601' },
      'BROKER_OIDC_JWT_TTL_SECONDS',
      'oidc-jwt-ttl',
    ],
    [
      'OIDC TTL not a number',
      { BROKER_OIDC_JWT_TTL_SECONDS: '5m' },
      'BROKER_OIDC_JWT_TTL_SECONDS',
      'oidc-jwt-ttl',
    ],
    [
      'session TTL too long',
      { BROKER_SESSION_JWT_TTL_SECONDS: '86401' },
      'BROKER_SESSION_JWT_TTL_SECONDS',
      'session-jwt-ttl',
    ],
    ['auth methods empty', { BROKER_AUTH_METHODS: ' , ' }, 'BROKER_AUTH_METHODS', 'auth-method-empty'],
    [
      'auth method unknown',
      { BROKER_AUTH_METHODS: 'wallet_sig,passkey' },
      'BROKER_AUTH_METHODS',
      'auth-method-unknown',
    ],
    ['audit DB path empty', { BROKER_AUDIT_DB_PATH: ' ' }, 'BROKER_AUDIT_DB_PATH', 'audit-sqlite'],
    ['audit anchor unknown', { BROKER_AUDIT_ANCHORS: 'ipfs' }, 'BROKER_AUDIT_ANCHORS', 'audit-anchors'],
    ['audit policy unknown', { BROKER_AUDIT_POLICY: 'best_effort' }, 'BROKER_AUDIT_POLICY', 'audit-anchors'],
    ['region malformed', { BROKER_AWS_REGION: 'US East' }, 'BROKER_AWS_REGION', 'aws-region'],
    ['boolean malformed', { BROKER_DEV_MODE: 'yes' }, 'BROKER_DEV_MODE', 'boolean-setting'],
    ['metrics flag malformed', { BROKER_METRICS_ENABLED: '1' }, 'BROKER_METRICS_ENABLED', 'boolean-setting'],
    [
      'skew negative',
      { BROKER_NTP_MAX_SKEW_SECONDS: '-1' },
      'BROKER_NTP_MAX_SKEW_SECONDS',
      'numeric-setting',
    ],
    [
      'grace not a number',
      { BROKER_SHUTDOWN_GRACE_SECONDS: 'soon' },
      'BROKER_SHUTDOWN_GRACE_SECONDS',
      'numeric-setting',
    ],
    [
      'rate limit zero',
      { BROKER_RATE_LIMIT_CHALLENGES_PER_HOUR_PER_IP: '0' },
      'BROKER_RATE_LIMIT_CHALLENGES_PER_HOUR_PER_IP',
      'numeric-setting',
    ],
    [
      'body limit zero',
      { BROKER_REQUEST_BODY_LIMIT_BYTES: '0' },
      'BROKER_REQUEST_BODY_LIMIT_BYTES',
      'request-body-limit',
    ],
    ['data dir empty', { BROKER_DATA_DIR: '' }, 'BROKER_DATA_DIR', 'data-dir'],
  ])('BOOT_FAIL for %s', (_name, overrides, variable, anchor) => {
    const error = bootFail({ ...base, ...overrides });
    expect(error.line).toMatch(LINE);
    expect(error.line.startsWith(`BOOT_FAIL: ${variable}=`)).toBe(true);
    expect(error.line.endsWith(`; see runbook §${anchor}`)).toBe(true);
  });

  it('prints the offending value, flattened to one line', () => {
    const error = bootFail({ ...base, BROKER_OIDC_JWT_TTL_SECONDS: '30\n0' });
    expect(error.line).toBe(
      'BOOT_FAIL: BROKER_OIDC_JWT_TTL_SECONDS=30?0: not a whole number (allowed 60-3600); see runbook §oidc-jwt-ttl',
    );
    expect(bootFail({ ...base, BROKER_OIDC_JWT_TTL_SECONDS: '30' }).line).toBe(
      'BOOT_FAIL: BROKER_OIDC_JWT_TTL_SECONDS=30: out of range (allowed 60-3600); see runbook §oidc-jwt-ttl',
    );
  });
});

describe('BOOT_FAIL and secrets', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const body = pem.split('\n')[1] as string;

  it.each([
    ['BROKER_OIDC_KEYPAIR_PATH', 'oidc-keypair', pem],
    ['BROKER_SESSION_KEYPAIR_PATH', 'session-keypair', JSON.stringify({ kid: 's', private_key_pem: pem })],
  ])('refuses a key pasted into %s instead of a path, without printing it', (variable, anchor, value) => {
    const error = bootFail({ ...base, [variable]: value });
    expect(error.line).toMatch(LINE);
    expect(error.line).toBe(
      `BOOT_FAIL: ${variable}=[redacted: key material]: holds a key, not the path of a file: save the key file with chmod 600 and set its path here; see runbook §${anchor}`,
    );
    expect(error.message).not.toContain(body.slice(0, 24));
  });

  it('hides the password of an issuer URL and still shows the rest', () => {
    const error = bootFail({ ...base, BROKER_OIDC_ISSUER: 'https://ops:hunter2-secret@broker.example.org' });
    expect(error.line).toBe(
      'BOOT_FAIL: BROKER_OIDC_ISSUER=https://ops:***@broker.example.org: no credentials, query or fragment allowed; see runbook §oidc-issuer',
    );
  });

  it('never prints a JWT or a wallet key given as a value', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const key = `0x${'4c0883a6'.repeat(8)}`;
    for (const value of [jwt, key]) {
      const error = bootFail({ ...base, BROKER_OIDC_JWT_TTL_SECONDS: value });
      expect(error.line).toBe(
        'BOOT_FAIL: BROKER_OIDC_JWT_TTL_SECONDS=[redacted: key material]: not a whole number (allowed 60-3600); see runbook §oidc-jwt-ttl',
      );
    }
  });
});

describe('createBroker boot checks', () => {
  const root = mkdtempSync(join(tmpdir(), 'agentkeys-boot-'));
  const fresh = () => mkdtempSync(join(root, 'b-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('BOOT_FAIL audit-sqlite when the database cannot be opened', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'x');
    const config = loadConfig({
      ...base,
      HOME: dir,
      BROKER_AUDIT_DB_PATH: join(dir, 'file', 'audit.sqlite'),
    });
    expect(() => createBroker(config)).toThrow(
      /^BOOT_FAIL: BROKER_AUDIT_DB_PATH=.*; see runbook §audit-sqlite$/,
    );
  });

  it('BOOT_FAIL data-dir when the data directory cannot be created', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'file'), 'x');
    const config = loadConfig({ ...base, HOME: dir, BROKER_DATA_DIR: join(dir, 'file', 'data') });
    expect(() => createBroker(config)).toThrow(/^BOOT_FAIL: BROKER_DATA_DIR=.*; see runbook §data-dir$/);
  });

  it('BOOT_FAIL with the readiness anchor when BROKER_REFUSE_TO_BOOT_STRICT=true and a check is not ready', () => {
    const dir = fresh();
    const env = { HOME: dir, BROKER_DEV_MODE: 'true', BROKER_OIDC_ISSUER: 'http://127.0.0.1:8091' };
    const strict = loadConfig({ ...env, BROKER_REFUSE_TO_BOOT_STRICT: 'true' });
    expect(() => createBroker(strict)).toThrow(
      /^BOOT_FAIL: BROKER_REFUSE_TO_BOOT_STRICT=true: readiness check issuer is degraded: .*; see runbook §readyz-issuer$/,
    );
    const relaxed = createBroker(loadConfig(env));
    relaxed.close();
    const https = createBroker(
      loadConfig({ ...env, BROKER_OIDC_ISSUER: 'https://b.example', BROKER_REFUSE_TO_BOOT_STRICT: 'true' }),
    );
    https.close();
  });
});
