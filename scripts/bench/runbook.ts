// npm run bench:runbook: the whole Stage 7 runbook through the runner next to a plain curl script making
// the same HTTP calls, on one sandbox with moto, interleaved; prints both wall times and the ratio.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../runbooks/lib/env.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!(Number.isInteger(runs) && runs >= 1 && runs <= 50)) {
  process.stderr.write('usage: npm run bench:runbook -- [--runs 1-50]\n');
  process.exit(2);
}
for (const tool of ['curl', 'jq', 'bash', 'moto_server']) {
  if (spawnSync('which', [tool]).status !== 0) {
    process.stderr.write(`bench:runbook: ${tool} is not installed; the comparison needs it\n`);
    process.exit(2);
  }
}

const TSX = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
const CURL_SCRIPT = path.join(REPO_ROOT, 'scripts/bench/runbook-curl.sh');

// A clean environment: no real AWS credentials or broker settings leak into either contestant.
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|AGENTKEYS_|BROKER_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

async function startSandbox(dir: string): Promise<{ child: ChildProcess; state: Record<string, string> }> {
  const args = ['bin/agentkeys-sandbox.mjs', '--broker-port', '0', '--moto-port', '0', '--dir', dir];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: cleanEnv({}), stdio: 'ignore' });
  const file = path.join(dir, 'state.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(file)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the sandbox did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, state: JSON.parse(readFileSync(file, 'utf8')) };
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.once('close', (code) => {
      if (code === 0) resolve(performance.now() - began);
      else reject(new Error(`${path.basename(args[0] ?? command)} exited ${code}: ${stderr.slice(0, 400)}`));
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const dir = mkdtempSync(path.join(tmpdir(), 'bench-runbook-'));
let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
try {
  sandbox = await startSandbox(dir);
  const { brokerUrl, motoUrl } = sandbox.state;
  const reset = () => fetch(`${motoUrl}/moto-api/reset`, { method: 'POST' });
  const report = path.join(dir, 'report.json');
  const runnerEnv = cleanEnv({ AGENTKEYS_SANDBOX_DIR: dir });
  const curlEnv = cleanEnv({
    BROKER: brokerUrl as string,
    AWS_ENDPOINT_URL: motoUrl as string,
    SANDBOX_DIR: dir,
  });
  const runner: number[] = [];
  const engine: number[] = [];
  const curl: number[] = [];
  // One untimed round of each warms the OS file cache and tsx's compile cache.
  for (let i = -1; i < runs; i++) {
    await reset();
    const r = await timed(TSX, ['runbooks/lib/cli.ts', 'stage7', '--report', report], runnerEnv);
    const inProcess = JSON.parse(readFileSync(report, 'utf8')).durationMs as number;
    await reset();
    const c = await timed('bash', [CURL_SCRIPT], curlEnv);
    if (i < 0) continue;
    runner.push(r);
    engine.push(inProcess);
    curl.push(c);
  }
  const result = {
    runs,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    medianMs: {
      runnerProcess: Math.round(median(runner)),
      runnerEngine: Math.round(median(engine)),
      curlScript: Math.round(median(curl)),
    },
    ratio: {
      runnerProcessToCurl: +(median(runner) / median(curl)).toFixed(2),
      runnerEngineToCurl: +(median(engine) / median(curl)).toFixed(2),
    },
    samplesMs: {
      runnerProcess: runner.map(Math.round),
      runnerEngine: engine,
      curlScript: curl.map(Math.round),
    },
  };
  mkdirSync(path.join(REPO_ROOT, 'artifacts/bench'), { recursive: true });
  writeFileSync(path.join(REPO_ROOT, 'artifacts/bench/runbook.json'), `${JSON.stringify(result, null, 2)}\n`);
  const m = result.machine;
  console.log(`Stage 7 runbook, whole run on the sandbox with moto — median of ${runs} interleaved runs`);
  console.log(`machine: ${m.cores} cores, ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}\n`);
  console.log('| contestant | median wall time | ratio to curl |');
  console.log('| --- | ---: | ---: |');
  console.log(
    `| plain curl script (scripts/bench/runbook-curl.sh) | ${result.medianMs.curlScript} ms | 1.00 |`,
  );
  console.log(
    `| runner, whole process (npm run runbook -- stage7) | ${result.medianMs.runnerProcess} ms | ${result.ratio.runnerProcessToCurl} |`,
  );
  console.log(
    `| runner, steps only (report durationMs) | ${result.medianMs.runnerEngine} ms | ${result.ratio.runnerEngineToCurl} |`,
  );
} catch (error) {
  process.stderr.write(`bench:runbook: ${(error as Error).message}\n`);
  process.exitCode = 2;
} finally {
  if (sandbox && sandbox.child.exitCode === null) {
    const exited = new Promise((r) => sandbox?.child.once('exit', r));
    sandbox.child.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
