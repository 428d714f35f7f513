// startSandbox(): the broker stand-in on 127.0.0.1 plus moto when installed; stop() ends both.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { loadEnvSpec } from '../reference/env-file.ts';
import { loadUpstream, upstreamLabel } from '../reference/upstream.ts';
import { createBroker } from './broker.ts';
import { loadConfig } from './config.ts';
import { createKeyFile } from './keys.ts';
import { findMoto, freePort, MOTO_INSTALL_HINT, type RunningMoto, startMoto } from './moto.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const toolingSpec = loadEnvSpec();
/** Ports used when neither a flag nor AGENTKEYS_SANDBOX_*_PORT says otherwise: env.yaml's defaults. */
export const DEFAULT_BROKER_PORT = toolingSpec.intDefault('AGENTKEYS_SANDBOX_BROKER_PORT');
export const DEFAULT_MOTO_PORT = toolingSpec.intDefault('AGENTKEYS_SANDBOX_MOTO_PORT');
export const PORT_RANGE = toolingSpec.bounds('AGENTKEYS_SANDBOX_BROKER_PORT');

export interface SandboxOptions {
  /** Where keys, the SQLite file and the test wallet live; default `.sandbox/` at the repository root. */
  dir?: string;
  /** 0 picks a free port. */
  brokerPort?: number;
  motoPort?: number;
  /** false skips moto even when it is installed. */
  moto?: boolean;
  /** Environment to read BROKER_* overrides from; default process.env. */
  env?: Record<string, string | undefined>;
}

export interface Sandbox {
  brokerUrl: string;
  motoUrl: string | null;
  /** Why moto is not running, with the install command, when motoUrl is null. */
  motoHint: string | null;
  issuer: string;
  region: string;
  /** The broker commit the sandbox stands in for, as "c9e1694 (PR #104)". */
  upstream: string;
  testWallet: { address: string };
  dir: string;
  stop(): Promise<void>;
}

