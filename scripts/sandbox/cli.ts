// npm run sandbox: start the broker stand-in and moto, print what to export, stop both on Ctrl-C.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BOOT_FAIL_EXIT_CODE, BootFailError, StartupError } from './config.ts';
import {
  DEFAULT_BROKER_PORT,
  DEFAULT_MOTO_PORT,
  PORT_RANGE,
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
Without a port flag, AGENTKEYS_SANDBOX_BROKER_PORT and AGENTKEYS_SANDBOX_MOTO_PORT are used when set.`;

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function port(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const { min, max } = PORT_RANGE;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    usage(`--${flag} must be a port number ${min}-${max} (got ${value})`);
  return Number(value);
}

function parse() {
  try {
    return parseArgs({
      options: {
        'broker-port': { type: 'string' },
        'moto-port': { type: 'string' },
        'no-moto': { type: 'boolean', default: false },
        dir: { type: 'string' },
        'show-secrets': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
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

async function main(): Promise<void> {
  const flags = parse();
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = {
    dir: flags.dir,
    // The variables let a test run the documented plain `npm run sandbox` on free ports.
    brokerPort: port(
      'broker-port',
      flags['broker-port'] ?? process.env.AGENTKEYS_SANDBOX_BROKER_PORT,
      DEFAULT_BROKER_PORT,
    ),
    motoPort: port(
      'moto-port',
      flags['moto-port'] ?? process.env.AGENTKEYS_SANDBOX_MOTO_PORT,
      DEFAULT_MOTO_PORT,
    ),
    moto: !flags['no-moto'],
  };
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
    pid: process.pid,
  };
  // Written whole under another name first: a runner polling for state.json never reads half a file.
  writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${stateFile}.tmp`, stateFile);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    rmSync(stateFile, { force: true });
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

await main();
