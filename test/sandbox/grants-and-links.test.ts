// Grants (create, list, revoke only) and identity links, persisted per master in SQLite.
import { describe, expect, it } from 'vitest';
import { omniOf } from '../../scripts/sandbox/tokens.ts';
import { bearer, build, type TestBroker } from './helpers.ts';

const daemon = `0x${'ab'.repeat(20)}`;
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

async function createGrant(t: TestBroker, jwt: string, overrides: Record<string, unknown> = {}) {
  const json = {
    daemon_address: daemon,
    service: 'openai',
    scope_path: 'bots/x/credentials/openai.enc',
    expires_at: inAnHour(),
    max_uses: 3,
    ...overrides,
  };
  return t.call('POST', '/v1/grant/create', { headers: bearer(jwt), json });
}

describe('POST /v1/grant/create', () => {
  it('records a grant and returns its id and audit proof', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const res = await createGrant(t, session_jwt);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ max_uses: 3, grant_id: expect.stringMatching(/^grn-/) });
    expect(res.body.audit_proof).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['an empty scope', { scope_path: '  ' }, /scope_path/],
    ['a past expiry', { expires_at: 1_000 }, /expires_at/],
    ['max_uses below 1', { max_uses: 0 }, /max_uses/],
    ['a bad daemon address', { daemon_address: 'daemon' }, /daemon_address/],
  ])('400s %s', async (_name, overrides, message) => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const res = await createGrant(t, session_jwt, overrides);
    expect(res).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(res.body.message).toMatch(message);
  });

  it('401s without a bearer', async () => {
    const t = build();
    expect((await t.call('POST', '/v1/grant/create', { json: {} })).status).toBe(401);
  });
});

describe('GET /v1/grant/list', () => {
  it("lists the caller's grants only, with used_count 0 and revoked_at null", async () => {
    const t = build();
    const alice = await t.signIn();
    const bob = await t.signIn();
    const created = await createGrant(t, alice.session_jwt);
    await createGrant(t, bob.session_jwt);
    const { body } = await t.call('GET', '/v1/grant/list', { headers: bearer(alice.session_jwt) });
    expect(body.owner).toBe(alice.omni_account);
    expect(body.grants).toHaveLength(1);
    expect(body.grants[0]).toMatchObject({
      grant_id: created.body.grant_id,
      master_omni_account: alice.omni_account,
      daemon_address: daemon,
      used_count: 0,
      revoked_at: null,
      audit_proof: created.body.audit_proof,
    });
  });
});

describe('POST /v1/grant/revoke', () => {
  it('revokes once; a repeat revoke is 400', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const { grant_id } = (await createGrant(t, session_jwt)).body;
    const first = await t.call('POST', '/v1/grant/revoke', {
      headers: bearer(session_jwt),
      json: { grant_id },
    });
    expect(first).toMatchObject({ status: 200, body: { grant_id, revoked_at: expect.any(Number) } });
    const list = await t.call('GET', '/v1/grant/list', { headers: bearer(session_jwt) });
    expect(list.body.grants[0].revoked_at).toBe(first.body.revoked_at);
    const again = await t.call('POST', '/v1/grant/revoke', {
      headers: bearer(session_jwt),
      json: { grant_id },
    });
    expect(again).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect(again.body.message).toMatch(/already revoked/);
  });

  it("400s an unknown grant and someone else's grant", async () => {
    const t = build();
    const alice = await t.signIn();
    const bob = await t.signIn();
    const { grant_id } = (await createGrant(t, alice.session_jwt)).body;
    for (const id of ['grn-nope', grant_id]) {
      const res = await t.call('POST', '/v1/grant/revoke', {
        headers: bearer(bob.session_jwt),
        json: { grant_id: id },
      });
      expect(res).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    }
  });
});

describe('POST /v1/wallet/link', () => {
  it('links an identity; linking it to a second master is 401', async () => {
    const t = build();
    const alice = await t.signIn();
    const bob = await t.signIn();
    const json = { identity_type: 'email', identity_value: 'Alice@Example.org' };
    const res = await t.call('POST', '/v1/wallet/link', { headers: bearer(alice.session_jwt), json });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      omni_account: alice.omni_account,
      identity_value: 'alice@example.org',
      identity_omni: omniOf('email', 'alice@example.org'),
    });
    expect(
      (await t.call('POST', '/v1/wallet/link', { headers: bearer(alice.session_jwt), json })).status,
    ).toBe(200);
    const stolen = await t.call('POST', '/v1/wallet/link', { headers: bearer(bob.session_jwt), json });
    expect(stolen).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it("401s linking another master's wallet and 400s linking yourself", async () => {
    const t = build();
    const alice = await t.signIn();
    const bob = await t.signIn();
    const other = { identity_type: 'evm', identity_value: bob.account.address };
    expect(
      (await t.call('POST', '/v1/wallet/link', { headers: bearer(alice.session_jwt), json: other })).status,
    ).toBe(401);
    const self = { identity_type: 'evm', identity_value: alice.account.address };
    expect(
      (await t.call('POST', '/v1/wallet/link', { headers: bearer(alice.session_jwt), json: self })).status,
    ).toBe(400);
  });

  it('400s an unknown identity type', async () => {
    const t = build();
    const { session_jwt } = await t.signIn();
    const json = { identity_type: 'fax', identity_value: '123' };
    expect((await t.call('POST', '/v1/wallet/link', { headers: bearer(session_jwt), json })).status).toBe(
      400,
    );
  });
});

describe('GET /v1/wallet/links', () => {
  it("lists the caller's links only", async () => {
    const t = build();
    const alice = await t.signIn();
    const bob = await t.signIn();
    const json = { identity_type: 'oauth2_google', identity_value: '1098765' };
    await t.call('POST', '/v1/wallet/link', { headers: bearer(alice.session_jwt), json });
    const mine = await t.call('GET', '/v1/wallet/links', { headers: bearer(alice.session_jwt) });
    expect(mine.body).toMatchObject({
      omni_account: alice.omni_account,
      links: [{ identity_value: '1098765' }],
    });
    const theirs = await t.call('GET', '/v1/wallet/links', { headers: bearer(bob.session_jwt) });
    expect(theirs.body.links).toEqual([]);
  });
});

describe('POST /v1/wallet/recover/lookup', () => {
  it('finds the master of a linked identity and of a master wallet, without a bearer; 404 otherwise', async () => {
    const t = build();
    const alice = await t.signIn();
    const json = { identity_type: 'email', identity_value: 'alice@example.org' };
    await t.call('POST', '/v1/wallet/link', { headers: bearer(alice.session_jwt), json });
    const byEmail = await t.call('POST', '/v1/wallet/recover/lookup', { json });
    expect(byEmail).toEqual({ status: 200, body: { omni_account: alice.omni_account } });
    const byWallet = await t.call('POST', '/v1/wallet/recover/lookup', {
      json: { identity_type: 'evm', identity_value: alice.account.address },
    });
    expect(byWallet.body.omni_account).toBe(alice.omni_account);
    const unknown = await t.call('POST', '/v1/wallet/recover/lookup', {
      json: { identity_type: 'email', identity_value: 'nobody@example.org' },
    });
    expect(unknown).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });
});
