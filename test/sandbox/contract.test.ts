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
    for (const { route } of documented.filter((d) => d.gated)) {
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
