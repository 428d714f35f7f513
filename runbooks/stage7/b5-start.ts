// Step B5 (broker host): starts the broker as its unit says and waits until /healthz answers on loopback — or
// reads the BOOT_FAIL line (or plain start-up error) it printed on the way out and names the section that
// fixes it. On a host systemd runs it; on the sandbox the runner does, for the length of the run.
import { type ChildProcess, spawn } from 'node:child_process';
import { $ } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import type { RunContext } from '../lib/context.ts';
import { request } from '../lib/http.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import { hostFor } from './b1-install.ts';
import type { BrokerEnv } from './b3-env-file.ts';
import type { BrokerService } from './b4-service.ts';
import { type BrokerHost, notHere, SERVICE, shown, skipsOn } from './host.ts';

/** Sections for the broker's plain start-up errors, which name no anchor themselves. */
const STARTUP_ERRORS: Array<[RegExp, string]> = [
  [/missing required env var: set BROKER_DATA_ROLE_ARN/, 'data-role-arn'],
  [/missing required env var: BROKER_OIDC_ISSUER/, 'oidc-issuer-unset'],
  [/BROKER_OIDC_JWT_TTL_SECONDS/, 'oidc-jwt-ttl'],
  [/BROKER_SESSION_DURATION_SECONDS/, 'session-duration'],
  [/BROKER_SHUTDOWN_GRACE_SECONDS/, 'shutdown-grace'],
  [/session pubkey|pubkey export|chmod 0644/, 'session-pubkey-export'],
  [/audit error:/, 'mint-log-db'],
  [/Address already in use|os error 13|failed to lookup address/, 'listen-address'],
];

/** The failure a broker's last lines describe, with the section of the runbook page that explains it. */
export function bootFailure(output: string): StepError | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: log lines may carry colour codes.
  const text = output.replace(/\u001b\[[0-9;]*m/g, '');
  const boot = /BOOT_FAIL: .*?; see runbook §([a-z0-9-]+)/.exec(text);
  if (boot) {
    return new StepError(`the broker refused to boot: ${boot[0]}`, {
      hint: 'fix the value the line names in the env file (step B3: export it and run B3 again), then start again',
      anchor: boot[1],
    });
  }
  const error = /^(?:.*\s)?Error: (.+)$/m.exec(text)?.[1];
  if (!error) return undefined;
  const anchor = STARTUP_ERRORS.find(([pattern]) => pattern.test(error))?.[1] ?? 'startup-errors';
  return new StepError(`the broker stopped at start-up: ${error}`, {
    hint: 'a plain start-up error names no anchor; the section linked below explains this one',
    anchor,
  });
}

/** Polls /healthz on loopback until it answers 200, the broker exits, or time runs out. */
async function healthy(ctx: RunContext, url: string, gone: () => boolean, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && !gone() && !ctx.signal.aborted) {
    const res = await request('GET', `${url}/healthz`, {
      attempts: 1,
      timeoutMs: 1000,
      signal: ctx.signal,
    }).catch(() => undefined);
    if (res?.status === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The sandbox: the runner starts the binary as the unit would (its flags, the env file only) and stops it at the end. */
async function startHere(ctx: RunContext, host: BrokerHost, env: BrokerEnv, service: BrokerService) {
  const child: ChildProcess = spawn(host.bin, service.args, {
    env: { PATH: process.env.PATH, ...env.values },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  ctx.atEnd(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  ctx.log(`started ${shown(host.bin)} ${service.args.join(' ')}`);
  ctx.log(`  with the settings of ${shown(env.file)} (as systemd's EnvironmentFile= would)`);
  const url = `http://${host.bind}:${host.port}`;
  const up = await healthy(ctx, url, () => child.exitCode !== null, 90);
  if (!up) {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    throw (
      bootFailure(output) ??
      new StepError(`the broker did not answer /healthz on ${url} in time`, {
        hint: 'read its output above; a slow machine may need --timeout',
      })
    );
  }
  const listening = /broker listening on \S+/.exec(output)?.[0];
  if (listening) ctx.log(`  it logged: ${listening}`);
  return url;
}

/** A host: systemd runs the unit; (re)start it when it is not running or its files changed. */
async function startWithSystemd(ctx: RunContext, host: BrokerHost, env: BrokerEnv, service: BrokerService) {
  if (service.changed) await $`systemctl daemon-reload`;
  await $`systemctl enable ${SERVICE}`.quiet();
  const active = (await $`systemctl is-active ${SERVICE}`.quiet().nothrow()).stdout.trim() === 'active';
  const restart = !active || env.changed || service.changed;
  if (restart) {
    await $`systemctl restart ${SERVICE}`;
    ctx.log(`systemctl restart ${SERVICE}`);
  } else {
    ctx.log(`${SERVICE} is active and its files did not change: left running`);
  }
  const url = `http://${host.bind}:${host.port}`;
  if (!(await healthy(ctx, url, () => false, 30))) {
    const journal = await $`journalctl -u ${SERVICE} -n 50 --no-pager -o cat`.quiet().nothrow();
    throw (
      bootFailure(journal.stdout) ??
      new StepError(`${SERVICE} does not answer /healthz on ${url}`, {
        hint: `read journalctl -u ${SERVICE}; is the port taken by another process?`,
        anchor: 'listen-address',
      })
    );
  }
  return { url, restarted: restart };
}

export const step = defineStep({
  id: 'b5',
  slug: 'start',
  title: 'Start the broker',
  doc: 'step-b5-start',
  where: 'broker host',
  needs: ['brokerHost', 'brokerEnv', 'brokerService'],
  produces: ['brokerUp'],
  mutates: true,
  skipsOn,
  changes: [`enable and (re)start ${SERVICE}, then wait for /healthz on 127.0.0.1`],
  async plan(ctx) {
    const why = notHere(ctx);
    if (why) return [why];
    const host = await hostFor(ctx);
    return host.kind === 'sandbox'
      ? [`start ${shown(host.bin)} on ${host.bind}:${host.port} for this run (stopped when the run ends)`]
      : [`systemctl enable ${SERVICE}; restart it when it is not running or its files changed`];
  },
  async run(ctx) {
    const why = notHere(ctx);
    if (why) return skipped(why);
    const host = ctx.values.get<BrokerHost>('brokerHost');
    const env = ctx.values.get<BrokerEnv>('brokerEnv');
    const service = ctx.values.get<BrokerService>('brokerService');
    if (host.kind === 'sandbox') {
      const url = await startHere(ctx, host, env, service);
      ctx.log(`GET ${url}/healthz → 200 ok; the steps below call this broker (issuer ${env.issuer})`);
      ctx.useBroker(url, env.issuer);
      ctx.values.set('brokerUp', { url });
      return passed('running until the run ends');
    }
    const { url, restarted } = await startWithSystemd(ctx, host, env, service);
    ctx.log(`GET ${url}/healthz → 200 ok`);
    ctx.values.set('brokerUp', { url });
    return restarted ? changed(`${SERVICE} (re)started`) : passed('already running');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/b5-start.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
