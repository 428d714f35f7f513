// Minting: the OIDC JWT verifies through discovery → JWKS with every contract claim; one mint_log row per call.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { omniOf } from '../../scripts/sandbox/tokens.ts';
import { bearer, build } from './helpers.ts';

describe('POST /v1/mint-oidc-jwt', () => {
  it('signs a JWT that verifies against the JWKS found through discovery, with every contract claim', async () => {
    const t = build({ BROKER_OIDC_ISSUER: 'https://broker.example.org', BROKER_OIDC_JWT_TTL_SECONDS: '900' });
    const session = await t.signIn();
    const minted = await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(session.session_jwt) });
    expect(minted.status).toBe(200);

    const discovery = (await t.call('GET', '/.well-known/openid-configuration')).body;
    expect(discovery.issuer).toBe('https://broker.example.org');
    const jwksPath = new URL(discovery.jwks_uri).pathname;
    expect(discovery.jwks_uri).toBe('https://broker.example.org/.well-known/jwks.json');
    const jwks = (await t.call('GET', jwksPath)).body;

    const { payload, protectedHeader } = await jwtVerify(minted.body.jwt, createLocalJWKSet(jwks), {
      issuer: discovery.issuer,
      audience: 'sts.amazonaws.com',
      algorithms: discovery.id_token_signing_alg_values_supported,
    });
    const wallet = session.account.address.toLowerCase();
    const omni = omniOf('evm', wallet);
    expect(protectedHeader.kid).toMatch(/^v1-\d+$/);
    expect(protectedHeader.kid).toBe(t.context.oidcKey.kid);
    expect(payload).toEqual({
      iss: 'https://broker.example.org',
      sub: `agentkeys:agent:${wallet}`,
      aud: 'sts.amazonaws.com',
      iat: payload.iat,
      exp: Number(payload.iat) + 900,
      agentkeys_user_wallet: wallet,
      agentkeys_actor_omni: omni,
      'https://aws.amazon.com/tags': {
        principal_tags: { agentkeys_actor_omni: [omni], agentkeys_user_wallet: [wallet] },
        transitive_tag_keys: ['agentkeys_user_wallet', 'agentkeys_actor_omni'],
      },
    });
    expect(payload.nbf).toBeUndefined();
    expect(payload.jti).toBeUndefined();
    expect(Math.abs(Number(payload.iat) - Date.now() / 1000)).toBeLessThan(5);
    expect(minted.body).toMatchObject({ wallet, expiration: payload.exp });
    // Discovery advertises exactly the claims the token carries.
    expect([...discovery.claims_supported].sort()).toEqual(Object.keys(payload).sort());
  });

  it('signs a new JWT on every call and writes one mint_log row each time', async () => {
    const t = build();
    const session = await t.signIn();
    const first = await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(session.session_jwt) });
    t.advance(1);
    const second = await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(session.session_jwt) });
    expect(first.body.jwt).not.toBe(second.body.jwt);
    const rows = t.context.store.listMints();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      requested_role: 'oidc_jwt',
      actor_omni: session.omni_account,
      wallet: session.account.address.toLowerCase(),
      kid: t.context.oidcKey.kid,
      jwt_exp: first.body.expiration,
    });
  });

  it('counts mints and failures on /metrics', async () => {
    const t = build({ BROKER_METRICS_ENABLED: 'true' });
    const session = await t.signIn();
    await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(session.session_jwt) });
    await t.call('POST', '/v1/mint-oidc-jwt');
    const text = (await t.call('GET', '/metrics')).body as string;
    expect(text).toContain('agentkeys_broker_mints_total 1\n');
    expect(text).toContain('agentkeys_broker_mints_failed_total 1\n');
    expect(text).toContain('agentkeys_broker_audit_writes_total 1\n');
  });

  it('answers audit_error 500 and issues no token when the mint_log write fails', async () => {
    const t = build();
    const session = await t.signIn();
    t.context.store.db.exec('DROP TABLE mint_log');
    const res = await t.call('POST', '/v1/mint-oidc-jwt', { headers: bearer(session.session_jwt) });
    expect(res).toMatchObject({ status: 500, body: { error: 'audit_error' } });
    expect(JSON.stringify(res.body)).not.toMatch(/eyJ/);
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('publishes the OIDC key only, never the session key', async () => {
    const t = build();
    const { body } = await t.call('GET', '/.well-known/jwks.json');
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: t.context.oidcKey.kid,
    });
    expect(body.keys[0].d).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(t.context.sessionKey.kid);
    expect(body.keys[0].x).not.toBe(t.context.sessionKey.publicJwk.x);
    const session = await t.signIn();
    expect(decodeProtectedHeader(session.session_jwt).kid).not.toBe(body.keys[0].kid);
  });
});

describe('GET /.well-known/openid-configuration', () => {
  it('repeats BROKER_OIDC_ISSUER byte for byte and lists the fixed OIDC values', async () => {
    const t = build({ BROKER_OIDC_ISSUER: 'https://Broker.Example.org:8443' });
    const { body } = await t.call('GET', '/.well-known/openid-configuration');
    expect(body).toMatchObject({
      issuer: 'https://Broker.Example.org:8443',
      jwks_uri: 'https://Broker.Example.org:8443/.well-known/jwks.json',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      scopes_supported: ['openid'],
      token_endpoint_auth_methods_supported: ['none'],
    });
  });
});
