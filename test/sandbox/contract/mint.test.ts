// POST /v1/mint-oidc-jwt (handlers/oidc.rs, jwt/verify.rs, audit.rs): the session check with jsonwebtoken's
// refusals, the OIDC JWT's claims, and the mint_log row every checked call leaves.
import { createHash, sign } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { expect } from 'vitest';
import { omniOf } from '../../../scripts/sandbox/tokens.ts';
import { emailLink, type Scene, T0, table } from './harness.ts';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A session JWT signed with the broker's own session key, with chosen header and claims. */
function forge(s: Scene, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  const base = decodeJwt(s.me.session_jwt);
  const input = `${b64({ typ: 'JWT', alg: 'ES256', kid: s.t.context.sessionKey.kid, ...header })}.${b64({ ...base, ...claims })}`;
  const sig = sign('sha256', Buffer.from(input), {
    key: s.t.context.sessionKey.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${sig.toString('base64url')}`;
}

const refused = (reason: string) => () => ({
  error: 'unauthorized',
  message: `unauthorized: session jwt verify: ${reason}`,
});
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

table('POST /v1/mint-oidc-jwt', [
  {
    name: 'mints for the session wallet and writes one ok row',
    send: (s) => ({ headers: s.auth }),
    status: 200,
    body: (s) => ({ jwt: expect.any(String), wallet: s.me.address, expiration: T0 + 300 }),
    check: async (s, body) => {
      const { jwt } = body as { jwt: string };
      const jwks = (await s.t.call('GET', '/.well-known/jwks.json')).body;
      const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
        issuer: 'http://127.0.0.1:8091',
        audience: 'sts.amazonaws.com',
        currentDate: new Date(T0 * 1000),
      });
      expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'ES256', kid: s.t.context.oidcKey.kid });
      const omni = omniOf('evm', s.me.address);
      // drift-ignore-start the broker still emits the v1 wallet tag next to the actor tag
      expect(payload).toEqual({
        iss: 'http://127.0.0.1:8091',
        sub: `agentkeys:agent:${s.me.address}`,
        aud: 'sts.amazonaws.com',
        iat: T0,
        exp: T0 + 300,
        agentkeys_user_wallet: s.me.address,
        agentkeys_actor_omni: omni,
        'https://aws.amazon.com/tags': {
          principal_tags: { agentkeys_user_wallet: [s.me.address], agentkeys_actor_omni: [omni] },
          transitive_tag_keys: ['agentkeys_user_wallet', 'agentkeys_actor_omni'],
        },
      });
      // drift-ignore-end
      expect(s.t.context.store.listMints()).toEqual([
        {
          minted_at: T0,
          requester_token_hash: sha256(s.me.session_jwt),
          requester_wallet: s.me.address,
          requested_role: 'oidc_jwt',
          session_duration_seconds: 300,
          sts_session_name: s.t.context.oidcKey.kid,
          outcome: 'ok',
          outcome_detail: null,
        },
      ]);
    },
  },
  {
    name: 'lives BROKER_OIDC_JWT_TTL_SECONDS, and any request body is ignored (even past the body limit)',
    env: { BROKER_OIDC_JWT_TTL_SECONDS: '900', BROKER_REQUEST_BODY_LIMIT_BYTES: '300' },
    send: (s) => ({ headers: { ...s.auth, 'content-type': 'text/plain' }, body: 'x'.repeat(5000) }),
    status: 200,
    body: (_s, got) => ({ ...got, expiration: T0 + 900 }),
  },
  {
    name: 'an email session has no wallet: it mints for the empty wallet, with the empty wallet\u2019s evm omni',
    signIn: true,
    setup: async (s) => {
      const link = await emailLink(s);
      await s.t.call('POST', '/v1/auth/email/verify', { json: { token: link.token } });
      s.v.jwt = (await s.t.call('GET', `/v1/auth/email/status/${link.request_id}`)).body.session_jwt;
    },
    send: (s) => bearer(s.v.jwt as string),
    status: 200,
    body: () => ({ jwt: expect.any(String), wallet: '', expiration: T0 + 300 }),
    check: (_s, body) => {
      expect(decodeJwt((body as { jwt: string }).jwt)).toMatchObject({
        sub: 'agentkeys:agent:',
        agentkeys_actor_omni: omniOf('evm', ''),
      });
    },
  },
  {
    name: 'still accepted 60 s past exp (jsonwebtoken leeway)',
    env: { BROKER_SESSION_JWT_TTL_SECONDS: '60' },
    setup: (s) => s.t.advance(120),
    send: (s) => ({ headers: s.auth }),
    status: 200,
  },
  {
    name: '401 ExpiredSignature one second later',
    env: { BROKER_SESSION_JWT_TTL_SECONDS: '60' },
    setup: (s) => s.t.advance(121),
    send: (s) => ({ headers: s.auth }),
    status: 401,
    body: refused('ExpiredSignature'),
  },
  {
    name: '401 without an Authorization header, and no mint_log row',
    send: () => ({}),
    status: 401,
    body: () => ({ error: 'unauthorized', message: 'unauthorized: missing Authorization header' }),
    check: (s) => expect(s.t.context.store.listMints()).toEqual([]),
  },
  ...['bearer x.y.z', 'Basic dXNlcg==', 'Bearerx.y.z'].map((header) => ({
    name: `401 for "${header}": only "Bearer " counts as a bearer`,
    send: () => ({ headers: { authorization: header } }),
    status: 401,
    body: () => ({ error: 'unauthorized', message: 'unauthorized: missing Authorization header' }),
  })),
  {
    name: '401 InvalidToken for a token without two dots, recorded as auth_failed',
    send: () => bearer('not-a-jwt'),
    status: 401,
    body: refused('InvalidToken'),
    check: (s) =>
      expect(s.t.context.store.listMints()).toEqual([
        {
          minted_at: T0,
          requester_token_hash: sha256('not-a-jwt'),
          requester_wallet: 'unknown',
          requested_role: 'oidc_jwt',
          session_duration_seconds: 300,
          sts_session_name: '(unauthenticated)',
          outcome: 'auth_failed',
          outcome_detail: 'unauthorized: session jwt verify: InvalidToken',
        },
      ]),
  },
  {
    name: '401 InvalidSignature for a changed payload',
    send: (s) => {
      const [h, , sig] = s.me.session_jwt.split('.');
      return bearer(`${h}.${b64({ ...decodeJwt(s.me.session_jwt), sub: 'agentkeys:user:x' })}.${sig}`);
    },
    status: 401,
    body: refused('InvalidSignature'),
  },
  {
    name: '401 InvalidSignature for the broker\u2019s own OIDC JWT',
    setup: async (s) => {
      s.v.oidc = (await s.t.call('POST', '/v1/mint-oidc-jwt', { headers: s.auth })).body.jwt;
    },
    send: (s) => bearer(s.v.oidc as string),
    status: 401,
    body: refused('InvalidSignature'),
  },
  {
    name: '401 InvalidAlgorithm for HS256',
    send: (s) => bearer(forge(s, {}, { alg: 'HS256' })),
    status: 401,
    body: refused('InvalidAlgorithm'),
  },
  {
    name: '401 with serde\u2019s message for alg none, which is no algorithm jsonwebtoken knows',
    send: (s) => bearer(`${b64({ alg: 'none', kid: 'x' })}.${s.me.session_jwt.split('.')[1]}.`),
    status: 401,
    body: refused(
      'JSON error: unknown variant `none`, expected one of `HS256`, `HS384`, `HS512`, `ES256`, `ES384`, `RS256`, `RS384`, `RS512`, `PS256`, `PS384`, `PS512`, `EdDSA` at line 1 column 13',
    ),
  },
  {
    name: '401 InvalidAudience',
    send: (s) => bearer(forge(s, { aud: 'sts.amazonaws.com' })),
    status: 401,
    body: refused('InvalidAudience'),
  },
  {
    name: '401 InvalidIssuer',
    send: (s) => bearer(forge(s, { iss: 'https://evil.example' })),
    status: 401,
    body: refused('InvalidIssuer'),
  },
  {
    name: '401 with serde\u2019s message for a claim of the wrong type',
    send: (s) => bearer(forge(s, { exp: String(T0 + 10) })),
    status: 401,
    body: (s) => {
      // The payload as forged: the claims of the real token with exp replaced, in their order.
      const json = JSON.stringify({ ...decodeJwt(s.me.session_jwt), exp: String(T0 + 10) });
      const column = json.indexOf(`"${T0 + 10}"`) + `"${T0 + 10}"`.length;
      return refused(
        `JSON error: invalid type: string "${T0 + 10}", expected u64 at line 1 column ${column}`,
      )();
    },
  },
  {
    name: '401 for another kid, checked after everything else',
    send: (s) => bearer(forge(s, {}, { kid: 'ak-session-1' })),
    status: 401,
    body: (s) => ({
      error: 'unauthorized',
      message: `unauthorized: session jwt kid mismatch: token kid=Some("ak-session-1"), expected ${s.t.context.sessionKey.kid}`,
    }),
  },
  {
    name: '401 for no kid at all',
    send: (s) => bearer(forge(s, {}, { kid: undefined })),
    status: 401,
    body: (s) => ({
      error: 'unauthorized',
      message: `unauthorized: session jwt kid mismatch: token kid=None, expected ${s.t.context.sessionKey.kid}`,
    }),
  },
  {
    name: '500 audit_error when the mint_log row cannot be written; no JWT leaves',
    setup: (s) => {
      s.t.context.store.db.exec('DROP TABLE mint_log');
    },
    send: (s) => ({ headers: s.auth }),
    status: 500,
    body: () => ({ error: 'audit_error', message: 'audit error: insert mint: no such table: mint_log' }),
  },
]);
