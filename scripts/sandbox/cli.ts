// npm run sandbox: start the broker stand-in and moto, print what to export, stop both on Ctrl-C.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ArgsError, type FlagSpecs, parseFlags } from '../lib/args.ts';
import { isBinaryInvocation } from './binary-args.ts';
import { BOOT_FAIL_EXIT_CODE, BootFailError, StartupError } from './config.ts';
import {
  DEFAULT_BROKER_PORT,
  DEFAULT_MOTO_PORT,
  PORT_RANGE,
  REPO_ROOT,
  type Sandbox,
  startSandbox,
  testWallet,
} from './start.ts';

const USAGE = `usage: npm run sandbox -- [--broker-port N] [--moto-port N] [--no-moto] [--dir DIR] [--show-secrets]
  --broker-port N   broker port on 127.0.0.1 (default ${DEFAULT_BROKER_PORT}; 0 picks a free one)
  --moto-port N     moto port on 127.0.0.1 (default ${DEFAULT_MOTO_PORT}; 0 picks a free one)
  --no-moto         do not start moto; AWS steps are skipped
  --dir DIR         where keys, SQLite and the test wallet live (default .sandbox/)
  --show-secrets    also print the test wallet's private key
Without a port flag, AGENTKEYS_SANDBOX_BROKER_PORT and AGENTKEYS_SANDBOX_MOTO_PORT are used when set.
As a stand-in for the broker binary it also takes \`keygen --purpose oidc|session --out PATH\` and
\`serve --bind ADDR --port N [--skip-startup-check] [--export-session-pubkey-to PATH]\` (settings from BROKER_*).`;

function usage(message: string, withUsage = true): never {
  process.stderr.write(`sandbox: ${message}\n${withUsage ? `${USAGE}\n` : ''}`);
  process.exit(2);
}

const FLAGS: FlagSpecs = {
  'broker-port': { type: 'string' },
  'moto-port': { type: 'string' },
  'no-moto': { type: 'boolean', default: false },
  dir: { type: 'string' },
  'show-secrets': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/** A port from its flag or, without the flag, its variable; `source` names whichever was used. */
function port(source: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const { min, max } = PORT_RANGE;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    usage(`${source} must be a port number ${min}-${max} (got "${value}")`);
  return Number(value);
}

function portSetting(flag: string, variable: string, values: Record<string, unknown>, fallback: number) {
  const fromFlag = values[flag] as string | undefined;
  if (fromFlag !== undefined) return port(`--${flag}`, fromFlag, fallback);
  return port(variable, process.env[variable], fallback);
}

function parse() {
  try {
    return parseFlags(process.argv.slice(2), FLAGS, { bin: 'agentkeys-sandbox' }).values as {
      'broker-port'?: string;
      'moto-port'?: string;
      'no-moto': boolean;
      dir?: string;
      'show-secrets': boolean;
      help: boolean;
    };
  } catch (error) {
    if (error instanceof ArgsError) return usage(error.message, error.showUsage);
    throw error;
  }
}

/** The process a state file names, when it is still alive: one sandbox per state folder. */
function runningFrom(stateFile: string): { pid: number; brokerUrl: string } | undefined {
  let state: { pid?: unknown; brokerUrl?: unknown };
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof state.pid !== 'number' || state.pid === process.pid) return undefined;
  try {
    process.kill(state.pid, 0);
  } catch {
    return undefined;
  }
  return { pid: state.pid, brokerUrl: String(state.brokerUrl) };
}

