// Email-link sign-in (handlers/auth/email_*.rs, plugins/auth/email_link.rs, storage/email_*.rs). The
// sandbox files the email it would send in its outbox; the tables read the link from there.
import { statSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { expect } from 'vitest';
import { outboxFile, readOutbox, type SentEmail } from '../../../scripts/sandbox/outbox.ts';
import { omniOf } from '../../../scripts/sandbox/tokens.ts';
import { emailLink, type Row, type Scene, T0, table } from './harness.ts';

const bad = (message: string): Pick<Row, 'status' | 'body'> => ({
  status: 400,
  body: () => ({ error: 'bad_request', message: `bad request: ${message}` }),
});
const unauthorized = (message: string): Pick<Row, 'status' | 'body'> => ({
  status: 401,
  body: () => ({ error: 'unauthorized', message: `unauthorized: ${message}` }),
});
const sent = (s: Scene, id: string) => readOutbox<SentEmail>(s.t.context.config.signIn.dataDir, 'email', id);

table('POST /v1/auth/email/request', [
  {
    name: 'mails a 10-minute link to the trimmed, lowercased address',
    signIn: true,
    send: () => ({ json: { email: '  Alice@Example.ORG ' } }),
    status: 200,
    body: (_s, got) => ({
      request_id: expect.stringMatching(/^eml-[0-9a-f]{24}$/),
      expires_in_seconds: 600,
      poll_url: `/v1/auth/email/status/${got.request_id}`,
    }),
    check: (s, body) => {
      const id = (body as { request_id: string }).request_id;
      expect(sent(s, id)).toEqual({
        request_id: id,
        to: 'alice@example.org',
        from: 'broker@example.org',
        landing_url: expect.stringMatching(
          /^http:\/\/127\.0\.0\.1:8091\/auth\/email\/landing#t=[A-Za-z0-9_-]{43}$/,
        ),
        sent_at: T0,
      });
    },
  },
  {
    name: 'the filed email holds a live token, so only the sandbox user may read it (mode 0600)',
    signIn: true,
    send: () => ({ json: { email: 'a@b.c' } }),
    status: 200,
    check: (s, body) => {
      const id = (body as { request_id: string }).request_id;
      expect(statSync(outboxFile(s.t.context.config.signIn.dataDir, 'email', id)).mode & 0o777).toBe(0o600);
    },
  },
  {
    name: '400 for text without @, quoted as read',
    signIn: true,
    send: () => ({ json: { email: ' Nobody ' } }),
    ...bad('malformed email: "nobody"'),
  },
  {
    name: '400 for the sixth request for one address within the hour (default 5)',
    signIn: true,
    setup: async (s) => {
      for (let i = 0; i < 5; i++)
        await s.t.call('POST', '/v1/auth/email/request', { json: { email: 'a@b.c' } });
      s.t.advance(600);
    },
    send: () => ({ json: { email: 'A@B.C' } }),
    ...bad('rate limited: per-email rate limit exceeded; retry in 3000s'),
  },
  {
    name: 'the per-IP limit applies only when source_ip is given',
    signIn: true,
    env: { BROKER_EMAIL_RATE_LIMIT_PER_IP_MINUTELY: '1' },
    setup: async (s) => {
      await s.t.call('POST', '/v1/auth/email/request', { json: { email: 'a@b.c', source_ip: '10.0.0.1' } });
      await s.t.call('POST', '/v1/auth/email/request', { json: { email: 'b@b.c' } });
      s.t.advance(15);
    },
    send: () => ({ json: { email: 'c@b.c', source_ip: '10.0.0.1' } }),
    ...bad('rate limited: per-IP rate limit exceeded; retry in 45s'),
  },
  {
    name: 'a limit that does not parse means the default',
    signIn: true,
    env: { BROKER_EMAIL_RATE_LIMIT_PER_EMAIL_HOURLY: 'many' },
    setup: async (s) => {
      for (let i = 0; i < 5; i++)
        await s.t.call('POST', '/v1/auth/email/request', { json: { email: 'a@b.c' } });
    },
    send: () => ({ json: { email: 'a@b.c' } }),
    ...bad('rate limited: per-email rate limit exceeded; retry in 3600s'),
  },
  {
    name: '500 for a limit of 0, which the broker takes as given',
    signIn: true,
    env: { BROKER_EMAIL_RATE_LIMIT_PER_EMAIL_HOURLY: '0' },
    send: () => ({ json: { email: 'a@b.c' } }),
    status: 500,
    body: () => ({ error: 'internal', message: 'internal: invalid rate-limit config: window=3600s limit=0' }),
  },
]);

table('POST /v1/auth/email/verify', [
  {
    name: 'spends the token; the answer carries no session',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
    },
    send: (s) => ({ json: { token: s.v.token } }),
    status: 200,
    body: () => ({ ok: true }),
    headers: { 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  },
  {
    name: 'with the matching request id',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
    },
    send: (s) => ({ json: { token: s.v.token, request_id: s.v.request_id } }),
    status: 200,
    body: () => ({ ok: true }),
  },
  {
    name: 'still valid at 600 s',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
      s.t.advance(600);
    },
    send: (s) => ({ json: { token: s.v.token } }),
    status: 200,
  },
  {
    name: '401 at 601 s',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
      s.t.advance(601);
    },
    send: (s) => ({ json: { token: s.v.token } }),
    ...unauthorized('magic link expired (>10min after issued_at)'),
  },
  {
    name: '401 for a token used before',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
      await s.t.call('POST', '/v1/auth/email/verify', { json: { token: s.v.token } });
    },
    send: (s) => ({ json: { token: s.v.token } }),
    ...unauthorized('magic link unknown or already consumed'),
  },
  {
    name: '401 for a request id that is not the token\u2019s; the token is spent all the same',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
    },
    send: (s) => ({ json: { token: s.v.token, request_id: 'eml-other' } }),
    status: 401,
    body: (s) => ({
      error: 'unauthorized',
      message: `unauthorized: request_id mismatch: token bound to ${s.v.request_id} but body claimed eml-other`,
    }),
    check: async (s) => {
      const again = await s.t.call('POST', '/v1/auth/email/verify', { json: { token: s.v.token } });
      expect(again.body.message).toBe('unauthorized: magic link unknown or already consumed');
    },
  },
]);

