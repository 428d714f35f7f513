// Step 5: gets a session JWT — signs the broker's SIWE message with the operator's wallet (or the
// sandbox test wallet) through wallet/start and wallet/verify, or takes AGENTKEYS_SESSION_JWT as given.
import { decodeJwt } from 'jose';
import { privateKeyToAccount } from 'viem/accounts';
import { isMain, runAlone } from '../lib/alone.ts';
import { expectJson } from '../lib/http.ts';
import { defineStep, StepError } from '../lib/step.ts';
import { walletPrivateKey } from '../lib/wallet.ts';

export interface Actor {
  omni: string;
  wallet: string | null;
}

interface SessionClaims {
  exp?: number;
  agentkeys?: { omni_account?: string; wallet_address?: string };
}

export const step = defineStep({
  id: '05',
  slug: 'session-jwt',
  title: 'Get a session JWT',
  doc: 'step-5-session-jwt',
  needs: ['preflight'],
  produces: ['sessionJwt', 'actor'],
  secrets: ['sessionJwt'],
  mutates: false,
  async run(ctx) {
    const given = ctx.settings.sessionJwt;
    if (given) {
      ctx.secret(given);
      let claims: SessionClaims;
      try {
        claims = decodeJwt(given) as SessionClaims;
      } catch {
        throw new StepError('AGENTKEYS_SESSION_JWT is not a JWT', {
          hint: 'copy the session_jwt value whole',
          exitCode: 2,
        });
      }
      const omni = claims.agentkeys?.omni_account;
      if (!omni)
        throw new StepError('AGENTKEYS_SESSION_JWT has no agentkeys.omni_account claim', { exitCode: 2 });
      if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) {
        throw new StepError(`AGENTKEYS_SESSION_JWT expired at ${new Date(claims.exp * 1000).toISOString()}`, {
          hint: 'the broker answers 401 "expired:" to it; sign in again (unset it to sign in with the wallet key)',
        });
      }
      ctx.values.set('sessionJwt', given);
      ctx.values.set('actor', { omni, wallet: claims.agentkeys?.wallet_address ?? null } satisfies Actor);
      ctx.log(`using AGENTKEYS_SESSION_JWT for actor ${omni}`);
      return undefined;
    }

    const account = privateKeyToAccount(walletPrivateKey(ctx));
    const started = expectJson<{ request_id: string; siwe_message: string; expires_in_seconds: number }>(
      await ctx.broker('POST', '/v1/auth/wallet/start', { body: { address: account.address, chain_id: 1 } }),
      200,
      'the broker does not accept wallet sign-in: check BROKER_AUTH_METHODS includes wallet_sig',
    );
    // Sign only a message for this broker: the SIWE domain must be the host targeted or the issuer's host.
    const domain = started.siwe_message.split(' ')[0] ?? '';
    const hosts = [ctx.target.brokerUrl, ctx.target.expectedIssuer]
      .filter(Boolean)
      .map((u) => new URL(u as string).host);
    if (!hosts.includes(domain)) {
      throw new StepError(
        `the SIWE message is for ${domain}, not ${hosts.join(' or ')}; refusing to sign it`,
        {
          hint: 'a proxy rewrites the Host header, or the broker is configured for another host name',
        },
      );
    }
    // The broker writes the address in lowercase on the message's second line.
    const named = started.siwe_message.split('\n')[1]?.trim().toLowerCase();
    if (named !== account.address.toLowerCase()) {
      throw new StepError('the SIWE message does not name the wallet that asked for it; refusing to sign it');
    }
    ctx.log(
      `SIWE request ${started.request_id} for ${account.address} (valid ${started.expires_in_seconds}s)`,
    );
    const signature = await account.signMessage({ message: started.siwe_message });

    const verified = expectJson<{
      session_jwt: string;
      expires_at: number | string;
      omni_account: string;
      wallet_address: string;
    }>(
      await ctx.broker('POST', '/v1/auth/wallet/verify', {
        body: { request_id: started.request_id, signature },
      }),
      200,
      'the signature did not recover to the address, or the sign-in request expired: run this step again',
    );
    ctx.secret(verified.session_jwt);
    ctx.values.set('sessionJwt', verified.session_jwt);
    ctx.values.set('actor', { omni: verified.omni_account, wallet: verified.wallet_address } satisfies Actor);
    ctx.log(
      `session JWT for actor ${verified.omni_account} (wallet ${verified.wallet_address}), expires ${verified.expires_at}`,
    );
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/05-session-jwt.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
