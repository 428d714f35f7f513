// Step B3 (broker host): writes the broker's environment file (/etc/agentkeys/broker.env, mode 0600) from
// docs/reference/env.yaml: the issuer, the data role, the key and audit paths of this host, and every other
// broker setting set in your shell. A required value that is missing stops the step before anything is written.

import { type EnvVar, loadEnvSpec } from '../../scripts/reference/env-file.ts';
import { isMain, runAlone } from '../lib/alone.ts';
import type { RunContext } from '../lib/context.ts';
import { changed, defineStep, passed, StepError, skipped } from '../lib/step.ts';
import { hostFor } from './b1-install.ts';
import { type BrokerKeys, plannedKeys } from './b2-keygen.ts';
import {
  type BrokerHost,
  envValue,
  lineDiff,
  notHere,
  parseEnvFile,
  readIfExists,
  shown,
  skipsOn,
  writeOwned,
} from './host.ts';

export interface BrokerEnv {
  file: string;
  issuer: string;
  values: Record<string, string>;
  changed: boolean;
}

/** The env file as the plan of a later step sees it: the one B3 would write. */
export async function plannedEnv(ctx: RunContext): Promise<BrokerEnv> {
  if (ctx.values.has('brokerEnv')) return ctx.values.get<BrokerEnv>('brokerEnv');
  const host = await hostFor(ctx);
  const { text, values } = await envFileFor(ctx, host, await plannedKeys(ctx));
  return {
    file: host.envFile,
    issuer: values.BROKER_OIDC_ISSUER ?? '',
    values: parseEnvFile(text),
    changed: readIfExists(host.envFile) !== text,
  };
}

/** Where the broker's own start-up error for a missing value is explained (not a BOOT_FAIL anchor). */
const STARTUP_ANCHOR: Record<string, string> = {
  BROKER_OIDC_ISSUER: 'oidc-issuer-unset',
  BROKER_DATA_ROLE_ARN: 'data-role-arn',
};

/** Whether env.yaml's `required` makes the variable necessary for these values; undefined means it does not. */
function requiredBecause(
  variable: EnvVar,
  values: Record<string, string>,
  methods: string[],
): string | undefined {
  const rule = variable.required;
  if (rule === true) return 'required';
  if (typeof rule !== 'string') return undefined;
  const unless = /^true, unless (.+) is set$/.exec(rule);
  if (unless) {
    const others = [...(unless[1] as string).matchAll(/`(\w+)`/g)].map((m) => m[1] as string);
    return others.some((name) => values[name] !== undefined) ? undefined : 'required';
  }
  const method = /^when `(\w+)` is in `BROKER_AUTH_METHODS`$/.exec(rule)?.[1];
  if (method) return methods.includes(method) ? `required with ${method} in BROKER_AUTH_METHODS` : undefined;
  return undefined;
}

/** The env file's text and values, or the missing required values with their anchors. */
export async function envFileFor(ctx: RunContext, host: BrokerHost, keys: BrokerKeys) {
  const spec = loadEnvSpec();
  const brokerNames = new Set(spec.names('broker'));
  const shell = ctx.settings.brokerSettings;
  const ignored = Object.keys(shell).filter((name) => !brokerNames.has(name));
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(shell)) if (brokerNames.has(name)) values[name] = value;

  // This host's layout wins over the shell for the paths; the sandbox also owns the issuer (its port).
  values.BROKER_OIDC_KEYPAIR_PATH = keys.oidc.path;
  values.BROKER_SESSION_KEYPAIR_PATH = keys.session.path;
  values.BROKER_AUDIT_DB_PATH = host.auditDb;
  if (host.kind === 'sandbox') {
    values.BROKER_OIDC_ISSUER = `http://${host.bind}:${host.port}`;
    values.BROKER_DEV_MODE = 'true';
    if (!['BROKER_DATA_ROLE_ARN', 'BROKER_AGENT_ROLE_ARN', 'ACCOUNT_ID'].some((n) => n in values)) {
      const { SANDBOX_DATA_ROLE_ARN } = await import('../../scripts/sandbox/start.ts');
      values.BROKER_DATA_ROLE_ARN = SANDBOX_DATA_ROLE_ARN;
    }
  }

  const methods = (values.BROKER_AUTH_METHODS ?? String(spec.get('BROKER_AUTH_METHODS').default))
    .split(',')
    .map((m) => m.trim());
  const missing: Array<{ name: string; why: string; anchor: string }> = [];
  const lines = [
    '# Environment of agentkeys-broker.service, written by step B3 of the Stage 7 runbook from',
    '# docs/reference/env.yaml. systemd reads it (EnvironmentFile=); keep it mode 0600.',
  ];
  for (const group of spec.file.groups.filter((g) => g.readBy === 'broker')) {
    const set = group.vars.filter((v) => values[v.name] !== undefined);
    for (const variable of group.vars) {
      const why = requiredBecause(variable, values, methods);
      if (why && !values[variable.name]) {
        missing.push({
          name: variable.name,
          why,
          anchor: STARTUP_ANCHOR[variable.name] ?? variable.anchors?.[0] ?? 'env-vars',
        });
      }
    }
    if (set.length === 0) continue;
    lines.push('', `# ${group.title}`);
    for (const variable of set) lines.push(`${variable.name}=${envValue(values[variable.name] as string)}`);
  }
  return { text: `${lines.join('\n')}\n`, values, missing, ignored };
}

