// SQLite state of the sandbox broker. The tables and their rules follow the broker's stores (mint_log,
// auth_nonces, wallets, grants, identity_links, email_tokens + email_request_status, email_rate_limits,
// oauth2_pending, oauth2_rate_limits), kept in one file; sandbox_oauth2_codes stands in for Google.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BootFailError } from './config.ts';

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

const SCHEMA = `
CREATE TABLE IF NOT EXISTS mint_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, minted_at INTEGER NOT NULL, requester_token_hash TEXT NOT NULL,
  requester_wallet TEXT NOT NULL, requested_role TEXT NOT NULL, session_duration_seconds INTEGER NOT NULL,
  sts_session_name TEXT NOT NULL, outcome TEXT NOT NULL, outcome_detail TEXT
);
CREATE TABLE IF NOT EXISTS auth_nonces (
  nonce TEXT PRIMARY KEY, address TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  consumed_at INTEGER
);
CREATE TABLE IF NOT EXISTS wallets (
  omni_account TEXT NOT NULL, address TEXT NOT NULL, role TEXT NOT NULL, parent_address TEXT,
  created_at INTEGER NOT NULL, PRIMARY KEY (omni_account, address)
);
CREATE TABLE IF NOT EXISTS grants (
  grant_id TEXT PRIMARY KEY, master_omni_account TEXT NOT NULL, daemon_address TEXT NOT NULL, service TEXT NOT NULL,
  scope_path TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, max_uses INTEGER NOT NULL,
  used_count INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER, audit_proof TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS identity_links (
  omni_account TEXT NOT NULL, identity_type TEXT NOT NULL, identity_value TEXT NOT NULL, linked_at INTEGER NOT NULL,
  PRIMARY KEY (omni_account, identity_type, identity_value)
);
CREATE TABLE IF NOT EXISTS email_tokens (
  token_hash TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, email TEXT NOT NULL, issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, consumed_at INTEGER
);
CREATE TABLE IF NOT EXISTS email_request_status (
  request_id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('pending','verified','failed')),
  session_jwt TEXT, omni_account TEXT, expires_at INTEGER NOT NULL, failure_reason TEXT
);
CREATE TABLE IF NOT EXISTS email_rate_limits (
  bucket_id TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket_id, window_start)
);
CREATE TABLE IF NOT EXISTS oauth2_pending (
  request_id TEXT PRIMARY KEY, provider TEXT NOT NULL, pkce_verifier TEXT NOT NULL, nonce TEXT NOT NULL,
  issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, consumed_at INTEGER,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','verified','failed')),
  session_jwt TEXT, omni_account TEXT, identity_value TEXT, failure_reason TEXT
);
CREATE TABLE IF NOT EXISTS oauth2_rate_limits (
  bucket_id TEXT NOT NULL, window_start INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (bucket_id, window_start)
);
CREATE TABLE IF NOT EXISTS sandbox_oauth2_codes (
  code TEXT PRIMARY KEY, request_id TEXT NOT NULL, nonce TEXT NOT NULL, sub TEXT NOT NULL, email TEXT NOT NULL,
  used_at INTEGER
);
`;

// Tables of sandboxes made before the schema followed the broker's; dropped (or kept aside) on open.
const OLD_TABLES = ['siwe_requests', 'masters', 'wallet_links'];

