// ES256 signing keys kept as JSON files ({kid, private_key_pem, purpose}, mode 0600); created on first start.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JWK } from 'jose';
import { BootFailError } from './config.ts';

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
  oidc: { variable: 'BROKER_OIDC_KEYPAIR_PATH', anchor: 'oidc-keypair', kid: /^v1-\d+$/, prefix: 'v1-' },
  session: {
    variable: 'BROKER_SESSION_KEYPAIR_PATH',
    anchor: 'session-keypair',
    kid: /^ak-session-\d+$/,
    prefix: 'ak-session-',
  },
} as const;

function fail(purpose: KeyPurpose, path: string, reason: string): never {
  throw new BootFailError(SPEC[purpose].variable, path, reason, SPEC[purpose].anchor);
}

function create(path: string, purpose: KeyPurpose, now: number): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const file = {
    kid: `${SPEC[purpose].prefix}${now}`,
    private_key_pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    purpose,
  };
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(path, 0o600);
  } catch (error) {
    fail(purpose, path, `cannot create the key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Loads the key file at `path`, generating it first when it does not exist. */
export function loadOrCreateKey(
  path: string,
  purpose: KeyPurpose,
  now = Math.floor(Date.now() / 1000),
): SigningKey {
  if (!existsSync(path)) create(path, purpose, now);
  let stat: ReturnType<typeof statSync>;
  let text: string;
  try {
    stat = statSync(path);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return fail(
      purpose,
      path,
      `cannot read the key file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if ((stat.mode & 0o077) !== 0) {
    fail(
      purpose,
      path,
      `mode ${(stat.mode & 0o777).toString(8)} lets others read it, run chmod 600 on the file`,
    );
  }
  let parsed: { kid?: unknown; private_key_pem?: unknown; purpose?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(purpose, path, 'not a JSON key file');
  }
  if (parsed.purpose !== purpose)
    fail(purpose, path, `purpose is ${String(parsed.purpose)}, expected ${purpose}`);
  if (typeof parsed.kid !== 'string' || !SPEC[purpose].kid.test(parsed.kid)) {
    fail(purpose, path, `kid must look like ${SPEC[purpose].prefix}<unix seconds>`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(String(parsed.private_key_pem));
  } catch {
    return fail(purpose, path, 'private_key_pem is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    fail(purpose, path, 'the key is not a P-256 (ES256) key');
  }
  const publicKey = createPublicKey(privateKey);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
  const publicJwk: JWK = { kty, crv, x, y, kid: parsed.kid as string, alg: 'ES256', use: 'sig' };
  return { kid: parsed.kid as string, purpose, privateKey, publicKey, publicJwk, path };
}
