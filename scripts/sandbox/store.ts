// SQLite state of the sandbox broker: SIWE challenges, grants, identity links and the mint_log audit trail.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { BootFailError } from './config.ts';
import { osError } from './keys.ts';

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

// The broker keeps its state in six SQLite files: the audit database and, in its folder, five stores it
// always opens. The sandbox lays its tables out the same way: the audit database is the connection's main
// schema and the five files are attached under their own names, so a backup or a broken file behaves alike.
export const SIDE_STORES = [
  {
    schema: 'auth_nonces',
    store: 'AuthNonceStore',
    anchor: 'auth-nonces-db',
    tables: `CREATE TABLE IF NOT EXISTS auth_nonces.siwe_requests (
  request_id TEXT PRIMARY KEY, address TEXT NOT NULL, chain_id INTEGER NOT NULL, nonce TEXT NOT NULL,
  message TEXT NOT NULL, ip TEXT NOT NULL, issued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER
);
CREATE INDEX IF NOT EXISTS auth_nonces.siwe_requests_ip ON siwe_requests (ip, issued_at);`,
  },
  {
    schema: 'wallets',
    store: 'WalletStore',
    anchor: 'wallets-db',
    tables: `CREATE TABLE IF NOT EXISTS wallets.masters (
  omni TEXT PRIMARY KEY, identity_type TEXT NOT NULL, identity_value TEXT NOT NULL, first_seen INTEGER NOT NULL
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
    tables: `CREATE TABLE IF NOT EXISTS identity_links.wallet_links (
  identity_omni TEXT PRIMARY KEY, identity_type TEXT NOT NULL, identity_value TEXT NOT NULL,
  master_omni TEXT NOT NULL, linked_at INTEGER NOT NULL
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

export type SideStore = (typeof SIDE_STORES)[number]['schema'];

const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS main.mint_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, minted_at INTEGER NOT NULL, actor_omni TEXT NOT NULL, wallet TEXT NOT NULL,
  requested_role TEXT NOT NULL, kid TEXT NOT NULL, jwt_exp INTEGER NOT NULL
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

/**
 * Opens, in the broker's order, the five stores beside the audit database, creating the folder and each
 * file when needed; the first that cannot be used refuses to boot with its own anchor.
 */
export function checkSideStores(auditDbPath: string): void {
  for (const side of SIDE_STORES) {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(auditDbPath), { recursive: true });
      db = new Database(':memory:');
      db.prepare('ATTACH DATABASE ? AS ?').run(sideStorePath(auditDbPath, side.schema), side.schema);
      useSqlite(db, side.schema);
      db.exec(side.tables);
    } catch (error) {
      throw new BootFailError(
        'BROKER_AUDIT_DB_PATH',
        auditDbPath,
        `${side.store}: ${sqliteMessage(error)}`,
        side.anchor,
      );
    } finally {
      db?.close();
    }
  }
}

export type Store = ReturnType<typeof openStore>;

/** Opens the audit database with the five side stores attached; an audit database it cannot use refuses to boot. */
export function openStore(auditDbPath: string) {
  let db: Database.Database;
  try {
    mkdirSync(dirname(auditDbPath), { recursive: true });
    db = new Database(auditDbPath);
    useSqlite(db, 'main');
    db.pragma('busy_timeout = 2000');
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
    for (const side of SIDE_STORES) {
      db.prepare('ATTACH DATABASE ? AS ?').run(sideStorePath(auditDbPath, side.schema), side.schema);
      useSqlite(db, side.schema);
      db.exec(side.tables);
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
