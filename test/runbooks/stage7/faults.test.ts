// Fault suite: the runner against a sandbox behind a proxy the test controls. Every fault ends with a
// non-zero exit, a readable cause, the section to read and the resume command — never a stack trace.
import type { ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needs, titled } from '../../helpers/needs.ts';
import {
  childEnv,
  hasStackTrace,
  type Intercept,
  type RunResult,
  removeTempDirs,
  runCli,
  startProxy,
  startTestSandbox,
  type TestSandbox,
  tempDir,
} from '../helpers.ts';

let sandbox: TestSandbox;
let testKey: Awaited<ReturnType<typeof generateKeyPair>>;
let testJwk: Record<string, unknown>;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  testKey = await generateKeyPair('ES256', { extractable: true });
  testJwk = { ...(await exportJWK(testKey.publicKey)), kid: 'v1-test', alg: 'ES256', use: 'sig' };
});

afterAll(async () => {
  removeTempDirs();
  await sandbox?.stop();
});

interface Fault {
  broker?: Intercept;
  moto?: Intercept;
  env?: Record<string, string>;
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Runs the CLI against its own pair of proxies in front of the shared sandbox, through a sandbox folder
 * whose state points at them, so faults run side by side without seeing each other.
 */
async function fault(args: string[], f: Fault = {}): Promise<RunResult & { dir: string }> {
  const broker = await startProxy(sandbox.state.brokerUrl);
  const moto = await startProxy(sandbox.state.motoUrl as string);
  broker.intercept = f.broker;
  moto.intercept = f.moto;
  const dir = tempDir('runbook-faults-');
  writeFileSync(
    path.join(dir, 'state.json'),
    JSON.stringify({ ...sandbox.state, brokerUrl: broker.url, motoUrl: moto.url }),
  );
  copyFileSync(path.join(sandbox.dir, 'test-wallet.json'), path.join(dir, 'test-wallet.json'));
  const env = childEnv({ AGENTKEYS_SANDBOX_DIR: dir, ...f.env });
  try {
    return { ...(await runCli(['stage7', ...args], env, f.onSpawn)), dir };
  } finally {
    await broker.close();
    await moto.close();
  }
}

function expectExplained(
  run: RunResult,
  o: { code: number; step: string; cause: RegExp; anchor: string; resume?: string },
) {
  const all = run.stdout + run.stderr;
  expect(run.code, all).toBe(o.code);
  expect(run.stderr).toMatch(new RegExp(`✖ Step ${o.step} \\(.+\\) failed: `));
  expect(all).toMatch(o.cause);
  expect(run.stderr).toMatch(/^ {2}Likely cause: \S.+/m);
  expect(run.stderr).toContain(`Read: http://docs.test/operator-runbook-stage7#${o.anchor}`);
  expect(run.stderr).toContain(`Resume: npm run runbook -- stage7 --from ${o.step}${o.resume ?? ''}`);
  expect(hasStackTrace(all)).toBe(false);
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

async function brokerSigned(claims: Record<string, unknown>, kid = 'v1-test') {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(testKey.privateKey);
}

// Each fault starts one or two runner processes, all at once: on a busy 2-core machine that takes longer
// than vitest's default per-test time, which says nothing about the runner.
const moto = needs('moto');

describe.skipIf(!moto.ok).concurrent(titled('Stage 7 runbook faults', moto), { timeout: 120_000 }, () => {
  it('broker down: preflight exits 2 and names the unreachable URL', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const target = `http://127.0.0.1:${port}`;
    const run = await fault(['--step', '02', '--target', target], {
      env: {
        BROKER_OIDC_ISSUER: 'https://broker.example.com',
        AGENTKEYS_WALLET_PRIVATE_KEY: `0x${'11'.repeat(32)}`,
      },
    });
    expectExplained(run, {
      code: 2,
      step: '01',
      cause: /not reachable.+connection refused/,
      anchor: 'step-1-preflight',
      resume: ` --to 02 --target ${target}`,
    });
  });

  it('5xx: a mint that answers 500 fails step 6 with the broker message', async () => {
    const run = await fault(['--step', '06'], {
      broker: (_req, url) =>
        url.pathname === '/v1/mint-oidc-jwt'
          ? json(500, { error: 'audit_error', message: 'audit_error: disk full' })
          : undefined,
    });
    expectExplained(run, {
      code: 1,
      step: '06',
      cause: /answered 500: audit_error: disk full/,
      anchor: 'step-6-mint-oidc-jwt',
    });
  });

  it('transient 502s are retried with backoff and the step passes', async () => {
    let failures = 0;
    const run = await fault(['--step', '06'], {
      broker: (_req, url) => {
        if (url.pathname !== '/v1/mint-oidc-jwt' || failures >= 2) return undefined;
        failures += 1;
        return new Response('bad gateway', { status: 502 });
      },
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(failures).toBe(2);
  });

  it('503 from /readyz explains each unready check and links its section', async () => {
    const run = await fault(['--step', '02'], {
      broker: (_req, url) =>
        url.pathname === '/readyz'
          ? json(503, {
              status: 'unready',
              degraded: false,
              ready: ['auth/wallet_sig', 'wallet/client_keystore'],
              checks: [
                {
                  name: 'audit/sqlite',
                  status: 'unready',
                  reason: 'sqlite at /var/lib/agentkeys/audit.sqlite is not writable',
                  docs: 'https://docs.agentkeys.dev/operator-runbook-stage7#audit-sqlite',
                },
              ],
            })
          : undefined,
    });
    expectExplained(run, {
      code: 1,
      step: '02',
      cause: /audit\/sqlite: unready — sqlite at \/var\/lib\/agentkeys\/audit\.sqlite is not writable/,
      anchor: 'audit-sqlite',
    });
  });

  it('slower than the timeout: the step fails at --timeout and the resume keeps it', async () => {
    // Step 3's call never answers (until the test is done); the other steps have the same 5s, which they
    // need a fraction of, so only step 3 can hit it.
    let release: () => void = () => {};
    const run = await fault(['--step', '03', '--timeout', '5'], {
      broker: (_req, url) => {
        if (url.pathname !== '/.well-known/openid-configuration') return undefined;
        return new Promise<Response>((answer) => {
          release = () => answer(json(200, {}));
        });
      },
    }).finally(() => release());
    expectExplained(run, {
      code: 1,
      step: '03',
      cause: /did not finish within 5s/,
      anchor: 'step-3-oidc-issuer',
      resume: ' --timeout 5',
    });
  });

  it('malformed JSON from the mint is named as such', async () => {
    const run = await fault(['--step', '06'], {
      broker: (_req, url) =>
        url.pathname === '/v1/mint-oidc-jwt'
          ? new Response('<html>gateway</html>', { status: 200 })
          : undefined,
    });
    expectExplained(run, {
      code: 1,
      step: '06',
      cause: /a body that is not JSON: "<html>gateway<\/html>"/,
      anchor: 'step-6-mint-oidc-jwt',
    });
  });

  it('an expired session JWT is refused before it is used', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ agentkeys: { omni_account: 'ab'.repeat(32), wallet_address: '0x1' } })
      .setProtectedHeader({ alg: 'ES256', kid: 'ak-session-1' })
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(testKey.privateKey);
    const run = await fault(['--step', '06'], { env: { AGENTKEYS_SESSION_JWT: expired } });
    expectExplained(run, {
      code: 1,
      step: '05',
      cause: /AGENTKEYS_SESSION_JWT expired at/,
      anchor: 'step-5-session-jwt',
      resume: ' --to 06',
    });
    expect(run.stdout + run.stderr).not.toContain(expired);
  });

  it('a wrong audience is reported as the STS "Incorrect token audience" error', async () => {
    const run = await fault(['--step', '07'], {
      broker: async (_req, url) => {
        if (url.pathname === '/.well-known/jwks.json') {
          const real = (await (await fetch(`${sandbox.state.brokerUrl}${url.pathname}`)).json()) as {
            keys: unknown[];
          };
          return json(200, { keys: [...real.keys, testJwk] });
        }
        if (url.pathname !== '/v1/mint-oidc-jwt') return undefined;
        const jwt = await brokerSigned({
          iss: sandbox.state.issuer,
          aud: 'wrong.example.com',
          sub: 'agentkeys:agent:0x1',
        });
        return json(200, { jwt, wallet: '0x1', expiration: Math.floor(Date.now() / 1000) + 300 });
      },
    });
    expectExplained(run, {
      code: 1,
      step: '07',
      cause: /STS would answer Incorrect token audience/,
      anchor: 'sts-incorrect-token-audience',
    });
  });

  it('a JWKS without the kid is reported as STS InvalidIdentityToken', async () => {
    const run = await fault(['--step', '07'], {
      broker: (_req, url) =>
        url.pathname === '/.well-known/jwks.json' ? json(200, { keys: [testJwk] }) : undefined,
    });
    expectExplained(run, {
      code: 1,
      step: '07',
      cause: /kid v1-\d+ is not in the JWKS \(v1-test\).+InvalidIdentityToken/,
      anchor: 'sts-invalid-identity-token',
    });
  });

  it('STS InvalidIdentityToken from AssumeRoleWithWebIdentity names the error and its section', async () => {
    const run = await fault(['--step', '08'], {
      moto: async (req) => {
        if (req.method !== 'POST' || !(await req.text()).includes('Action=AssumeRoleWithWebIdentity'))
          return undefined;
        const xml = `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider found in your account for ${sandbox.state.issuer}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`;
        return new Response(xml, { status: 400, headers: { 'content-type': 'text/xml' } });
      },
    });
    expectExplained(run, {
      code: 1,
      step: '08',
      cause: /AssumeRoleWithWebIdentity.+failed: InvalidIdentityToken: No OpenIDConnect provider/,
      anchor: 'sts-invalid-identity-token',
    });
    await runCli(['stage7', '--step', '12'], childEnv({ AGENTKEYS_SANDBOX_DIR: run.dir }));
  });

  it('Ctrl-C exits 130, marks the running step interrupted and still writes the report', async () => {
    const report = path.join(tempDir('runbook-interrupt-'), 'interrupted.json');
    let runner: ChildProcess | undefined;
    let release: () => void = () => {};
    // Ctrl-C arrives while step 3's first call is in flight: when the request reaches the broker, not after a delay.
    const run = await fault(['--step', '03', '--report', report], {
      broker: (_req, url) => {
        if (url.pathname !== '/.well-known/openid-configuration') return undefined;
        runner?.kill('SIGINT');
        return new Promise<Response>((answer) => {
          release = () => answer(json(200, {}));
        });
      },
      onSpawn: (child) => {
        runner = child;
      },
    }).finally(() => release());
    expect(run.code, run.stdout + run.stderr).toBe(130);
    expect(run.stderr).toContain('Resume: npm run runbook -- stage7 --from 03 --report');
    const steps = JSON.parse(readFileSync(report, 'utf8')).steps;
    expect(steps.at(-1)).toMatchObject({ id: '03', status: 'failed', error: 'interrupted (Ctrl-C)' });
  });
});
