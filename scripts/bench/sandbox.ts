// npm run bench:sandbox: /v1/mint-oidc-jwt throughput and p99 next to /healthz on the same broker, on loopback.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { privateKeyToAccount } from 'viem/accounts';
import { REPO_ROOT } from '../sandbox/start.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
if (!(duration > 0 && duration <= 60) || !(connections > 0 && connections <= 512)) {
  process.stderr.write(
    'usage: npm run bench:sandbox -- [--duration 1-60 s per route] [--connections 1-512]\n',
  );
  process.exit(2);
}

// The broker runs in its own process so the load generator does not share its event loop.
async function startBroker(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const cli = join(REPO_ROOT, 'scripts', 'sandbox', 'cli.ts');
  const tsx = join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, cli, '--broker-port', '0', '--no-moto', '--dir', dir], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  const deadline = Date.now() + 30_000;
  while (!out.includes('Press Ctrl-C')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the sandbox broker did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).brokerUrl };
}

async function signIn(url: string, dir: string): Promise<string> {
  const wallet = JSON.parse(readFileSync(join(dir, 'test-wallet.json'), 'utf8'));
  const account = privateKeyToAccount(wallet.private_key);
  const post = async (path: string, body: unknown) =>
    (await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, string>;
  const start = await post('/v1/auth/wallet/start', { address: account.address, chain_id: 1 });
  const signature = await account.signMessage({ message: start.siwe_message as string });
  return (await post('/v1/auth/wallet/verify', { request_id: start.request_id, signature }))
    .session_jwt as string;
}

interface Row {
  route: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(
  route: string,
  url: string,
  opts: Partial<autocannon.Options>,
  seconds: number,
): Promise<Row> {
  const [method, path] = route.split(' ') as [autocannon.Request['method'], string];
  const result = await autocannon({ url: `${url}${path}`, method, connections, duration: seconds, ...opts });
  return {
    route,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'agentkeys-bench-'));
let broker: Awaited<ReturnType<typeof startBroker>> | undefined;
try {
  broker = await startBroker(dir);
  const { url } = broker;
  const jwt = await signIn(url, dir);
  const mint = { headers: { authorization: `Bearer ${jwt}` } };
  // A short unmeasured pass warms the JIT and SQLite before the measured runs.
  await load('GET /healthz', url, {}, 1);
  await load('POST /v1/mint-oidc-jwt', url, mint, 1);
  const health = await load('GET /healthz', url, {}, duration);
  const minted = await load('POST /v1/mint-oidc-jwt', url, mint, duration);
  const ratio = {
    throughput: Number((minted.requestsPerSecond / health.requestsPerSecond).toFixed(3)),
    p99: Number((minted.p99Ms / Math.max(health.p99Ms, 1)).toFixed(2)),
  };
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const lines = [
    `Sandbox broker on loopback — ${machine}; ${connections} connections, ${duration} s per route`,
    '',
    '| route | req/s | p50 ms | p99 ms | non-2xx | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...[health, minted].map(
      (r) =>
        `| \`${r.route}\` | ${r.requestsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.errors} |`,
    ),
    '',
    `mint / healthz: throughput ×${ratio.throughput}, p99 ×${ratio.p99} (each mint signs an ES256 JWT and writes a mint_log row)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const out = join(REPO_ROOT, 'artifacts', 'bench');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'sandbox.json'),
    `${JSON.stringify({ machine, connections, durationSeconds: duration, rows: [health, minted], ratio }, null, 2)}\n`,
  );
  if (minted.non2xx > 0 || minted.errors > 0)
    throw new Error('some mints failed; see the non-2xx and errors columns');
} catch (error) {
  process.stderr.write(`bench:sandbox: ${(error as Error).message}\n`);
  process.exitCode = 2;
} finally {
  const child = broker?.child;
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
  rmSync(dir, { recursive: true, force: true });
}