function upgrade(db: Database.Database): void {
  const columns = db.prepare("SELECT name FROM pragma_table_info('mint_log')").all() as { name: string }[];
  if (columns.length > 0 && !columns.some((c) => c.name === 'requester_token_hash')) {
    db.exec('ALTER TABLE mint_log RENAME TO mint_log_before_c9e1694');
  }
  for (const table of OLD_TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
}

export type Store = ReturnType<typeof openStore>;

/** Opens (creating when needed) the database at `path`; a file that cannot be used refuses to boot. */
export function openStore(path: string) {
  let db: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    // WAL with NORMAL sync stays consistent after a crash and spares an fsync per mint_log row.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    upgrade(db);
    db.exec(SCHEMA);
  } catch (error) {
    const reason = (error as { code?: string }).code ?? 'error';
    throw new BootFailError(
      'BROKER_AUDIT_DB_PATH',
      path,
      `cannot open the SQLite database (${reason})`,
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

  function status(table: 'email_request_status' | 'oauth2_pending', requestId: string): SignInStatus {
    const identity = table === 'oauth2_pending' ? 'identity_value' : 'NULL AS identity_value';
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
      identity_value: table === 'oauth2_pending' ? (row.identity_value ?? '') : null,
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
      void q('INSERT INTO auth_nonces (nonce, address, issued_at, expires_at) VALUES (?, ?, ?, ?)').run(
        nonce,
        address,
        issuedAt,
        expiresAt,
      ),
    consumeNonce: (nonce: string, now: number) =>
      consume<{ address: string; expires_at: number; consumed_at: number | null }>(
        'SELECT address, expires_at, consumed_at FROM auth_nonces WHERE nonce = ?',
        'UPDATE auth_nonces SET consumed_at = ? WHERE nonce = ? AND consumed_at IS NULL',
        nonce,
        now,
      ),
    bindMasterWallet: (omni: string, address: string, now: number) =>
      void q(
        `INSERT INTO wallets (omni_account, address, role, parent_address, created_at) VALUES (?, ?, 'master', NULL, ?)
         ON CONFLICT (omni_account, address) DO NOTHING`,
      ).run(omni, address, now),

    addGrant: (g: Omit<GrantRow, 'used_count' | 'revoked_at'>) =>
      void q(
        `INSERT INTO grants (grant_id, master_omni_account, daemon_address, service, scope_path, granted_at,
           expires_at, max_uses, used_count, revoked_at, audit_proof)
         VALUES (@grant_id, @master_omni_account, @daemon_address, @service, @scope_path, @granted_at,
           @expires_at, @max_uses, 0, NULL, @audit_proof)`,
      ).run(g),
    /** Newest first; grants made in the same second keep their newest-first creation order. */
    listGrants: (owner: string) =>
      q(
        `SELECT grant_id, master_omni_account, daemon_address, service, scope_path, granted_at, expires_at,
           max_uses, used_count, revoked_at, audit_proof
         FROM grants WHERE master_omni_account = ? ORDER BY granted_at DESC, rowid DESC`,
      )
        .safeIntegers(true)
        .all(owner) as GrantRow[],
    /** True only when this call revoked a live grant of `owner`. */
    revokeGrant: (id: string, owner: string, now: number) =>
      q(
        `UPDATE grants SET revoked_at = ? WHERE grant_id = ? AND master_omni_account = ? AND revoked_at IS NULL`,
      ).run(now, id, owner).changes === 1,

    ownerOf: (type: string, value: string) =>
      (
        q('SELECT omni_account FROM identity_links WHERE identity_type = ? AND identity_value = ?').get(
          type,
          value,
        ) as { omni_account: string } | undefined
      )?.omni_account,
    link: (omni: string, type: string, value: string, now: number) =>
      void q(
        `INSERT OR IGNORE INTO identity_links (omni_account, identity_type, identity_value, linked_at)
         VALUES (?, ?, ?, ?)`,
      ).run(omni, type, value, now),
    listLinks: (omni: string) =>
      q(
        `SELECT omni_account, identity_type, identity_value, linked_at FROM identity_links
         WHERE omni_account = ? ORDER BY linked_at DESC, rowid DESC`,
      ).all(omni) as LinkRow[],

    emailRateLimit: (bucket: string, now: number, window: number, limit: number) =>
      rateLimit('email_rate_limits', bucket, now, window, limit),
    issueEmailToken: (tokenHash: string, requestId: string, email: string, now: number, expiresAt: number) =>
      db.transaction(() => {
        q(
          `INSERT INTO email_tokens (token_hash, request_id, email, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
        ).run(tokenHash, requestId, email, now, expiresAt);
        q(`INSERT INTO email_request_status (request_id, status, expires_at) VALUES (?, 'pending', ?)`).run(
          requestId,
          expiresAt,
        );
      })(),
    consumeEmailToken: (tokenHash: string, now: number) =>
      consume<{ request_id: string; email: string; expires_at: number; consumed_at: number | null }>(
        'SELECT request_id, email, expires_at, consumed_at FROM email_tokens WHERE token_hash = ?',
        'UPDATE email_tokens SET consumed_at = ? WHERE token_hash = ? AND consumed_at IS NULL',
        tokenHash,
        now,
      ),
    markEmailVerified: (requestId: string, jwt: string, omni: string, expiresAt: number) =>
      q(
        `UPDATE email_request_status SET status = 'verified', session_jwt = ?, omni_account = ?, expires_at = ?
         WHERE request_id = ? AND status = 'pending'`,
      ).run(jwt, omni, expiresAt, requestId).changes === 1,
    emailStatus: (requestId: string) => status('email_request_status', requestId),

    oauth2RateLimit: (bucket: string, now: number, window: number, limit: number) =>
      rateLimit('oauth2_rate_limits', bucket, now, window, limit),
    issueOauth2: (r: {
      request_id: string;
      provider: string;
      pkce_verifier: string;
      nonce: string;
      issued_at: number;
      expires_at: number;
    }) =>
      void q(
        `INSERT INTO oauth2_pending (request_id, provider, pkce_verifier, nonce, issued_at, expires_at, status)
         VALUES (@request_id, @provider, @pkce_verifier, @nonce, @issued_at, @expires_at, 'pending')`,
      ).run(r),
    consumeOauth2: (requestId: string, now: number) =>
      consume<{ provider: string; nonce: string; expires_at: number; consumed_at: number | null }>(
        'SELECT provider, nonce, expires_at, consumed_at FROM oauth2_pending WHERE request_id = ?',
        'UPDATE oauth2_pending SET consumed_at = ? WHERE request_id = ? AND consumed_at IS NULL',
        requestId,
        now,
      ),
    markOauth2Verified: (requestId: string, jwt: string, omni: string, sub: string, expiresAt: number) =>
      q(
        `UPDATE oauth2_pending SET status = 'verified', session_jwt = ?, omni_account = ?, identity_value = ?,
           expires_at = ? WHERE request_id = ? AND status = 'pending'`,
      ).run(jwt, omni, sub, expiresAt, requestId).changes === 1,
    markOauth2Failed: (requestId: string, reason: string) =>
      void q(
        `UPDATE oauth2_pending SET status = 'failed', failure_reason = ? WHERE request_id = ? AND status = 'pending'`,
      ).run(reason, requestId),
    oauth2Status: (requestId: string) => status('oauth2_pending', requestId),
    addOauth2Code: (c: { code: string; request_id: string; nonce: string; sub: string; email: string }) =>
      void q(
        'INSERT INTO sandbox_oauth2_codes (code, request_id, nonce, sub, email) VALUES (@code, @request_id, @nonce, @sub, @email)',
      ).run(c),
    /** A code Google would exchange once: its identity and the nonce its id_token carries. */
    redeemOauth2Code: (code: string, now: number) => {
      const row = q('SELECT nonce, sub, email, used_at FROM sandbox_oauth2_codes WHERE code = ?').get(code) as
        | { nonce: string; sub: string; email: string; used_at: number | null }
        | undefined;
      if (!row || row.used_at !== null) return undefined;
      q('UPDATE sandbox_oauth2_codes SET used_at = ? WHERE code = ?').run(now, code);
      return row;
    },

    /** Readiness probe: the database answers and accepts writes. */
    probe: () => {
      db.prepare('SELECT 1').get();
      db.prepare('BEGIN IMMEDIATE').run();
      db.prepare('ROLLBACK').run();
    },
    close: () => db.close(),
  };
}
