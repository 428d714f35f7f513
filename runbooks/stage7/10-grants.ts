// Step 10: exercises grants, which are create, list and revoke only (nothing consumes them at mint time):
// an invalid grant is refused, a grant is created, listed, revoked, and a second revoke answers 400.
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { isMain, runAlone } from '../lib/alone.ts';
import { brokerMessage, expectJson } from '../lib/http.ts';
import { defineStep, StepError } from '../lib/step.ts';
import type { Actor } from './05-session-jwt.ts';

interface Grant {
  grant_id: string;
  daemon_address: string;
  revoked_at: number | string | null;
}

export const step = defineStep({
  id: '10',
  slug: 'grants',
  title: 'Exercise grants (CRUD only)',
  doc: 'step-10-grants',
  needs: ['preflight', 'sessionJwt', 'actor'],
  produces: [],
  mutates: true,
  changes: ['create one grant for a throw-away daemon address and revoke it (both stay in the broker audit)'],
  async run(ctx) {
    const bearer = ctx.values.get<string>('sessionJwt');
    const { omni } = ctx.values.get<Actor>('actor');
    // A fresh address that no daemon holds, so the grant can never be used for anything.
    const daemon = privateKeyToAccount(generatePrivateKey()).address;
    const grant = {
      daemon_address: daemon,
      service: 'runbook-probe',
      scope_path: `bots/${omni}/credentials/runbook-probe.enc`,
      expires_at: Math.floor(Date.now() / 1000) + 600,
      max_uses: 1,
    };

    const invalid = await ctx.broker('POST', '/v1/grant/create', { bearer, body: { ...grant, max_uses: 0 } });
    if (invalid.status !== 400) {
      throw new StepError(`a grant with max_uses 0 answered ${invalid.status}, expected 400`, {
        hint: 'the broker does not validate grants as Stage 7 specifies',
      });
    }
    ctx.log(`create with max_uses 0 → 400 ${brokerMessage(invalid)}`);

    const created = expectJson<{ grant_id: string }>(
      await ctx.broker('POST', '/v1/grant/create', { bearer, body: grant }),
      200,
    );
    if (!/^grn-/.test(created.grant_id))
      throw new StepError(`grant id ${created.grant_id} does not start with grn-`);
    ctx.log(`created ${created.grant_id} for daemon ${daemon}`);

    const listed = async () => {
      const list = expectJson<{ grants: Grant[] }>(
        await ctx.broker('GET', '/v1/grant/list', { bearer }),
        200,
      );
      const found = list.grants.find((g) => g.grant_id === created.grant_id);
      if (!found) throw new StepError(`GET /v1/grant/list does not list ${created.grant_id}`);
      return found;
    };
    if ((await listed()).revoked_at !== null)
      throw new StepError(`${created.grant_id} is listed as revoked before the revoke`);
    ctx.log(`listed ${created.grant_id}, not revoked`);

    const revoke = () =>
      ctx.broker('POST', '/v1/grant/revoke', { bearer, body: { grant_id: created.grant_id } });
    const revoked = expectJson<{ revoked_at: unknown }>(await revoke(), 200);
    if ((await listed()).revoked_at === null)
      throw new StepError(`${created.grant_id} is still listed as active after revoke`);
    ctx.log(`revoked ${created.grant_id} at ${revoked.revoked_at}`);

    const again = await revoke();
    if (again.status !== 400) {
      throw new StepError(`a repeat revoke answered ${again.status}, expected 400`, {
        hint: 'the broker treats a repeat revoke as a silent success; Stage 7 answers 400',
      });
    }
    ctx.log(`repeat revoke → 400 ${brokerMessage(again)}`);
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/10-grants.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
