// The sandbox starts, or refuses to, as agentkeys-broker-server does at the documented commit: the plain
// start-up errors of its config.rs, then each BOOT_FAIL check of its boot.rs in order, values quoted like
// Rust's {:?}. The expected lines are written here from reading that code; numbers come from env.yaml.
import { generateKeyPairSync } from 'node:crypto';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ENV_FILE, loadEnvSpec } from '../../scripts/reference/env-file.ts';
import { createBroker } from '../../scripts/sandbox/broker.ts';
import {
  BootFailError,
  type BrokerConfig,
  loadConfig,
  parseRustInt,
  rustDebug,
  StartupError,
} from '../../scripts/sandbox/config.ts';
import { createKeyFile } from '../../scripts/sandbox/keys.ts';
import { sandboxLikeEnv } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'agentkeys-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const fresh = () => mkdtempSync(join(root, 'c-'));

const ROLE = 'arn:aws:iam::111122223333:role/agentkeys-data-role';
const base = {
  HOME: '/home/op',
  BROKER_OIDC_ISSUER: 'https://broker.example.org',
  BROKER_DATA_ROLE_ARN: ROLE,
};
// One line: the variable, its value quoted (or redacted), the reason, the anchor last.
const LINE =
  /^BOOT_FAIL: [A-Z_]+=(?:"(?:[^"\\\n]|\\.)*"|\[redacted: key material\]): [^\n]+; see runbook §[a-z0-9-]+$/;

function refusal(run: () => unknown): BootFailError | StartupError {
  try {
    run();
  } catch (error) {
    if (error instanceof BootFailError || error instanceof StartupError) return error;
    throw error;
  }
  throw new Error('the setting was accepted');
}

const configFail = (env: Record<string, string | undefined>) => refusal(() => loadConfig(env));

