// Step 11: confirms the retired surfaces are gone — the broker-side AWS mint (/v1/mint-aws-creds) and the
// legacy exchange (/v1/auth/exchange) were removed and return 404 — and that two mints give two JWTs.
import { isMain, runAlone } from '../lib/alone.ts';
import { expectJson } from '../lib/http.ts';
import { defineStep, StepError } from '../lib/step.ts';

/** Routes removed in PR #96; each must answer 404 now, even to a valid bearer. */
// drift-ignore-next-line these are the retired routes this step proves answer 404
export const RETIRED_ROUTES = ['/v1/mint-aws-creds', '/v1/auth/exchange'] as const;

export const step = defineStep({
  id: '11',
  slug: 'retired-surfaces',
  title: 'Confirm the retired surfaces are gone',
  doc: 'step-11-retired-surfaces',
  needs: ['preflight', 'sessionJwt'],
  produces: [],
  mutates: false,
  async run(ctx) {
    const bearer = ctx.values.get<string>('sessionJwt');
    for (const route of RETIRED_ROUTES) {
      const res = await ctx.broker('POST', route, { bearer, body: {} });
      if (res.status !== 404) {
        throw new StepError(`POST ${route} answered ${res.status}; this retired route must return 404`, {
          hint: 'the broker runs a build from before PR #96: upgrade it',
          anchor: 'step-11-retired-surfaces',
        });
      }
      ctx.log(`POST ${route} → 404 (retired)`);
    }

    // No server-side dedup: each mint signs a new JWT, so two mints never match.
    const mint = async () => {
      const { jwt } = expectJson<{ jwt: string }>(
        await ctx.broker('POST', '/v1/mint-oidc-jwt', { bearer }),
        200,
      );
      ctx.secret(jwt);
      return jwt;
    };
    const first = await mint();
    const second = await mint();
    if (first === second) {
      throw new StepError('two mints returned the same JWT: something caches or dedups mints', {
        hint: 'a proxy or an old broker build caches POST /v1/mint-oidc-jwt; clients must get a fresh JWT each time',
      });
    }
    ctx.log('two mints returned two different JWTs (no server-side dedup)');
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/11-retired-surfaces.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
