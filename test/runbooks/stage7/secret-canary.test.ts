// Secret canary: run the Stage 7 runbook with known secrets (and learn the ones minted on the way from
// the wire) and prove none reaches stdout, stderr, a report, a file or any process's arguments.
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../../helpers/needs.ts';
import {
  childEnv,
  type RunResult,
  removeTempDirs,
  runCli,
  startProxy,
  startTestSandbox,
  type TestProxy,
  type TestSandbox,
  tempDir,
  watchArgv,
} from '../helpers.ts';

const CANARY_KEY = `0x${'c0ffee'.repeat(10)}abcd`;
const JWT_SHAPE = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

let sandbox: TestSandbox;
let broker: TestProxy;
let moto: TestProxy;
let dir: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  broker = await startProxy(sandbox.state.brokerUrl);
  moto = await startProxy(sandbox.state.motoUrl as string);
  dir = tempDir('runbook-canary-');
  writeFileSync(
    path.join(dir, 'state.json'),
    JSON.stringify({ ...sandbox.state, brokerUrl: broker.url, motoUrl: moto.url }),
  );
  copyFileSync(path.join(sandbox.dir, 'test-wallet.json'), path.join(dir, 'test-wallet.json'));
});

afterAll(async () => {
  removeTempDirs();
  await broker?.close();
  await moto?.close();
  await sandbox?.stop();
});

/** Secrets that crossed the wire: session and OIDC JWTs from the broker, AWS keys from STS. */
function wireSecrets() {
  const sessions = new Set<string>();
  const oidc = new Set<string>();
  const aws = new Set<string>();
  for (const body of broker.bodies) {
    try {
      const parsed = JSON.parse(body) as { session_jwt?: string; jwt?: string };
      if (parsed.session_jwt) sessions.add(parsed.session_jwt);
      if (parsed.jwt) oidc.add(parsed.jwt);
    } catch {
      // Not JSON (healthz).
    }
  }
  for (const body of moto.bodies) {
    for (const m of body.matchAll(/<(SecretAccessKey|SessionToken)>([^<]+)</g)) aws.add(m[2] as string);
  }
  return { sessions, oidc, aws };
}

function expectNoSecret(places: Record<string, string>, secrets: string[]) {
  for (const [where, text] of Object.entries(places)) {
    for (const secret of secrets) expect(text.includes(secret), `a secret in ${where}`).toBe(false);
    expect(JWT_SHAPE.test(text), `a JWT-shaped string in ${where}`).toBe(false);
  }
}

describeWith('moto', 'secret canary', () => {
  it('keeps the wallet key, JWTs and AWS keys out of output, reports, files and argv', async () => {
    const before = new Set(readdirSync(dir));
    const json = path.join(dir, 'canary.json');
    const env = childEnv({ AGENTKEYS_SANDBOX_DIR: dir, AGENTKEYS_WALLET_PRIVATE_KEY: CANARY_KEY });
    const { result: run, argv } = await watchArgv<RunResult>(
      runCli(['stage7', '--from', '01', '--report', json], env),
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);

    const { sessions, oidc, aws } = wireSecrets();
    expect(sessions.size).toBe(1);
    expect(oidc.size).toBeGreaterThanOrEqual(3); // step 6 plus the two mints of step 11
    expect(aws.size).toBe(2); // secret key and session token
    const secrets = [CANARY_KEY, CANARY_KEY.slice(2), ...sessions, ...oidc, ...aws];
    expect(argv.size).toBeGreaterThan(3);
    expectNoSecret(
      {
        stdout: run.stdout,
        stderr: run.stderr,
        report: readFileSync(json, 'utf8'),
        argv: [...argv].join('\n'),
      },
      secrets,
    );
    // The runner wrote only the report and its run state (what step 4 created, for clean-up), and the
    // run state holds no secret either.
    expect(readdirSync(dir).filter((f) => !before.has(f))).toEqual(['canary.json', 'runbook']);
    const state = readdirSync(path.join(dir, 'runbook'), { recursive: true, encoding: 'utf8' })
      .map((f) => path.join(dir, 'runbook', f))
      .filter((f) => statSync(f).isFile());
    expect(state.map((f) => path.basename(f))).toEqual(['created.json']);
    expectNoSecret(Object.fromEntries(state.map((f) => [f, readFileSync(f, 'utf8')])), secrets);

    // A session JWT handed in through the environment stays just as hidden, in JUnit reports too.
    const session = [...sessions][0] as string;
    const xml = path.join(dir, 'canary.xml');
    const second = await watchArgv<RunResult>(
      runCli(['stage7', '--step', '11', '--report', xml], { ...env, AGENTKEYS_SESSION_JWT: session }),
    );
    expect(second.result.code).toBe(0);
    expect(second.result.stdout).toContain('using AGENTKEYS_SESSION_JWT');
    expectNoSecret(
      {
        stdout: second.result.stdout,
        stderr: second.result.stderr,
        report: readFileSync(xml, 'utf8'),
        argv: [...second.argv].join('\n'),
      },
      [session, ...wireSecrets().oidc],
    );
  });
});
