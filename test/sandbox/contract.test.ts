// The app and the OpenAPI file describe the same routes, and the response checker really rejects drift.
import { describe, expect, it } from 'vitest';
import { build, expectContract, openapi } from './helpers.ts';

// OpenAPI writes path parameters as {name}, hono as :name.
const documented = Object.entries(openapi.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({
    route: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
    gated: op['x-feature'] !== undefined,
  })),
);

describe('routes vs docs/reference/broker.openapi.yaml', () => {
  it('serves every documented route that is not feature-gated, and nothing else', () => {
    const t = build();
    const served = [
      ...new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`)),
    ];
    const expected = documented.filter((d) => !d.gated).map((d) => d.route);
    expect(served.sort()).toEqual(expected.sort());
  });

  it('leaves the feature-gated routes unserved', async () => {
    const t = build();
    const gated = documented.filter((d) => d.gated);
    // Without gated routes in the contract this test would check nothing.
    expect(gated.length).toBeGreaterThan(0);
    for (const { route } of gated) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await t.app.request(path.replace(/:\w+/g, 'siwe-x'), { method });
      expect(res.status, route).toBe(404);
    }
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

  it('rejects an error kind outside the contract', async () => {
    const body = { error: 'teapot', message: 'teapot: short and stout' };
    await expect(expectContract(json(body, 401), 'POST', '/v1/mint-oidc-jwt')).rejects.toThrow(/error/);
  });
});

describe('one pass over every served route', () => {
  it('answers each route as the OpenAPI file says', async () => {
    const t = build({ BROKER_METRICS_ENABLED: 'true' });
    const { session_jwt, account } = await t.signIn();
    const auth = { authorization: `Bearer ${session_jwt}` };
    const grant = {
      daemon_address: `0x${'cd'.repeat(20)}`,
      service: 's3',
      scope_path: 'bots/a/credentials/s3.enc',
      expires_at: Math.floor(Date.now() / 1000) + 60,
      max_uses: 1,
    };
    const identity = { identity_type: 'email', identity_value: 'ops@example.org' };
    const calls: Array<[string, string, Parameters<typeof t.call>[2]]> = [
      ['GET', '/healthz', {}],
      ['GET', '/readyz', {}],
      ['GET', '/metrics', {}],
      ['GET', '/.well-known/openid-configuration', {}],
      ['GET', '/.well-known/jwks.json', {}],
      ['POST', '/v1/auth/wallet/start', { json: { address: account.address, chain_id: 1 } }],
      ['POST', '/v1/mint-oidc-jwt', { headers: auth }],
      ['POST', '/v1/grant/create', { headers: auth, json: grant }],
      ['GET', '/v1/grant/list', { headers: auth }],
      ['POST', '/v1/wallet/link', { headers: auth, json: identity }],
      ['GET', '/v1/wallet/links', { headers: auth }],
      ['POST', '/v1/wallet/recover/lookup', { json: identity }],
    ];
    for (const [method, path, init] of calls) {
      const res = await t.call(method, path, init);
      expect(res.status, `${method} ${path}`).toBe(200);
    }
    const { grant_id } = (await t.call('GET', '/v1/grant/list', { headers: auth })).body.grants[0];
    expect((await t.call('POST', '/v1/grant/revoke', { headers: auth, json: { grant_id } })).status).toBe(
      200,
    );
  });
});