describe('loadConfig: the settings the broker reads before its BOOT_FAIL checks', () => {
  it('applies the defaults env.yaml gives', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      issuer: 'https://broker.example.org',
      siweDomain: 'broker.example.org',
      devMode: false,
      dataRoleArn: ROLE,
      sessionDurationSeconds: 3600,
      oidcKeypairPath: '/home/op/.agentkeys/broker/oidc-keypair.json',
      oidcJwtTtlSeconds: 300,
      sessionKeypairPath: '/home/op/.agentkeys/broker/session-keypair.json',
      sessionJwtTtlSeconds: 18000,
      authMethods: ['wallet_sig'],
      walletProvisioner: 'client_keystore',
      auditDbPath: '/home/op/.agentkeys/broker/audit.sqlite',
      auditAnchors: ['sqlite'],
      auditPolicy: 'dual_strict',
      awsRegion: 'us-east-1',
      refuseToBootStrict: false,
      requestBodyLimitBytes: 1048576,
      metricsEnabled: false,
      shutdownGraceSeconds: 30,
    } satisfies Partial<BrokerConfig>);
  });

  it('falls back to "." for the default paths when HOME is unset', () => {
    const { HOME: _, ...noHome } = base;
    expect(loadConfig(noHome).oidcKeypairPath).toBe('./.agentkeys/broker/oidc-keypair.json');
  });

  it('takes the data role from BROKER_DATA_ROLE_ARN, then BROKER_AGENT_ROLE_ARN, then ACCOUNT_ID', () => {
    const { BROKER_DATA_ROLE_ARN: _, ...noRole } = base;
    const legacy = 'arn:aws:iam::1:role/agentkeys-agent';
    expect(loadConfig({ ...noRole, BROKER_AGENT_ROLE_ARN: legacy, ACCOUNT_ID: '2' }).dataRoleArn).toBe(
      legacy,
    );
    expect(loadConfig({ ...noRole, ACCOUNT_ID: '444455556666' }).dataRoleArn).toBe(
      'arn:aws:iam::444455556666:role/agentkeys-data-role',
    );
    // Set but empty still wins: the broker only falls back on an unset variable.
    expect(loadConfig({ ...base, BROKER_DATA_ROLE_ARN: '', ACCOUNT_ID: '2' }).dataRoleArn).toBe('');
  });

  it('takes the region from BROKER_AWS_REGION, then REGION; an empty value counts as unset', () => {
    expect(loadConfig({ ...base, REGION: 'eu-west-1' }).awsRegion).toBe('eu-west-1');
    expect(loadConfig({ ...base, BROKER_AWS_REGION: '', REGION: 'eu-west-1' }).awsRegion).toBe('eu-west-1');
    expect(loadConfig({ ...base, BROKER_AWS_REGION: 'not a region' }).awsRegion).toBe('not a region');
  });

  it('checks only the https prefix of the issuer', () => {
    for (const issuer of ['https://b.example/', 'https://b.example/oidc', 'https://b.example?x=1']) {
      expect(loadConfig({ ...base, BROKER_OIDC_ISSUER: issuer }).issuer).toBe(issuer);
    }
    // In dev mode anything goes, even a value that is no URL; the SIWE domain is what follows "://".
    const dev = loadConfig({
      ...base,
      BROKER_DEV_MODE: 'true',
      BROKER_OIDC_ISSUER: 'http://127.0.0.1:8091/x',
    });
    expect(dev.siweDomain).toBe('127.0.0.1:8091');
    expect(loadConfig({ ...base, BROKER_DEV_MODE: 'true', BROKER_OIDC_ISSUER: 'broker' }).siweDomain).toBe(
      'broker',
    );
  });

  it('turns a switch on only for the exact text "true"', () => {
    for (const value of ['TRUE', '1', 'yes', ' true']) {
      const c = loadConfig({ ...base, BROKER_METRICS_ENABLED: value, BROKER_REFUSE_TO_BOOT_STRICT: value });
      expect([c.metricsEnabled, c.refuseToBootStrict]).toEqual([false, false]);
    }
    expect(loadConfig({ ...base, BROKER_METRICS_ENABLED: 'true' }).metricsEnabled).toBe(true);
  });

  it('falls back to the default for the numbers it reads leniently, and applies no range to them', () => {
    const lenient = loadConfig({
      ...base,
      BROKER_REQUEST_BODY_LIMIT_BYTES: '1 MiB',
      BROKER_SESSION_JWT_TTL_SECONDS: '5h',
    });
    expect([lenient.requestBodyLimitBytes, lenient.sessionJwtTtlSeconds]).toEqual([1048576, 18000]);
    // The session TTL range of env.yaml is documented, not enforced; a body limit of 0 is taken as it is.
    const taken = loadConfig({
      ...base,
      BROKER_SESSION_JWT_TTL_SECONDS: '10',
      BROKER_REQUEST_BODY_LIMIT_BYTES: '0',
    });
    expect([taken.sessionJwtTtlSeconds, taken.requestBodyLimitBytes]).toEqual([10, 0]);
  });

  it.each([
    [
      'the issuer is unset',
      { BROKER_OIDC_ISSUER: undefined },
      'Error: missing required env var: BROKER_OIDC_ISSUER',
    ],
    [
      'no data role is given',
      { BROKER_DATA_ROLE_ARN: undefined },
      'Error: missing required env var: set BROKER_DATA_ROLE_ARN explicitly (legacy: BROKER_AGENT_ROLE_ARN), or set ACCOUNT_ID and the broker will derive arn:aws:iam::$ACCOUNT_ID:role/agentkeys-data-role',
    ],
    [
      'the OIDC JWT TTL is above its range',
      { BROKER_OIDC_JWT_TTL_SECONDS: '3601' },
      'Error: BROKER_OIDC_JWT_TTL_SECONDS must be between 60 and 3600, got 3601',
    ],
    [
      'the OIDC JWT TTL is below its range',
      { BROKER_OIDC_JWT_TTL_SECONDS: '59' },
      'Error: BROKER_OIDC_JWT_TTL_SECONDS must be between 60 and 3600, got 59',
    ],
    [
      'the OIDC JWT TTL is not a number',
      { BROKER_OIDC_JWT_TTL_SECONDS: '5m' },
      'Error: BROKER_OIDC_JWT_TTL_SECONDS="5m" could not be parsed: invalid digit found in string',
    ],
    [
      'the OIDC JWT TTL is negative (an unsigned number)',
      { BROKER_OIDC_JWT_TTL_SECONDS: '-300' },
      'Error: BROKER_OIDC_JWT_TTL_SECONDS="-300" could not be parsed: invalid digit found in string',
    ],
    [
      'the session duration is out of range (a signed number)',
      { BROKER_SESSION_DURATION_SECONDS: '-5' },
      'Error: BROKER_SESSION_DURATION_SECONDS must be between 900 and 43200, got -5',
    ],
    [
      'the session duration does not fit an i32',
      { BROKER_SESSION_DURATION_SECONDS: '3000000000' },
      'Error: BROKER_SESSION_DURATION_SECONDS="3000000000" could not be parsed: number too large to fit in target type',
    ],
    [
      'the shutdown grace is empty',
      { BROKER_SHUTDOWN_GRACE_SECONDS: '' },
      'Error: BROKER_SHUTDOWN_GRACE_SECONDS="" could not be parsed: cannot parse integer from empty string',
    ],
  ])('stops with a plain start-up error, not a BOOT_FAIL line, when %s', (_name, overrides, line) => {
    const error = configFail({ ...base, ...overrides });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.line).toBe(line);
  });

  it('checks the data role before the issuer, as the broker does', () => {
    const error = configFail({ HOME: '/h' });
    expect(error.line).toMatch(/^Error: missing required env var: set BROKER_DATA_ROLE_ARN/);
  });
});