table('GET /v1/auth/email/verify', [
  {
    name: '405: GET is refused so link scanners cannot spend tokens',
    signIn: true,
    send: () => ({}),
    status: 405,
    body: () => 'POST required; GET on this endpoint is rejected to defeat magic-link prefetchers',
    headers: { allow: 'POST' },
  },
]);

table('GET /v1/auth/email/status/{request_id}', [
  {
    name: 'pending until the link is used, expired or not',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s));
      s.t.advance(3600);
    },
    send: (s) => ({ path: `/v1/auth/email/status/${s.v.request_id}` }),
    status: 200,
    body: () => ({ status: 'pending' }),
  },
  {
    name: 'verified, with an email session that has no wallet',
    signIn: true,
    setup: async (s) => {
      Object.assign(s.v, await emailLink(s, 'Carol@Example.org'));
      await s.t.call('POST', '/v1/auth/email/verify', { json: { token: s.v.token } });
    },
    send: (s) => ({ path: `/v1/auth/email/status/${s.v.request_id}` }),
    status: 200,
    body: (s) => ({
      status: 'verified',
      session_jwt: expect.any(String),
      session_jwt_kid: s.t.context.sessionKey.kid,
      expires_at: T0 + 18000,
      omni_account: omniOf('email', 'carol@example.org'),
    }),
    check: (_s, body) => {
      expect(decodeJwt((body as { session_jwt: string }).session_jwt).agentkeys).toEqual({
        omni_account: omniOf('email', 'carol@example.org'),
        wallet_address: '',
        identity_type: 'email',
        identity_value: 'carol@example.org',
      });
    },
  },
  {
    name: '400 for an id the broker never issued',
    signIn: true,
    send: () => ({ path: '/v1/auth/email/status/eml-nope' }),
    ...bad('unknown request_id: eml-nope'),
  },
]);

table('GET /auth/email/landing', [
  {
    name: 'the page that posts the fragment token, not cached, not referred, not sniffed',
    signIn: true,
    send: () => ({}),
    status: 200,
    body: () => expect.stringContaining("fetch('/v1/auth/email/verify'"),
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
  },
]);
