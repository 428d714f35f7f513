// Step 3: checks the OIDC discovery document and JWKS the way AWS reads them: the issuer byte for byte,
// no trailing slash or path, https (except on the sandbox), jwks_uri, ES256, and a published signing key.
import { isMain, runAlone } from '../lib/alone.ts';
import { expectJson, request } from '../lib/http.ts';
import { defineStep, StepError } from '../lib/step.ts';

export interface Jwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

export interface OidcIssuer {
  issuer: string;
  /** Host (and port) of the issuer: the IAM provider name and the trust policy's condition prefix. */
  host: string;
  jwks: { keys: Jwk[] };
}

const invalidToken = { anchor: 'sts-invalid-identity-token' };

export const step = defineStep({
  id: '03',
  slug: 'oidc-issuer',
  title: 'Verify the OIDC issuer',
  doc: 'step-3-oidc-issuer',
  needs: ['preflight'],
  produces: ['oidc'],
  mutates: false,
  async run(ctx) {
    const discovery = expectJson<Record<string, unknown>>(
      await ctx.broker('GET', '/.well-known/openid-configuration'),
      200,
    );
    const issuer = discovery.issuer;
    if (typeof issuer !== 'string' || issuer === '') {
      throw new StepError('the discovery document has no issuer', {
        ...invalidToken,
        hint: 'the broker is misconfigured',
      });
    }
    const expected = ctx.target.expectedIssuer;
    if (expected !== undefined && issuer !== expected) {
      throw new StepError(
        `discovery issuer ${JSON.stringify(issuer)} differs from BROKER_OIDC_ISSUER ${JSON.stringify(expected)}`,
        {
          ...invalidToken,
          hint: 'STS compares the iss claim with the registered provider URL byte for byte and answers InvalidIdentityToken',
        },
      );
    }
    if (issuer.endsWith('/')) {
      throw new StepError(`the issuer ${issuer} ends with a slash`, {
        ...invalidToken,
        hint: 'remove the trailing slash from BROKER_OIDC_ISSUER; the IAM provider URL has none',
      });
    }
    const url = new URL(issuer);
    if (url.pathname !== '/' || url.search || url.hash) {
      throw new StepError(`the issuer ${issuer} has a path, query or fragment`, {
        ...invalidToken,
        hint: 'BROKER_OIDC_ISSUER must be https://<BROKER_HOST> and nothing more',
      });
    }
    if (url.protocol !== 'https:' && ctx.target.kind !== 'sandbox') {
      throw new StepError(`the issuer ${issuer} is not https`, {
        anchor: 'oidc-issuer',
        hint: 'AWS only trusts https issuers; http is for the sandbox (BROKER_DEV_MODE=true) only',
      });
    }
    ctx.log(
      `issuer ${issuer} matches${expected === undefined ? ' (no BROKER_OIDC_ISSUER to compare)' : ' BROKER_OIDC_ISSUER'}`,
    );

    const jwksUri = `${issuer}/.well-known/jwks.json`;
    if (discovery.jwks_uri !== jwksUri) {
      throw new StepError(`jwks_uri is ${JSON.stringify(discovery.jwks_uri)}, expected ${jwksUri}`, {
        ...invalidToken,
        hint: 'STS fetches the keys from jwks_uri; it must sit under the issuer',
      });
    }
    const algs = discovery.id_token_signing_alg_values_supported;
    if (!Array.isArray(algs) || !algs.includes('ES256')) {
      throw new StepError(
        `id_token_signing_alg_values_supported is ${JSON.stringify(algs)}, expected ES256`,
        invalidToken,
      );
    }

    // STS fetches the JWKS from the public jwks_uri; on the sandbox that is the broker itself.
    const jwksUrl = ctx.target.kind === 'sandbox' ? `${ctx.target.brokerUrl}/.well-known/jwks.json` : jwksUri;
    const jwks = expectJson<{ keys?: Jwk[] }>(await request('GET', jwksUrl, { signal: ctx.signal }), 200);
    const keys = Array.isArray(jwks.keys) ? jwks.keys : [];
    const signing = keys.filter((k) => k.kty === 'EC' && k.crv === 'P-256' && k.alg === 'ES256' && k.kid);
    if (signing.length === 0) {
      throw new StepError(`the JWKS at ${jwksUrl} holds no ES256 P-256 key with a kid`, {
        anchor: 'oidc-keypair',
        hint: 'a broker without its OIDC key does not start at all, so something else answers at this URL (a proxy or another service)',
      });
    }
    const leaked = keys.filter((k) => k.kid?.startsWith('ak-session-'));
    if (leaked.length > 0) {
      throw new StepError(`the JWKS publishes the session key ${leaked[0]?.kid}`, {
        anchor: 'session-keypair',
        hint: 'BROKER_SESSION_KEYPAIR_PATH points at the OIDC key file; they must differ',
      });
    }
    ctx.log(`jwks_uri ${jwksUri}; ES256 keys: ${signing.map((k) => k.kid).join(', ')}`);

    const oidc: OidcIssuer = { issuer, host: url.host, jwks: { keys } };
    ctx.values.set('oidc', oidc);
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/03-oidc-issuer.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