describe('BOOT_FAIL lines', () => {
  it('oidc-issuer: an issuer without https:// outside dev mode, value quoted', () => {
    const error = configFail({ ...base, BROKER_OIDC_ISSUER: 'http://127.0.0.1:8091' });
    expect(error.line).toBe(
      'BOOT_FAIL: BROKER_OIDC_ISSUER="http://127.0.0.1:8091": must be https:// in non-dev mode (set BROKER_DEV_MODE=true to relax); see runbook §oidc-issuer',
    );
    // BROKER_DEV_MODE=maybe is not dev mode.
    expect(configFail({ ...base, BROKER_DEV_MODE: 'maybe', BROKER_OIDC_ISSUER: '' }).line).toBe(
      'BOOT_FAIL: BROKER_OIDC_ISSUER="": must be https:// in non-dev mode (set BROKER_DEV_MODE=true to relax); see runbook §oidc-issuer',
    );
  });

  it('quotes a value like Rust {:?}: quotes, backslashes and control characters escaped, one line', () => {
    const error = configFail({ ...base, BROKER_OIDC_ISSUER: 'h"t\\tp\n\u001b' });
    expect(error.line).toBe(
      'BOOT_FAIL: BROKER_OIDC_ISSUER="h\\"t\\\\tp\\n\\u{1b}": must be https:// in non-dev mode (set BROKER_DEV_MODE=true to relax); see runbook §oidc-issuer',
    );
    expect(error.line).toMatch(LINE);
    expect(rustDebug('é ok\u200b')).toBe('"é ok\\u{200b}"');
  });

  it('hides the password of an issuer URL and still shows the rest', () => {
    const error = configFail({ ...base, BROKER_OIDC_ISSUER: 'http://ops:hunter2-secret@broker.example.org' });
    expect(error.line).toContain('BROKER_OIDC_ISSUER="http://ops:***@broker.example.org": must be https://');
    expect(error.line).not.toContain('hunter2');
  });

  it('never prints key material given as a value, in a plain error either', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const key = `0x${'4c0883a6'.repeat(8)}`;
    for (const value of [jwt, key]) {
      expect(configFail({ ...base, BROKER_OIDC_JWT_TTL_SECONDS: value }).line).toBe(
        'Error: BROKER_OIDC_JWT_TTL_SECONDS=[redacted: key material] could not be parsed: invalid digit found in string',
      );
    }
  });
});

