// With email_link or oauth2_google in BROKER_AUTH_METHODS the sandbox, like a broker built with those
// features, refuses to boot without the settings each needs, in boot.rs order, and adds their SQLite files.
// Expected lines are written from reading boot.rs and the plug-ins' constructors.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBroker } from '../../scripts/sandbox/broker.ts';
import { BootFailError, loadConfig } from '../../scripts/sandbox/config.ts';
import { sandboxLikeEnv, signInEnv } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'agentkeys-sign-in-boot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function setup(overrides: Record<string, string | undefined> = {}) {
  const dir = mkdtempSync(join(root, 'b-'));
  const vars: Record<string, string | undefined> = {
    ...sandboxLikeEnv(dir),
    ...signInEnv(join(dir, 'sign-in')),
    BROKER_AUDIT_DB_PATH: join(dir, 'state', 'audit.sqlite'),
    ...overrides,
  };
  for (const [k, v] of Object.entries(vars)) if (v === undefined) delete vars[k];
  return { dir, vars: vars as Record<string, string> };
}

function line(vars: Record<string, string>): string {
  try {
    createBroker(loadConfig(vars)).close();
  } catch (error) {
    if (error instanceof BootFailError) return error.line;
    throw error;
  }
  throw new Error('the sandbox booted');
}

describe('email_link and oauth2_google boot checks', () => {
  it('boots with both and opens their four SQLite files beside the six', () => {
    const { dir, vars } = setup();
    createBroker(loadConfig(vars)).close();
    const files = readdirSync(join(dir, 'state')).filter((f) => f.endsWith('.sqlite'));
    expect(files.sort()).toEqual([
      'audit.sqlite',
      'auth_nonces.sqlite',
      'email_rate_limits.sqlite',
      'email_tokens.sqlite',
      'grants.sqlite',
      'idempotency.sqlite',
      'identity_links.sqlite',
      'oauth2_pending.sqlite',
      'oauth2_rate_limits.sqlite',
      'wallets.sqlite',
    ]);
  });

  it.each([
    [
      'email-from-address',
      { BROKER_EMAIL_FROM_ADDRESS: undefined },
      'BOOT_FAIL: BROKER_EMAIL_FROM_ADDRESS="(unset)": required when email_link is in BROKER_AUTH_METHODS; see runbook §email-from-address',
    ],
    [
      'email-sender-backend',
      { BROKER_EMAIL_SENDER: 'smtp' },
      `BOOT_FAIL: BROKER_EMAIL_SENDER="smtp": must be 'stub' or 'ses'; see runbook §email-sender-backend`,
    ],
    [
      'oauth2-google-client-id',
      { BROKER_OAUTH2_GOOGLE_CLIENT_ID: undefined },
      'BOOT_FAIL: BROKER_OAUTH2_GOOGLE_CLIENT_ID="(unset)": required when oauth2_google is in BROKER_AUTH_METHODS; see runbook §oauth2-google-client-id',
    ],
    [
      'oauth2-google-client-secret-file (unset)',
      { BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE: undefined },
      'BOOT_FAIL: BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE="(unset)": required when oauth2_google is in BROKER_AUTH_METHODS; see runbook §oauth2-google-client-secret-file',
    ],
    [
      'oauth2-state-hmac-key (unset)',
      { BROKER_OAUTH2_STATE_HMAC_KEY_PATH: undefined },
      'BOOT_FAIL: BROKER_OAUTH2_STATE_HMAC_KEY_PATH="(unset)": required when OAuth2 is enabled; see runbook §oauth2-state-hmac-key',
    ],
    [
      'oauth2-redirect-uri',
      { BROKER_OAUTH2_REDIRECT_URI: undefined },
      'BOOT_FAIL: BROKER_OAUTH2_REDIRECT_URI="(unset)": required when OAuth2 is enabled; see runbook §oauth2-redirect-uri',
    ],
  ])('%s', (_anchor, overrides, expected) => {
    expect(line(setup(overrides).vars)).toBe(expected);
  });

  it('a missing client secret file: read failed, with the OS error', () => {
    const { vars } = setup({ BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE: '/nonexistent/secret' });
    expect(line(vars)).toBe(
      'BOOT_FAIL: BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE="/nonexistent/secret": read failed: No such file or directory (os error 2); see runbook §oauth2-google-client-secret-file',
    );
  });

  it('a client secret file of whitespace only', () => {
    const { dir, vars } = setup();
    const file = join(dir, 'blank');
    writeFileSync(file, ' \n\t\n');
    expect(line({ ...vars, BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE: file })).toBe(
      `BOOT_FAIL: BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE="${file}": client secret file is empty after trim; see runbook §oauth2-google-client-secret-file`,
    );
  });

  it('oauth2-construct: a state key under 32 bytes, found only after the stores opened', () => {
    const { dir, vars } = setup();
    const file = join(dir, 'short-key');
    writeFileSync(file, 'x'.repeat(31));
    expect(line({ ...vars, BROKER_OAUTH2_STATE_HMAC_KEY_PATH: file })).toBe(
      `BOOT_FAIL: BROKER_OAUTH2_STATE_HMAC_KEY_PATH="${file}": OAuth2Auth::new: internal: OAuth2 state HMAC key must be >= 32 bytes, got 31; see runbook §oauth2-construct`,
    );
    expect(readdirSync(join(dir, 'state'))).toContain('oauth2_pending.sqlite');
  });

  it('email-tokens-db: a store file that cannot be opened names the folder', () => {
    const { dir, vars } = setup();
    const state = join(dir, 'state');
    mkdirSync(join(state, 'email_tokens.sqlite'), { recursive: true });
    expect(line(vars)).toMatch(
      new RegExp(
        `^BOOT_FAIL: BROKER_AUDIT_DB_PATH="${state}": EmailTokenStore: .+; see runbook §email-tokens-db$`,
      ),
    );
  });

  it('only the enabled methods are checked: wallet_sig alone needs none of these settings', () => {
    const { vars } = setup({ BROKER_AUTH_METHODS: 'wallet_sig', BROKER_EMAIL_FROM_ADDRESS: undefined });
    expect(() => createBroker(loadConfig(vars)).close()).not.toThrow();
  });
});
