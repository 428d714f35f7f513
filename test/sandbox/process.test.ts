// npm run sandbox as a real child process: prints what to export, stops cleanly, leaves nothing behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/sandbox/start.ts';
import { needs } from '../helpers/needs.ts';

// Without moto (never under CI, see needs.ts) the moto half of these checks has nothing to look at.
const hasMoto = needs('moto').ok;
const spawned: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of spawned.splice(0)) if (child.exitCode === null && child.pid) killTree(child.pid);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentkeys-cli-'));
  dirs.push(dir);
  return dir;
}

/** Every process below `root`, read from /proc. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {}
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift() as number;
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function killTree(pid: number): void {
  for (const p of [...descendants(pid), pid]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
}

function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(what: string, check: () => boolean, run: Run): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!check()) {
    if (run.child.exitCode !== null) throw new Error(`exited before ${what}: ${run.stderr()}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const npmEnv = (dir: string) => ({ ...process.env, HOME: dir, npm_config_loglevel: 'silent' });

describe('npm run sandbox', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops broker and moto on %s and leaves no port listening and no process behind',
    async (signal) => {
      const dir = tempDir();
      const args = ['run', 'sandbox', '--', '--broker-port', '0', '--moto-port', '0', '--dir', dir];
      const r = run('npm', args, npmEnv(dir));
      await until('the ready banner', () => r.stdout().includes('Press Ctrl-C'), r);
      const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
      expect(r.stdout()).toContain(`export AGENTKEYS_BROKER_URL=${state.brokerUrl}`);
      expect(r.stdout()).not.toMatch(/0x[0-9a-f]{64}/i);
      expect(await listening(state.brokerUrl)).toBe(true);
      if (hasMoto) {
        expect(r.stdout()).toContain(`export AWS_ENDPOINT_URL=${state.motoUrl}`);
        expect(await listening(state.motoUrl)).toBe(true);
      }
      const tree = descendants(r.child.pid as number);
      expect(tree).toContain(state.pid);

      r.child.kill(signal);
      await r.exited;
      await until('the process tree to end', () => !tree.some(alive), r);
      expect(await listening(state.brokerUrl)).toBe(false);
      if (state.motoUrl) expect(await listening(state.motoUrl)).toBe(false);
      expect(existsSync(join(dir, 'state.json'))).toBe(false);
    },
  );

  it('--show-secrets prints the test wallet key that test-wallet.json holds', async () => {
    const dir = tempDir();
    const r = run(
      'npm',
      ['run', 'sandbox', '--', '--broker-port', '0', '--no-moto', '--show-secrets', '--dir', dir],
      npmEnv(dir),
    );
    await until('the ready banner', () => r.stdout().includes('Press Ctrl-C'), r);
    const wallet = JSON.parse(readFileSync(join(dir, 'test-wallet.json'), 'utf8'));
    expect(r.stdout()).toContain(`export AGENTKEYS_WALLET_PRIVATE_KEY=${wallet.private_key}`);
    expect(r.stdout()).toContain(wallet.address);
    expect(r.stdout()).toMatch(
      /^AgentKeys sandbox is up .*standing in for agentkeys-broker-server c9e1694 \(PR #104\)\.$/m,
    );
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  it.each([
    [
      'a plain start-up error',
      { BROKER_OIDC_JWT_TTL_SECONDS: '7200' },
      'Error: BROKER_OIDC_JWT_TTL_SECONDS must be between 60 and 3600, got 7200\n',
    ],
    [
      'a BOOT_FAIL line',
      { BROKER_AUTH_METHODS: 'wallet_sig,oauth2_github' },
      'BOOT_FAIL: BROKER_AUTH_METHODS="oauth2_github": unknown or feature-gated-out auth method (compile with the matching --features flag); see runbook §auth-method-not-compiled\n',
    ],
  ])('prints %s alone and exits 78 on a bad setting', async (_name, env, stderr) => {
    const dir = tempDir();
    const r = run('npm', ['run', 'sandbox', '--', '--broker-port', '0', '--no-moto', '--dir', dir], {
      ...npmEnv(dir),
      ...env,
    });
    expect(await r.exited).toBe(78);
    expect(r.stderr()).toBe(stderr);
    expect(r.stdout()).not.toContain('Press Ctrl-C');
  });

  it('exits 2 with one line and a suggestion on an unknown flag', async () => {
    const r = run('npm', ['run', 'sandbox', '--', '--brokerport', '1'], npmEnv(tempDir()));
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(
      /^sandbox: unknown flag --brokerport; did you mean --broker-port\?\nusage: npm run sandbox/,
    );
  });

  it('names the variable, not the flag, when a port variable is bad', async () => {
    const r = run('npm', ['run', 'sandbox'], { ...npmEnv(tempDir()), AGENTKEYS_SANDBOX_BROKER_PORT: 'abc' });
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toMatch(
      /^sandbox: AGENTKEYS_SANDBOX_BROKER_PORT must be a port number 0-65535 \(got "abc"\)/,
    );
  });

  it('refuses --no-moto typed without -- (npm keeps it) and starts nothing', async () => {
    const dir = tempDir();
    const r = run('npm', ['run', 'sandbox', '--no-moto'], {
      ...npmEnv(dir),
      AGENTKEYS_SANDBOX_BROKER_PORT: '0',
      AGENTKEYS_SANDBOX_MOTO_PORT: '0',
    });
    expect(await r.exited).toBe(2);
    expect(r.stderr()).toContain('Type -- before the flags: npm run sandbox -- --no-moto');
    expect(r.stdout()).toBe('');
  });

  it('one sandbox per folder: a second start is refused and the first stays reachable', async () => {
    const dir = tempDir();
    const args = ['run', 'sandbox', '--', '--broker-port', '0', '--no-moto', '--dir', dir];
    const first = run('npm', args, npmEnv(dir));
    await until('the ready banner', () => first.stdout().includes('Press Ctrl-C'), first);
    const state = readFileSync(join(dir, 'state.json'), 'utf8');
    const second = run('npm', args, npmEnv(dir));
    expect(await second.exited).toBe(2);
    expect(second.stderr()).toContain(
      `a sandbox is already running from ${dir} (pid ${JSON.parse(state).pid}`,
    );
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(state);
    expect(await listening(JSON.parse(state).brokerUrl)).toBe(true);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(join(dir, 'state.json'))).toBe(false);
  });
});

describe('sandbox without moto installed', () => {
  it('starts the broker anyway and says how to install moto', async () => {
    const dir = tempDir();
    // A PATH holding only node: neither moto_server nor a python3 to fall back on.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const env = { HOME: dir, PATH: bin, npm_config_loglevel: 'silent' };
    const r = run(join(bin, 'node'), ['bin/agentkeys-sandbox.mjs', '--broker-port', '0', '--dir', dir], env);
    await until('the ready banner', () => r.stdout().includes('Press Ctrl-C'), r);
    expect(r.stdout()).toContain("pip install 'moto[server]'");
    expect(r.stdout()).not.toContain('AWS_ENDPOINT_URL');
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(state.motoUrl).toBeNull();
    const res = await fetch(`${state.brokerUrl}/healthz`);
    expect(await res.text()).toBe('ok');
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(0);
    expect(await listening(state.brokerUrl)).toBe(false);
  });
});