/** Reads `<dir>/test-wallet.json`, creating it (mode 0600) on first use. */
export function testWallet(dir: string): { address: string; private_key: `0x${string}` } {
  const file = join(dir, 'test-wallet.json');
  if (!existsSync(file)) {
    const private_key = generatePrivateKey();
    const address = privateKeyToAccount(private_key).address;
    writeFileSync(file, `${JSON.stringify({ address, private_key }, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Not JSON.parse's message: it quotes the start of the text, which is the private key.
    throw new Error(
      `${file} is not a readable JSON test wallet; delete it and start the sandbox again to create a new one`,
    );
  }
}

/** The data role the sandbox gives the broker when none of its three variables is set: moto's account. */
export const SANDBOX_DATA_ROLE_ARN = 'arn:aws:iam::123456789012:role/agentkeys-data-role';

/** Key files the sandbox keeps in its folder and creates on first start, unless their variable is set. */
const SANDBOX_KEYS = [
  { variable: 'BROKER_OIDC_KEYPAIR_PATH', file: 'oidc-keypair.json', purpose: 'oidc' },
  { variable: 'BROKER_SESSION_KEYPAIR_PATH', file: 'session-keypair.json', purpose: 'session' },
] as const;

/**
 * The broker's environment in the sandbox: what the caller set for a variable the broker reads (the names
 * come from env.yaml) over the sandbox's own choices, which keep everything in `dir` and need no setup.
 */
function sandboxEnv(dir: string, port: number, env: Record<string, string | undefined>) {
  const read = new Set(toolingSpec.names('broker'));
  const overrides = Object.fromEntries(Object.entries(env).filter(([k]) => read.has(k)));
  const roleGiven = ['BROKER_DATA_ROLE_ARN', 'BROKER_AGENT_ROLE_ARN', 'ACCOUNT_ID'].some(
    (k) => k in overrides,
  );
  return {
    HOME: env.HOME,
    BROKER_DEV_MODE: 'true',
    BROKER_OIDC_ISSUER: `http://127.0.0.1:${port}`,
    ...Object.fromEntries(SANDBOX_KEYS.map((k) => [k.variable, join(dir, k.file)])),
    BROKER_AUDIT_DB_PATH: join(dir, 'audit.sqlite'),
    ...(roleGiven ? {} : { BROKER_DATA_ROLE_ARN: SANDBOX_DATA_ROLE_ARN }),
    ...overrides,
  };
}

/** The sandbox's `keygen`: makes the key files it manages, once; a path the caller set is left to the broker's check. */
function ensureSandboxKeys(dir: string, env: Record<string, string | undefined>): void {
  for (const key of SANDBOX_KEYS) {
    if (env[key.variable] === undefined) createKeyFile(join(dir, key.file), key.purpose);
  }
}

function listen(server: ReturnType<typeof createAdaptorServer>, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on 127.0.0.1 is already in use; pick another with --broker-port`)
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the sandbox. Throws BootFailError or StartupError for a bad setting, Error when a port or moto fails. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  const dir = resolve(options.dir ?? join(REPO_ROOT, '.sandbox'));
  const requestedPort = options.brokerPort ?? DEFAULT_BROKER_PORT;
  // The broker's start-up checks up to the issuer need no port; they run before anything binds.
  loadConfig(sandboxEnv(dir, requestedPort || DEFAULT_BROKER_PORT, env));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const wallet = testWallet(dir);
  ensureSandboxKeys(dir, env);

  let handler: (request: Request, bindings: unknown) => Response | Promise<Response> = () =>
    new Response('starting', { status: 503 });
  const server = createAdaptorServer({ fetch: (request, bindings) => handler(request, bindings) });
  const port = await listen(server, requestedPort);
  // Idle connections go at once; requests in flight get BROKER_SHUTDOWN_GRACE_SECONDS to finish.
  const closeServer = (graceSeconds = 0) =>
    new Promise<void>((done) => {
      const http = server as Server;
      const force = setTimeout(() => http.closeAllConnections(), graceSeconds * 1000);
      server.close(() => {
        clearTimeout(force);
        done();
      });
      http.closeIdleConnections();
    });

  // The remaining BOOT_FAIL checks need the issuer, which names the port; a refusal closes the port again.
  let broker: ReturnType<typeof createBroker>;
  try {
    broker = createBroker(loadConfig(sandboxEnv(dir, port, env)));
  } catch (error) {
    await closeServer();
    throw error;
  }
  const { app, context } = broker;
  handler = (request, bindings) => app.fetch(request, bindings);

  let moto: RunningMoto | null = null;
  let motoHint: string | null = null;
  if (options.moto !== false) {
    const command = findMoto({ PATH: env.PATH ?? process.env.PATH });
    if (command) {
      try {
        const wanted = options.motoPort ?? DEFAULT_MOTO_PORT;
        moto = await startMoto(command, wanted === 0 ? await freePort() : wanted);
      } catch (error) {
        await closeServer();
        broker.close();
        throw error;
      }
    } else {
      motoHint = `moto is not installed, so the AWS steps will be skipped; install it with: ${MOTO_INSTALL_HINT}`;
    }
  } else {
    motoHint = 'moto was turned off (--no-moto), so the AWS steps will be skipped';
  }

  let stopped: Promise<void> | undefined;
  return {
    brokerUrl: `http://127.0.0.1:${port}`,
    motoUrl: moto?.url ?? null,
    motoHint,
    issuer: context.config.issuer,
    region: context.config.awsRegion,
    upstream: upstreamLabel(loadUpstream()),
    testWallet: { address: wallet.address },
    dir,
    stop() {
      stopped ??= (async () => {
        await Promise.all([closeServer(context.config.shutdownGraceSeconds), moto?.stop()]);
        broker.close();
      })();
      return stopped;
    },
  };
}
