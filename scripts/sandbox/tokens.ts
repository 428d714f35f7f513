// Session JWTs (bearer, broker-only key) and OIDC JWTs (what AWS STS verifies), plus omni derivation.
import { createHash, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { expired, unauthorized } from './http.ts';
import type { SigningKey } from './keys.ts';

export const SESSION_AUDIENCE = 'agentkeys:broker';
export const STS_AUDIENCE = 'sts.amazonaws.com';
export const TAGS_CLAIM = 'https://aws.amazon.com/tags';

/** SHA-256 hex of "agentkeys" + identity type + identity value. */
export function omniOf(identityType: string, identityValue: string): string {
  return createHash('sha256').update(`agentkeys${identityType}${identityValue}`).digest('hex');
}

export interface SessionIdentity {
  omni_account: string;
  wallet_address: string;
  identity_type: string;
  identity_value: string;
}

export async function signSessionJwt(
  key: SigningKey,
  issuer: string,
  identity: SessionIdentity,
  now: number,
  ttlSeconds: number,
): Promise<{ jwt: string; exp: number }> {
  const exp = now + ttlSeconds;
  const jwt = await new SignJWT({ agentkeys: identity })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(`agentkeys:user:${identity.omni_account}`)
    .setAudience(SESSION_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { jwt, exp };
}

/** Checks signature, kid, alg, exp, aud and iss of a session JWT; every failure is a 401. */
export async function verifySessionJwt(
  key: SigningKey,
  issuer: string,
  token: string,
  now: number,
): Promise<SessionIdentity> {
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw unauthorized('the bearer header is not a JWT header');
  }
  if (kid !== key.kid) throw unauthorized('the bearer was not signed with the session key (kid mismatch)');
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['ES256'],
      issuer,
      audience: SESSION_AUDIENCE,
      currentDate: new Date(now * 1000),
      requiredClaims: ['iat', 'exp', 'sub', 'jti'],
    });
    const identity = payload.agentkeys as Partial<SessionIdentity> | undefined;
    if (
      typeof identity?.omni_account !== 'string' ||
      !/^[0-9a-f]{64}$/.test(identity.omni_account) ||
      payload.sub !== `agentkeys:user:${identity.omni_account}`
    ) {
      throw unauthorized('the session JWT lacks its agentkeys identity');
    }
    return {
      omni_account: identity.omni_account,
      wallet_address: typeof identity.wallet_address === 'string' ? identity.wallet_address : '',
      identity_type: String(identity.identity_type ?? ''),
      identity_value: String(identity.identity_value ?? ''),
    };
  } catch (error) {
    if (error instanceof errors.JWTExpired) {
      const exp = Number(error.payload.exp);
      throw expired(`the session JWT expired at ${new Date(exp * 1000).toISOString()}; sign in again`);
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      throw unauthorized(`the session JWT's ${error.claim} claim is not accepted`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      throw unauthorized('the session JWT must be signed with ES256');
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      throw unauthorized('the session JWT signature does not verify');
    }
    if (error instanceof errors.JOSEError) throw unauthorized('the bearer is not a valid session JWT');
    throw error;
  }
}

/** Signs the OIDC JWT a client hands to sts:AssumeRoleWithWebIdentity. */
export async function signOidcJwt(
  key: SigningKey,
  issuer: string,
  session: SessionIdentity,
  now: number,
  ttlSeconds: number,
): Promise<{ jwt: string; wallet: string; exp: number }> {
  const omni = session.omni_account;
  // Sessions without a wallet (email, OAuth2) speak for their actor omni instead.
  const wallet = session.wallet_address ? session.wallet_address.toLowerCase() : omni;
  const exp = now + ttlSeconds;
  // drift-ignore-start the contract still emits the v1 wallet tag for back-compat bucket policies
  const claims = {
    agentkeys_user_wallet: wallet,
    agentkeys_actor_omni: omni,
    [TAGS_CLAIM]: {
      principal_tags: { agentkeys_actor_omni: [omni], agentkeys_user_wallet: [wallet] },
      transitive_tag_keys: ['agentkeys_user_wallet', 'agentkeys_actor_omni'],
    },
  };
  // drift-ignore-end
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject(`agentkeys:agent:${wallet}`)
    .setAudience(STS_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .sign(key.privateKey);
  return { jwt, wallet, exp };
}
