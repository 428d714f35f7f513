// Step 6: mints an OIDC JWT with the session JWT as bearer (POST /v1/mint-oidc-jwt, no body).
// Every call signs a fresh JWT; the broker logs one mint_log row per call.
import { isMain, runAlone } from '../lib/alone.ts';
import { brokerMessage, parseJson } from '../lib/http.ts';
import { defineStep, StepError } from '../lib/step.ts';

export interface Minted {
  jwt: string;
  wallet: string;
  expiration: number;
}

export const step = defineStep({
  id: '06',
  slug: 'mint-oidc-jwt',
  title: 'Mint an OIDC JWT',
  doc: 'step-6-mint-oidc-jwt',
  needs: ['preflight', 'sessionJwt'],
  produces: ['oidcJwt'],
  secrets: ['oidcJwt'],
  mutates: false,
  async run(ctx) {
    const res = await ctx.broker('POST', '/v1/mint-oidc-jwt', {
      bearer: ctx.values.get<string>('sessionJwt'),
    });
    if (res.status === 401) {
      const message = brokerMessage(res);
      throw new StepError(`the broker refused the session JWT: ${message}`, {
        // The broker says `unauthorized: session jwt verify: ExpiredSignature` (or `… expired: …`).
        hint: /ExpiredSignature|\bexpired:/.test(message)
          ? 'the session JWT expired: get a new one (step 5)'
          : 'the session JWT was not signed by this broker (another broker, or its session key changed): get a new one (step 5)',
        anchor: 'step-5-session-jwt',
      });
    }
    if (res.status !== 200) {
      throw new StepError(`POST /v1/mint-oidc-jwt answered ${res.status}: ${brokerMessage(res)}`, {
        hint:
          res.status >= 500
            ? 'the broker could not sign or audit the mint: check /readyz (step 2)'
            : undefined,
      });
    }
    const minted = parseJson<Minted>(res);
    ctx.secret(minted.jwt);
    if (
      typeof minted.jwt !== 'string' ||
      minted.jwt.split('.').length !== 3 ||
      typeof minted.expiration !== 'number'
    ) {
      throw new StepError('POST /v1/mint-oidc-jwt answered without a jwt and a numeric expiration');
    }
    const left = minted.expiration - Math.floor(Date.now() / 1000);
    ctx.values.set('oidcJwt', minted.jwt);
    ctx.log(
      `minted an OIDC JWT for ${minted.wallet}; expires in ${left}s (${new Date(minted.expiration * 1000).toISOString()})`,
    );
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/06-mint-oidc-jwt.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
