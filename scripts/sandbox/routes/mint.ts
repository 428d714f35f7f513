// POST /v1/mint-oidc-jwt: a fresh OIDC JWT per call (no cache, no body read) and one mint_log row per
// call that got as far as checking its session JWT, refused ones included.
import type { Hono } from 'hono';
import type { BrokerContext } from '../context.ts';
import { BrokerError } from '../http.ts';
import { session, sessionAuth } from '../session.ts';
import { sha256Hex, signOidcJwt } from '../tokens.ts';

export function mintRoutes(app: Hono, ctx: BrokerContext): void {
  const { config } = ctx;

  const audit = (
    token: string,
    wallet: string,
    session: string,
    outcome: 'ok' | 'auth_failed',
    detail: string | null,
  ) => {
    try {
      ctx.store.logMint({
        minted_at: ctx.now(),
        requester_token_hash: sha256Hex(token),
        requester_wallet: wallet,
        requested_role: 'oidc_jwt',
        session_duration_seconds: config.oidcJwtTtlSeconds,
        sts_session_name: session,
        outcome,
        outcome_detail: detail,
      });
    } catch (error) {
      throw new BrokerError('audit_error', `insert mint: ${(error as Error).message}`);
    }
  };

  app.post('/v1/mint-oidc-jwt', sessionAuth(ctx, { missing: 'missing Authorization header' }), (c) => {
    const token = session(c).token();
    let wallet: string;
    try {
      wallet = session(c).claims().agentkeys.wallet_address;
    } catch (error) {
      // The refusal is recorded on a best-effort basis; the answer is the refusal either way.
      try {
        audit(token, 'unknown', '(unauthenticated)', 'auth_failed', (error as Error).message);
      } catch {}
      throw error;
    }
    // Sessions without a wallet (email, Google) mint for the empty wallet, exactly as the broker does.
    const minted = signOidcJwt(ctx.oidcKey, config.issuer, wallet, ctx.now(), config.oidcJwtTtlSeconds);
    audit(token, wallet, ctx.oidcKey.kid, 'ok', null);
    return c.json({ jwt: minted.jwt, wallet, expiration: minted.exp });
  });
}
