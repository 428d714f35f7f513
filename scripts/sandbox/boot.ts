// The broker's BOOT_FAIL checks after the issuer, in its order: key files, the five side stores, the audit
// policy, the sign-in methods, the wallet provisioner and the audit anchors (which open the audit database).
// The sandbox stands in for the default build (Cargo features auth-wallet-sig, wallet-keystore, audit-sqlite),
// so like that build it refuses email_link, oauth2_google and evm_testnet as not compiled in.
import { BootFailError, type BrokerConfig } from './config.ts';
import { loadKey, type SigningKey } from './keys.ts';
import { checkSideStores, openStore, type Store } from './store.ts';

/** What the sandbox build has compiled in, as the default build of the broker. */
export const COMPILED = {
  auth: ['wallet_sig'],
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
      store ??= openStore(config.auditDbPath);
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