describe('createBroker: the BOOT_FAIL checks after the issuer, in the broker order', () => {
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

  /** An environment whose keys exist and whose files live in a fresh folder. */
  function env(overrides: Record<string, string> = {}) {
    const dir = fresh();
    const vars = {
      ...sandboxLikeEnv(dir),
      BROKER_AUDIT_DB_PATH: join(dir, 'state', 'audit.sqlite'),
      ...overrides,
    };
    return { dir, vars };
  }

  function bootFail(vars: Record<string, string>): BootFailError {
    const error = refusal(() => createBroker(loadConfig(vars)).close());
    expect(error).toBeInstanceOf(BootFailError);
    expect(error.line).toMatch(LINE);
    return error as BootFailError;
  }

  it('boots the default build and creates the six SQLite files beside each other', () => {
    const { dir, vars } = env();
    createBroker(loadConfig(vars)).close();
    expect(
      readdirSync(join(dir, 'state'))
        .filter((f) => f.endsWith('.sqlite'))
        .sort(),
    ).toEqual([
      'audit.sqlite',
      'auth_nonces.sqlite',
      'grants.sqlite',
      'idempotency.sqlite',
      'identity_links.sqlite',
      'wallets.sqlite',
    ]);
  });

  it('oidc-keypair: a key file that does not exist (the broker never makes one)', () => {
    const { dir, vars } = env();
    const path = join(dir, 'none.json');
    expect(bootFail({ ...vars, BROKER_OIDC_KEYPAIR_PATH: path }).line).toBe(
      `BOOT_FAIL: BROKER_OIDC_KEYPAIR_PATH="${path}": OIDC keypair file does not exist (run \`agentkeys-broker-server keygen --purpose oidc --out PATH\` first; silent generation is disabled per plan §6); see runbook §oidc-keypair`,
    );
  });

  it('oidc-keypair: a pasted key instead of a path is refused without printing it', () => {
    const { vars } = env();
    const line = bootFail({ ...vars, BROKER_OIDC_KEYPAIR_PATH: pem }).line;
    expect(line).toMatch(
      /^BOOT_FAIL: BROKER_OIDC_KEYPAIR_PATH=\[redacted: key material\]: OIDC keypair file does not exist/,
    );
    expect(line).not.toContain(pem.split('\n')[1]?.slice(0, 24));
  });

  it('session-keypair: the OIDC key file given as the session key', () => {
    const { dir, vars } = env();
    const oidc = join(dir, '.agentkeys', 'broker', 'oidc-keypair.json');
    expect(bootFail({ ...vars, BROKER_SESSION_KEYPAIR_PATH: oidc }).line).toBe(
      `BOOT_FAIL: BROKER_SESSION_KEYPAIR_PATH="${oidc}": internal: keypair at ${oidc} has purpose Oidc but slot expects Session; see runbook §session-keypair`,
    );
  });

  it('session-keypair: a session key file without a purpose tag', () => {
    const { dir, vars } = env();
    const path = join(dir, 'untagged.json');
    writeFileSync(path, JSON.stringify({ kid: 'ak-session-1', private_key_pem: pem }), { mode: 0o600 });
    expect(bootFail({ ...vars, BROKER_SESSION_KEYPAIR_PATH: path }).line).toBe(
      `BOOT_FAIL: BROKER_SESSION_KEYPAIR_PATH="${path}": internal: parse session keypair "${path}": missing field \`purpose\` (the file may be missing the "purpose" field — session keypairs must be tagged purpose=session); see runbook §session-keypair`,
    );
  });

  it('oidc-keypair and session-keypair are checked before any SQLite file', () => {
    const { dir, vars } = env({ BROKER_AUDIT_POLICY: 'best_effort' });
    const line = bootFail({ ...vars, BROKER_SESSION_KEYPAIR_PATH: join(dir, 'none.json') }).line;
    expect(line).toMatch(/§session-keypair$/);
    expect(readdirSync(dir)).not.toContain('state');
  });

  // The five stores beside the audit database, each refused with its own anchor when its file is unusable.
  it.each([
    ['auth_nonces', 'AuthNonceStore', 'auth-nonces-db'],
    ['wallets', 'WalletStore', 'wallets-db'],
    ['grants', 'GrantStore', 'grants-db'],
    ['identity_links', 'IdentityLinkStore', 'identity-links-db'],
    ['idempotency', 'IdempotencyStore', 'idempotency-db'],
  ])('%s-db: %s.sqlite that cannot be opened', (file, store, anchor) => {
    const { dir, vars } = env();
    mkdirSync(join(dir, 'state', `${file}.sqlite`), { recursive: true });
    const audit = vars.BROKER_AUDIT_DB_PATH;
    const line = bootFail(vars).line;
    expect(line.startsWith(`BOOT_FAIL: BROKER_AUDIT_DB_PATH="${audit}": ${store}: `)).toBe(true);
    expect(line.endsWith(`; see runbook §${anchor}`)).toBe(true);
  });

  it('auth-nonces-db: the audit database folder cannot be created (first store to need it)', () => {
    const { dir, vars } = env();
    writeFileSync(join(dir, 'file'), 'x');
    const audit = join(dir, 'file', 'audit.sqlite');
    expect(bootFail({ ...vars, BROKER_AUDIT_DB_PATH: audit }).line).toMatch(
      new RegExp(
        `^BOOT_FAIL: BROKER_AUDIT_DB_PATH="${audit}": AuthNonceStore: .+; see runbook §auth-nonces-db$`,
      ),
    );
  });

  it('audit-policy: a policy the broker does not know', () => {
    const { vars } = env();
    expect(bootFail({ ...vars, BROKER_AUDIT_POLICY: 'best_effort' }).line).toBe(
      'BOOT_FAIL: BROKER_AUDIT_POLICY="best_effort": internal: unknown BROKER_AUDIT_POLICY: best_effort (expected dual_strict | sqlite_primary | evm_primary); see runbook §audit-policy',
    );
  });

  it('auth-method-not-compiled: a method of another build, named alone', () => {
    const { vars } = env();
    expect(bootFail({ ...vars, BROKER_AUTH_METHODS: 'wallet_sig, oauth2_github,passkey' }).line).toBe(
      'BOOT_FAIL: BROKER_AUTH_METHODS="oauth2_github": unknown or feature-gated-out auth method (compile with the matching --features flag); see runbook §auth-method-not-compiled',
    );
  });

  it('auth-method-empty: only empty entries', () => {
    const { vars } = env();
    expect(bootFail({ ...vars, BROKER_AUTH_METHODS: ' , ' }).line).toBe(
      'BOOT_FAIL: BROKER_AUTH_METHODS=" , ": at least one auth method must be enabled (default `wallet_sig`); see runbook §auth-method-empty',
    );
  });

  it('wallet-provisioner-not-compiled: a provisioner other than client_keystore', () => {
    const { vars } = env();
    expect(bootFail({ ...vars, BROKER_WALLET_PROVISIONER: 'server_keystore' }).line).toBe(
      'BOOT_FAIL: BROKER_WALLET_PROVISIONER="server_keystore": unknown or feature-gated-out wallet provisioner; see runbook §wallet-provisioner-not-compiled',
    );
  });

  it('audit-anchor-not-compiled: evm_testnet, which the default build lacks', () => {
    const { vars } = env();
    expect(bootFail({ ...vars, BROKER_AUDIT_ANCHORS: 'sqlite,evm_testnet' }).line).toBe(
      'BOOT_FAIL: BROKER_AUDIT_ANCHORS="evm_testnet": unknown or feature-gated-out audit anchor; see runbook §audit-anchor-not-compiled',
    );
  });

  it('audit-anchor-empty: no anchor at all', () => {
    const { vars } = env();
    expect(bootFail({ ...vars, BROKER_AUDIT_ANCHORS: '' }).line).toBe(
      'BOOT_FAIL: BROKER_AUDIT_ANCHORS="": at least one audit anchor must be enabled (default `sqlite`); see runbook §audit-anchor-empty',
    );
  });

  it('audit-sqlite: an audit database that is not an SQLite file', () => {
    const { dir, vars } = env();
    const audit = join(dir, 'state', 'audit.sqlite');
    mkdirSync(join(dir, 'state'));
    writeFileSync(audit, 'this is not a database, it is a plain text file of some length'.repeat(20));
    expect(bootFail(vars).line).toMatch(
      new RegExp(`^BOOT_FAIL: BROKER_AUDIT_DB_PATH="${audit}": SqliteAnchor: .+; see runbook §audit-sqlite$`),
    );
  });

  it('takes the checks in the broker order: policy, sign-in methods, provisioner, anchors', () => {
    const { vars } = env();
    const all = {
      ...vars,
      BROKER_AUDIT_POLICY: 'x',
      BROKER_AUTH_METHODS: 'x',
      BROKER_WALLET_PROVISIONER: 'x',
      BROKER_AUDIT_ANCHORS: 'x',
    };
    const order = [
      'audit-policy',
      'auth-method-not-compiled',
      'wallet-provisioner-not-compiled',
      'audit-anchor-not-compiled',
    ];
    const fixed = ['BROKER_AUDIT_POLICY', 'BROKER_AUTH_METHODS', 'BROKER_WALLET_PROVISIONER'];
    const seen = order.map((_, i) => {
      const env = { ...all };
      for (const name of fixed.slice(0, i)) delete env[name as keyof typeof env];
      return bootFail(env).anchor;
    });
    expect(seen).toEqual(order);
  });

  it('accepts a key file readable by others and any kid, as the broker does', () => {
    const { dir, vars } = env();
    const path = join(dir, 'loose.json');
    writeFileSync(path, JSON.stringify({ kid: 'any-kid', private_key_pem: pem, purpose: 'oidc' }), {
      mode: 0o644,
    });
    const broker = createBroker(loadConfig({ ...vars, BROKER_OIDC_KEYPAIR_PATH: path }));
    expect(broker.context.oidcKey.kid).toBe('any-kid');
    broker.close();
  });
});

