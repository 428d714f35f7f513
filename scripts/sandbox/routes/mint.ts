// POST /v1/mint-oidc-jwt: a fresh OIDC JWT per call, one mint_log row per mint, no cache.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { ApiError, bearerToken } from '../http.ts';
import { signOidcJwt, verifySessionJwt } from '../tokens.ts';

export function mintRoutes(app: Hono, ctx: BrokerContext): void {
  app.post('/v1/mint-oidc-jwt', async (c) => {
    const { config, counters } = ctx;
    let minted: Awaited<ReturnType<typeof signOidcJwt>>;
    try {
      const session = await verifySessionJwt(ctx.sessionKey, config.issuer, bearerToken(c), ctx.now());
      minted = await signOidcJwt(ctx.oidcKey, config.issuer, session, ctx.now(), config.oidcJwtTtlSeconds);
      try {
        ctx.store.logMint({
          minted_at: ctx.now(),
          actor_omni: session.omni_account,
          wallet: minted.wallet,
          requested_role: 'oidc_jwt',
          kid: ctx.oidcKey.kid,
          jwt_exp: minted.exp,
        });
        counters.agentkeys_broker_audit_writes_total++;
      } catch {
        counters.agentkeys_broker_audit_writes_failed_total++;
        throw new ApiError('audit_error', 'could not write the mint_log row; no token was issued');
      }
    } catch (error) {
      counters.agentkeys_broker_mints_failed_total++;
      throw error;
    }
    counters.agentkeys_broker_mints_total++;
    return c.json({ jwt: minted.jwt, wallet: minted.wallet, expiration: minted.exp });
  });
}
