// SQLite state of the sandbox broker, laid out as the broker's: the audit database (mint_log) and, in its
// folder, one file per store — five it always opens, two more with email-link and two with Google sign-in.
// The files are attached to one connection under their own names, so a backup or a broken file behaves alike.
// Tables and their rules follow the broker's stores.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuthMethod } from './config.ts';
import { BootFailError } from './config.ts';
import { osError } from './keys.ts';

/** A grant row; its integers are bigints because the broker takes any i64 for them. */
export interface GrantRow {
  grant_id: string;
  master_omni_account: string;
  daemon_address: string;
  service: string;
  scope_path: string;
  granted_at: bigint | number;
  expires_at: bigint;
  max_uses: bigint;
  used_count: bigint;
  revoked_at: bigint | null;
  audit_proof: string;
}

export interface LinkRow {
  omni_account: string;
  identity_type: string;
  identity_value: string;
  linked_at: number;
}

export interface MintLogRow {
  minted_at: number;
  requester_token_hash: string;
  requester_wallet: string;
  requested_role: string;
  session_duration_seconds: number;
  sts_session_name: string;
  outcome: 'ok' | 'auth_failed';
  outcome_detail: string | null;
}

export type Consumed<T> = { outcome: 'consumed'; row: T } | { outcome: 'expired' } | { outcome: 'missing' };

/** Status of an email or OAuth2 sign-in, as the poll routes report it. */
export type SignInStatus =
  | { status: 'pending' }
  | {
      status: 'verified';
      session_jwt: string;
      omni_account: string;
      identity_value: string | null;
      expires_at: number;
    }
  | { status: 'failed'; reason: string }
  | { status: 'unknown' };

export const SIDE_STORES = [
  {
    schema: 'auth_nonces',
    store: 'AuthNonceStore',
    anchor: 'auth-nonces-db',
    tables: `CREATE TABLE IF NOT EXISTS auth_nonces.auth_nonces (
  nonce TEXT PRIMARY KEY, address TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  consumed_at INTEGER
);`,
  },
  {
    schema: 'wallets',
    store: 'WalletStore',
    anchor: 'wallets-db',
    tables: `CREATE TABLE IF NOT EXISTS wallets.wallets (
  omni_account TEXT NOT NULL, address TEXT NOT NULL, role TEXT NOT NULL, parent_address TEXT,
  created_at INTEGER NOT NULL, PRIMARY KEY (omni_account, address)
);`,
  },
  {
    schema: 'grants',
    store: 'GrantStore',
    anchor: 'grants-db',
    tables: `CREATE TABLE IF NOT EXISTS grants.grants (
  grant_id TEXT PRIMARY KEY, master_omni_account TEXT NOT NULL, daemon_address TEXT NOT NULL, service TEXT NOT NULL,
  scope_path TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, max_uses INTEGER NOT NULL,
  used_count INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER, audit_proof TEXT NOT NULL
);`,
  },
  {
    schema: 'identity_links',
    store: 'IdentityLinkStore',
    anchor: 'identity-links-db',
    tables: `CREATE TABLE IF NOT EXISTS identity_links.identity_links (
  omni_account TEXT NOT NULL, identity_type TEXT NOT NULL, identity_value TEXT NOT NULL, linked_at INTEGER NOT NULL,
  PRIMARY KEY (omni_account, identity_type, identity_value)
);`,
  },
  {
    // Opened like the broker's, whose idempotency store is no longer consulted by any route.
    schema: 'idempotency',
    // drift-ignore-next-line the broker's BOOT_FAIL line names this store, still opened at boot as dead code
    store: 'IdempotencyStore',
    anchor: 'idempotency-db',
    tables: `CREATE TABLE IF NOT EXISTS idempotency.idempotency_keys (
  key TEXT PRIMARY KEY, body_hash TEXT NOT NULL, response TEXT NOT NULL, created_at INTEGER NOT NULL
);`,
  },
] as const;