describe('env.yaml is the only copy of the numbers', () => {
  /** A copy of env.yaml with `edit` applied to the named variables. */
  function editedSpec(edits: Record<string, Record<string, number | string>>) {
    const dir = fresh();
    const file = join(dir, 'env.yaml');
    copyFileSync(ENV_FILE, file);
    const doc = parse(readFileSync(file, 'utf8'));
    for (const group of doc.groups) {
      for (const v of group.vars) if (edits[v.name]) Object.assign(v, edits[v.name]);
    }
    writeFileSync(file, stringify(doc));
    return loadEnvSpec(file);
  }

  it('a file read before is parsed again once it changes, and not while it stays the same', () => {
    const dir = fresh();
    const file = join(dir, 'env.yaml');
    copyFileSync(ENV_FILE, file);
    const first = loadEnvSpec(file);
    expect(loadEnvSpec(file)).toBe(first);
    const doc = parse(readFileSync(file, 'utf8'));
    for (const group of doc.groups)
      for (const v of group.vars) if (v.name === 'BROKER_OIDC_JWT_TTL_SECONDS') v.default = 299;
    writeFileSync(file, stringify(doc));
    const second = loadEnvSpec(file);
    expect(second).not.toBe(first);
    expect(second.intDefault('BROKER_OIDC_JWT_TTL_SECONDS')).toBe(299);
    expect(first.intDefault('BROKER_OIDC_JWT_TTL_SECONDS')).not.toBe(299);
  });

  it('changing defaults in env.yaml changes the sandbox defaults', () => {
    const spec = editedSpec({
      BROKER_OIDC_JWT_TTL_SECONDS: { default: 301 },
      BROKER_SESSION_JWT_TTL_SECONDS: { default: 18001 },
      BROKER_SESSION_DURATION_SECONDS: { default: 3601 },
      BROKER_SHUTDOWN_GRACE_SECONDS: { default: 31 },
      BROKER_REQUEST_BODY_LIMIT_BYTES: { default: 2048 },
      BROKER_AWS_REGION: { default: 'eu-north-1' },
      BROKER_AUTH_METHODS: { default: 'email_link' },
      BROKER_AUDIT_POLICY: { default: 'sqlite_primary' },
      BROKER_WALLET_PROVISIONER: { default: 'other' },
      BROKER_AUDIT_ANCHORS: { default: 'evm_testnet' },
      BROKER_AUDIT_DB_PATH: { default: '$HOME/elsewhere/audit.sqlite' },
      BROKER_OIDC_KEYPAIR_PATH: { default: '$HOME/k/oidc.json' },
      BROKER_SESSION_KEYPAIR_PATH: { default: '$HOME/k/session.json' },
    });
    const config = loadConfig({ ...base, BROKER_SESSION_JWT_TTL_SECONDS: 'x' }, spec);
    expect(config).toMatchObject({
      oidcJwtTtlSeconds: 301,
      sessionJwtTtlSeconds: 18001,
      sessionDurationSeconds: 3601,
      shutdownGraceSeconds: 31,
      requestBodyLimitBytes: 2048,
      awsRegion: 'eu-north-1',
      authMethods: ['email_link'],
      auditPolicy: 'sqlite_primary',
      walletProvisioner: 'other',
      auditAnchors: ['evm_testnet'],
      auditDbPath: '/home/op/elsewhere/audit.sqlite',
      oidcKeypairPath: '/home/op/k/oidc.json',
      sessionKeypairPath: '/home/op/k/session.json',
    });
  });

  it('changing a range in env.yaml changes what the sandbox accepts and the error it prints', () => {
    const spec = editedSpec({
      BROKER_OIDC_JWT_TTL_SECONDS: { min: 10, max: 20, default: 15 },
      BROKER_SESSION_DURATION_SECONDS: { min: 1, max: 2, default: 1 },
    });
    expect(loadConfig({ ...base, BROKER_OIDC_JWT_TTL_SECONDS: '12' }, spec).oidcJwtTtlSeconds).toBe(12);
    expect(refusal(() => loadConfig({ ...base, BROKER_OIDC_JWT_TTL_SECONDS: '300' }, spec)).line).toBe(
      'Error: BROKER_OIDC_JWT_TTL_SECONDS must be between 10 and 20, got 300',
    );
    expect(refusal(() => loadConfig({ ...base, BROKER_SESSION_DURATION_SECONDS: '3' }, spec)).line).toBe(
      'Error: BROKER_SESSION_DURATION_SECONDS must be between 1 and 2, got 3',
    );
  });

  it('no sandbox source outside the routes holds a literal of the numbers of a variable it reads', () => {
    const dir = join(import.meta.dirname, '../../scripts/sandbox');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
    const numbers = new Set<number>();
    for (const v of loadEnvSpec().byName.values()) {
      if (!sources.some((s) => s.text.includes(`'${v.name}'`))) continue;
      for (const n of [v.default, v.min, v.max]) if (typeof n === 'number' && n >= 10) numbers.add(n);
    }
    expect(numbers.size).toBeGreaterThanOrEqual(10);
    // Numbers that are not settings: jsonwebtoken's fixed 60 s leeway on exp; the binary's `--port` flag
    // (its default and a u16's range), which is a command-line flag of the binary, not a variable.
    const notSettings = new Set(['tokens.ts: 60', 'binary.ts: 8091', 'binary.ts: 65535']);
    const hits: string[] = [];
    for (const { file, text } of sources) {
      for (const n of numbers) {
        if (notSettings.has(`${file}: ${n}`)) continue;
        const literal = new RegExp(`(?<![\\w.])${String(n).replace(/\B(?=(\d{3})+$)/g, '_?')}(?![\\w.])`);
        if (literal.test(text)) hits.push(`${file}: ${n}`);
      }
    }
    expect(hits).toEqual([]);
  });
});

