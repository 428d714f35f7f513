// Wallet sign-in: real EIP-4361 messages and EIP-191 signatures, single-use expiring challenges, rate limit.
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { parseSiweMessage } from 'viem/siwe';
import { describe, expect, it } from 'vitest';
import { omniOf } from '../../scripts/sandbox/tokens.ts';
import { build } from './helpers.ts';

const account = () => privateKeyToAccount(generatePrivateKey());

async function challenge(t: ReturnType<typeof build>, address: string) {
  return t.call('POST', '/v1/auth/wallet/start', { json: { address, chain_id: 11155111 } });
}

describe('POST /v1/auth/wallet/start', () => {
  it('issues an EIP-4361 message for the broker host with a siwe-<ulid> id and a 32-hex nonce', async () => {
    const t = build({ BROKER_OIDC_ISSUER: 'https://broker.example.org' });
    const a = account();
    const { status, body } = await challenge(t, a.address);
    expect(status).toBe(200);
    expect(body.request_id).toMatch(/^siwe-[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(body.nonce).toMatch(/^[0-9a-f]{32}$/);
    const siwe = parseSiweMessage(body.siwe_message);
    expect(siwe).toMatchObject({ domain: 'broker.example.org', address: a.address, chainId: 11155111 });
    expect(siwe.nonce).toBe(body.nonce);
    expect(siwe.requestId).toBe(body.request_id);
    expect(siwe.expirationTime?.toISOString()).toBe(body.expires_at_iso);
    const second = await challenge(t, a.address);
    expect(second.body.nonce).not.toBe(body.nonce);
    expect(second.body.request_id).not.toBe(body.request_id);
  });

  it('refuses when wallet_sig is not an enabled auth method', async () => {
    // Only an email-link build boots without wallet_sig; the sandbox is the default build, which refuses
    // email_link at boot, so the setting is changed after boot to reach the route's own check.
    const t = build();
    t.context.config.authMethods = ['email_link'];
    const { status, body } = await challenge(t, account().address);
    expect(status).toBe(400);
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(/wallet_sig/);
  });

  it('rate-limits challenges per client address with a "rate limited:" 400', async () => {
    const t = build({ BROKER_RATE_LIMIT_CHALLENGES_PER_HOUR_PER_IP: '2', BROKER_METRICS_ENABLED: 'true' });
    const a = account();
    expect((await challenge(t, a.address)).status).toBe(200);
    expect((await challenge(t, a.address)).status).toBe(200);
    const third = await challenge(t, a.address);
    expect(third).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(third.body.message).toMatch(/^rate limited: /);
    t.advance(3601);
    expect((await challenge(t, a.address)).status).toBe(200);
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toContain('agentkeys_broker_auth_failed_rate_limited_total 1\n');
    expect(metrics).toContain('agentkeys_broker_auth_attempts_total 4\n');
  });

  it('rejects an address that is not 0x + 40 hex', async () => {
    const t = build();
    const { status, body } = await challenge(t, '0x1234');
    expect(status).toBe(400);
    expect(body.message).toMatch(/^bad_request: address/);
  });
});

describe('POST /v1/auth/wallet/verify', () => {
  it('returns a session JWT whose claims follow the contract', async () => {
    const t = build();
    const session = await t.signIn();
    const address = session.account.address.toLowerCase();
    const omni = omniOf('evm', address);
    expect(session).toMatchObject({
      omni_account: omni,
      wallet_address: address,
      identity_type: 'evm',
      identity_value: address,
    });
    const header = decodeProtectedHeader(session.session_jwt);
    expect(header).toMatchObject({ alg: 'ES256', kid: t.context.sessionKey.kid });
    expect(header.kid).toMatch(/^ak-session-\d+$/);
    const claims = decodeJwt(session.session_jwt);
    expect(claims).toMatchObject({
      iss: 'http://127.0.0.1:8091',
      sub: `agentkeys:user:${omni}`,
      aud: 'agentkeys:broker',
      agentkeys: {
        omni_account: omni,
        wallet_address: address,
        identity_type: 'evm',
        identity_value: address,
      },
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(18000);
    expect(typeof claims.jti).toBe('string');
  });

  it('takes its lifetime from BROKER_SESSION_JWT_TTL_SECONDS', async () => {
    const t = build({ BROKER_SESSION_JWT_TTL_SECONDS: '120' });
    const claims = decodeJwt((await t.signIn()).session_jwt);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
  });

  it('401s a signature by a different wallet', async () => {
    const t = build();
    const a = account();
    const start = await challenge(t, a.address);
    const signature = await account().signMessage({ message: start.body.siwe_message });
    const res = await t.call('POST', '/v1/auth/wallet/verify', {
      json: { request_id: start.body.request_id, signature },
    });
    expect(res).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(res.body.message).toMatch(/does not recover/);
  });

  it('401s an unknown request id', async () => {
    const t = build();
    const signature = await account().signMessage({ message: 'anything' });
    const res = await t.call('POST', '/v1/auth/wallet/verify', {
      json: { request_id: 'siwe-01J00000000000000000000000', signature },
    });
    expect(res).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('accepts a request id once only', async () => {
    const t = build();
    const a = account();
    const start = await challenge(t, a.address);
    const signature = await a.signMessage({ message: start.body.siwe_message });
    const json = { request_id: start.body.request_id, signature };
    expect((await t.call('POST', '/v1/auth/wallet/verify', { json })).status).toBe(200);
    const again = await t.call('POST', '/v1/auth/wallet/verify', { json });
    expect(again).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(again.body.message).toMatch(/already used/);
  });

  it('401s an expired request with a message starting "expired:"', async () => {
    const t = build({ BROKER_NTP_MAX_SKEW_SECONDS: '0' });
    const a = account();
    const start = await challenge(t, a.address);
    const signature = await a.signMessage({ message: start.body.siwe_message });
    t.advance(start.body.expires_in_seconds + 1);
    const res = await t.call('POST', '/v1/auth/wallet/verify', {
      json: { request_id: start.body.request_id, signature },
    });
    expect(res).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(res.body.message).toMatch(/^expired: /);
  });

  it('400s a signature that is not 0x + 130 hex', async () => {
    const t = build();
    const start = await challenge(t, account().address);
    const res = await t.call('POST', '/v1/auth/wallet/verify', {
      json: { request_id: start.body.request_id, signature: '0xabc' },
    });
    expect(res).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });
});
