// Shared set-up for the runbook tests: a real sandbox (npm run sandbox's CLI) in a temp folder, the runner
// as a child process, and a controllable HTTP proxy for fault injection.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface SandboxState {
  brokerUrl: string;
  motoUrl: string | null;
  issuer: string;
  region: string;
}

export interface TestSandbox {
  dir: string;
  state: SandboxState;
  stop(): Promise<void>;
}

/** Env for child processes: no CI/TTY leakage from the host, no real AWS credentials. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|AGENTKEYS_|BROKER_)/.test(key)) continue;
    env[key] = value;
  }
  return { ...env, AGENTKEYS_DOCS_URL: 'http://docs.test', ...extra };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  child: ChildProcess,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    if (child.exitCode !== null) throw new Error(`${what}: process exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: timed out`);
}

/** Starts `npm run sandbox`'s bin on ephemeral ports in a fresh folder and waits for its state.json. */
export async function startTestSandbox(
  opts: { moto?: boolean; env?: Record<string, string> } = {},
): Promise<TestSandbox> {
  const dir = mkdtempSync(path.join(tmpdir(), 'runbook-sandbox-'));
  // The sandbox's bin, as `npm run sandbox` runs it.
  const args = ['bin/agentkeys-sandbox.mjs', '--broker-port', '0', '--moto-port', '0', '--dir', dir];
  if (opts.moto === false) args.push('--no-moto');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: childEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const stateFile = path.join(dir, 'state.json');
  const state = await waitFor(
    `sandbox start (${output})`,
    () => {
      if (!existsSync(stateFile)) return undefined;
      // The file can be seen before it is fully written; an incomplete one is read again on the next poll.
      try {
        return JSON.parse(readFileSync(stateFile, 'utf8')) as SandboxState;
      } catch {
        return undefined;
      }
    },
    child,
  ).catch((error) => {
    child.kill('SIGTERM');
    throw new Error(`${error.message}\n${output}`);
  });
  return {
    dir,
    state,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** Runs a command from the repository root and collects its output. */
function runCommand(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onSpawn?: (child: ChildProcess) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, pid: child.pid ?? 0 }));
    onSpawn?.(child);
  });
}

/** Runs a step file alone, as its page says: `npx tsx runbooks/<name>/<file>.ts`. */
export const runScript = (
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onSpawn?: (child: ChildProcess) => void,
) => runCommand(TSX, [script, ...args], env, onSpawn);

/** Runs the runner as `npm run runbook` does (its bin on plain Node, one process that owns its signals). */
export const runCli = (args: string[], env: NodeJS.ProcessEnv, onSpawn?: (child: ChildProcess) => void) =>
  runCommand(process.execPath, ['bin/agentkeys-runbook.mjs', ...args], env, onSpawn);

const tempDirs: string[] = [];

/** Removes every folder tempDir() made; call it from the test file's afterAll. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export type Intercept = (request: Request, url: URL) => Promise<Response | undefined> | Response | undefined;

export interface TestProxy {
  url: string;
  /** Set per test: answers instead of the upstream when it returns a Response. */
  intercept: Intercept | undefined;
  /** Every upstream response body seen, so tests can learn the secrets that crossed the wire. */
  bodies: string[];
  close(): Promise<void>;
}

/** A pass-through HTTP proxy on 127.0.0.1:0 in front of `upstream`, with a swappable interceptor. */
export async function startProxy(upstream: string): Promise<TestProxy> {
  const proxy: TestProxy = {
    url: '',
    intercept: undefined,
    bodies: [],
    close: async () => {},
  };
  const server = createAdaptorServer({
    fetch: async (request: Request) => {
      const url = new URL(request.url);
      const own = await proxy.intercept?.(request.clone(), url);
      if (own) return own;
      const headers = new Headers(request.headers);
      for (const name of ['host', 'content-length', 'connection', 'transfer-encoding', 'expect'])
        headers.delete(name);
      const body = ['GET', 'HEAD'].includes(request.method) ? undefined : await request.arrayBuffer();
      const res = await fetch(`${upstream}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body,
      });
      const buffer = Buffer.from(await res.arrayBuffer());
      proxy.bodies.push(buffer.toString('utf8'));
      const out = new Headers(res.headers);
      out.delete('content-encoding');
      out.delete('content-length');
      out.delete('transfer-encoding');
      return new Response(buffer, { status: res.status, headers: out });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ('closeAllConnections' in server) (server as { closeAllConnections(): void }).closeAllConnections();
    });
  return proxy;
}

/** No stack trace: no `    at fn (file:line)` frames and no raw Node error dump. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(].*\d+:\d+\)?$/m.test(text) || /node:internal/.test(text);
}

/** Runs the CLI in this process (same code path as the child process, without its start-up cost). */
export async function runInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const { main } = await import('../../runbooks/lib/cli.ts');
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return {
    code,
    stdout: out.map((l) => `${l}\n`).join(''),
    stderr: err.map((l) => `${l}\n`).join(''),
    pid: process.pid,
  };
}

/** Reads every process's argv from /proc until `done` settles. */
export async function watchArgv<T>(done: Promise<T>): Promise<{ result: T; argv: Set<string> }> {
  const argv = new Set<string>();
  let finished = false;
  const settled = done.finally(() => {
    finished = true;
  });
  while (!finished) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        argv.add(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      } catch {
        // The process ended between listing and reading.
      }
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  return { result: await settled, argv };
}