/** The stores a sign-in method adds, in the order the broker opens them (boot.ts checks them). */
export const SIGN_IN_STORES = [
  {
    method: 'email_link',
    schema: 'email_tokens',
    store: 'EmailTokenStore',
    anchor: 'email-tokens-db',
    tables: `CREATE TABLE IF NOT EXISTS email_tokens.email_tokens (
  token_hash TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, email TEXT NOT NULL, issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, consumed_at INTEGER
);
CREATE TABLE IF NOT EXISTS email_tokens.email_request_status (
  request_id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('pending','verified','failed')),
  session_jwt TEXT, omni_account TEXT, expires_at INTEGER NOT NULL, failure_reason TEXT
);`,
  },
  {
    method: 'email_link',
    schema: 'email_rate_limits',
    store: 'EmailRateLimitStore',
    anchor: 'email-rate-limits-db',
    tables: `CREATE TABLE IF NOT EXISTS email_rate_limits.email_rate_limits (
  bucket_id TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket_id, window_start)
);`,
  },
  {
    method: 'oauth2_google',
    schema: 'oauth2_pending',
    store: 'OAuth2PendingStore',
    anchor: 'oauth2-pending-db',
    tables: `CREATE TABLE IF NOT EXISTS oauth2_pending.oauth2_pending (
  request_id TEXT PRIMARY KEY, provider TEXT NOT NULL, pkce_verifier TEXT NOT NULL, nonce TEXT NOT NULL,
  issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, consumed_at INTEGER,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','verified','failed')),
  session_jwt TEXT, omni_account TEXT, identity_value TEXT, failure_reason TEXT
);`,
  },
  {
    // The broker reuses the email rate-limit table layout in this file.
    method: 'oauth2_google',
    schema: 'oauth2_rate_limits',
    store: 'OAuth2 rate-limit store',
    anchor: 'oauth2-rate-limits-db',
    tables: `CREATE TABLE IF NOT EXISTS oauth2_rate_limits.email_rate_limits (
  bucket_id TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket_id, window_start)
);`,
  },
] as const;

export type SideStore = (typeof SIDE_STORES)[number]['schema'] | (typeof SIGN_IN_STORES)[number]['schema'];

