// SQLite state of the sandbox broker: SIWE challenges, grants, identity links and the mint_log audit trail.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BootFailError } from './config.ts';

export interface SiweRequest {
  request_id: string;
  address: string;
  chain_id: number;
  nonce: string;
  message: string;
  issued_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface GrantRow {
  grant_id: string;
  master_omni_account: string;
  daemon_address: string;
  service: string;
  scope_path: string;
  granted_at: number;
  expires_at: number;
  max_uses: number;
  used_count: number;
  revoked_at: number | null;
  audit_proof: string;
}

export interface LinkRow {
  identity_type: string;
  identity_value: string;
  identity_omni: string;
  master_omni: string;
  linked_at: number;
}

export interface MintLogRow {
  minted_at: number;
  actor_omni: string;
  wallet: string;
  requested_role: string;
  kid: string;
  jwt_exp: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS siwe_requests (
  request_id TEXT PRIMARY KEY, address TEXT NOT NULL, chain_id INTEGER NOT NULL, nonce TEXT NOT NULL,
  message TEXT NOT NULL, ip TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
);
CREATE INDEX IF NOT EXISTS siwe_requests_ip ON siwe_requests (ip, issued_at);
CREATE TABLE IF NOT EXISTS masters (
  omni TEXT PRIMARY KEY, identity_type TEXT NOT NULL, identity_value TEXT NOT NULL, first_seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
  grant_id TEXT PRIMARY KEY, master_omni_account TEXT NOT NULL, daemon_address TEXT NOT NULL, service TEXT NOT NULL,
  scope_path TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, max_uses INTEGER NOT NULL,
  used_count INTEGER NOT NULL DEFAULT 0, revoked_at INTEGER, audit_proof TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_links (
  identity_omni TEXT PRIMARY KEY, identity_type TEXT NOT NULL, identity_value TEXT NOT NULL,
  master_omni TEXT NOT NULL, linked_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mint_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, minted_at INTEGER NOT NULL, actor_omni TEXT NOT NULL, wallet TEXT NOT NULL,
  requested_role TEXT NOT NULL, kid TEXT NOT NULL, jwt_exp INTEGER NOT NULL
);
`;

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
  const q = {
    insertSiwe: db.prepare(
      `INSERT INTO siwe_requests (request_id, address, chain_id, nonce, message, ip, issued_at, expires_at)
       VALUES (@request_id, @address, @chain_id, @nonce, @message, @ip, @issued_at, @expires_at)`,
    ),
    countSiwe: db.prepare('SELECT count(*) AS n FROM siwe_requests WHERE ip = ? AND issued_at > ?'),
    getSiwe: db.prepare('SELECT * FROM siwe_requests WHERE request_id = ?'),
    useSiwe: db.prepare('UPDATE siwe_requests SET used_at = ? WHERE request_id = ? AND used_at IS NULL'),
    upsertMaster: db.prepare(
      `INSERT INTO masters (omni, identity_type, identity_value, first_seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (omni) DO NOTHING`,
    ),
    getMaster: db.prepare('SELECT omni FROM masters WHERE omni = ?'),
    insertGrant: db.prepare(
      `INSERT INTO grants (grant_id, master_omni_account, daemon_address, service, scope_path, granted_at,
         expires_at, max_uses, audit_proof)
       VALUES (@grant_id, @master_omni_account, @daemon_address, @service, @scope_path, @granted_at,
         @expires_at, @max_uses, @audit_proof)`,
    ),
    listGrants: db.prepare(
      'SELECT * FROM grants WHERE master_omni_account = ? ORDER BY granted_at DESC, rowid DESC',
    ),
    getGrant: db.prepare('SELECT * FROM grants WHERE grant_id = ?'),
    revokeGrant: db.prepare('UPDATE grants SET revoked_at = ? WHERE grant_id = ? AND revoked_at IS NULL'),
    getLink: db.prepare('SELECT * FROM wallet_links WHERE identity_omni = ?'),
    insertLink: db.prepare(
      `INSERT INTO wallet_links (identity_omni, identity_type, identity_value, master_omni, linked_at)
       VALUES (@identity_omni, @identity_type, @identity_value, @master_omni, @linked_at)`,
    ),
    listLinks: db.prepare('SELECT * FROM wallet_links WHERE master_omni = ? ORDER BY linked_at, rowid'),
    insertMint: db.prepare(
      `INSERT INTO mint_log (minted_at, actor_omni, wallet, requested_role, kid, jwt_exp)
       VALUES (@minted_at, @actor_omni, @wallet, @requested_role, @kid, @jwt_exp)`,
    ),
    listMints: db.prepare(
      'SELECT minted_at, actor_omni, wallet, requested_role, kid, jwt_exp FROM mint_log ORDER BY id',
    ),
  };
  return {
    db,
    addSiweRequest: (r: Omit<SiweRequest, 'used_at'> & { ip: string }) => void q.insertSiwe.run(r),
    countChallengesSince: (ip: string, since: number) => (q.countSiwe.get(ip, since) as { n: number }).n,
    getSiweRequest: (id: string) => q.getSiwe.get(id) as SiweRequest | undefined,
    /** Marks a challenge spent; false when someone else already spent it. */
    spendSiweRequest: (id: string, now: number) => q.useSiwe.run(now, id).changes === 1,
    rememberMaster: (omni: string, type: string, value: string, now: number) =>
      void q.upsertMaster.run(omni, type, value, now),
    isMaster: (omni: string) => q.getMaster.get(omni) !== undefined,
    addGrant: (g: Omit<GrantRow, 'used_count' | 'revoked_at'>) => void q.insertGrant.run(g),
    listGrants: (owner: string) => q.listGrants.all(owner) as GrantRow[],
    getGrant: (id: string) => q.getGrant.get(id) as GrantRow | undefined,
    revokeGrant: (id: string, now: number) => q.revokeGrant.run(now, id).changes === 1,
    getLink: (identityOmni: string) => q.getLink.get(identityOmni) as LinkRow | undefined,
    addLink: (l: LinkRow) => void q.insertLink.run(l),
    listLinks: (master: string) => q.listLinks.all(master) as LinkRow[],
    logMint: (m: MintLogRow) => void q.insertMint.run(m),
    listMints: () => q.listMints.all() as MintLogRow[],
    /** Readiness probe: the database answers and accepts writes. */
    probe: () => {
      db.prepare('SELECT 1').get();
      db.prepare('BEGIN IMMEDIATE').run();
      db.prepare('ROLLBACK').run();
    },
    close: () => db.close(),
  };
}
