// Google sign-in (handlers/auth/oauth2_*.rs, plugins/auth/oauth2/*.rs, storage/oauth_pending.rs). The
// sandbox's stand-in for Google files, per start, the code and account a consenting user would bring back.
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import { omniOf } from '../../../scripts/sandbox/tokens.ts';
import { googleConsent, local, type Row, type Scene, T0, table } from './harness.ts';

const REDIRECT = 'https://broker.example.org/auth/oauth2/callback';
const bad = (message: string): Pick<Row, 'status' | 'body'> => ({
  status: 400,
  body: () => ({ error: 'bad_request', message: `bad request: ${message}` }),
});
const unauthorized = (message: string): Pick<Row, 'status' | 'body'> => ({
  status: 401,
  body: () => ({ error: 'unauthorized', message: `unauthorized: ${message}` }),
});
const page = (heading: string) => expect.stringContaining(`<h1>${heading}</h1>`);
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};
const status = async (s: Scene) =>
  (await s.t.call('GET', `/v1/auth/oauth2/status/${s.v.request_id}`)).body as Record<string, unknown>;
const consent = async (s: Scene) => {
  Object.assign(s.v, await googleConsent(s));
};
const INVALID_GRANT =
  'provider error: token exchange returned 400 Bad Request: {\n  "error": "invalid_grant",\n  "error_description": "Bad Request"\n}';

table('POST /v1/auth/oauth2/start', [
  {
    name: 'answers Google\u2019s authorization URL with a signed state and the S256 PKCE challenge',
    signIn: true,
    send: () => ({ json: {} }),
    status: 200,
    body: (_s, got) => ({
      request_id: expect.stringMatching(/^oa2-[A-Za-z0-9_-]{16}$/),
      expires_in_seconds: 600,
      authorization_url: expect.stringMatching(/^https:\/\/accounts\.google\.com\/o\/oauth2\/v2\/auth\?/),
      poll_url: `/v1/auth/oauth2/status/${got.request_id}`,
      provider: 'google',
    }),
    check: (_s, body) => {
      const { authorization_url, request_id } = body as { authorization_url: string; request_id: string };
      const params = [...new URL(authorization_url).searchParams];
      expect(params.map(([k]) => k)).toEqual([
        'client_id',
        'redirect_uri',
        'response_type',
        'scope',
        'state',
        'code_challenge',
        'code_challenge_method',
        'nonce',
        'prompt',
        'access_type',
      ]);
      const q = Object.fromEntries(params);
      expect(q).toMatchObject({
        client_id: 'client-123.apps.example',
        redirect_uri: REDIRECT,
        response_type: 'code',
        scope: 'openid email',
        code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        code_challenge_method: 'S256',
        nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        prompt: 'select_account',
        access_type: 'online',
      });
      expect(authorization_url).toContain('&scope=openid+email&');
      const [payload] = (q.state as string).split('.');
      expect(JSON.parse(Buffer.from(payload as string, 'base64url').toString())).toEqual({
        ver: 'v1',
        rid: request_id,
        n: q.nonce,
        ts: T0,
      });
    },
  },
  {
    name: 'a blank provider means google (and, as serde allows, the fields may come as an array)',
    signIn: true,
    send: () => ({ body: '[" ", null]', headers: { 'content-type': 'application/json' } }),
    status: 200,
  },
  {
    name: '400 for another provider, named as given after trimming',
    signIn: true,
    send: () => ({ json: { provider: ' GitHub ' } }),
    ...bad(
      'oauth2 provider "GitHub" not enabled (set BROKER_AUTH_METHODS=…,oauth2_GitHub and feature auth-oauth2-GitHub)',
    ),
  },
  {
    name: '400 past the per-IP limit when source_ip is given',
    signIn: true,
    env: { BROKER_OAUTH2_START_RATE_LIMIT_PER_IP_MINUTELY: '2' },
    setup: async (s) => {
      for (let i = 0; i < 2; i++)
        await s.t.call('POST', '/v1/auth/oauth2/start', { json: { source_ip: 'a' } });
      s.t.advance(50);
    },
    send: () => ({ json: { source_ip: 'a' } }),
    ...bad('rate limited: per-IP /v1/auth/oauth2/start rate limit exceeded; retry in 10s'),
  },
]);

