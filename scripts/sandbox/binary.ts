// The sandbox CLI answering like the agentkeys-broker-server binary: `keygen --purpose oidc|session --out PATH`
// and serving with `--bind`, `--port`, `--skip-startup-check` and `--export-session-pubkey-to`, configured
// from the environment alone (no sandbox defaults, no moto). One runbook step can then drive the real binary
// or this stand-in with the same arguments. The real binary serves when given no subcommand; the sandbox's
// own default is `npm run sandbox`, so here serving is chosen by a broker flag or the word `serve`.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { ArgsError, type FlagSpecs, parseFlags } from '../lib/args.ts';
import { isBinaryInvocation } from './binary-args.ts';
import { BootFailError, StartupError } from './config.ts';
import { createKeyFile, type KeyPurpose, loadKey, osError } from './keys.ts';

export { isBinaryInvocation };

const SERVE_FLAGS: FlagSpecs = {
  bind: { type: 'string' },
  port: { type: 'string' },
  'skip-startup-check': { type: 'boolean', default: false },
  'export-session-pubkey-to': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

const KEYGEN_FLAGS: FlagSpecs = {
  purpose: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

export const BINARY_USAGE = `usage (the broker binary's interface):
  agentkeys-sandbox keygen --purpose oidc|session --out PATH
  agentkeys-sandbox [serve] --bind ADDR --port N [--skip-startup-check] [--export-session-pubkey-to PATH]
Settings come from the BROKER_* environment variables, as for agentkeys-broker-server.`;

export interface BinaryIo {
  env: NodeJS.ProcessEnv;
  err: (line: string) => void;
}

/** Exit codes as the binary's: 0 done, 1 an error (`Error: …`), 2 bad arguments (clap's code). */
class Usage extends Error {}

function keygen(argv: string[], io: BinaryIo): number {
  const { values } = parseFlags(argv, KEYGEN_FLAGS, { env: {} });
  if (values.help) {
    io.err(BINARY_USAGE);
    return 0;
  }
  const purpose = values.purpose as string | undefined;
  const out = values.out as string | undefined;
  if (purpose !== 'oidc' && purpose !== 'session') {
    throw new Usage(
      purpose === undefined
        ? 'the following required arguments were not provided: --purpose <PURPOSE>'
        : `invalid value '${purpose}' for '--purpose <PURPOSE>' [possible values: oidc, session]`,
    );
  }
  if (!out) throw new Usage('the following required arguments were not provided: --out <OUT>');
  let created: boolean;
  try {
    created = createKeyFile(out, purpose as KeyPurpose);
  } catch (error) {
    io.err(`Error: ${purpose} keygen failed: internal: write keypair "${out}": ${osError(error)}`);
    return 1;
  }
  if (!created) {
    io.err(
      `Error: ${out} already exists; refusing to overwrite. Move/remove the existing file first if rotation is intended.`,
    );
    return 1;
  }
  const { kid } = loadKey(out, purpose as KeyPurpose);
  io.err(`wrote ${purpose} keypair (kid=${kid}) to ${out} (mode 0600)`);
  return 0;
}

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

async function serve(argv: string[], io: BinaryIo): Promise<number> {
  const { values } = parseFlags(argv, SERVE_FLAGS, { env: {} });
  if (values.help) {
    io.err(BINARY_USAGE);
    return 0;
  }
  // The real binary binds 0.0.0.0 by default; the sandbox never leaves loopback.
  const bind = (values.bind as string | undefined) ?? '127.0.0.1';
  if (!isLoopback(bind)) {
    throw new Usage(`the sandbox listens on loopback only; got --bind ${bind} (use 127.0.0.1)`);
  }
  const portText = (values.port as string | undefined) ?? '8091';
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
    throw new Usage(`invalid value '${portText}' for '--port <PORT>': a number 0-65535`);
  }

  // Loaded here, not at the top: keygen runs without the broker's routes, SQLite and SDKs.
  const [{ createBroker }, { loadConfig }, { createAdaptorServer }] = await Promise.all([
    import('./broker.ts'),
    import('./config.ts'),
    import('@hono/node-server'),
  ]);
  let broker: ReturnType<typeof createBroker>;
  try {
    broker = createBroker(loadConfig(io.env));
  } catch (error) {
    if (error instanceof BootFailError || error instanceof StartupError) {
      io.err(error instanceof BootFailError ? `Error: ${error.line}` : error.line);
      return 1;
    }
    throw error;
  }
  const { app, context } = broker;

  const pubkeyPath = values['export-session-pubkey-to'] as string | undefined;
  if (pubkeyPath) {
    try {
      mkdirSync(dirname(pubkeyPath), { recursive: true });
      const pem = context.sessionKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      writeFileSync(pubkeyPath, pem);
      chmodSync(pubkeyPath, 0o644);
    } catch (error) {
      broker.close();
      io.err(`Error: write session pubkey to "${pubkeyPath}": ${osError(error)}`);
      return 1;
    }
    io.err(`INFO wrote session pubkey PEM (signer can read it) path=${pubkeyPath}`);
  }

  const server = createAdaptorServer({ fetch: (request, bindings) => app.fetch(request, bindings) });
  const port = await new Promise<number | NodeJS.ErrnoException>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(Number(portText), bind, () => resolve((server.address() as AddressInfo).port));
  });
  if (typeof port !== 'number') {
    broker.close();
    io.err(
      port.code === 'EADDRINUSE'
        ? 'Error: Address already in use (os error 98)'
        : `Error: ${osError(port)} (${port.code ?? 'listen failed'})`,
    );
    return 1;
  }
  io.err(`INFO broker listening on ${bind}:${port}`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      io.err('INFO shutdown signal received; draining in-flight requests');
      const http = server as Server;
      // Requests in flight get BROKER_SHUTDOWN_GRACE_SECONDS; idle connections go at once.
      const force = setTimeout(() => http.closeAllConnections(), context.config.shutdownGraceSeconds * 1000);
      force.unref();
      server.close(() => {
        broker.close();
        io.err('INFO broker shut down cleanly');
        resolve(0);
      });
      http.closeIdleConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', stop);
    // A supervisor (the runbook runner on the sandbox) that dies without stopping us must not leave us behind.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) stop();
    }, 500).unref();
  });
}

/** Runs the binary interface; returns the exit code. */
export async function runBinary(argv: string[], io: BinaryIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === 'keygen') return keygen(rest, io);
    return await serve(first === 'serve' ? rest : argv, io);
  } catch (error) {
    if (error instanceof Usage || error instanceof ArgsError) {
      io.err(`error: ${error.message}\n\n${BINARY_USAGE}`);
      return 2;
    }
    io.err(`Error: ${(error as Error).message}`);
    return 1;
  }
}
