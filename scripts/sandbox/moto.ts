// Finds and starts moto (AWS STS, IAM and S3 emulator) on loopback, and waits until it answers HTTP.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export const MOTO_INSTALL_HINT = "pip install 'moto[server]'";

export interface MotoCommand {
  command: string;
  args: string[];
}

/** `moto_server` from PATH, else `python3 -m moto.server` when the module imports, else null. */
export function findMoto(env: Record<string, string | undefined> = process.env): MotoCommand | null {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'moto_server');
    try {
      accessSync(candidate, constants.X_OK);
      return { command: candidate, args: [] };
    } catch {}
  }
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', env, timeout: 15_000 });
  return probe.status === 0 ? { command: 'python3', args: ['-m', 'moto.server'] } : null;
}

/** A port the OS reports free right now (moto needs a concrete number, it cannot bind port 0 and tell us). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Runs moto under a small shell that stops it when our end of its stdin closes, which happens however this
 * process ends (a crash or SIGKILL included), so moto is never left running on its own. `kill` of the shell
 * (SIGTERM) stops moto and waits for it.
 */
const WATCHDOG = `
exec 3<&0
"$@" </dev/null &
child=$!
( read -r _ <&3; kill -TERM "$child" 2>/dev/null ) &
watcher=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
status=0
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
kill "$watcher" 2>/dev/null
exit "$status"
`;

export interface RunningMoto {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts moto on 127.0.0.1:`port` and resolves once it answers; rejects with its last output if it dies. */
export async function startMoto(cmd: MotoCommand, port: number, timeoutMs = 30_000): Promise<RunningMoto> {
  // Checked first: otherwise another server already on the port could answer the readiness probe.
  if (!(await portIsFree(port))) {
    throw new Error(`port ${port} on 127.0.0.1 is already in use; pick another with --moto-port`);
  }
  const child = spawn(
    'sh',
    ['-c', WATCHDOG, 'moto', cmd.command, ...cmd.args, '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
      // Its own process group: Ctrl-C in the terminal reaches us, and we stop moto after the current step.
      detached: true,
    },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
  });
  let dead = false;
  void exited.then(() => {
    dead = true;
  });

  const stop = async () => {
    if (dead) return;
    child.kill('SIGTERM');
    // The shell leads its own process group, so a hard stop takes moto and the watcher with it.
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
    }, 3000);
    await exited;
    clearTimeout(timer);
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) break;
    try {
      const res = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return { url, port, child, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stop();
  const last = output.trim().split('\n').slice(-3).join(' | ');
  throw new Error(`moto did not start on ${url}${last ? `: ${last}` : ''}`);
}
