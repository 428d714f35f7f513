// Step B2 (broker host): makes the broker's two ES256 keys with its own `keygen` (mode 0600). An existing key
// of the right kind is kept; anything else at its path is refused, never overwritten. AGENTKEYS_ROTATE_KEYS
// asks for a new key: the old file is moved aside first.
import { renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { isMain, runAlone } from '../lib/alone.ts';
import type { RunContext } from '../lib/context.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import { hostFor } from './b1-install.ts';
import { type BrokerHost, notHere, readIfExists, SERVICE_USER, shown, skipsOn } from './host.ts';

type Purpose = 'oidc' | 'session';

export interface BrokerKeys {
  oidc: { path: string; kid: string };
  session: { path: string; kid: string };
}

const ANCHOR = { oidc: 'oidc-keypair', session: 'session-keypair' } as const;

/** The keys as the plan of a later step sees them: where they are, with the kid of those that exist. */
export async function plannedKeys(ctx: RunContext): Promise<BrokerKeys> {
  if (ctx.values.has('brokerKeys')) return ctx.values.get<BrokerKeys>('brokerKeys');
  const host = await hostFor(ctx);
  const at = (purpose: Purpose) => {
    const file = keyPath(ctx, host, purpose);
    const seen = readIfExists(file) === undefined ? undefined : inspect(file, purpose);
    return { path: file, kid: seen && 'kid' in seen ? seen.kid : '(not generated yet)' };
  };
  return { oidc: at('oidc'), session: at('session') };
}

/** Where each key goes: the operator's BROKER_*_KEYPAIR_PATH when set, else the host layout's. */
function keyPath(ctx: RunContext, host: BrokerHost, purpose: Purpose): string {
  const variable = purpose === 'oidc' ? 'BROKER_OIDC_KEYPAIR_PATH' : 'BROKER_SESSION_KEYPAIR_PATH';
  const given = host.kind === 'host' ? ctx.settings.brokerSettings[variable] : undefined;
  return given || (purpose === 'oidc' ? host.oidcKey : host.sessionKey);
}

/** The kid of a usable key file of this purpose, or why the file is not one (the broker's own rule). */
function inspect(file: string, purpose: Purpose): { kid: string } | { problem: string } {
  const text = readIfExists(file) as string;
  let parsed: { kid?: unknown; private_key_pem?: unknown; purpose?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'it is not the JSON keygen writes' };
  }
  if (typeof parsed.kid !== 'string' || typeof parsed.private_key_pem !== 'string')
    return { problem: 'it has no kid and private_key_pem' };
  // A file without purpose counts as an OIDC key; a session key must say so.
  const tag = parsed.purpose ?? (purpose === 'oidc' ? 'oidc' : undefined);
  if (tag !== purpose)
    return { problem: `its purpose is ${JSON.stringify(parsed.purpose ?? null)}, not "${purpose}"` };
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) return { problem: `it is readable by others (mode 0${mode.toString(8)}); chmod 600 it` };
  return { kid: parsed.kid };
}

async function keygen(ctx: RunContext, host: BrokerHost, purpose: Purpose, file: string): Promise<string> {
  const out = await $`${host.bin} keygen --purpose ${purpose} --out ${file}`.quiet().nothrow();
  const said = `${out.stderr}${out.stdout}`.trim();
  if (out.exitCode !== 0) {
    throw new StepError(`keygen --purpose ${purpose} failed: ${said.split('\n').at(-1)}`, {
      hint: 'keygen refuses an existing file and needs a writable folder',
      anchor: 'keygen',
    });
  }
  if (host.kind === 'host') await $`chown ${SERVICE_USER}:${SERVICE_USER} ${file}`;
  const kid = /kid=([^)\s]+)/.exec(said)?.[1] ?? '(unknown)';
  if ((statSync(file).mode & 0o777) !== 0o600)
    throw new StepError(`keygen left ${shown(file)} with a mode other than 0600`, {
      anchor: ANCHOR[purpose],
    });
  ctx.log(`keygen --purpose ${purpose}: kid ${kid}, ${shown(file)} (mode 0600)`);
  return kid;
}

export const step = defineStep({
  id: 'b2',
  slug: 'keygen',
  title: 'Generate the signing keys',
  doc: 'step-b2-keygen',
  where: 'broker host',
  needs: ['brokerHost'],
  produces: ['brokerKeys'],
  mutates: true,
  skipsOn,
  changes: ['generate the OIDC and the session key with agentkeys-broker-server keygen, where none exists'],
  async plan(ctx) {
    const why = notHere(ctx);
    if (why) return [why];
    const host = await hostFor(ctx);
    return (['oidc', 'session'] as const).map((purpose) => {
      const file = keyPath(ctx, host, purpose);
      if (readIfExists(file) === undefined)
        return `run ${shown(host.bin)} keygen --purpose ${purpose} --out ${shown(file)}`;
      if (ctx.settings.rotateKeys.includes(purpose))
        return `move ${shown(file)} aside and generate a new ${purpose} key`;
      const seen = inspect(file, purpose);
      return 'kid' in seen
        ? `nothing: keep ${shown(file)} (kid ${seen.kid})`
        : `refuse: ${shown(file)} — ${seen.problem}`;
    });
  },
  async run(ctx) {
    const why = notHere(ctx);
    if (why) return skipped(why);
    const host = ctx.values.get<BrokerHost>('brokerHost');
    if (host.kind === 'host') {
      await $`install -d -m 0700 -o ${SERVICE_USER} -g ${SERVICE_USER} ${host.dataDir} ${path.dirname(host.oidcKey)}`;
    }
    const keys: Partial<BrokerKeys> = {};
    let made = 0;
    for (const purpose of ['oidc', 'session'] as const) {
      const file = keyPath(ctx, host, purpose);
      if (readIfExists(file) !== undefined) {
        if (ctx.settings.rotateKeys.includes(purpose)) {
          const aside = `${file}.${Math.floor(Date.now() / 1000)}.bak`;
          renameSync(file, aside);
          ctx.log(`moved the old ${purpose} key to ${shown(aside)} (AGENTKEYS_ROTATE_KEYS)`);
        } else {
          const seen = inspect(file, purpose);
          if ('problem' in seen) {
            throw new StepError(
              `${shown(file)} is not a usable ${purpose} key: ${seen.problem}; nothing was overwritten`,
              {
                hint: `move the file away (or set AGENTKEYS_ROTATE_KEYS=${purpose} to have it moved) and run this step again`,
                anchor: ANCHOR[purpose],
              },
            );
          }
          ctx.log(`kept the ${purpose} key ${shown(file)} (kid ${seen.kid})`);
          keys[purpose] = { path: file, kid: seen.kid };
          continue;
        }
      }
      keys[purpose] = { path: file, kid: await keygen(ctx, host, purpose, file) };
      made += 1;
    }
    ctx.values.set('brokerKeys', keys as BrokerKeys);
    return made > 0 ? changed(`generated ${made} key(s)`) : passed('both keys already there');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/b2-keygen.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
