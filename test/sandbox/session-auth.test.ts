// Every route the OpenAPI file protects with the session JWT refuses every kind of bad bearer with the
// broker's 401, and carries the one session middleware. The routes come from the OpenAPI file, so a new
// protected route is in this table the moment it is documented; one served without the middleware fails.
import { createHmac, sign } from 'node:crypto';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { isSessionAuth } from '../../scripts/sandbox/session.ts';
import { bearer, build, openapi, type TestBroker } from './helpers.ts';

type Operation = { security?: Record<string, unknown>[]; responses: Record<string, { $ref?: string }> };

const protectedRoutes = Object.entries(openapi.paths).flatMap(([path, methods]) =>
  Object.entries(methods as Record<string, Operation>)
    .filter(([, op]) => op.security?.some((requirement) => 'sessionJwt' in requirement))
    .map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
);

// A body each route accepts, so that the request reaches the session check (some routes read it first).
const hex32 = `0x${'ab'.repeat(32)}`;
const validBodies: Record<string, unknown> = {
  '/v1/grant/create': {
    daemon_address: '0x1234567890abcdef1234567890abcdef12345678',
    service: 's3',
    scope_path: 'bots/x/',
    expires_at: 4_000_000_000,
    max_uses: 1,
  },
  '/v1/grant/revoke': { grant_id: 'grn-unknown' },
  '/v1/wallet/link': { identity_type: 'email', identity_value: 'alice@example.org' },
  ...Object.fromEntries(
    ['cred-store', 'cred-fetch', 'memory-put', 'memory-get'].map((cap) => [
      `/v1/cap/${cap}`,
      { operator_omni: hex32, actor_omni: hex32, service: 's3', device_key_hash: hex32 },
    ]),
  ),
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token over `header` and `claims`, signed with the broker's own session key. */
function signed(t: TestBroker, header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: t.context.sessionKey.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

interface BadBearer {
  name: string;
  /** The Authorization header to send (undefined: none). */
  header: (t: TestBroker, sessionJwt: string) => Promise<string | undefined> | string | undefined;
  /** What the broker says, after `unauthorized: ` (undefined: the route's own missing-bearer text). */
  detail?: (t: TestBroker) => string;
}

const badBearers: BadBearer[] = [
  { name: 'no Authorization header', header: () => undefined },
  { name: 'a lowercase "bearer" scheme', header: (_t, jwt) => `bearer ${jwt}` },
  {
    name: 'a tampered payload',
    header: (_t, jwt) => {
      const [h, p, s] = jwt.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      return `Bearer ${h}.${b64({ ...claims, sub: `${claims.sub}x` })}.${s}`;
    },
    detail: () => 'session jwt verify: InvalidSignature',
  },
  {
    name: 'alg none',
    header: (_t, jwt) => `Bearer ${b64({ alg: 'none', kid: 'x' })}.${jwt.split('.')[1]}.`,
    detail: () =>
      'session jwt verify: JSON error: unknown variant `none`, expected one of `HS256`, `HS384`, `HS512`, `ES256`, `ES384`, `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `EdDSA` at line 1 column 13',
  },
  {
    name: 'HS256 signed with the public key',
    header: (t, jwt) => {
      const input = `${b64({ typ: 'JWT', alg: 'HS256', kid: t.context.sessionKey.kid })}.${jwt.split('.')[1]}`;
      const publicPem = t.context.sessionKey.publicKey.export({ type: 'spki', format: 'pem' });
      return `Bearer ${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    },
    detail: () => 'session jwt verify: InvalidAlgorithm',
  },
  {
    name: 'an unknown kid',
    header: (t, jwt) =>
      `Bearer ${signed(t, { typ: 'JWT', alg: 'ES256', kid: 'ak-session-1' }, decodeJwt(jwt))}`,
    detail: (t) =>
      `session jwt kid mismatch: token kid=Some("ak-session-1"), expected ${t.context.sessionKey.kid}`,
  },
  {
    name: 'an expired token',
    header: (t, jwt) => {
      const claims = decodeJwt(jwt);
      const past = { ...claims, iat: 1_000_000_000, exp: 1_000_000_600 };
      return `Bearer ${signed(t, { typ: 'JWT', alg: 'ES256', kid: t.context.sessionKey.kid }, past)}`;
    },
    detail: () => 'session jwt verify: ExpiredSignature',
  },
  {
    name: "the broker's own OIDC JWT",
    header: async (t, jwt) => {
      const minted = await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(jwt) });
      return `Bearer ${minted.body.jwt}`;
    },
    detail: () => 'session jwt verify: InvalidSignature',
  },
];

const MISSING: Record<string, string> = {
  '/v1/mint-oidc-jwt': 'missing Authorization header',
  default: 'missing or malformed Authorization header',
};

/**
 * The body of the route's 401. Cap routes answer `{error: <message>, reason: "unauthorized"}` and wrap the
 * broker's refusal in their own `session jwt verify: `; every other route answers `{error, message}`.
 */
function refusal(route: (typeof protectedRoutes)[number], detail: string | undefined, header?: string) {
  const cap = route.op.responses['401']?.$ref?.endsWith('/CapUnauthorized');
  if (cap) {
    const missing =
      header === undefined ? 'missing Authorization header' : "Authorization must be 'Bearer <jwt>'";
    return {
      error: detail ? `session jwt verify: unauthorized: ${detail}` : missing,
      reason: 'unauthorized',
    };
  }
  const text = detail ?? MISSING[route.path] ?? MISSING.default;
  return { error: 'unauthorized', message: `unauthorized: ${text}` };
}

describe('routes the OpenAPI file protects with the session JWT', () => {
  it('are the mint, grant, wallet-link and cap routes', () => {
    expect(protectedRoutes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      expect.arrayContaining(['POST /v1/mint-oidc-jwt', 'GET /v1/grant/list', 'GET /v1/wallet/links']),
    );
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(10);
  });

  it.each(protectedRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s is served with the session middleware',
    (_name, route) => {
      const t = build();
      const handlers = t.app.routes.filter((r) => r.path === route.path && r.method === route.method);
      expect(handlers.length, 'the route is served').toBeGreaterThan(0);
      expect(handlers.some((r) => isSessionAuth(r.handler))).toBe(true);
    },
  );

  describe.each(protectedRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route) => {
    it.each(badBearers.map((b) => [b.name, b] as const))('401 for %s', async (_case, bad) => {
      const t = build();
      const me = await t.signIn();
      const header = await bad.header(t, me.session_jwt);
      const body = validBodies[route.path];
      if (route.method === 'POST' && route.path !== '/v1/mint-oidc-jwt') {
        expect(body, `a valid body for ${route.path} (add one to validBodies)`).toBeDefined();
      }
      const res = await t.call(route.method, route.path, {
        headers: header === undefined ? {} : { authorization: header },
        json: route.method === 'POST' ? (body ?? {}) : undefined,
      });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 401,
        body: refusal(route, bad.detail?.(t), header),
      });
    });

    it('accepts the session JWT of a signed-in wallet (the refusals above are the check, not the route)', async () => {
      const t = build();
      const me = await t.signIn();
      const res = await t.call(route.method, route.path, {
        headers: bearer(me.session_jwt),
        json: route.method === 'POST' ? (validBodies[route.path] ?? {}) : undefined,
      });
      expect(res.status).not.toBe(401);
    });
  });
});