export const step = defineStep({
  id: 'b3',
  slug: 'env-file',
  title: 'Write the environment file',
  doc: 'step-b3-env-file',
  where: 'broker host',
  needs: ['brokerHost', 'brokerKeys'],
  produces: ['brokerEnv'],
  mutates: true,
  skipsOn,
  changes: [
    'write /etc/agentkeys/broker.env (mode 0600) from env.yaml and the BROKER_* settings of this shell',
  ],
  async plan(ctx) {
    const why = notHere(ctx);
    if (why) return [why];
    const host = await hostFor(ctx);
    const { text, missing } = await envFileFor(ctx, host, await plannedKeys(ctx));
    if (missing.length > 0) return missing.map((m) => `refuse: ${m.name} is not set (${m.why})`);
    const before = readIfExists(host.envFile);
    if (before === text) return [`nothing: ${shown(host.envFile)} is up to date`];
    return [`write ${shown(host.envFile)} (mode 0600):`, ...lineDiff(before, text).map((l) => `  ${l}`)];
  },
  async run(ctx) {
    const why = notHere(ctx);
    if (why) return skipped(why);
    const host = ctx.values.get<BrokerHost>('brokerHost');
    const { text, values, missing, ignored } = await envFileFor(
      ctx,
      host,
      ctx.values.get<BrokerKeys>('brokerKeys'),
    );
    for (const name of ignored)
      ctx.log(`left out ${name}: set in this shell, but the broker does not read it`);
    if (missing.length > 0) {
      const first = missing[0] as (typeof missing)[number];
      for (const m of missing) ctx.log(`missing: ${m.name} (${m.why})`);
      throw new StepError(
        `${missing.map((m) => m.name).join(', ')} not set; ${shown(host.envFile)} was not written`,
        {
          hint: `export ${first.name} in this shell and run the step again`,
          anchor: first.anchor,
          exitCode: 2,
        },
      );
    }
    const before = readIfExists(host.envFile);
    const written = writeOwned(host.envFile, text, 0o600);
    if (written.changed) {
      // The settings written (a new file) or the ones that changed (an existing file); comments are left out.
      const shownLines = lineDiff(before, text).filter((l) => /^([-+] )?\w+=/.test(l));
      for (const line of shownLines) ctx.log(`  ${line}`);
      if (written.backup) ctx.log(`kept the previous file as ${shown(written.backup)}`);
    }
    const count = Object.keys(parseEnvFile(text)).length;
    ctx.log(`${shown(host.envFile)}: ${count} settings, mode 0600${written.changed ? '' : ', unchanged'}`);
    const env: BrokerEnv = {
      file: host.envFile,
      issuer: values.BROKER_OIDC_ISSUER as string,
      values: parseEnvFile(text),
      changed: written.changed,
    };
    ctx.values.set('brokerEnv', env);
    return written.changed ? changed(`wrote ${count} settings`) : passed('already up to date');
  },
});

/** Runs this step alone: `npx tsx runbooks/stage7/b3-env-file.ts [--target URL --yes]`. */
export const main = () => runAlone(import.meta.url);
if (isMain(import.meta.url)) void main();
