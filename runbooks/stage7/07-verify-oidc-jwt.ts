// Step 7: checks the OIDC JWT the way STS will before AWS sees it — signature by kid against the JWKS,
// iss, aud, exp, sub and the session-tags claim — and names the STS error each failure would cause.
import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { isMain, runAlone } from '../lib/alone.ts';
import { STS_ERRORS } from '../lib/aws.ts';
import { defineStep, StepError } from '../lib/step.ts';
import type { OidcIssuer } from './03-oidc-issuer.ts';
import type { Actor } from './05-session-jwt.ts';
import { STS_AUDIENCE } from './aws-policies.ts';

export interface OidcClaims {
  sub: string;
  actorOmni: string;
  wallet: string;
  exp: number;
}

/** A failed check, named by the STS error an AssumeRoleWithWebIdentity call would get. */
function sts(error: keyof typeof STS_ERRORS, label: string, message: string): StepError {
  const known = STS_ERRORS[error];
  return new StepError(`${message} — STS would answer ${label}`, {
    hint: known?.hint,
    anchor: known?.anchor,
  });
}

export const step = defineStep({
  id: '07',
  slug: 'verify-oidc-jwt',
  title: 'Verify the JWT as STS will',
  doc: 'step-7-verify-oidc-jwt',
  needs: ['preflight', 'oidc', 'oidcJwt', 'actor'],
  produces: ['claims'],
  mutates: false,
  async run(ctx) {
    const jwt = ctx.values.get<string>('oidcJwt');
    const oidc = ctx.values.get<OidcIssuer>('oidc');
    const actor = ctx.values.get<Actor>('actor');

    const header = decodeProtectedHeader(jwt);
    if (header.alg !== 'ES256')
      throw sts(
        'InvalidIdentityToken',
        'InvalidIdentityToken',
        `the JWT is signed with ${header.alg}, not ES256`,
      );
    const kids = oidc.jwks.keys.map((k) => k.kid);
    if (!header.kid || !kids.includes(header.kid)) {
      throw sts(
        'InvalidIdentityToken',
        'InvalidIdentityToken',
        `the JWT's kid ${header.kid} is not in the JWKS (${kids.join(', ') || 'empty'})`,
      );
    }

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(jwt, createLocalJWKSet(oidc.jwks), {
        issuer: oidc.issuer,
        audience: STS_AUDIENCE,
        algorithms: ['ES256'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw sts('ExpiredTokenException', 'ExpiredTokenException', 'the JWT has expired');
      }
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
        throw sts(
          'IncorrectTokenAudience',
          'Incorrect token audience',
          `the JWT's aud is not ${STS_AUDIENCE}`,
        );
      }
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'iss') {
        throw sts('InvalidIdentityToken', 'InvalidIdentityToken', `the JWT's iss is not ${oidc.issuer}`);
      }
      throw sts(
        'InvalidIdentityToken',
        'InvalidIdentityToken',
        `the JWT does not verify: ${(error as Error).message}`,
      );
    }
    ctx.log(`signature verifies with kid ${header.kid}; iss ${payload.iss}; aud ${STS_AUDIENCE}`);

    const sub = String(payload.sub ?? '');
    if (!/^agentkeys:agent:.+/.test(sub)) {
      throw sts('AccessDenied', 'AccessDenied', `sub ${JSON.stringify(sub)} is not agentkeys:agent:<wallet>`);
    }
    const omni = payload.agentkeys_actor_omni;
    if (typeof omni !== 'string' || !/^[0-9a-f]{64}$/.test(omni)) {
      throw sts('AccessDenied', 'AccessDenied', 'the agentkeys_actor_omni claim is missing or not 64 hex');
    }
    if (omni !== actor.omni) {
      throw new StepError(`agentkeys_actor_omni ${omni} is not the signed-in actor ${actor.omni}`, {
        hint: 'the broker minted for another actor than the session belongs to: report this broker build',
      });
    }
    const tags = payload['https://aws.amazon.com/tags'] as
      | { principal_tags?: Record<string, unknown>; transitive_tag_keys?: unknown }
      | undefined;
    const tagged = tags?.principal_tags?.agentkeys_actor_omni;
    if (!Array.isArray(tagged) || tagged.length !== 1 || tagged[0] !== omni) {
      throw sts(
        'AccessDenied',
        'AccessDenied',
        'the tags claim does not carry principal_tags.agentkeys_actor_omni = [<omni>]',
      );
    }
    const transitive = Array.isArray(tags?.transitive_tag_keys)
      ? (tags?.transitive_tag_keys as string[])
      : [];
    if (!transitive.includes('agentkeys_actor_omni')) {
      throw sts('AccessDenied', 'AccessDenied', 'agentkeys_actor_omni is not among transitive_tag_keys');
    }
    const iat = Number(payload.iat);
    const exp = Number(payload.exp);
    if (!(exp - iat >= 60 && exp - iat <= 3600)) {
      throw new StepError(`the JWT lives ${exp - iat}s; BROKER_OIDC_JWT_TTL_SECONDS allows 60–3600`, {
        anchor: 'oidc-jwt-ttl',
      });
    }
    // The wallet only names the STS session; isolation keys off agentkeys_actor_omni.
    const wallet = String(payload.agentkeys_user_wallet ?? ''); // legacy v1 claim, kept for back-compat
    ctx.log(`sub ${sub}; actor ${omni}; lives ${exp - iat}s; session tag agentkeys_actor_omni is transitive`);
    ctx.values.set('claims', { sub, actorOmni: omni, wallet, exp } satisfies OidcClaims);
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/07-verify-oidc-jwt.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
