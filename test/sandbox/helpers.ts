// Test helpers: a fresh broker per test (fastify's build(t) pattern), sign-in, and OpenAPI response checks.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts';
import { onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { createBroker } from '../../scripts/sandbox/broker.ts';
import { loadConfig } from '../../scripts/sandbox/config.ts';
import { createKeyFile } from '../../scripts/sandbox/keys.ts';
import { SANDBOX_DATA_ROLE_ARN } from '../../scripts/sandbox/start.ts';

export const OPENAPI_FILE = new URL('../../docs/reference/broker.openapi.yaml', import.meta.url);
type Json = Record<string, unknown>;
export const openapi = parse(readFileSync(OPENAPI_FILE, 'utf8')) as {
  paths: Record<string, Record<string, { responses: Record<string, Json>; 'x-feature'?: string }>>;
  components: { responses: Record<string, Json> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...openapi, $id: 'openapi' });

// Inline schemas point at '#/components/…' of the OpenAPI file; aim them at the registered document.
function rebase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rebase);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' ? `openapi${v}` : rebase(v),
      ]),
    );
  }
  return value;
}

/** The OpenAPI path a concrete request path falls under (`/x/{id}` for `/x/abc`). */
export function templateOf(path: string): string | undefined {
  const bare = path.split('?')[0] as string;
  return Object.keys(openapi.paths).find((t) => new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(bare));
}

/** Checks status, content type and body of `res` against the OpenAPI operation `method path`; returns the body. */
export async function expectContract(res: Response, method: string, path: string): Promise<unknown> {
  const template = templateOf(path) ?? path;
  const operation = openapi.paths[template]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${path} is not in the OpenAPI document`);
  let response = operation.responses[String(res.status)];
  if (!response)
    throw new Error(`${method} ${path} answered ${res.status}, which the OpenAPI document does not list`);
  if (typeof response.$ref === 'string') {
    response = openapi.components.responses[response.$ref.split('/').pop() as string] as Json;
  }
  const content = response.content as Record<string, { schema: unknown }> | undefined;
  const text = await res.text();
  // A response documented without content must come without a body.
  if (!content) {
    if (text !== '') throw new Error(`${method} ${path} ${res.status} must have an empty body, got ${text}`);
    return '';
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  const media = content[type];
  if (!media) throw new Error(`${method} ${path} ${res.status}: content type ${type} is not documented`);
  const body = type === 'application/json' ? JSON.parse(text) : text;
  const validate = ajv.compile(rebase(media.schema) as object);
  if (!validate(body)) {
    throw new Error(
      `${method} ${path} ${res.status} breaks the contract: ${ajv.errorsText(validate.errors)}`,
    );
  }
  return body;
}

export interface TestBroker extends ReturnType<typeof createBroker> {
  dir: string;
  /** Moves the broker's clock, in seconds. */
  advance(seconds: number): void;
  /** Sends a request in-process and validates the answer against the OpenAPI file. */
  call(
    method: string,
    path: string,
    init?: { json?: unknown; headers?: Record<string, string>; body?: string },
    // biome-ignore lint/suspicious/noExplicitAny: bodies were already checked against the OpenAPI schema
  ): Promise<{ status: number; body: any; headers: Headers }>;
  signIn(
    account?: PrivateKeyAccount,
  ): Promise<{ session_jwt: string; omni_account: string; account: PrivateKeyAccount }>;
}

/**
 * What `npm run sandbox` gives the broker, with everything under `dir`: dev-mode issuer, a data role and
 * the two key files, made the way `keygen` makes them (the broker itself never creates a key).
 */
export function sandboxLikeEnv(dir: string): Record<string, string> {
  const base = join(dir, '.agentkeys', 'broker');
  createKeyFile(join(base, 'oidc-keypair.json'), 'oidc');
  createKeyFile(join(base, 'session-keypair.json'), 'session');
  return {
    HOME: dir,
    BROKER_DEV_MODE: 'true',
    BROKER_OIDC_ISSUER: 'http://127.0.0.1:8091',
    BROKER_DATA_ROLE_ARN: SANDBOX_DATA_ROLE_ARN,
  };
}

/**
 * The settings email-link and Google sign-in require, with the secret and state-key files made in `dir`,
 * and all three sign-in methods enabled.
 */
export function signInEnv(dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'google-secret'), 'sandbox-secret\n', { mode: 0o600 });
  writeFileSync(join(dir, 'state-key'), randomBytes(32), { mode: 0o600 });
  return {
    BROKER_AUTH_METHODS: 'wallet_sig,email_link,oauth2_google',
    BROKER_EMAIL_FROM_ADDRESS: 'broker@example.org',
    BROKER_OAUTH2_GOOGLE_CLIENT_ID: 'client-123.apps.example',
    BROKER_OAUTH2_GOOGLE_CLIENT_SECRET_FILE: join(dir, 'google-secret'),
    BROKER_OAUTH2_STATE_HMAC_KEY_PATH: join(dir, 'state-key'),
    BROKER_OAUTH2_REDIRECT_URI: 'https://broker.example.org/auth/oauth2/callback',
  };
}

/**
 * A broker over a fresh temp directory, closed and deleted when the test ends. With `signIn`, email-link
 * and Google sign-in are enabled too (signInEnv), before `env` is applied; with `at`, its clock starts there.
 */
export function build(
  env: Record<string, string> = {},
  options: { signIn?: boolean; at?: number } = {},
): TestBroker {
  const dir = mkdtempSync(join(tmpdir(), 'agentkeys-sandbox-'));
  const extra = options.signIn ? signInEnv(join(dir, 'sign-in')) : {};
  const config = loadConfig({ ...sandboxLikeEnv(dir), ...extra, ...env });
  let offset = 0;
  // A fixed start time (`at`) makes every time in an answer predictable; the default is the real clock.
  const broker = createBroker(config, {
    now: () => (options.at ?? Math.floor(Date.now() / 1000)) + offset,
  });
  onTestFinished(() => {
    broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call: TestBroker['call'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(init.json);
    }
    const res = await broker.app.request(path, { method, headers, body });
    const status = res.status;
    return { status, headers: res.headers, body: await expectContract(res, method, path) };
  };
  const signIn: TestBroker['signIn'] = async (account = privateKeyToAccount(generatePrivateKey())) => {
    const start = await call('POST', '/v1/auth/wallet/start', {
      json: { address: account.address, chain_id: 1 },
    });
    if (start.status !== 200) throw new Error(`start failed: ${JSON.stringify(start.body)}`);
    const signature = await account.signMessage({ message: start.body.siwe_message });
    const verify = await call('POST', '/v1/auth/wallet/verify', {
      json: { request_id: start.body.request_id, signature },
    });
    if (verify.status !== 200) throw new Error(`verify failed: ${JSON.stringify(verify.body)}`);
    return { ...verify.body, account };
  };
  return {
    ...broker,
    dir,
    advance: (s) => {
      offset += s;
    },
    call,
    signIn,
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
