// The broker's three ES256 JWTs — session JWT (bearer), OIDC JWT (for STS), grant audit proof — and the
// session-JWT check with the failure texts of the jsonwebtoken crate the broker verifies with.
import { createHash, randomBytes, sign, verify } from 'node:crypto';
import { unauthorized } from './http.ts';
import { toJson } from './json.ts';
import type { SigningKey } from './keys.ts';
import { decode, optional, rustDebug, SerdeError, type Shape, str, struct, u64 } from './serde.ts';

export const SESSION_AUDIENCE = 'agentkeys:broker';
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const AUDIT_PROOF_AUDIENCE = 'agentkeys:audit-proof';
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';
/** jsonwebtoken's default leeway: a token stays valid this long past its `exp`. */
export const EXP_LEEWAY_SECONDS = 60;

/** SHA-256 hex of "agentkeys" + identity type + identity value. */
export function omniOf(identityType: string, identityValue: string): string {
  return createHash('sha256').update(`agentkeys${identityType}${identityValue}`).digest('hex');
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
export const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');

/** A compact JWS signed ES256 with `key`; header and claims serialised in the order given. */
export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', kid: key.kid }));
  const input = `${header}.${b64url(toJson(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

export interface SessionIdentity {
  omni_account: string;
  wallet_address: string;
  identity_type: string;
  identity_value: string;
}

/** The jti the broker writes: hex microseconds, a dash, 16 random hex digits. */
const jti = () => `${(BigInt(Date.now()) * 1000n).toString(16)}-${randomBytes(8).toString('hex')}`;

export function signSessionJwt(
  key: SigningKey,
  issuer: string,
  identity: SessionIdentity,
  now: number,
  ttlSeconds: number,
): { jwt: string; exp: number } {
  const exp = now + ttlSeconds;
  const jwt = signJwt(key, {
    iss: issuer,
    sub: `agentkeys:user:${identity.omni_account}`,
    aud: SESSION_AUDIENCE,
    exp,
    iat: now,
    jti: jti(),
    agentkeys: identity,
  });
  return { jwt, exp };
}

// What the broker decodes a bearer into; a missing or mistyped field fails the whole token.
const sessionClaims = struct('SessionClaims', [
  { name: 'iss', shape: str },
  { name: 'sub', shape: str },
  { name: 'aud', shape: str },
  { name: 'exp', shape: u64 },
  { name: 'iat', shape: u64 },
  { name: 'jti', shape: str },
  {
    name: 'agentkeys',
    shape: struct('AgentKeysClaims', [
      { name: 'omni_account', shape: str },
      { name: 'wallet_address', shape: str },
      { name: 'identity_type', shape: str },
      { name: 'identity_value', shape: str },
    ]),
  },
]);

const ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'ES256',
  'ES384',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
] as const;

const optionalString = optional(str);
const jwtHeader = struct('Header', [
  { name: 'typ', shape: optionalString },
  { name: 'alg', shape: { kind: 'enum', variants: ALGORITHMS } },
  { name: 'cty', shape: optionalString },
  { name: 'jku', shape: optionalString },
  { name: 'jwk', shape: optional({ kind: 'any' }) },
  { name: 'kid', shape: optionalString },
  { name: 'x5u', shape: optionalString },
  { name: 'x5c', shape: optional({ kind: 'array', of: str }) },
  { name: 'x5t', shape: optionalString },
  { name: 'x5t#S256', shape: optionalString },
]);

/** Why a token was refused, in jsonwebtoken's words (its error's Display). */
export class JwtError extends Error {}

const B64URL = /^[A-Za-z0-9_-]$/;

/** base64url without padding, failing with the base64 crate's messages. */
function b64decode(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const ch = String.fromCharCode(bytes[i] as number);
    if (B64URL.test(ch)) continue;
    if (ch === '=' && bytes.subarray(i).every((b) => b === 0x3d))
      throw new JwtError('Base64 error: Invalid padding');
    throw new JwtError(`Base64 error: Invalid symbol ${bytes[i]}, offset ${i}.`);
  }
  if (text.length % 4 === 1) throw new JwtError(`Base64 error: Invalid input length: ${text.length}`);
  const out = Buffer.from(text, 'base64url');
  if (b64url(out) !== text) {
    const last = text.length - 1;
    throw new JwtError(`Base64 error: Invalid last symbol ${text.charCodeAt(last)}, offset ${last}.`);
  }
  return out;
}

function json<T>(bytes: Uint8Array, shape: Shape): T {
  try {
    return decode<T>(bytes, shape);
  } catch (error) {
    if (error instanceof SerdeError) throw new JwtError(`JSON error: ${error.plain()}`);
    throw error;
  }
}

export interface SessionClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: bigint;
  iat: bigint;
  jti: string;
  agentkeys: SessionIdentity;
}

/**
 * Checks a session JWT the way the broker does: structure, header, ES256 signature, claim types,
 * `exp` (with 60 s leeway), `iss`, `aud`, and only then the header `kid`. Every refusal is a 401
 * BrokerError whose detail starts `session jwt verify: ` (or `session jwt kid mismatch: `).
 */
export function verifySessionJwt(key: SigningKey, issuer: string, token: string, now: number): SessionClaims {
  try {
    return checkSessionJwt(key, issuer, token, now);
  } catch (error) {
    if (error instanceof JwtError) throw unauthorized(`session jwt verify: ${error.message}`);
    throw error;
  }
}

function checkSessionJwt(key: SigningKey, issuer: string, token: string, now: number): SessionClaims {
  const lastDot = token.lastIndexOf('.');
  const message = lastDot < 0 ? '' : token.slice(0, lastDot);
  const middle = message.lastIndexOf('.');
  if (lastDot < 0 || middle < 0) throw new JwtError('InvalidToken');
  const header = json<{ alg: string; kid: string | null }>(b64decode(message.slice(0, middle)), jwtHeader);
  if (header.alg !== 'ES256') throw new JwtError('InvalidAlgorithm');
  const signature = b64decode(token.slice(lastDot + 1));
  const valid =
    signature.length === 64 &&
    verify('sha256', Buffer.from(message), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (!valid) throw new JwtError('InvalidSignature');
  const claims = json<SessionClaims>(b64decode(message.slice(middle + 1)), sessionClaims);
  if (claims.exp < BigInt(now - EXP_LEEWAY_SECONDS)) throw new JwtError('ExpiredSignature');
  if (claims.iss !== issuer) throw new JwtError('InvalidIssuer');
  if (claims.aud !== SESSION_AUDIENCE) throw new JwtError('InvalidAudience');
  if (header.kid !== key.kid) {
    const kid = header.kid === null ? 'None' : `Some(${rustDebug(header.kid)})`;
    throw unauthorized(`session jwt kid mismatch: token kid=${kid}, expected ${key.kid}`);
  }
  return claims;
}

/** The OIDC JWT a client hands to sts:AssumeRoleWithWebIdentity; its actor is the wallet's evm omni. */
export function signOidcJwt(
  key: SigningKey,
  issuer: string,
  wallet: string,
  now: number,
  ttlSeconds: number,
): { jwt: string; exp: number } {
  const lower = wallet.toLowerCase();
  const actor = omniOf('evm', lower);
  const exp = now + ttlSeconds;
  // drift-ignore-start the broker still emits the v1 wallet tag next to the actor tag
  const jwt = signJwt(key, {
    iss: issuer,
    sub: `agentkeys:agent:${lower}`,
    aud: STS_AUDIENCE,
    iat: now,
    exp,
    agentkeys_user_wallet: lower,
    agentkeys_actor_omni: actor,
    [TAGS_CLAIM]: {
      principal_tags: { agentkeys_user_wallet: [lower], agentkeys_actor_omni: [actor] },
      transitive_tag_keys: ['agentkeys_user_wallet', 'agentkeys_actor_omni'],
    },
  });
  // drift-ignore-end
  return { jwt, exp };
}

export interface GrantFields {
  grant_id: string;
  master_omni_account: string;
  daemon_address: string;
  service: string;
  scope_path: string;
  granted_at: number;
  expires_at: bigint;
  max_uses: bigint;
}

/** A grant's audit proof: the session key's signature over every recorded field, expiring with the grant. */
export function signGrantProof(key: SigningKey, issuer: string, grant: GrantFields): string {
  return signJwt(key, {
    iss: issuer,
    sub: `agentkeys:grant:${grant.grant_id}`,
    aud: AUDIT_PROOF_AUDIENCE,
    iat: grant.granted_at,
    exp: grant.expires_at,
    agentkeys: { kind: 'grant', ...grant },
  });
}