function describe(sandbox: Sandbox, showSecrets: boolean): string {
  const lines = [
    `AgentKeys sandbox is up (loopback only), standing in for agentkeys-broker-server ${sandbox.upstream}.`,
    `  broker  ${sandbox.brokerUrl}  issuer ${sandbox.issuer}`,
    `  moto    ${sandbox.motoUrl ?? 'not running'}`,
    `  state   ${sandbox.dir}`,
  ];
  if (sandbox.motoHint) lines.push(`  note    ${sandbox.motoHint}`);
  lines.push('', '# In another shell:', `export AGENTKEYS_BROKER_URL=${sandbox.brokerUrl}`);
  lines.push(`export BROKER_OIDC_ISSUER=${sandbox.issuer}`, `export AWS_REGION=${sandbox.region}`);
  if (sandbox.motoUrl) {
    lines.push(`export AWS_ENDPOINT_URL=${sandbox.motoUrl}`);
    lines.push('# moto accepts any credentials; these dummies only stop the SDK asking for real ones:');
    lines.push('export AWS_ACCESS_KEY_ID=testing', 'export AWS_SECRET_ACCESS_KEY=testing');
  }
  lines.push(`# test wallet address: ${sandbox.testWallet.address}`);
  if (showSecrets) {
    lines.push(`export AGENTKEYS_WALLET_PRIVATE_KEY=${testWallet(sandbox.dir).private_key}`);
  } else {
    lines.push('# its private key is in test-wallet.json in the state folder (or rerun with --show-secrets)');
  }
  lines.push('', 'Press Ctrl-C to stop the broker and moto.');
  return `${lines.join('\n')}\n`;
}

function ownState(stateFile: string): boolean {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')).pid === process.pid;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const flags = parse();
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = {
    dir: flags.dir,
    // The variables let a test run the documented plain `npm run sandbox` on free ports.
    brokerPort: portSetting('broker-port', 'AGENTKEYS_SANDBOX_BROKER_PORT', flags, DEFAULT_BROKER_PORT),
    motoPort: portSetting('moto-port', 'AGENTKEYS_SANDBOX_MOTO_PORT', flags, DEFAULT_MOTO_PORT),
    moto: !flags['no-moto'],
  };
  // Two sandboxes in one folder would share keys and SQLite, and the runner could only find one of them.
  const stateDir = resolve(flags.dir ?? join(REPO_ROOT, '.sandbox'));
  const other = runningFrom(join(stateDir, 'state.json'));
  if (other) {
    usage(
      `a sandbox is already running from ${stateDir} (pid ${other.pid}, ${other.brokerUrl}); ` +
        'use it, stop it with Ctrl-C in its terminal, or start another one with --dir <another folder>',
      false,
    );
  }
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox(options);
  } catch (error) {
    if (error instanceof BootFailError || error instanceof StartupError) {
      process.stderr.write(`${error.line}\n`);
      process.exit(BOOT_FAIL_EXIT_CODE);
    }
    process.stderr.write(`sandbox: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const stateFile = join(sandbox.dir, 'state.json');
  const state = {
    brokerUrl: sandbox.brokerUrl,
    motoUrl: sandbox.motoUrl,
    issuer: sandbox.issuer,
    region: sandbox.region,
    motoHint: sandbox.motoHint,
    pid: process.pid,
  };
  // Written whole under another name first: a runner polling for state.json never reads half a file.
  writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${stateFile}.tmp`, stateFile);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // Only our own state: another sandbox may have taken the folder over after a crash of ours.
    if (ownState(stateFile)) rmSync(stateFile, { force: true });
    await sandbox.stop();
    process.stdout.write(`sandbox stopped (${signal})\n`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // Only now that a signal stops it cleanly does the banner tell the user (or a test) it is up.
  process.stdout.write(describe(sandbox, flags['show-secrets']));
  // A launcher that dies without passing its signal on (a shell between npm and us) leaves us orphaned.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('SIGHUP');
  }, 500).unref();
}

const argv = process.argv.slice(2);
if (isBinaryInvocation(argv)) {
  // The broker binary's interface (keygen, or serve from BROKER_* alone): see binary.ts.
  const { runBinary } = await import('./binary.ts');
  process.exitCode = await runBinary(argv, {
    env: process.env,
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  await main();
}
