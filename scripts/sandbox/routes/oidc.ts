// The OIDC issuer documents AWS reads: discovery and the JWKS holding the OIDC key only.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { TAGS_CLAIM } from '../tokens.ts';

export function oidcRoutes(app: Hono, ctx: BrokerContext): void {
  const { issuer } = ctx.config;
  const discovery = {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    scopes_supported: ['openid'],
    token_endpoint_auth_methods_supported: ['none'],
    // Exactly the claims a minted JWT carries (the wallet claim stays for back-compat policies).
    claims_supported: [
      'iss',
      'sub',
      'aud',
      'iat',
      'exp',
      // drift-ignore-next-line the v1 wallet claim is still emitted, so discovery lists it
      'agentkeys_user_wallet',
      'agentkeys_actor_omni',
      TAGS_CLAIM,
    ],
  };
  const jwks = { keys: [ctx.oidcKey.publicJwk] };

  app.get('/.well-known/openid-configuration', (c) => c.json(discovery));
  app.get('/.well-known/jwks.json', (c) => c.json(jwks));
}
