// startSandbox(): listens on loopback, reuses its keys and test wallet, honours BROKER_* overrides, stops cleanly.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BootFailError, StartupError } from '../../scripts/sandbox/config.ts';
import { type Sandbox, startSandbox, testWallet } from '../../scripts/sandbox/start.ts';
import { needs } from '../helpers/needs.ts';

const moto = needs('moto');

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentkeys-start-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function start(dir: string, env: Record<string, string> = {}, extra = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    dir,
    brokerPort: 0,
    moto: false,
    env: { HOME: dir, ...env },
    ...extra,
  });
  cleanup.push(() => sandbox.stop());
  return sandbox;
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      cleanup.push(() => new Promise((r) => server.close(r)));
      resolve({ server, port: (server.address() as { port: number }).port });
    });
  });
}

describe('startSandbox', () => {
  it('serves the broker on 127.0.0.1 with the issuer http://127.0.0.1:<port>', async () => {
    const sandbox = await start(tempDir());
    expect(sandbox.brokerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sandbox.issuer).toBe(sandbox.brokerUrl);
    expect(sandbox.motoUrl).toBeNull();
    expect(sandbox.motoHint).toMatch(/--no-moto/);
    const discovery = await (await fetch(`${sandbox.brokerUrl}/.well-known/openid-configuration`)).json();
    expect(discovery.issuer).toBe(sandbox.issuer);
  });

  it('creates the test wallet once (mode 0600) and reuses keys and wallet on restart', async () => {
    const dir = tempDir();
    const first = await start(dir);
    const jwks1 = await (await fetch(`${first.brokerUrl}/.well-known/jwks.json`)).json();
    await first.stop();
    const file = join(dir, 'test-wallet.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).address).toBe(first.testWallet.address);
    const second = await start(dir);
    expect(second.testWallet.address).toBe(first.testWallet.address);
    const jwks2 = await (await fetch(`${second.brokerUrl}/.well-known/jwks.json`)).json();
    expect(jwks2).toEqual(jwks1);
  });

  it('refuses a test wallet file that is not JSON without quoting the key it holds', async () => {
    const dir = tempDir();
    const key = `0x${'4c0883a6'.repeat(8)}`;
    writeFileSync(join(dir, 'test-wallet.json'), `'${key}'\n`, { mode: 0o600 });
    const failure = startSandbox({ dir, brokerPort: 0, moto: false, env: { HOME: dir } });
    await expect(failure).rejects.toThrow(
      /test-wallet\.json is not a readable JSON test wallet; delete it and start the sandbox again/,
    );
    await expect(failure).rejects.not.toThrow(key.slice(2, 8));
    expect(() => testWallet(dir)).toThrow(/delete it/);
  });

  it('honours BROKER_* overrides from its environment', async () => {
    const sandbox = await start(tempDir(), {
      BROKER_METRICS_ENABLED: 'true',
      BROKER_AWS_REGION: 'eu-west-1',
    });
    expect((await fetch(`${sandbox.brokerUrl}/metrics`)).status).toBe(200);
    expect(sandbox.region).toBe('eu-west-1');
  });

  it('starts with no configuration: its own keys, data role and the six SQLite files in its folder', async () => {
    const dir = tempDir();
    const sandbox = await start(dir);
    expect(sandbox.upstream).toBe('c9e1694 (PR #104)');
    // SQLite's -wal and -shm companions come and go; the files themselves must all be there.
    expect(
      readdirSync(dir)
        .filter((f) => !/-(wal|shm)$/.test(f))
        .sort(),
    ).toEqual([
      'audit.sqlite',
      'auth_nonces.sqlite',
      'grants.sqlite',
      'idempotency.sqlite',
      'identity_links.sqlite',
      'oidc-keypair.json',
      'session-keypair.json',
      'test-wallet.json',
      'wallets.sqlite',
    ]);
    const ready = await (await fetch(`${sandbox.brokerUrl}/readyz`)).json();
    expect(ready).toMatchObject({
      status: 'ready',
      ready: ['auth/wallet_sig', 'wallet/client_keystore', 'audit/sqlite'],
    });
  });

  it('refuses a plain start-up error before binding anything', async () => {
    const dir = tempDir();
    const { port } = await occupy();
    const error = await startSandbox({
      dir,
      brokerPort: port,
      moto: false,
      env: { BROKER_OIDC_JWT_TTL_SECONDS: '7200' },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error.line).toBe('Error: BROKER_OIDC_JWT_TTL_SECONDS must be between 60 and 3600, got 7200');
  });

  it('refuses the issuer check before binding anything: BROKER_DEV_MODE=maybe is not dev mode', async () => {
    const dir = tempDir();
    const { port } = await occupy();
    const error = await startSandbox({
      dir,
      brokerPort: port,
      moto: false,
      env: { BROKER_DEV_MODE: 'maybe' },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(BootFailError);
    expect(error.line).toBe(
      `BOOT_FAIL: BROKER_OIDC_ISSUER="http://127.0.0.1:${port}": must be https:// in non-dev mode (set BROKER_DEV_MODE=true to relax); see runbook §oidc-issuer`,
    );
  });

  it('leaves a key path the caller set to the broker check: a missing file refuses to boot, the port is freed', async () => {
    const dir = tempDir();
    const missing = join(dir, 'elsewhere', 'oidc.json');
    const error = await startSandbox({
      dir,
      brokerPort: 0,
      moto: false,
      env: { HOME: dir, BROKER_OIDC_KEYPAIR_PATH: missing },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(BootFailError);
    expect(error.line).toMatch(
      new RegExp(
        `^BOOT_FAIL: BROKER_OIDC_KEYPAIR_PATH="${missing}": OIDC keypair file does not exist .*§oidc-keypair$`,
      ),
    );
    expect(existsSync(missing)).toBe(false);
    // Nothing stays open: the same folder starts once the variable is gone.
    await start(dir);
  });

  it('says which flag to change when the broker port is taken', async () => {
    const { port } = await occupy();
    await expect(start(tempDir(), {}, { brokerPort: port })).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use; pick another with --broker-port`,
    );
  });

  it.skipIf(!moto.ok)(
    `says which flag to change when the moto port is taken, and frees the broker port${moto.ok ? '' : ` (skipped: ${moto.reason})`}`,
    async () => {
      const { port } = await occupy();
      const dir = tempDir();
      await expect(start(dir, {}, { moto: true, motoPort: port })).rejects.toThrow(/--moto-port/);
      // The broker that had started is closed again: a new sandbox can start in the same folder.
      await start(dir);
    },
  );

  it('stop() closes the port even with a keep-alive connection open', async () => {
    const sandbox = await start(tempDir());
    await fetch(`${sandbox.brokerUrl}/healthz`, { keepalive: true });
    await sandbox.stop();
    await expect(fetch(`${sandbox.brokerUrl}/healthz`)).rejects.toThrow();
  });
});
