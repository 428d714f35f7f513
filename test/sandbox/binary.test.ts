// The sandbox CLI speaks the broker binary's interface: keygen as agentkeys-broker-server's (mode 0600, never
// overwrites), and serving from BROKER_* alone with --bind/--port/--export-session-pubkey-to.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBinaryInvocation, runBinary } from '../../scripts/sandbox/binary.ts';
import { freePort } from '../../scripts/sandbox/moto.ts';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-binary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function call(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const lines: string[] = [];
  const code = await runBinary(argv, { env, err: (line) => lines.push(line) });
  return { code, text: lines.join('\n') };
}

describe('the broker binary interface of the sandbox CLI', () => {
  it('tells the binary arguments from npm run sandbox ones', () => {
    expect(isBinaryInvocation(['keygen', '--purpose', 'oidc'])).toBe(true);
    expect(isBinaryInvocation(['--bind', '127.0.0.1', '--port', '0'])).toBe(true);
    expect(isBinaryInvocation(['--port=0'])).toBe(true);
    expect(isBinaryInvocation([])).toBe(false);
    expect(isBinaryInvocation(['--broker-port', '0', '--no-moto'])).toBe(false);
  });

  it('keygen writes a 0600 key file with the purpose tag and refuses to overwrite it', async () => {
    const out = join(dir, 'keys', 'session.json');
    const made = await call(['keygen', '--purpose', 'session', '--out', out]);
    expect(made.code).toBe(0);
    expect(made.text).toMatch(/^wrote session keypair \(kid=ak-session-\d+\) to .+ \(mode 0600\)$/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const before = readFileSync(out, 'utf8');
    expect(JSON.parse(before).purpose).toBe('session');

    const again = await call(['keygen', '--purpose', 'oidc', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.text).toBe(
      `Error: ${out} already exists; refusing to overwrite. Move/remove the existing file first if rotation is intended.`,
    );
    expect(readFileSync(out, 'utf8')).toBe(before);
  });

  it('keygen refuses an unknown purpose or a missing --out with exit 2', async () => {
    expect((await call(['keygen', '--purpose', 'aws', '--out', join(dir, 'x.json')])).code).toBe(2);
    expect((await call(['keygen', '--purpose', 'oidc'])).text).toMatch(/--out/);
  });

  it('serving refuses a non-loopback --bind (exit 2) and prints the broker start-up error (exit 1)', async () => {
    expect((await call(['--bind', '0.0.0.0', '--port', '0'])).code).toBe(2);
    const env = { BROKER_OIDC_ISSUER: 'https://broker.example.test' };
    const missing = await call(['--bind', '127.0.0.1', '--port', '0'], env);
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/^Error: missing required env var: set BROKER_DATA_ROLE_ARN/);
  });

  it('prints the BOOT_FAIL line as the broker does, for a missing key file', async () => {
    const run = await call(['serve', '--bind', '127.0.0.1', '--port', '0'], {
      BROKER_OIDC_ISSUER: 'https://broker.example.test',
      BROKER_DATA_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
      BROKER_OIDC_KEYPAIR_PATH: join(dir, 'nope.json'),
      BROKER_AUDIT_DB_PATH: join(dir, 'data', 'audit.sqlite'),
    });
    expect(run.code).toBe(1);
    expect(run.text).toMatch(
      /^Error: BOOT_FAIL: BROKER_OIDC_KEYPAIR_PATH=".+": .+; see runbook §oidc-keypair$/,
    );
  });

  it('serves from BROKER_* alone, exports the session public key (0644) and stops on SIGTERM', async () => {
    const keys = join(dir, 'serve');
    expect((await call(['keygen', '--purpose', 'oidc', '--out', join(keys, 'oidc.json')])).code).toBe(0);
    expect((await call(['keygen', '--purpose', 'session', '--out', join(keys, 'session.json')])).code).toBe(
      0,
    );
    const port = await freePort();
    const pem = join(keys, 'pub', 'session.pem');
    const child = spawn(
      process.execPath,
      [
        'bin/agentkeys-sandbox.mjs',
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--skip-startup-check',
        '--export-session-pubkey-to',
        pem,
      ],
      {
        env: {
          PATH: process.env.PATH,
          BROKER_OIDC_ISSUER: `http://127.0.0.1:${port}`,
          BROKER_DEV_MODE: 'true',
          BROKER_DATA_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
          BROKER_OIDC_KEYPAIR_PATH: join(keys, 'oidc.json'),
          BROKER_SESSION_KEYPAIR_PATH: join(keys, 'session.json'),
          BROKER_AUDIT_DB_PATH: join(keys, 'data', 'audit.sqlite'),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
          if (stderr.includes(`broker listening on 127.0.0.1:${port}`)) resolve();
        });
        child.on('close', () => reject(new Error(`exited before listening:\n${stderr}`)));
      });
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await health.text()).toBe('ok');
      expect(statSync(pem).mode & 0o777).toBe(0o644);
      expect(readFileSync(pem, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/broker shut down cleanly/);
  }, 60_000);

  it('never writes into an existing key file, even one that is not a key', async () => {
    const out = join(dir, 'not-a-key.json');
    writeFileSync(out, 'hello');
    expect((await call(['keygen', '--purpose', 'oidc', '--out', out])).code).toBe(1);
    expect(readFileSync(out, 'utf8')).toBe('hello');
  });
});
