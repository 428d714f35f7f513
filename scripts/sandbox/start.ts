// startSandbox(): the broker stand-in on 127.0.0.1 plus moto when installed; stop() ends both.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createBroker } from './broker.ts';
import { loadConfig } from './config.ts';
import { findMoto, freePort, MOTO_INSTALL_HINT, type RunningMoto, startMoto } from './moto.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_BROKER_PORT = 8091;
export const DEFAULT_MOTO_PORT = 5000;

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

function sandboxEnv(dir: string, port: number, env: Record<string, string | undefined>) {
  const overrides = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('BROKER_')));
  return {
    HOME: env.HOME,
    BROKER_DEV_MODE: 'true',
    BROKER_OIDC_ISSUER: `http://127.0.0.1:${port}`,
    BROKER_OIDC_KEYPAIR_PATH: join(dir, 'oidc-keypair.json'),
    BROKER_SESSION_KEYPAIR_PATH: join(dir, 'session-keypair.json'),
    BROKER_AUDIT_DB_PATH: join(dir, 'broker.sqlite'),
    BROKER_DATA_DIR: join(dir, 'data'),
    ...overrides,
  };
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

/** Starts the sandbox. Throws BootFailError for bad BROKER_* values, Error when a port or moto fails. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const env = options.env ?? process.env;
  const dir = resolve(options.dir ?? join(REPO_ROOT, '.sandbox'));
  const requestedPort = options.brokerPort ?? DEFAULT_BROKER_PORT;
  // Check every value before anything binds, so a bad setting never leaves a half-started sandbox.
  loadConfig(sandboxEnv(dir, requestedPort || DEFAULT_BROKER_PORT, env));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const wallet = testWallet(dir);

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
