// The OIDC issuer documents AWS reads: discovery and the JWKS holding the OIDC key only.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { TAGS_CLAIM } from '../tokens.ts';

// The broker advertises these claims, including several its JWTs do not carry at this commit
// (nbf and the agentkeys_attested_at … agentkeys_operation group).
// drift-ignore-start the discovery document still lists the v1 wallet claim
const CLAIMS_SUPPORTED = [
  'iss',
  'sub',
  'aud',
  'iat',
  'exp',
  'nbf',
  'agentkeys_attested_at',
  'agentkeys_enclave_tier',
  'agentkeys_child_wallet',
  'agentkeys_grant_id',
  'agentkeys_operation',
  'agentkeys_user_wallet',
  'agentkeys_actor_omni',
  TAGS_CLAIM,
];
// drift-ignore-end

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
    claims_supported: CLAIMS_SUPPORTED,
  };
  const jwks = { keys: [ctx.oidcKey.publicJwk] };

  app.get('/.well-known/openid-configuration', (c) => c.json(discovery));
  app.get('/.well-known/jwks.json', (c) => c.json(jwks));
}
