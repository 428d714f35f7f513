// Step 1: checks the tools, the variables and that the broker answers, before anything else runs.
// Missing pieces end the run with exit code 2 and say where each one comes from.
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { $, which } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import { awsError } from '../lib/aws.ts';
import type { RunContext } from '../lib/context.ts';
import { defineStep, StepError } from '../lib/step.ts';
import { sandboxWalletFile } from '../lib/wallet.ts';

interface Missing {
  name: string;
  from: string;
}

async function checkTools(ctx: RunContext): Promise<Missing[]> {
  const missing: Missing[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20)
    missing.push({
      name: `Node.js 20 or newer (found ${process.version})`,
      from: 'nodejs.org or your package manager',
    });
  else ctx.log(`node ${process.version}`);
  // curl is what the page's hand-run examples use; the runner itself does not need it.
  if (await which('curl', { nothrow: true })) {
    const version = await $`curl --version`.quiet().nothrow();
    ctx.log(`curl ${version.stdout.split(' ')[1] ?? '(unknown version)'}`);
  } else {
    ctx.log('curl not found: the runner does not need it, the hand-run examples on the page do');
  }
  return missing;
}

function checkVariables(ctx: RunContext): Missing[] {
  const { settings, target } = ctx;
  const missing: Missing[] = [];
  if (settings.walletPrivateKey && !/^0x[0-9a-fA-F]{64}$/.test(settings.walletPrivateKey)) {
    missing.push({
      name: 'AGENTKEYS_WALLET_PRIVATE_KEY in the form 0x + 64 hex',
      from: "your operator wallet's export",
    });
  }
  if (settings.dataRoleArn && !/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(settings.dataRoleArn)) {
    missing.push({
      name: 'AGENTKEYS_DATA_ROLE_ARN as arn:aws:iam::<account>:role/<name>',
      from: 'the IAM console',
    });
  }
  if (target.kind === 'sandbox') return missing;
  if (!settings.expectedIssuer) {
    missing.push({
      name: 'BROKER_OIDC_ISSUER',
      from: "the broker's own environment: the issuer URL it was started with",
    });
  }
  if (!settings.walletPrivateKey && !settings.sessionJwt) {
    missing.push({
      name: 'AGENTKEYS_WALLET_PRIVATE_KEY or AGENTKEYS_SESSION_JWT',
      from: "your operator wallet's key, or a session JWT from an earlier sign-in",
    });
  }
  return missing;
}

export const step = defineStep({
  id: '01',
  slug: 'preflight',
  title: 'Check the prerequisites',
  doc: 'step-1-preflight',
  needs: [],
  produces: ['preflight'],
  mutates: false,
  async run(ctx) {
    const missing = [...(await checkTools(ctx)), ...checkVariables(ctx)];
    if (ctx.target.kind === 'sandbox' && !ctx.settings.walletPrivateKey && !ctx.settings.sessionJwt) {
      const file = sandboxWalletFile(ctx.target);
      if (!file)
        missing.push({
          name: 'the sandbox test wallet',
          from: 'the sandbox folder (restart `npm run sandbox`)',
        });
      else ctx.log(`signing in with the sandbox test wallet (${file})`);
    }
    if (missing.length > 0) {
      for (const m of missing) ctx.log(`missing: ${m.name} — from ${m.from}`);
      throw new StepError(`missing: ${missing.map((m) => m.name).join('; ')}`, {
        hint: missing.map((m) => `${m.name} comes from ${m.from}`).join('; '),
        exitCode: 2,
      });
    }

    const health = await ctx.broker('GET', '/healthz', { attempts: 3 }).catch((error: StepError) => {
      throw new StepError(`the broker at ${ctx.target.brokerUrl} is not reachable: ${error.message}`, {
        hint: error.hint ?? 'the broker is not running, or the URL is wrong',
        exitCode: 2,
      });
    });
    if (health.status !== 200) {
      throw new StepError(`GET /healthz answered ${health.status}, expected 200`, {
        hint: 'something other than a Stage 7 broker answers at this URL, or it is failing',
        exitCode: 2,
      });
    }
    ctx.log(`broker reachable at ${ctx.target.brokerUrl}`);

    const awsSteps = ctx.plan.filter((s) => s.usesAws).map((s) => s.id);
    if (awsSteps.length === 0) {
      ctx.log('no AWS step planned: AWS credentials not checked');
    } else if (!ctx.aws) {
      ctx.log(`the sandbox runs without moto: the AWS steps (${awsSteps.join(', ')}) will be skipped`);
    } else if (ctx.aws.emulated) {
      ctx.log(`AWS calls go to the emulator at ${ctx.target.awsEndpoint}`);
    } else {
      try {
        const me = await ctx.aws.sts.send(new GetCallerIdentityCommand({}), { abortSignal: ctx.signal });
        ctx.log(`AWS account ${me.Account} as ${me.Arn}`);
      } catch (error) {
        const cause = awsError('sts:GetCallerIdentity', error);
        throw new StepError(`no usable AWS credentials: ${cause.message}`, {
          hint: 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, from your AWS administrator',
          exitCode: 2,
        });
      }
    }
    ctx.values.set('preflight', { checkedAt: new Date().toISOString() });
    return undefined;
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/01-preflight.ts [--target URL]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
