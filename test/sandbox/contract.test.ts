// The app and the OpenAPI file describe the same routes; what is not a route answers as axum does; and the
// response checker really rejects drift.
import { describe, expect, it } from 'vitest';
import { build, expectContract, openapi, templateOf } from './helpers.ts';

// OpenAPI writes path parameters as {name}, hono as :name.
const documented = Object.entries(openapi.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({
    route: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
    gated: op['x-feature'] !== undefined,
  })),
);

const served = (t: ReturnType<typeof build>) => [
  ...new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`)),
];

describe('routes vs docs/reference/broker.openapi.yaml', () => {
  it('with every sign-in method enabled, serves exactly the documented routes', () => {
    expect(served(build({}, { signIn: true })).sort()).toEqual(documented.map((d) => d.route).sort());
  });

  it('on the default sign-in (wallet only), serves exactly the routes no feature gates', () => {
    const expected = documented.filter((d) => !d.gated).map((d) => d.route);
    expect(served(build()).sort()).toEqual(expected.sort());
  });

  it('answers a feature-gated route of a disabled method like an unknown route: 404, empty', async () => {
    const t = build();
    const gated = documented.filter((d) => d.gated);
    // Without gated routes in the contract this test would check nothing.
    expect(gated.length).toBe(8);
    for (const { route } of gated) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await t.app.request(path.replace(/:\w+/g, 'eml-x'), { method });
      expect(res.status, route).toBe(404);
      expect(await res.text(), route).toBe('');
    }
  });
});

describe('what is not a route', () => {
  it.each([
    ['POST', '/v1/mint-aws-creds'],
    ['POST', '/v1/auth/exchange'],
    ['GET', '/v1/does-not-exist'],
    ['GET', '/healthz/'],
    ['GET', '/v1/auth/email/status/'],
  ])('%s %s answers 404 with an empty body', async (method, path) => {
    const t = build({}, { signIn: true });
    const { session_jwt } = await t.signIn();
    const res = await t.app.request(path, { method, headers: { authorization: `Bearer ${session_jwt}` } });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('');
  });

  it.each([
    ['GET', '/v1/mint-oidc-jwt', 'POST'],
    ['DELETE', '/v1/grant/list', 'GET,HEAD'],
    ['POST', '/healthz', 'GET,HEAD'],
    ['PUT', '/v1/auth/email/verify', 'POST,GET,HEAD'],
    ['HEAD', '/v1/cap/cred-store', 'POST'],
  ])('%s %s: a served path with another method is 405, empty, Allow: %s', async (method, path, allow) => {
    const res = await build({}, { signIn: true }).app.request(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(await res.text()).toBe('');
  });

  it('HEAD of a GET route answers its status without a body', async () => {
    const res = await build().app.request('/healthz', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('expectContract', () => {
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('rejects a body that breaks the schema', async () => {
    await expect(
      expectContract(json({ jwt: 'x', wallet: 'y' }), 'POST', '/v1/mint-oidc-jwt'),
    ).rejects.toThrow(/expiration/);
  });

  it('rejects an undocumented status and an undocumented content type', async () => {
    await expect(expectContract(json({}, 418), 'GET', '/healthz')).rejects.toThrow(/418/);
    await expect(expectContract(json('ok'), 'GET', '/healthz')).rejects.toThrow(/content type/);
  });

  it('rejects an error kind outside the contract, and a message that does not start with its kind', async () => {
    const teapot = { error: 'teapot', message: 'teapot: short and stout' };
    await expect(expectContract(json(teapot, 401), 'POST', '/v1/mint-oidc-jwt')).rejects.toThrow(/error/);
    const mismatch = { error: 'unauthorized', message: 'bad request: nope' };
    await expect(expectContract(json(mismatch, 401), 'POST', '/v1/mint-oidc-jwt')).rejects.toThrow(/pattern/);
  });

  it('rejects a body where the contract has none', async () => {
    await expect(expectContract(new Response('gone', { status: 404 }), 'GET', '/metrics')).rejects.toThrow(
      /empty body/,
    );
  });

  it('finds the template of a path with a parameter', () => {
    expect(templateOf('/v1/auth/email/status/eml-1')).toBe('/v1/auth/email/status/{request_id}');
    expect(templateOf('/v1/auth/email/status/eml-1/x')).toBeUndefined();
  });
});
