// The broker's BOOT_FAIL checks after the issuer, in its order: key files, the five side stores, the audit
// policy, the sign-in methods, the wallet provisioner and the audit anchors (which open the audit database).
// The sandbox stands in for the default build plus the sign-in features (auth-wallet-sig, auth-email-link,
// auth-oauth2-google, wallet-keystore, audit-sqlite), so like that build it refuses evm_testnet as not
// compiled in, and email_link and oauth2_google only without the settings they require.
import { readFileSync } from 'node:fs';
import { type AuthMethod, BootFailError, type BrokerConfig } from './config.ts';
import { loadKey, osError, type SigningKey } from './keys.ts';
import { checkSideStores, checkSignInStores, openStore, type Store } from './store.ts';

/** What the sandbox build has compiled in: the default build of the broker and its two sign-in features. */
export const COMPILED = {
  auth: ['wallet_sig', 'email_link', 'oauth2_google'],
  wallet: ['client_keystore'],
  audit: ['sqlite'],
} as const;

export const AUDIT_POLICIES = ['dual_strict', 'sqlite_primary', 'evm_primary'] as const;

export interface Booted {
  oidcKey: SigningKey;
  sessionKey: SigningKey;
  store: Store;
  /** The sign-in methods in use, named as /readyz names them (`auth/<method>`). */
  authMethods: string[];
}

const split = (raw: string) => raw.split(',').map((s) => s.trim());

/** Runs the checks; the first that fails throws BootFailError and leaves nothing open. */
export function runBootChecks(config: BrokerConfig): Booted {
  const oidcKey = loadKey(config.oidcKeypairPath, 'oidc');
  const sessionKey = loadKey(config.sessionKeypairPath, 'session');
  checkSideStores(config.auditDbPath);

  if (!(AUDIT_POLICIES as readonly string[]).includes(config.auditPolicy)) {
    throw new BootFailError(
      'BROKER_AUDIT_POLICY',
      config.auditPolicy,
      `internal: unknown BROKER_AUDIT_POLICY: ${config.auditPolicy} (expected ${AUDIT_POLICIES.join(' | ')})`,
      'audit-policy',
    );
  }

  const auth: string[] = [];
  for (const method of split(config.authMethodsRaw)) {
    if (method === '') continue;
    if (!(COMPILED.auth as readonly string[]).includes(method)) {
      throw new BootFailError(
        'BROKER_AUTH_METHODS',
        method,
        'unknown or feature-gated-out auth method (compile with the matching --features flag)',
        'auth-method-not-compiled',
      );
    }
    signInChecks(config, method as AuthMethod);
    if (!auth.includes(method)) auth.push(method);
  }
  if (auth.length === 0) {
    throw new BootFailError(
      'BROKER_AUTH_METHODS',
      config.authMethodsRaw,
      'at least one auth method must be enabled (default `wallet_sig`)',
      'auth-method-empty',
    );
  }

  if (!(COMPILED.wallet as readonly string[]).includes(config.walletProvisioner)) {
    throw new BootFailError(
      'BROKER_WALLET_PROVISIONER',
      config.walletProvisioner,
      'unknown or feature-gated-out wallet provisioner',
      'wallet-provisioner-not-compiled',
    );
  }

  // Anchors are taken in order, so `sqlite,nope` opens the database before it refuses `nope`.
  let store: Store | undefined;
  try {
    for (const anchor of split(config.auditAnchorsRaw)) {
      if (anchor === '') continue;
      if (!(COMPILED.audit as readonly string[]).includes(anchor)) {
        throw new BootFailError(
          'BROKER_AUDIT_ANCHORS',
          anchor,
          'unknown or feature-gated-out audit anchor',
          'audit-anchor-not-compiled',
        );
      }
      store ??= openStore(config.auditDbPath, auth);
    }
    if (!store) {
      throw new BootFailError(
        'BROKER_AUDIT_ANCHORS',
        config.auditAnchorsRaw,
        'at least one audit anchor must be enabled (default `sqlite`)',
        'audit-anchor-empty',
      );
    }
  } catch (error) {
    store?.close();
    throw error;
  }
  return { oidcKey, sessionKey, store, authMethods: auth };
}

const unset = (variable: string, reason: string, anchor: string) =>
  new BootFailError(variable, '(unset)', reason, anchor);

/** The settings and stores a sign-in method needs before the broker starts, in its order. */
function signInChecks(config: BrokerConfig, method: AuthMethod): void {
  const s = config.signIn;
  if (method === 'email_link') {
    if (s.emailFromAddress === undefined) {
      throw unset(
        'BROKER_EMAIL_FROM_ADDRESS',
        'required when email_link is in BROKER_AUTH_METHODS',
        'email-from-address',
      );
    }
    checkSignInStores(config.auditDbPath, method);
    if (s.emailSender !== 'stub' && s.emailSender !== 'ses') {
      throw new BootFailError(
        'BROKER_EMAIL_SENDER',
        s.emailSender,
        "must be 'stub' or 'ses'",
        'email-sender-backend',
      );
    }
  }
  if (method === 'oauth2_google') {
    const required = 'required when oauth2_google is in BROKER_AUTH_METHODS';
    if (s.oauth2ClientId === undefined) {
      throw unset('BROKER_OAUTH2_GOOGLE_CLIENT_ID', required, 'oauth2-google-client-id');
    }
    const secretFile = s.oauth2ClientSecretFile;
    if (secretFile === undefined) {
      throw unset('BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE', required, 'oauth2-google-client-secret-file');
    }
    let secret: string;
    try {
      secret = readFileSync(secretFile, 'utf8');
    } catch (error) {
      throw new BootFailError(
        'BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE',
        secretFile,
        `read failed: ${osError(error)}`,
        'oauth2-google-client-secret-file',
      );
    }
    if (secret.trim() === '') {
      throw new BootFailError(
        'BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE',
        secretFile,
        'client secret file is empty after trim',
        'oauth2-google-client-secret-file',
      );
    }
    const keyPath = s.oauth2StateKeyPath;
    if (keyPath === undefined) {
      throw unset(
        'BROKER_OAUTH2_STATE_HMAC_KEY_PATH',
        'required when OAuth2 is enabled',
        'oauth2-state-hmac-key',
      );
    }
    let key: Buffer;
    try {
      key = readFileSync(keyPath);
    } catch (error) {
      throw new BootFailError(
        'BROKER_OAUTH2_STATE_HMAC_KEY_PATH',
        keyPath,
        `read failed: ${osError(error)}`,
        'oauth2-state-hmac-key',
      );
    }
    if (s.oauth2RedirectUri === undefined) {
      throw unset('BROKER_OAUTH2_REDIRECT_URI', 'required when OAuth2 is enabled', 'oauth2-redirect-uri');
    }
    checkSignInStores(config.auditDbPath, method);
    if (key.length < 32) {
      throw new BootFailError(
        'BROKER_OAUTH2_STATE_HMAC_KEY_PATH',
        keyPath,
        `OAuth2Auth::new: internal: OAuth2 state HMAC key must be >= 32 bytes, got ${key.length}`,
        'oauth2-construct',
      );
    }
  }
}
