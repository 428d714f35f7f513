// Step 2: asks the broker whether it is alive (/healthz) and ready (/readyz), and explains every check
// that is not ready, with the troubleshooting section that fixes it.
import { expBackoff, retry } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import { brokerMessage, parseJson } from '../lib/http.ts';
import { defineStep, passed, StepError } from '../lib/step.ts';

interface ReadinessCheck {
  name: string;
  status: 'ready' | 'degraded' | 'unready';
  /** Why the check is not ready (the broker's field); `detail` is read too, for older stand-ins. */
  reason?: string;
  detail?: string;
  docs?: string;
}

interface Readiness {
  status: 'ready' | 'degraded' | 'unready';
  degraded: boolean;
  checks: ReadinessCheck[];
  ready: string[];
}

/** The troubleshooting anchor the broker links a check to: its name with `/` and `_` as `-`. */
const anchorOf = (name: string) => name.replace(/[/_]/g, '-');

export const step = defineStep({
  id: '02',
  slug: 'broker-health',
  title: 'Check broker health',
  doc: 'step-2-broker-health',
  needs: ['preflight'],
  produces: [],
  mutates: false,
  async run(ctx) {
    // A broker that is still starting answers 503 for a moment; give it a few tries.
    const health = await retry(4, expBackoff('2s', '250ms'), async () => {
      const res = await ctx.broker('GET', '/healthz', { attempts: 1 });
      if (res.status !== 200)
        throw new StepError(`GET /healthz answered ${res.status}: ${brokerMessage(res)}`);
      return res;
    });
    if (health.text.trim() !== 'ok') {
      throw new StepError(`GET /healthz answered 200 with "${health.text.slice(0, 40)}", expected "ok"`, {
        hint: 'something other than the broker answers at this URL',
      });
    }
    ctx.log('GET /healthz → 200 ok');

    const res = await ctx.broker('GET', '/readyz');
    if (res.status !== 200 && res.status !== 503) {
      throw new StepError(`GET /readyz answered ${res.status}: ${brokerMessage(res)}`, {
        hint: 'a proxy in front of the broker rewrites the answer, or the broker is too old for Stage 7',
      });
    }
    const body = parseJson<Readiness>(res);
    if (!Array.isArray(body.checks) || !Array.isArray(body.ready) || typeof body.status !== 'string') {
      throw new StepError('GET /readyz answered without status, checks and ready', {
        hint: 'the broker is older than Stage 7, or a proxy rewrites the body',
      });
    }
    ctx.log(`GET /readyz → ${res.status} ${body.status}; ready: ${body.ready.join(', ') || 'none'}`);
    for (const check of body.checks) {
      const link = ctx.docs(check.docs ? check.docs.replace(/^.*#/, '') : anchorOf(check.name));
      ctx.log(
        `  ${check.name}: ${check.status} — ${check.reason ?? check.detail ?? 'no reason given'} (read ${link})`,
      );
    }

    const notReady = body.checks.filter((c) => c.status === 'unready');
    if (res.status === 503 || body.status === 'unready') {
      const first = notReady[0];
      throw new StepError(
        `the broker is not ready: ${notReady.map((c) => `${c.name} (${c.reason ?? c.detail})`).join('; ')}`,
        {
          hint: 'each check above names what is missing; fix it and restart the broker',
          anchor: first ? (first.docs?.replace(/^.*#/, '') ?? anchorOf(first.name)) : undefined,
        },
      );
    }
    if (body.status === 'degraded') {
      return passed(
        `degraded: ${body.checks.map((c) => c.name).join(', ')} — serving, but read the linked sections`,
      );
    }
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/02-broker-health.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