const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS main.mint_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, minted_at INTEGER NOT NULL, requester_token_hash TEXT NOT NULL,
  requester_wallet TEXT NOT NULL, requested_role TEXT NOT NULL, session_duration_seconds INTEGER NOT NULL,
  sts_session_name TEXT NOT NULL, outcome TEXT NOT NULL, outcome_detail TEXT
);
`;

/** Where a side store lives: beside the audit database, as `<schema>.sqlite`. */
export function sideStorePath(auditDbPath: string, schema: SideStore): string {
  return join(dirname(auditDbPath), `${schema}.sqlite`);
}

const sqliteMessage = (error: unknown) => {
  const e = error as NodeJS.ErrnoException;
  return e.code && !e.code.startsWith('SQLITE') ? osError(error) : (e.message ?? String(error));
};

function useSqlite(db: Database.Database, schema: string): void {
  db.pragma(`${schema}.journal_mode = WAL`);
  // WAL with NORMAL sync stays consistent after a crash and spares an fsync per row.
  db.pragma(`${schema}.synchronous = NORMAL`);
}

// Sandboxes made before the tables followed the broker's kept other tables in these files; they are
// set aside (mint_log) or dropped (the rest) on open.
function upgrade(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('mint_log')").all() as { name: string }[];
  if (columns.length > 0 && !columns.some((c) => c.name === 'requester_token_hash')) {
    db.exec('ALTER TABLE main.mint_log RENAME TO mint_log_before_c9e1694');
  }
  for (const table of ['main.siwe_requests', 'main.masters', 'main.wallet_links']) {
    db.exec(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** Opens one store file on its own, creating the folder and file when needed; throws what SQLite says. */
function tryStore(auditDbPath: string, side: { schema: SideStore; tables: string }): void {
  let db: Database.Database | undefined;
  try {
    mkdirSync(dirname(auditDbPath), { recursive: true });
    db = new Database(':memory:');
    db.prepare('ATTACH DATABASE ? AS ?').run(sideStorePath(auditDbPath, side.schema), side.schema);
    useSqlite(db, side.schema);
    db.exec(side.tables);
  } finally {
    db?.close();
  }
}

/**
 * Opens, in the broker's order, the five stores beside the audit database, creating the folder and each
 * file when needed; the first that cannot be used refuses to boot with its own anchor.
 */
export function checkSideStores(auditDbPath: string): void {
  for (const side of SIDE_STORES) {
    try {
      tryStore(auditDbPath, side);
    } catch (error) {
      throw new BootFailError(
        'BROKER_AUDIT_DB_PATH',
        auditDbPath,
        `${side.store}: ${sqliteMessage(error)}`,
        side.anchor,
      );
    }
  }
}

/** Opens the stores of one sign-in method; the broker names the folder, not the file, when one fails. */
export function checkSignInStores(auditDbPath: string, method: AuthMethod): void {
  for (const side of SIGN_IN_STORES) {
    if (side.method !== method) continue;
    try {
      tryStore(auditDbPath, side);
    } catch (error) {
      throw new BootFailError(
        'BROKER_AUDIT_DB_PATH',
        dirname(auditDbPath),
        `${side.store}: ${sqliteMessage(error)}`,
        side.anchor,
      );
    }
  }
}

export type Store = ReturnType<typeof openStore>;

/**
 * Opens the audit database with the side stores attached (and those of the enabled sign-in methods);
 * an audit database it cannot use refuses to boot.
 */
export function openStore(auditDbPath: string, methods: readonly string[] = []) {
  let db: Database.Database;
  try {
    mkdirSync(dirname(auditDbPath), { recursive: true });
    db = new Database(auditDbPath);
    useSqlite(db, 'main');
    db.pragma('busy_timeout = 2000');
    upgrade(db);
    db.exec(AUDIT_SCHEMA);
  } catch (error) {
    throw new BootFailError(
      'BROKER_AUDIT_DB_PATH',
      auditDbPath,
      `SqliteAnchor: ${sqliteMessage(error)}`,
      'audit-sqlite',
    );
  }
  try {
    const stores = [...SIDE_STORES, ...SIGN_IN_STORES.filter((s) => methods.includes(s.method))];
    for (const side of stores) {
      db.prepare('ATTACH DATABASE ? AS ?').run(sideStorePath(auditDbPath, side.schema), side.schema);
      useSqlite(db, side.schema);
      db.exec(side.tables);
    }
    // Tables an earlier sandbox kept in these files under other names.
    for (const table of ['auth_nonces.siwe_requests', 'wallets.masters', 'identity_links.wallet_links']) {
      db.exec(`DROP TABLE IF EXISTS ${table}`);
    }
  } catch (error) {
    db.close();
    throw new BootFailError(
      'BROKER_AUDIT_DB_PATH',
      auditDbPath,
      `SqliteAnchor: ${sqliteMessage(error)}`,
      'audit-sqlite',
    );
  }

  const q = (sql: string) => db.prepare(sql);

  /** Single use within a lifetime: missing or spent rows look alike, as in the broker's stores. */
  function consume<T extends { expires_at: number; consumed_at: number | null }>(
    select: string,
    update: string,
    key: string,
    now: number,
  ): Consumed<T> {
    const row = q(select).get(key) as T | undefined;
    if (!row || row.consumed_at !== null) return { outcome: 'missing' };
    if (row.expires_at < now) return { outcome: 'expired' };
    if (q(update).run(now, key).changes === 0) return { outcome: 'missing' };
    return { outcome: 'consumed', row };
  }

  /** Fixed-window counter: true (and counted) while the window's count stays within `limit`. */
  function rateLimit(table: string, bucket: string, now: number, window: number, limit: number) {
    const start = Math.floor(now / window) * window;
    const row = q(`SELECT count FROM ${table} WHERE bucket_id = ? AND window_start = ?`).get(bucket, start) as
      | { count: number }
      | undefined;
    if ((row?.count ?? 0) + 1 > limit)
      return { allowed: false, retryAfter: Math.max(start + window - now, 1) };
    q(
      `INSERT INTO ${table} (bucket_id, window_start, count) VALUES (?, ?, 1)
       ON CONFLICT (bucket_id, window_start) DO UPDATE SET count = count + 1`,
    ).run(bucket, start);
    return { allowed: true, retryAfter: 0 };
  }

  function status(
    table: 'email_tokens.email_request_status' | 'oauth2_pending.oauth2_pending',
    requestId: string,
  ): SignInStatus {
    const oauth2 = table === 'oauth2_pending.oauth2_pending';
    const identity = oauth2 ? 'identity_value' : 'NULL AS identity_value';
    const row = q(
      `SELECT status, session_jwt, omni_account, ${identity}, expires_at, failure_reason FROM ${table}
       WHERE request_id = ?`,
    ).get(requestId) as
      | {
          status: 'pending' | 'verified' | 'failed';
          session_jwt: string | null;
          omni_account: string | null;
          identity_value: string | null;
          expires_at: number;
          failure_reason: string | null;
        }
      | undefined;
    if (!row) return { status: 'unknown' };
    if (row.status === 'pending') return { status: 'pending' };
    if (row.status === 'failed') return { status: 'failed', reason: row.failure_reason ?? 'unknown' };
    return {
      status: 'verified',
      session_jwt: row.session_jwt ?? '',
      omni_account: row.omni_account ?? '',
      identity_value: oauth2 ? (row.identity_value ?? '') : null,
      expires_at: row.expires_at,
    };
  }

  return {
    db,
    logMint: (m: MintLogRow) =>
      void q(
        `INSERT INTO mint_log (minted_at, requester_token_hash, requester_wallet, requested_role,
           session_duration_seconds, sts_session_name, outcome, outcome_detail)
         VALUES (@minted_at, @requester_token_hash, @requester_wallet, @requested_role,
           @session_duration_seconds, @sts_session_name, @outcome, @outcome_detail)`,
      ).run(m),
    listMints: () =>
      q(
        `SELECT minted_at, requester_token_hash, requester_wallet, requested_role, session_duration_seconds,
           sts_session_name, outcome, outcome_detail FROM mint_log ORDER BY id`,
      ).all() as MintLogRow[],

    issueNonce: (nonce: string, address: string, issuedAt: number, expiresAt: number) =>
      void q(
        'INSERT INTO auth_nonces.auth_nonces (nonce, address, issued_at, expires_at) VALUES (?, ?, ?, ?)',
      ).run(nonce, address, issuedAt, expiresAt),
    consumeNonce: (nonce: string, now: number) =>
      consume<{ address: string; expires_at: number; consumed_at: number | null }>(
        'SELECT address, expires_at, consumed_at FROM auth_nonces.auth_nonces WHERE nonce = ?',
        'UPDATE auth_nonces.auth_nonces SET consumed_at = ? WHERE nonce = ? AND consumed_at IS NULL',
        nonce,
        now,
      ),
    bindMasterWallet: (omni: string, address: string, now: number) =>
      void q(
        `INSERT INTO wallets.wallets (omni_account, address, role, parent_address, created_at) VALUES (?, ?, 'master', NULL, ?)
         ON CONFLICT (omni_account, address) DO NOTHING`,
      ).run(omni, address, now),

    addGrant: (g: Omit<GrantRow, 'used_count' | 'revoked_at'>) =>
      void q(
        `INSERT INTO grants.grants (grant_id, master_omni_account, daemon_address, service, scope_path, granted_at,
           expires_at, max_uses, used_count, revoked_at, audit_proof)
         VALUES (@grant_id, @master_omni_account, @daemon_address, @service, @scope_path, @granted_at,
           @expires_at, @max_uses, 0, NULL, @audit_proof)`,
      ).run(g),
    /** Newest first; grants made in the same second keep their newest-first creation order. */
    listGrants: (owner: string) =>
      q(
        `SELECT grant_id, master_omni_account, daemon_address, service, scope_path, granted_at, expires_at,
           max_uses, used_count, revoked_at, audit_proof
         FROM grants.grants WHERE master_omni_account = ? ORDER BY granted_at DESC, rowid DESC`,
      )
        .safeIntegers(true)
        .all(owner) as GrantRow[],
    /** True only when this call revoked a live grant of `owner`. */
    revokeGrant: (id: string, owner: string, now: number) =>
      q(
        `UPDATE grants.grants SET revoked_at = ? WHERE grant_id = ? AND master_omni_account = ? AND revoked_at IS NULL`,
      ).run(now, id, owner).changes === 1,

    ownerOf: (type: string, value: string) =>
      (
        q(
          'SELECT omni_account FROM identity_links.identity_links WHERE identity_type = ? AND identity_value = ?',
        ).get(type, value) as { omni_account: string } | undefined
      )?.omni_account,
    link: (omni: string, type: string, value: string, now: number) =>
      void q(
        `INSERT OR IGNORE INTO identity_links.identity_links (omni_account, identity_type, identity_value, linked_at)
         VALUES (?, ?, ?, ?)`,
      ).run(omni, type, value, now),
    listLinks: (omni: string) =>
      q(
        `SELECT omni_account, identity_type, identity_value, linked_at FROM identity_links.identity_links
         WHERE omni_account = ? ORDER BY linked_at DESC, rowid DESC`,
      ).all(omni) as LinkRow[],

    emailRateLimit: (bucket: string, now: number, window: number, limit: number) =>
      rateLimit('email_rate_limits.email_rate_limits', bucket, now, window, limit),
    issueEmailToken: (tokenHash: string, requestId: string, email: string, now: number, expiresAt: number) =>
      db.transaction(() => {
        q(
          `INSERT INTO email_tokens.email_tokens (token_hash, request_id, email, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
        ).run(tokenHash, requestId, email, now, expiresAt);
        q(
          `INSERT INTO email_tokens.email_request_status (request_id, status, expires_at) VALUES (?, 'pending', ?)`,
        ).run(requestId, expiresAt);
      })(),
    consumeEmailToken: (tokenHash: string, now: number) =>
      consume<{ request_id: string; email: string; expires_at: number; consumed_at: number | null }>(
        'SELECT request_id, email, expires_at, consumed_at FROM email_tokens.email_tokens WHERE token_hash = ?',
        'UPDATE email_tokens.email_tokens SET consumed_at = ? WHERE token_hash = ? AND consumed_at IS NULL',
        tokenHash,
        now,
      ),
    markEmailVerified: (requestId: string, jwt: string, omni: string, expiresAt: number) =>
      q(
        `UPDATE email_tokens.email_request_status SET status = 'verified', session_jwt = ?, omni_account = ?, expires_at = ?
         WHERE request_id = ? AND status = 'pending'`,
      ).run(jwt, omni, expiresAt, requestId).changes === 1,
    emailStatus: (requestId: string) => status('email_tokens.email_request_status', requestId),

    oauth2RateLimit: (bucket: string, now: number, window: number, limit: number) =>
      rateLimit('oauth2_rate_limits.email_rate_limits', bucket, now, window, limit),
    issueOauth2: (r: {
      request_id: string;
      provider: string;
      pkce_verifier: string;
      nonce: string;
      issued_at: number;
      expires_at: number;
    }) =>
      void q(
        `INSERT INTO oauth2_pending.oauth2_pending (request_id, provider, pkce_verifier, nonce, issued_at, expires_at, status)
         VALUES (@request_id, @provider, @pkce_verifier, @nonce, @issued_at, @expires_at, 'pending')`,
      ).run(r),
    consumeOauth2: (requestId: string, now: number) =>
      consume<{ provider: string; nonce: string; expires_at: number; consumed_at: number | null }>(
        'SELECT provider, nonce, expires_at, consumed_at FROM oauth2_pending.oauth2_pending WHERE request_id = ?',
        'UPDATE oauth2_pending.oauth2_pending SET consumed_at = ? WHERE request_id = ? AND consumed_at IS NULL',
        requestId,
        now,
      ),
    markOauth2Verified: (requestId: string, jwt: string, omni: string, sub: string, expiresAt: number) =>
      q(
        `UPDATE oauth2_pending.oauth2_pending SET status = 'verified', session_jwt = ?, omni_account = ?, identity_value = ?,
           expires_at = ? WHERE request_id = ? AND status = 'pending'`,
      ).run(jwt, omni, sub, expiresAt, requestId).changes === 1,
    markOauth2Failed: (requestId: string, reason: string) =>
      void q(
        `UPDATE oauth2_pending.oauth2_pending SET status = 'failed', failure_reason = ? WHERE request_id = ? AND status = 'pending'`,
      ).run(reason, requestId),
    oauth2Status: (requestId: string) => status('oauth2_pending.oauth2_pending', requestId),
    /** Readiness probe of one file, as the broker's: true when a probe table can be created in it. */
    writable: (schema: SideStore | 'main') => {
      try {
        db.exec(`CREATE TABLE IF NOT EXISTS ${schema}._readyz_probe (id INTEGER PRIMARY KEY)`);
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.close(),
  };
}
