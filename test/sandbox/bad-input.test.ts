// Every malformed request gets a 4xx with the contract's JSON error body: never a 500, never a stack trace.

import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeJwt, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearer, build, type TestBroker } from './helpers.ts';

function sessionKeyPem(t: TestBroker): string {
  return JSON.parse(readFileSync(t.context.sessionKey.path, 'utf8')).private_key_pem;
}

/** A session JWT signed with the real session key, with chosen claims and header. */
async function forge(t: TestBroker, claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const session = await t.signIn();
  const base = decodeJwt(session.session_jwt);
  return new SignJWT({ ...base, jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: t.context.sessionKey.kid, ...header })
    .sign(createPrivateKey(sessionKeyPem(t)));
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function mintWith(t: TestBroker, headers: Record<string, string>) {
  const res = await t.call('POST', '/v1/mint-oidc-jwt', { headers });
  expect(res.status, JSON.stringify(res.body)).toBe(401);
  expect(res.body.error).toBe('unauthorized');
  expect(res.body.message).not.toMatch(/\n|\.[cm]?[jt]s:\d+|node:internal/);
  return res.body.message as string;
}

describe('POST /v1/mint-oidc-jwt bearer checks', () => {
  it('401s a missing Authorization header', async () => {
    expect(await mintWith(build(), {})).toMatch(/^unauthorized: missing/);
  });

  it.each([
    ['lowercase scheme', (jwt: string) => `bearer ${jwt}`],
    ['two spaces', (jwt: string) => `Bearer  ${jwt}`],
    ['no space', (jwt: string) => `Bearer${jwt}`],
    ['Basic scheme', () => 'Basic dXNlcjpwYXNz'],
    ['not a JWT', () => 'Bearer not-a-jwt'],
    ['empty token', () => 'Bearer '],
  ])('401s a malformed bearer (%s)', async (_name, header) => {
    const t = build();
    const { session_jwt } = await t.signIn();
    await mintWith(t, { authorization: header(session_jwt) });
  });

  it('401s an expired session JWT with a message starting "expired:"', async () => {
    const t = build({ BROKER_SESSION_JWT_TTL_SECONDS: '60' });
    const { session_jwt } = await t.signIn();
    t.advance(61);
    expect(await mintWith(t, bearer(session_jwt))).toMatch(/^expired: /);
  });

  it('401s a wrong audience', async () => {
    const t = build();
    expect(await mintWith(t, bearer(await forge(t, { aud: 'sts.amazonaws.com' })))).toMatch(/aud/);
  });

  it('401s a wrong issuer', async () => {
    const t = build();
    expect(await mintWith(t, bearer(await forge(t, { iss: 'https://evil.example' })))).toMatch(/iss/);
  });

  it('401s a wrong kid', async () => {
    const t = build();
    expect(await mintWith(t, bearer(await forge(t, {}, { kid: 'ak-session-1' })))).toMatch(/kid/);
  });

  it('401s an OIDC JWT presented as a session bearer', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const minted = await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(session_jwt) });
    expect(minted.status).toBe(200);
    // Refused for being signed by the OIDC key, not for being malformed or missing.
    expect(await mintWith(t, bearer(minted.body.jwt))).toMatch(/session key \(kid mismatch\)/);
  });

  it('401s alg none', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const token = `${b64({ alg: 'none', kid: t.context.sessionKey.kid })}.${session_jwt.split('.')[1]}.`;
    expect(await mintWith(t, bearer(token))).toMatch(/ES256/);
  });

  it('401s an HS256 token keyed with the public session key', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const publicPem = t.context.sessionKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = await new SignJWT(decodeJwt(session_jwt))
      .setProtectedHeader({ alg: 'HS256', kid: t.context.sessionKey.kid })
      .sign(new TextEncoder().encode(publicPem));
    expect(await mintWith(t, bearer(token))).toMatch(/ES256/);
  });

  it('401s a tampered payload', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const [h, p, s] = session_jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.agentkeys.omni_account = 'f'.repeat(64);
    claims.sub = `agentkeys:user:${'f'.repeat(64)}`;
    expect(await mintWith(t, bearer(`${h}.${b64(claims)}.${s}`))).toMatch(/signature/);
  });
});

describe('request bodies', () => {
  it('400s malformed JSON (POST /v1/grant/create)', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const res = await t.call('POST', '/v1/grant/create', {
      headers: { ...bearer(session_jwt), 'content-type': 'application/json' },
      body: '{"daemon_address": ',
    });
    expect(res).toMatchObject({
      status: 400,
      body: { error: 'bad_request', message: 'bad_request: the body is not valid JSON' },
    });
  });

  it('400s a wrong content type (POST /v1/auth/wallet/start)', async () => {
    const t = build();
    const res = await t.call('POST', '/v1/auth/wallet/start', {
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ address: `0x${'1'.repeat(40)}`, chain_id: 1 }),
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(res.body.message).toMatch(/Content-Type: application\/json/);
  });

  it('413s a body above BROKER_REQUEST_BODY_LIMIT_BYTES (POST /v1/wallet/recover/lookup)', async () => {
    const t = build({ BROKER_REQUEST_BODY_LIMIT_BYTES: '64' });
    const json = { identity_type: 'email', identity_value: `${'a'.repeat(100)}@example.org` };
    const res = await t.call('POST', '/v1/wallet/recover/lookup', { json });
    expect(res).toMatchObject({ status: 413, body: { error: 'bad_request' } });
    expect(res.body.message).toMatch(/64 bytes/);
  });

  it('413s an oversized body without a content-length header', async () => {
    const t = build({ BROKER_REQUEST_BODY_LIMIT_BYTES: '64' });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`{"x":"${'a'.repeat(200)}"}`));
        controller.close();
      },
    });
    const res = await t.app.request('/v1/auth/wallet/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'bad_request' });
  });

  it('400s a JSON body of the wrong shape (POST /v1/auth/wallet/verify)', async () => {
    const t = build();
    const res = await t.call('POST', '/v1/auth/wallet/verify', { json: ['not', 'an', 'object'] });
    expect(res).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });
});

describe('unknown and retired routes', () => {
  it.each([
    ['POST', '/v1/mint-aws-creds'],
    ['POST', '/v1/auth/exchange'],
    ['GET', '/v1/does-not-exist'],
    ['POST', '/v1/auth/email/request'],
  ])('%s %s answers 404 with the JSON error body', async (method, path) => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const res = await t.app.request(path, { method, headers: bearer(session_jwt) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: 'not_found',
      message: `not_found: ${method} ${path} is not a route of this broker`,
    });
  });
});

describe('odd bodies on every served route', () => {
  const bodies = [
    '',
    'null',
    '[]',
    '"text"',
    '{"address":42,"chain_id":"1"}',
    '{"a":'.repeat(50),
    '\u0000\uffff',
    '1e999',
  ];

  it('never answer 5xx and always carry the JSON error body', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const routes = t.app.routes.filter((r) => r.method !== 'ALL');
    for (const { method, path } of routes) {
      for (const body of bodies) {
        for (const headers of [
          { 'content-type': 'application/json' },
          { ...bearer(session_jwt), 'content-type': 'application/json' },
        ]) {
          const res = await t.app.request(path, {
            method,
            headers,
            body: method === 'GET' ? undefined : body,
          });
          expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeLessThan(500);
          if (res.status >= 400) {
            expect(Object.keys(await res.json()).sort()).toEqual(['error', 'message']);
          }
        }
      }
    }
  });
});