table('GET /auth/oauth2/callback', [
  {
    name: 'the consent Google would give completes the sign-in; the session goes to the poll only',
    signIn: true,
    setup: consent,
    send: (s) => ({ path: local(s.v.callback_url as string) }),
    status: 200,
    body: () => page('Verified — return to your terminal.'),
    headers: HTML_HEADERS,
    check: async (s) => expect((await status(s)).status).toBe('verified'),
  },
  {
    name: 'a declined consent fails the sign-in with Google\u2019s error and its description',
    signIn: true,
    setup: consent,
    send: (s) => ({
      path: `/auth/oauth2/callback?error=access_denied&error_description=User+said+no&state=${encodeURIComponent(s.v.state as string)}`,
    }),
    status: 200,
    body: () => page('Sign-in cancelled: access_denied. You may close this tab and try again.'),
    check: async (s) =>
      expect(await status(s)).toEqual({ status: 'failed', reason: 'access_denied: User said no' }),
  },
  {
    name: 'a declined consent without a valid state changes nothing',
    signIn: true,
    setup: consent,
    send: () => ({ path: '/auth/oauth2/callback?error=access_denied&state=forged.state' }),
    status: 200,
    body: () => page('Sign-in cancelled: access_denied. You may close this tab and try again.'),
    check: async (s) => expect(await status(s)).toEqual({ status: 'pending' }),
  },
  {
    name: '400 without a code',
    signIn: true,
    send: () => ({ path: '/auth/oauth2/callback?state=x' }),
    ...bad("oauth2 callback missing 'code' query param"),
  },
  {
    name: '400 without a state',
    signIn: true,
    send: () => ({ path: '/auth/oauth2/callback?code=x' }),
    ...bad("oauth2 callback missing 'state' query param"),
  },
  {
    name: '400 in plain text for a repeated code',
    signIn: true,
    send: () => ({ path: '/auth/oauth2/callback?code=a&code=b&state=x' }),
    status: 400,
    body: () => 'Failed to deserialize query string: duplicate field `code`',
  },
  {
    name: '401 for a state without its signature part',
    signIn: true,
    send: () => ({ path: '/auth/oauth2/callback?code=x&state=nodot' }),
    ...unauthorized('state: missing separator'),
  },
  {
    name: '401 for a state signed with another key; the sign-in stays pending',
    signIn: true,
    setup: consent,
    send: (s) => {
      const [payload] = (s.v.state as string).split('.');
      const forged = `${payload}.${createHash('sha256').update('x').digest('base64url')}`;
      return { path: `/auth/oauth2/callback?code=${s.v.code}&state=${forged}` };
    },
    ...unauthorized('state: HMAC mismatch'),
    check: async (s) => expect(await status(s)).toEqual({ status: 'pending' }),
  },
  {
    name: '401 expired for a state older than 600 s',
    signIn: true,
    setup: async (s) => {
      await consent(s);
      s.t.advance(601);
    },
    send: (s) => ({ path: local(s.v.callback_url as string) }),
    ...unauthorized('expired: state: ttl expired'),
  },
  {
    name: '401 when the callback comes back a second time',
    signIn: true,
    setup: async (s) => {
      await consent(s);
      await s.t.call('GET', local(s.v.callback_url as string));
    },
    send: (s) => ({ path: local(s.v.callback_url as string) }),
    ...unauthorized('oauth2 pending row not found or already consumed'),
  },
  {
    name: '502 when Google refuses the code; the poll then says failed with the reason',
    signIn: true,
    setup: consent,
    send: (s) => ({ path: `/auth/oauth2/callback?code=unknown&state=${s.v.state}` }),
    status: 502,
    body: () => ({
      error: 'backend_unreachable',
      message: `backend unreachable: upstream: ${INVALID_GRANT}`,
    }),
    check: async (s) =>
      expect(await status(s)).toEqual({ status: 'failed', reason: `upstream error: ${INVALID_GRANT}` }),
  },
  {
    name: '401 when the code was issued for another sign-in (its id_token nonce differs)',
    signIn: true,
    setup: async (s) => {
      const other = await googleConsent(s);
      await consent(s);
      s.v.code = other.code;
    },
    send: (s) => ({ path: `/auth/oauth2/callback?code=${s.v.code}&state=${s.v.state}` }),
    ...unauthorized('id_token nonce mismatch'),
    check: async (s) =>
      expect(await status(s)).toEqual({ status: 'failed', reason: 'unauthorized: id_token nonce mismatch' }),
  },
]);

table('GET /v1/auth/oauth2/status/{request_id}', [
  {
    name: 'pending before the callback',
    signIn: true,
    setup: consent,
    send: (s) => ({ path: `/v1/auth/oauth2/status/${s.v.request_id}` }),
    status: 200,
    body: () => ({ status: 'pending' }),
  },
  {
    name: 'verified with the Google account as the identity, a session without a wallet',
    signIn: true,
    setup: async (s) => {
      await consent(s);
      await s.t.call('GET', local(s.v.callback_url as string));
    },
    send: (s) => ({ path: `/v1/auth/oauth2/status/${s.v.request_id}` }),
    status: 200,
    body: (s) => ({
      status: 'verified',
      session_jwt: expect.any(String),
      session_jwt_kid: s.t.context.sessionKey.kid,
      expires_at: T0 + 18000,
      omni_account: omniOf('oauth2_google', s.v.sub as string),
      identity_type: 'oauth2_google',
      identity_value: s.v.sub,
    }),
    check: (s, body) => {
      expect(decodeJwt((body as { session_jwt: string }).session_jwt).agentkeys).toEqual({
        omni_account: omniOf('oauth2_google', s.v.sub as string),
        wallet_address: '',
        identity_type: 'oauth2_google',
        identity_value: s.v.sub,
      });
    },
  },
  {
    name: '400 for an id the broker never issued',
    signIn: true,
    send: () => ({ path: '/v1/auth/oauth2/status/oa2-nope' }),
    ...bad('unknown request_id: oa2-nope'),
  },
]);
