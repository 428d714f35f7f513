// The bring-up steps B1–B5 on the sandbox: from an empty host folder to a healthy broker the later steps
// use; a second run changes nothing; bad input stops with the broker's own anchor and overwrites nothing.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  removeTempDirs,
  runInProcess,
  startTestSandbox,
  type TestSandbox,
  tempDir,
} from '../helpers.ts';

let sandbox: TestSandbox;
let host: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sandbox = await startTestSandbox({ moto: false });
  env = childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir });
  host = path.join(sandbox.dir, 'host');
});

afterAll(async () => {
  removeTempDirs();
  await sandbox?.stop();
});

const at = (p: string) => path.join(host, p);
const lines = (text: string, id: string) =>
  text.split('\n').filter((l) => l.startsWith(`    ${id} │`) || l.includes(` ${id} `));
const status = (text: string, id: string) => new RegExp(`^. ${id} .+: (\\w+) in`, 'm').exec(text)?.[1];

describe('bring-up on the sandbox', () => {
  it('--dry-run shows the files it would write and writes nothing', async () => {
    const run = await runInProcess(['stage7', '--to', 'b5', '--dry-run'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/would: {3}BROKER_OIDC_ISSUER=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(run.stdout).toMatch(
      /would: {3}ExecStart=.+agentkeys-broker-server --bind 127\.0\.0\.1 --port \d+/,
    );
    expect(run.stdout).toMatch(/would: run .+ keygen --purpose session --out /);
    expect(existsSync(host)).toBe(false);
  });

  it('reaches a healthy broker from an empty host folder, and the verification steps use it', async () => {
    const run = await runInProcess(['stage7', '--to', '03'], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const id of ['b1', 'b2', 'b3', 'b4']) expect(status(run.stdout, id)).toBe('changed');
    const envFile = readFileSync(at('etc/agentkeys/broker.env'), 'utf8');
    const issuer = /^BROKER_OIDC_ISSUER=(.+)$/m.exec(envFile)?.[1];
    expect(issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // Step 3 read the discovery document of the broker B5 started, not the sandbox's own.
    expect(run.stdout).toContain(`issuer ${issuer} matches BROKER_OIDC_ISSUER`);
    expect(issuer).not.toBe(sandbox.state.issuer);
    expect(statSync(at('etc/agentkeys/broker.env')).mode & 0o777).toBe(0o600);
    for (const key of ['oidc', 'session']) {
      const file = at(`var/lib/agentkeys/keys/${key}-keypair.json`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8')).purpose).toBe(key);
    }
    expect(readFileSync(at('etc/systemd/system/agentkeys-broker.service'), 'utf8')).toMatch(
      /^Restart=always$/m,
    );
    expect(readFileSync(at('var/lib/agentkeys/session-pubkey.pem'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
    // The broker it started is stopped when the run ends.
    const res = await fetch(`${issuer}/healthz`).catch(() => undefined);
    expect(res).toBeUndefined();
  });

  it('a second run changes nothing and says so', async () => {
    const before = readFileSync(at('etc/agentkeys/broker.env'), 'utf8');
    const run = await runInProcess(['stage7', '--to', 'b5'], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const id of ['b1', 'b2', 'b3', 'b4', 'b5']) expect(status(run.stdout, id)).toBe('passed');
    expect(run.stdout).toMatch(/kept the oidc key .+ \(kid v1-\d+\)/);
    expect(run.stdout).toMatch(/broker\.env: \d+ settings, mode 0600, unchanged/);
    expect(readFileSync(at('etc/agentkeys/broker.env'), 'utf8')).toBe(before);
    expect(readdirSync(at('etc/agentkeys')).filter((f) => f.endsWith('.bak'))).toEqual([]);
  });

  it('a required value missing: B3 refuses with the broker anchor (exit 2) and keeps the env file', async () => {
    const before = readFileSync(at('etc/agentkeys/broker.env'), 'utf8');
    const run = await runInProcess(['stage7', '--to', 'b3'], {
      ...env,
      BROKER_AUTH_METHODS: 'wallet_sig,email_link',
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/missing: BROKER_EMAIL_FROM_ADDRESS \(required with email_link/);
    expect(run.stderr).toMatch(/Read: .+#email-from-address$/m);
    expect(readFileSync(at('etc/agentkeys/broker.env'), 'utf8')).toBe(before);
  });

  it('a value the broker refuses: B5 stops with its BOOT_FAIL line and anchor; B3 kept a backup', async () => {
    const run = await runInProcess(['stage7', '--to', 'b5'], { ...env, BROKER_AUDIT_POLICY: 'strictest' });
    expect(run.code).toBe(1);
    expect(status(run.stdout, 'b3')).toBe('changed');
    expect(run.stderr).toMatch(/BOOT_FAIL: BROKER_AUDIT_POLICY="strictest": .+; see runbook §audit-policy/);
    expect(run.stderr).toMatch(/Read: .+#audit-policy$/m);
    expect(run.stderr).toMatch(/Resume: npm run runbook -- stage7 --from b5$/m);
    expect(readdirSync(at('etc/agentkeys')).filter((f) => f.endsWith('.bak'))).toHaveLength(1);
    // Back to the good settings for the tests below.
    expect((await runInProcess(['stage7', '--step', 'b3'], env)).code).toBe(0);
  });

  it('an existing file that is not a usable key: B2 refuses and leaves it as it was', async () => {
    const file = at('var/lib/agentkeys/keys/session-keypair.json');
    const good = readFileSync(file, 'utf8');
    const oidc = readFileSync(at('var/lib/agentkeys/keys/oidc-keypair.json'), 'utf8');
    writeFileSync(file, oidc);
    const run = await runInProcess(['stage7', '--step', 'b2'], env);
    expect(run.code).toBe(1);
    expect(lines(run.stderr, 'b2').join('\n') + run.stderr).toMatch(
      /not a usable session key: its purpose is "oidc"/,
    );
    expect(run.stderr).toMatch(/Read: .+#session-keypair$/m);
    expect(readFileSync(file, 'utf8')).toBe(oidc);
    writeFileSync(file, good, { mode: 0o600 });
  });

  it('AGENTKEYS_ROTATE_KEYS moves the old key aside and makes a new one', async () => {
    const keys = at('var/lib/agentkeys/keys');
    const kid = () => JSON.parse(readFileSync(path.join(keys, 'session-keypair.json'), 'utf8')).kid;
    const old = kid();
    // kids are unix seconds: wait for the next second without sleeping on a fixed time.
    while (`ak-session-${Math.floor(Date.now() / 1000)}` === old) await new Promise((r) => setTimeout(r, 50));
    const run = await runInProcess(['stage7', '--step', 'b2'], { ...env, AGENTKEYS_ROTATE_KEYS: 'session' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(status(run.stdout, 'b2')).toBe('changed');
    expect(kid()).not.toBe(old);
    const aside = readdirSync(keys).filter(
      (f) => f.startsWith('session-keypair.json.') && f.endsWith('.bak'),
    );
    expect(aside).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(keys, aside[0] as string), 'utf8')).kid).toBe(old);
  });
});

describe('bring-up against a broker URL', () => {
  it('is skipped with the reason when AGENTKEYS_BROKER_BIN is not set (not on the broker host)', async () => {
    const run = await runInProcess(
      ['stage7', '--to', 'b5', '--target', 'https://broker.example.test', '--dry-run'],
      env,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/would: runs on the broker host: there, set AGENTKEYS_BROKER_BIN/);
    const work = tempDir('bringup-nothing-');
    expect(readdirSync(work)).toEqual([]);
  });
});
