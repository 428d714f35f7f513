// ES256 signing keys kept as JSON files ({kid, private_key_pem, purpose}, mode 0600).
// createKeyFile is the sandbox's `keygen`: it runs only for the sandbox's own key paths. loadKey is the
// broker's boot-time load: a missing or unusable file refuses to boot, the key is never made on the fly.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JWK } from 'jose';
import { BootFailError, rustDebug, shown } from './config.ts';

export type KeyPurpose = 'oidc' | 'session';

export interface SigningKey {
  kid: string;
  purpose: KeyPurpose;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Public part only, as published in a JWKS. */
  publicJwk: JWK;
  path: string;
}

const SPEC = {
  oidc: { variable: 'BROKER_OIDC_KEYPAIR_PATH', anchor: 'oidc-keypair', prefix: 'v1-', label: 'OIDC' },
  session: {
    variable: 'BROKER_SESSION_KEYPAIR_PATH',
    anchor: 'session-keypair',
    prefix: 'ak-session-',
    label: 'session',
  },
} as const;

// The texts Rust's io::Error shows for the failures a key file meets in practice.
const OS_ERRORS: Record<string, string> = {
  ENOENT: 'No such file or directory (os error 2)',
  EACCES: 'Permission denied (os error 13)',
  EISDIR: 'Is a directory (os error 21)',
  ENOTDIR: 'Not a directory (os error 20)',
  ELOOP: 'Too many levels of symbolic links (os error 40)',
};

export const osError = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return OS_ERRORS[code] ?? code;
};

function fail(purpose: KeyPurpose, path: string, reason: string): never {
  throw new BootFailError(SPEC[purpose].variable, path, reason, SPEC[purpose].anchor);
}

/** Writes a new key file (mode 0600); like `keygen`, it never overwrites one. Returns false when one exists. */
export function createKeyFile(
  path: string,
  purpose: KeyPurpose,
  now = Math.floor(Date.now() / 1000),
): boolean {
  if (existsSync(path)) return false;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = {
    kid: `${SPEC[purpose].prefix}${now}`,
    private_key_pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    purpose,
  };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return true;
}

type Parsed = { kid: string; private_key_pem: string; purpose: KeyPurpose };

/** The key file's fields as the broker's loader takes them; a string naming the first problem otherwise. */
function fields(text: string, purpose: KeyPurpose): Parsed | string {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'expected a JSON object';
  const o = raw as Record<string, unknown>;
  for (const key of ['kid', 'private_key_pem'] as const) {
    if (o[key] === undefined) return `missing field \`${key}\``;
    if (typeof o[key] !== 'string') return `invalid type for \`${key}\`, expected a string`;
  }
  // An OIDC file written before purpose tags existed counts as oidc; a session file must say session.
  const tag = o.purpose ?? (purpose === 'oidc' ? 'oidc' : undefined);
  if (tag === undefined) return 'missing field `purpose`';
  if (tag !== 'oidc' && tag !== 'session')
    return `unknown variant ${rustDebug(String(tag))}, expected \`oidc\` or \`session\``;
  return { kid: o.kid as string, private_key_pem: o.private_key_pem as string, purpose: tag };
}

const capital = (p: KeyPurpose) => (p === 'oidc' ? 'Oidc' : 'Session');

/** Loads the key file at `path` as the broker does at boot; anything wrong refuses to boot. */
export function loadKey(path: string, purpose: KeyPurpose): SigningKey {
  if (!existsSync(path)) {
    fail(
      purpose,
      path,
      purpose === 'oidc'
        ? 'OIDC keypair file does not exist (run `agentkeys-broker-server keygen --purpose oidc --out PATH` first; silent generation is disabled per plan §6)'
        : 'session keypair file does not exist (run `agentkeys-broker-server keygen --purpose session --out PATH` first)',
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(purpose, path, `internal: read keypair ${shown(path)}: ${osError(error)}`);
  }
  const parsed = fields(text, purpose);
  if (typeof parsed === 'string') {
    fail(
      purpose,
      path,
      purpose === 'oidc'
        ? `internal: parse keypair ${shown(path)}: ${parsed}`
        : `internal: parse session keypair ${shown(path)}: ${parsed} (the file may be missing the "purpose" field — session keypairs must be tagged purpose=session)`,
    );
  }
  if (parsed.purpose !== purpose) {
    fail(
      purpose,
      path,
      purpose === 'oidc'
        ? `internal: keypair at ${path} has purpose ${capital(parsed.purpose)} but OIDC slot expects oidc`
        : `internal: keypair at ${path} has purpose ${capital(parsed.purpose)} but slot expects Session`,
    );
  }
  // The broker reads PKCS#8 ("BEGIN PRIVATE KEY") P-256 keys only.
  let privateKey: KeyObject | undefined;
  if (/^\s*-----BEGIN PRIVATE KEY-----/.test(parsed.private_key_pem)) {
    try {
      privateKey = createPrivateKey(parsed.private_key_pem);
    } catch {
      privateKey = undefined;
    }
  }
  if (
    privateKey?.asymmetricKeyType !== 'ec' ||
    privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    return fail(purpose, path, 'internal: decode pkcs8 pem: not a PKCS#8 PEM P-256 private key');
  }
  const publicKey = createPublicKey(privateKey);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const publicJwk: JWK = { kty, crv, x, y, kid: parsed.kid, alg: 'ES256', use: 'sig' };
  return { kid: parsed.kid, purpose, privateKey, publicKey, publicJwk, path };
}
