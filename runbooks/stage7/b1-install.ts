// Step B1 (broker host): installs the broker binary at /usr/local/bin/agentkeys-broker-server — the one
// AGENTKEYS_BROKER_BIN names, or on the sandbox its stand-in — and checks that it answers like the broker.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import type { RunContext } from '../lib/context.ts';
import { REPO_ROOT } from '../lib/env.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import {
  type BrokerHost,
  HOST_PORT,
  layout,
  notHere,
  parseEnvFile,
  readIfExists,
  SERVICE_USER,
  sandboxRoot,
  sha256,
  shown,
  skipsOn,
} from './host.ts';

/** The sandbox's stand-in for the binary: a launcher of the sandbox CLI, linked in as a package would be. */
export const STAND_IN = path.join(REPO_ROOT, 'bin/agentkeys-broker-standin');

const chosen = new WeakMap<object, Promise<BrokerHost>>();

/**
 * The host layout; on the sandbox its port is the one an earlier run wrote into the env file, else a free
 * one, chosen once per run so that a dry run's plans agree with each other.
 */
export function hostFor(ctx: RunContext): Promise<BrokerHost> {
  if (ctx.values.has('brokerHost')) return Promise.resolve(ctx.values.get<BrokerHost>('brokerHost'));
  let host = chosen.get(ctx.values);
  if (!host) {
    host = layoutFor(ctx);
    chosen.set(ctx.values, host);
  }
  return host;
}

async function layoutFor(ctx: RunContext): Promise<BrokerHost> {
  if (ctx.target.kind !== 'sandbox') return layout('host', '/', HOST_PORT);
  const root = sandboxRoot(ctx);
  const known = readIfExists(layout('sandbox', root, 0).envFile);
  const issuer = known ? parseEnvFile(known).BROKER_OIDC_ISSUER : undefined;
  const port = Number(/^http:\/\/127\.0\.0\.1:(\d+)$/.exec(issuer ?? '')?.[1] ?? 0);
  const { freePort } = await import('../../scripts/sandbox/moto.ts');
  return layout('sandbox', root, port || (await freePort()));
}

/** What B1 installs: AGENTKEYS_BROKER_BIN copied in, or the stand-in linked in; undefined when already there. */
function pending(ctx: RunContext, host: BrokerHost): string | undefined {
  const given = ctx.settings.brokerBin;
  if (!given) {
    let linked: string | undefined;
    try {
      linked = readlinkSync(host.bin);
    } catch {
      linked = undefined;
    }
    return linked === STAND_IN
      ? undefined
      : `link the sandbox stand-in (bin/agentkeys-broker-standin) as ${shown(host.bin)}`;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(given);
  } catch (error) {
    throw new StepError(`AGENTKEYS_BROKER_BIN=${given} cannot be read: ${(error as Error).message}`, {
      hint: 'build the broker (cargo build --release -p agentkeys-broker-server) and point AGENTKEYS_BROKER_BIN at target/release/agentkeys-broker-server',
      anchor: 'broker-process',
      exitCode: 2,
    });
  }
  const installed = existsSync(host.bin) ? readFileSync(host.bin) : undefined;
  return installed && sha256(installed) === sha256(bytes)
    ? undefined
    : `install ${given} as ${shown(host.bin)} (mode 0755)`;
}

export const step = defineStep({
  id: 'b1',
  slug: 'install',
  title: 'Install the broker binary',
  doc: 'step-b1-install',
  where: 'broker host',
  needs: [],
  produces: ['brokerHost'],
  mutates: true,
  skipsOn,
  changes: ['install agentkeys-broker-server at /usr/local/bin (0755) and add the system user agentkeys'],
  async plan(ctx) {
    const why = notHere(ctx);
    if (why) return [why];
    const host = await hostFor(ctx);
    return [pending(ctx, host) ?? `nothing: ${shown(host.bin)} is in place`];
  },
  async run(ctx) {
    const why = notHere(ctx);
    if (why) return skipped(why);
    const host = await hostFor(ctx);
    const action = pending(ctx, host);
    let installed = false;
    if (action) {
      mkdirSync(path.dirname(host.bin), { recursive: true, mode: 0o755 });
      // Beside it, then renamed: a running binary cannot be written over (ETXTBSY), but it can be replaced.
      const temp = `${host.bin}.tmp-${process.pid}`;
      rmSync(temp, { force: true });
      if (ctx.settings.brokerBin) {
        copyFileSync(ctx.settings.brokerBin, temp);
        chmodSync(temp, 0o755);
      } else {
        symlinkSync(STAND_IN, temp);
      }
      renameSync(temp, host.bin);
      installed = true;
      ctx.log(
        action
          .replace(/^(link|install) /, '$1ed ')
          .replace(/^linked/, 'linked')
          .replace(/^installed/, 'installed'),
      );
    } else {
      ctx.log(`${shown(host.bin)} is in place`);
    }
    // The binary must answer like agentkeys-broker-server: its help names the keygen subcommand.
    const help = await $`${host.bin} --help`.quiet().nothrow();
    if (help.exitCode !== 0 || !/keygen/.test(help.stdout + help.stderr)) {
      throw new StepError(`${shown(host.bin)} --help exited ${help.exitCode} without naming keygen`, {
        hint: 'AGENTKEYS_BROKER_BIN is not an agentkeys-broker-server binary built for this machine',
        anchor: 'broker-process',
      });
    }
    ctx.log(`${shown(host.bin)} --help lists the keygen subcommand`);
    if (host.kind === 'host') {
      // The service runs as its own unprivileged user, which owns the data folder and the keys.
      const user = await $`id -u ${SERVICE_USER}`.quiet().nothrow();
      if (user.exitCode !== 0) {
        await $`useradd --system --home-dir ${host.dataDir} --no-create-home --shell /usr/sbin/nologin ${SERVICE_USER}`;
        installed = true;
        ctx.log(`added the system user ${SERVICE_USER}`);
      }
    }
    ctx.values.set('brokerHost', host);
    return installed ? changed(`installed ${shown(host.bin)}`) : passed('already installed');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/b1-install.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
