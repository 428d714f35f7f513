// Each command typed the npm way, as a newcomer types it: flags without `--` reach npm, not us. They are
// refused with exit 2 before anything runs (no sandbox started, no request sent); with `--`, or through
// the package's bins, the same flags work.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/sandbox/start.ts';

const dirs: string[] = [];
let broker: Server;
let brokerUrl: string;
let requests = 0;

beforeAll(async () => {
  // Stands in for a production broker: any request at all would mean the refused command did something.
  broker = createServer((_req, res) => {
    requests += 1;
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  brokerUrl = `http://127.0.0.1:${(broker.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await new Promise((resolve) => broker.close(resolve));
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'npm-flags-'));
  dirs.push(dir);
  return dir;
}

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, CI: '1', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'close');
  return { code: code as number | null, stdout, stderr };
}

describe('npm run runbook without --', () => {
  it('--dry-run: exit 2, says to type --, and starts no sandbox', async () => {
    const sandboxDir = join(tempDir(), 'sandbox');
    const r = await run('npm', ['run', 'runbook', 'stage7', '--dry-run'], {
      AGENTKEYS_SANDBOX_DIR: sandboxDir,
    });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('runbook: npm kept --dry-run for itself');
    expect(r.stderr).toContain('npm run runbook -- stage7 --dry-run');
    expect(r.stdout).toBe('');
    expect(existsSync(sandboxDir)).toBe(false);
  });

  it('--target URL --yes against a broker: exit 2 and not one request reaches it', async () => {
    const before = requests;
    const r = await run('npm', ['run', 'runbook', 'stage7', '--target', brokerUrl, '--yes'], {
      AGENTKEYS_SANDBOX_DIR: join(tempDir(), 'sandbox'),
    });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/npm kept --target … --yes for itself/);
    expect(requests).toBe(before);
  });

  it('the same flags after -- reach the runner (a dry run: nothing changes, exit 0)', async () => {
    const r = await run('npm', [
      'run',
      'runbook',
      '--',
      'stage7',
      '--target',
      brokerUrl,
      '--dry-run',
      '--step',
      '02',
    ]);
    expect(r.stdout).toContain(`Stage 7 operator runbook on ${brokerUrl} — dry run, nothing is changed`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('npx agentkeys-runbook takes the flags without --', async () => {
    const r = await run('npx', [
      '--offline',
      'agentkeys-runbook',
      'stage7',
      '--target',
      brokerUrl,
      '--dry-run',
    ]);
    expect(r.stdout).toContain('dry run, nothing is changed');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('the other commands typed the npm way', () => {
  it('npm run drift --format json: exit 2 with the hint, not a check of a path named "json"', async () => {
    const r = await run('npm', ['run', 'drift', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm run drift -- --format json');
  });

  it('npm run drift --root DIR: exit 2 naming --root', async () => {
    const r = await run('npm', ['run', 'drift', '--root', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^drift: npm kept --root … for itself/);
  });

  it('npx agentkeys-drift --format json prints the JSON report', async () => {
    const root = tempDir();
    writeFileSync(join(root, 'drift.yaml'), 'include: ["**/*.md"]\n');
    writeFileSync(join(root, 'page.md'), '# Page\n\nNothing retired here.\n');
    const r = await run('npx', ['--offline', 'agentkeys-drift', '--root', root, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: 1, findings: [], summary: { errors: 0 } });
  });

  it('npm start --no-runbook: exit 2 before serving anything', async () => {
    const r = await run('npm', ['start', '--no-runbook']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Type -- before the flags: npm start -- --no-runbook');
    expect(r.stdout).toBe('');
  });
});
