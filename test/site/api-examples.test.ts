// The API reference's examples: every example in the OpenAPI file fits its schema, every route has a
// request and an answer, every field says what it is, every refusal names a kind and prefix its body can
// carry, and the curl command the page shows for each route works against the sandbox as written: the
// address from $BROKER_URL, the bearer from the header file, live ids where a route needs them.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ApiView,
  buildApiView,
  curlCommand,
  type ExampleView,
  type RouteView,
} from '../../scripts/registries/index.ts';
import { type GoogleConsent, readOutbox, type SentEmail } from '../../scripts/sandbox/outbox.ts';
import { type Sandbox, startSandbox, testWallet } from '../../scripts/sandbox/start.ts';
import { signInEnv } from '../sandbox/helpers.ts';
import { repoRoot } from './helpers/site-build.ts';

type Json = Record<string, unknown>;
const FILE = 'docs/reference/broker.openapi.yaml';
const text = readFileSync(join(repoRoot, FILE), 'utf8');
const doc = parse(text) as {
  paths: Record<string, Record<string, Json>>;
  components: {
    schemas: Record<string, Json>;
    responses: Record<string, Json>;
    parameters: Record<string, Json>;
  };
};
const api: ApiView = buildApiView(text, FILE);
const routes: RouteView[] = api.tags.flatMap((t) => t.routes);
const route = (id: string) => routes.find((r) => r.id === id) as RouteView;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...doc, $id: 'openapi' });
const pointer = (parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The JSON pointer to a response's object, through a `$ref` to components/responses when there is one. */
function responseAt(path: string, method: string, status: string): string[] {
  const operation = doc.paths[path]?.[method] as { responses: Record<string, Json> } | undefined;
  const raw = operation?.responses[status];
  if (!raw) throw new Error(`${method} ${path} documents no ${status}`);
  return typeof raw.$ref === 'string'
    ? raw.$ref.slice(2).split('/')
    : ['paths', path, method, 'responses', status];
}

/** Validates a value against the schema at a pointer into the OpenAPI file; returns the errors as text. */
function check(parts: string[], value: unknown): string {
  const validate = ajv.getSchema(`openapi#/${pointer(parts)}`);
  if (!validate) throw new Error(`no schema at ${parts.join('/')}`);
  return validate(value) ? '' : ajv.errorsText(validate.errors);
}

const mediaOf = (parts: string[]): Record<string, Json> => {
  let node: unknown = doc;
  for (const part of parts) node = (node as Json)[part];
  return ((node as Json).content ?? {}) as Record<string, Json>;
};

/** Every `examples` entry in the file, with the pointer to the schema beside it. */
function everyExample(): { where: string; schema: string[]; value: unknown }[] {
  const found: { where: string; schema: string[]; value: unknown }[] = [];
  const walk = (node: unknown, parts: string[]) => {
    if (!node || typeof node !== 'object') return;
    const obj = node as Json;
    if (obj.examples && obj.schema && typeof obj.examples === 'object' && !Array.isArray(obj.examples)) {
      for (const [name, example] of Object.entries(obj.examples as Record<string, Json>))
        found.push({
          where: `${parts.join('/')} ${name}`,
          schema: [...parts, 'schema'],
          value: example.value,
        });
    }
    for (const [key, value] of Object.entries(obj)) walk(value, [...parts, key]);
  };
  walk(doc.paths, ['paths']);
  walk(doc.components, ['components']);
  return found;
}

describe('OpenAPI examples', () => {
  it('there is one for every request body, every route answer and every path or query parameter used', () => {
    const missing = routes.flatMap((r) => [
      ...(r.exampleResponse ? [] : [`${r.id}: answer`]),
      ...(r.requestBody && !r.exampleRequest ? [`${r.id}: request`] : []),
      ...(/"\$BROKER_URL[^"]*\{/.test(r.curl) ? [`${r.id}: path parameter`] : []),
    ]);
    expect(missing).toEqual([]);
    expect(routes.length).toBe(api.routeCount);
  });

  it('every example fits the schema it stands beside', () => {
    const examples = everyExample();
    expect(examples.length).toBeGreaterThanOrEqual(routes.length);
    const bad = examples.map((e) => [e.where, check(e.schema, e.value)]).filter(([, error]) => error);
    expect(bad).toEqual([]);
  });

  it('a wrong example is caught (the check is not vacuous)', () => {
    const [first] = everyExample().filter((e) => e.where.includes('/v1/mint-oidc-jwt'));
    expect(first).toBeDefined();
    expect(check(first?.schema ?? [], { ...(first?.value as Json), expiration: 'soon' })).toMatch(/integer/);
  });

  it('every refusal listed under a route is a documented status whose body can carry that kind and prefix', () => {
    const bad: string[] = [];
    for (const r of routes) {
      const path = r.path;
      const method = r.method.toLowerCase();
      for (const e of r.errors) {
        const parts = responseAt(path, method, String(e.status));
        const body =
          e.kindField === 'error'
            ? { error: e.kind, message: `${e.prefix || `${e.kind.replace(/_/g, ' ')}: `}detail` }
            : { error: e.prefix || 'detail', reason: e.kind };
        const error = check([...parts, 'content', 'application/json', 'schema'], body);
        if (error) bad.push(`${r.id} ${e.status} ${e.kind}: ${error}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('every status answered with an error body lists at least one refusal', () => {
    const missing: string[] = [];
    for (const r of routes) {
      for (const response of r.responses) {
        const kinds = mediaOf(responseAt(r.path, r.method.toLowerCase(), response.status));
        const ref = (kinds['application/json']?.schema as Json | undefined)?.$ref;
        if (
          typeof ref === 'string' &&
          /\/(Error|CapError)$/.test(ref) &&
          !r.errors.some((e) => String(e.status) === response.status)
        )
          missing.push(`${r.id} ${response.status}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every field and parameter has a description', () => {
    const get = (ref: string) =>
      ref
        .slice(2)
        .split('/')
        .reduce<Json>((o, k) => o[k] as Json, doc as unknown as Json);
    const missing: string[] = [];
    const walk = (schema: Json, where: string) => {
      const own = new Set(Object.keys((schema.properties ?? {}) as Json));
      for (const part of [...((schema.oneOf ?? []) as Json[]), ...((schema.allOf ?? []) as Json[])]) {
        const target = typeof part.$ref === 'string' ? get(part.$ref) : part;
        // A oneOf branch that only narrows the parent's own properties adds no field of its own.
        const keys = Object.keys((target.properties ?? {}) as Json);
        if (keys.length > 0 && keys.every((k) => own.has(k)) && typeof part.$ref !== 'string') continue;
        walk(target, where);
      }
      for (const [name, value] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        const target = typeof value.$ref === 'string' ? get(value.$ref) : value;
        if (!value.description && !target.description) missing.push(`${where}.${name}`);
        if (typeof value.$ref !== 'string') walk(value, `${where}.${name}`);
      }
    };
    for (const [name, schema] of Object.entries(doc.components.schemas)) walk(schema, name);
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        for (const raw of (op.parameters ?? []) as Json[]) {
          const p = typeof raw.$ref === 'string' ? get(raw.$ref) : raw;
          if (!p.description) missing.push(`${method} ${path} parameter ${p.name}`);
        }
    expect(missing).toEqual([]);
  });

  it('curl commands read the bearer from the header file and the address from $BROKER_URL', () => {
    for (const r of routes) {
      expect(r.curl, r.id).toMatch(/^curl -sS --fail-with-body/);
      expect(r.curl, r.id).toContain(`"$BROKER_URL${r.path.split('{')[0]}`);
      expect(r.curl.includes(`-H @${api.examples.headerFile}`), r.id).toBe(r.auth.length > 0);
      expect(r.curl, r.id).not.toMatch(/Bearer ey|https?:\/\/(?!accounts\.google)/);
      // Short enough to read in the column: every line but the body's fits 80 characters.
      for (const line of r.curl.split('\n').filter((l) => !/^\s*["{}]|^\s+"/.test(l)))
        expect(line.length, `${r.id}: ${line}`).toBeLessThanOrEqual(80);
    }
  });
});

describe('curl commands against the sandbox', () => {
  let sandbox: Sandbox;
  let work: string;
  let dir: string;
  const results = new Map<string, { code: number; body: string }>();

  /** Runs a command with bash in the work folder, as an operator would paste it. */
  const sh = (command: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        // --norc: bash reads ~/.bashrc when its input is a socket, as node's pipes are.
        ['--norc', '-c', command],
        {
          cwd: work,
          env: { PATH: process.env.PATH, HOME: work, BROKER_URL: sandbox.brokerUrl },
          timeout: 20_000,
        },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  /** The route's curl with live values in place of the example's: a body, path or query parameters. */
  const live = (r: RouteView, body?: unknown, parameters: Record<string, string> = {}) =>
    curlCommand({
      method: r.method,
      path: r.path,
      bearer: r.auth.length > 0,
      body:
        body === undefined
          ? r.exampleRequest
          : ({ ...r.exampleRequest, text: JSON.stringify(body, null, 2) } as ExampleView),
      parameters: { ...r.parameterExamples, ...parameters },
      query: r.curl.includes('?') ? Object.keys(r.parameterExamples) : [],
    });

  async function run(r: RouteView, command = r.curl): Promise<unknown> {
    const out = await sh(command);
    results.set(r.id, { code: out.code, body: out.stdout });
    if (out.code !== 0) throw new Error(`${r.id} exited ${out.code}: ${out.stdout}${out.stderr}`);
    return r.exampleResponse?.contentType.endsWith('json') ? JSON.parse(out.stdout) : out.stdout;
  }

  async function signedChallenge() {
    const wallet = testWallet(dir);
    const start = (await run(
      route('post-v1-auth-wallet-start'),
      live(route('post-v1-auth-wallet-start'), {
        address: wallet.address,
        chain_id: 1,
      }),
    )) as { request_id: string; siwe_message: string };
    const signature = await privateKeyToAccount(wallet.private_key).signMessage({
      message: start.siwe_message,
    });
    return { request_id: start.request_id, signature };
  }

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'agentkeys-api-examples-'));
    dir = join(root, 'sandbox');
    work = join(root, 'work');
    mkdirSync(work, { recursive: true });
    sandbox = await startSandbox({
      dir,
      brokerPort: 0,
      moto: false,
      env: {
        HOME: root,
        PATH: process.env.PATH,
        BROKER_METRICS_ENABLED: 'true',
        ...signInEnv(join(root, 'sign-in')),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.stop();
    if (work) rmSync(join(work, '..'), { recursive: true, force: true });
  });

  it("the page's sign-in command writes the bearer into the header file, readable by its owner only", async () => {
    writeFileSync(join(work, 'signed-challenge.json'), JSON.stringify(await signedChallenge()));
    const out = await sh(api.examples.sessionHeaderCommand);
    expect(out).toMatchObject({ code: 0, stderr: '' });
    const file = join(work, api.examples.headerFile);
    expect(readFileSync(file, 'utf8')).toMatch(/^Authorization: Bearer [\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('every route answers its example command with the documented status and a body that fits the schema', async () => {
    // Routes with no live state run exactly as the page prints them.
    for (const id of [
      'get-healthz',
      'get-readyz',
      'get-metrics',
      'get-well-known-openid-configuration',
      'get-well-known-jwks-json',
      'post-v1-mint-oidc-jwt',
      'post-v1-wallet-link',
      'get-v1-wallet-links',
      'post-v1-wallet-recover-lookup',
      'get-v1-grant-list',
      'get-auth-email-landing',
    ])
      await run(route(id));

    const verify = route('post-v1-auth-wallet-verify');
    await run(verify, live(verify, await signedChallenge()));

    const grant = (await run(
      route('post-v1-grant-create'),
      live(route('post-v1-grant-create'), {
        ...(route('post-v1-grant-create').exampleRequest?.value as Json),
        expires_at: Math.floor(Date.now() / 1000) + 86_400,
      }),
    )) as { grant_id: string };
    await run(
      route('post-v1-grant-revoke'),
      live(route('post-v1-grant-revoke'), { grant_id: grant.grant_id }),
    );

    const email = (await run(route('post-v1-auth-email-request'))) as { request_id: string };
    const sent = readOutbox<SentEmail>(dir, 'email', email.request_id);
    const token = sent.landing_url.split('#t=')[1] as string;
    await run(
      route('post-v1-auth-email-verify'),
      live(route('post-v1-auth-email-verify'), { token, request_id: email.request_id }),
    );
    const emailStatus = route('get-v1-auth-email-status-request-id');
    expect(
      await run(emailStatus, live(emailStatus, undefined, { request_id: email.request_id })),
    ).toMatchObject({
      status: 'verified',
    });

    const google = (await run(route('post-v1-auth-oauth2-start'))) as { request_id: string };
    const consent = readOutbox<GoogleConsent>(dir, 'oauth2', google.request_id);
    const callback = route('get-auth-oauth2-callback');
    await run(callback, live(callback, undefined, { code: consent.code, state: consent.state }));
    const googleStatus = route('get-v1-auth-oauth2-status-request-id');
    expect(
      await run(googleStatus, live(googleStatus, undefined, { request_id: google.request_id })),
    ).toMatchObject({
      status: 'verified',
    });

    // Refusals the examples document as the answer the sandbox gives: GET on the email verify route, and
    // the cap routes, which stop at the chain check (502) since the sandbox has no chain.
    const omni = (JSON.parse(results.get(verify.id)?.body ?? '{}') as { omni_account: string }).omni_account;
    for (const id of [
      'get-v1-auth-email-verify',
      'post-v1-cap-cred-store',
      'post-v1-cap-cred-fetch',
      'post-v1-cap-memory-put',
      'post-v1-cap-memory-get',
    ]) {
      const r = route(id);
      const command = r.exampleRequest
        ? live(r, { ...(r.exampleRequest.value as Json), operator_omni: `0x${omni}` })
        : r.curl;
      const out = await sh(command);
      results.set(id, { code: out.code, body: out.stdout });
    }

    const failures: string[] = [];
    for (const r of routes) {
      const got = results.get(r.id);
      if (!got) {
        failures.push(`${r.id}: not run`);
        continue;
      }
      const cap = r.path.startsWith('/v1/cap/');
      const status = cap ? '502' : (r.exampleResponse?.status ?? '200');
      // --fail-with-body: exit 0 for a 2xx, 22 for a refusal, and the body is printed either way.
      if (got.code !== (status.startsWith('2') ? 0 : 22)) failures.push(`${r.id}: exit ${got.code}`);
      const parts = responseAt(r.path, r.method.toLowerCase(), status);
      const media = mediaOf(parts);
      const type =
        Object.keys(media).find((t) => t.endsWith('json') === got.body.trim().startsWith('{')) ?? '';
      const error = check(
        [...parts, 'content', type, 'schema'],
        type.endsWith('json') ? JSON.parse(got.body) : got.body,
      );
      if (error) failures.push(`${r.id} ${status}: ${error}`);
      if (cap && !got.body.includes('chain_rpc_error')) failures.push(`${r.id}: ${got.body}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