describe('parseRustInt', () => {
  it.each([
    ['42', 'u64', { value: 42 }],
    ['+42', 'u64', { value: 42 }],
    [' 42', 'u64', { error: 'invalid digit found in string' }],
    ['-1', 'u64', { error: 'invalid digit found in string' }],
    ['-1', 'i32', { value: -1 }],
    ['2147483648', 'i32', { error: 'number too large to fit in target type' }],
    ['-2147483649', 'i32', { error: 'number too small to fit in target type' }],
    ['18446744073709551616', 'u64', { error: 'number too large to fit in target type' }],
    ['', 'usize', { error: 'cannot parse integer from empty string' }],
    ['+', 'u64', { error: 'invalid digit found in string' }],
  ] as const)('%s as %s', (text, kind, expected) => {
    expect(parseRustInt(text, kind)).toEqual(expected);
  });
});

it('createKeyFile never overwrites a key file, like keygen', () => {
  const path = join(fresh(), 'k', 'oidc.json');
  expect(createKeyFile(path, 'oidc', 1_700_000_000)).toBe(true);
  const before = readFileSync(path, 'utf8');
  expect(createKeyFile(path, 'oidc', 1_800_000_000)).toBe(false);
  expect(readFileSync(path, 'utf8')).toBe(before);
});
