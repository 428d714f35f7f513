// POST /v1/grant/create, GET /v1/grant/list, POST /v1/grant/revoke (handlers/grant/*.rs, storage/grants.rs).
import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { expect } from 'vitest';
import { type Row, type Scene, signedIn, T0, table } from './harness.ts';

const grant = (overrides: Record<string, unknown> = {}) => ({
  daemon_address: '0x2e9BA854C64533e12f72cD42E74d2aB00b998F56',
  service: 's3',
  scope_path: 'bots/x/credentials/s3.enc',
  expires_at: T0 + 3600,
  max_uses: 3,
  ...overrides,
});
const bad = (message: string): Pick<Row, 'status' | 'body'> => ({
  status: 400,
  body: () => ({ error: 'bad_request', message: `bad request: ${message}` }),
});
const noBearer: Pick<Row, 'status' | 'body'> = {
  status: 401,
  body: () => ({ error: 'unauthorized', message: 'unauthorized: missing or malformed Authorization header' }),
};

async function create(s: Scene, jwt = s.me.session_jwt, overrides: Record<string, unknown> = {}) {
  const res = await s.t.call('POST', '/v1/grant/create', {
    headers: { authorization: `Bearer ${jwt}` },
    json: grant(overrides),
  });
  return res.body.grant_id as string;
}

table('POST /v1/grant/create', [
  {
    name: 'records the grant; the audit proof is a session-key JWT over every field',
    send: (s) => ({ headers: s.auth, json: grant() }),
    status: 200,
    body: () => ({
      grant_id: expect.stringMatching(/^grn-[A-Za-z0-9_-]{16}$/),
      audit_proof: expect.any(String),
      granted_at: T0,
      expires_at: T0 + 3600,
      max_uses: 3,
    }),
    check: async (s, body) => {
      const { grant_id, audit_proof } = body as { grant_id: string; audit_proof: string };
      const { payload, protectedHeader } = await jwtVerify(
        audit_proof,
        createPublicKey(s.t.context.sessionKey.privateKey),
        { currentDate: new Date(T0 * 1000) },
      );
      expect(protectedHeader).toEqual({ typ: 'JWT', alg: 'ES256', kid: s.t.context.sessionKey.kid });
      expect(payload).toEqual({
        iss: 'http://127.0.0.1:8091',
        sub: `agentkeys:grant:${grant_id}`,
        aud: 'agentkeys:audit-proof',
        iat: T0,
        exp: T0 + 3600,
        agentkeys: {
          kind: 'grant',
          grant_id,
          master_omni_account: s.me.omni_account,
          daemon_address: '0x2e9BA854C64533e12f72cD42E74d2aB00b998F56',
          service: 's3',
          scope_path: 'bots/x/credentials/s3.enc',
          granted_at: T0,
          expires_at: T0 + 3600,
          max_uses: 3,
        },
      });
    },
  },
  {
    name: 'a daemon address of 6 characters and a blank (not empty) scope are accepted as given',
    send: (s) => ({ headers: s.auth, json: grant({ daemon_address: '0xABCD', scope_path: '  ' }) }),
    status: 200,
  },
  {
    name: 'an i64 max_uses is kept exactly',
    send: (s) => ({
      headers: { ...s.auth, 'content-type': 'application/json' },
      body: JSON.stringify(grant({ max_uses: 0 })).replace('"max_uses":0', '"max_uses":9223372036854775807'),
    }),
    status: 200,
    check: async (s) => {
      // Read raw: a JSON number this large would lose its last digits in JSON.parse.
      const res = await s.t.app.request('/v1/grant/list', { headers: s.auth });
      expect(await res.text()).toContain('"max_uses":9223372036854775807,');
    },
  },
  {
    name: '400 for a daemon address without 0x',
    send: (s) => ({ headers: s.auth, json: grant({ daemon_address: 'daemon' }) }),
    ...bad('daemon_address must be a 0x-prefixed address'),
  },
  {
    name: '400 for a daemon address shorter than 6 characters, checked before the other fields',
    send: (s) => ({ headers: s.auth, json: grant({ daemon_address: '0xabc', max_uses: 0 }) }),
    ...bad('daemon_address must be a 0x-prefixed address'),
  },
  {
    name: '400 for an empty service',
    send: (s) => ({ headers: s.auth, json: grant({ service: '' }) }),
    ...bad('service + scope_path must be non-empty'),
  },
  {
    name: '400 for max_uses below 1',
    send: (s) => ({ headers: s.auth, json: grant({ max_uses: 0 }) }),
    ...bad('max_uses must be >= 1'),
  },
  {
    name: '400 for an expiry that is not after now, with both times',
    send: (s) => ({ headers: s.auth, json: grant({ expires_at: T0 }) }),
    ...bad(`expires_at (${T0}) must be in the future (now=${T0})`),
  },
  { name: '401 without a bearer', send: () => ({ json: grant() }), ...noBearer },
  {
    name: 'the body is read before the bearer: bad JSON without a bearer is 400 plain text',
    send: () => ({ headers: { 'content-type': 'application/json' }, body: '{"daemon_address": ' }),
    status: 400,
    body: () =>
      'Failed to parse the request body as JSON: daemon_address: EOF while parsing a value at line 1 column 19',
  },
  {
    name: '422 for an expiry that is not a whole number',
    send: (s) => ({ headers: s.auth, json: grant({ expires_at: 1.5 }) }),
    status: 422,
    body: () => {
      const json = JSON.stringify(grant({ expires_at: 1.5 }));
      const column = json.indexOf('1.5') + 3;
      return `Failed to deserialize the JSON body into the target type: expires_at: invalid type: floating point \`1.5\`, expected i64 at line 1 column ${column}`;
    },
  },
]);

table('GET /v1/grant/list', [
  {
    name: 'nothing yet',
    send: (s) => ({ headers: s.auth }),
    status: 200,
    body: (s) => ({ owner: s.me.omni_account, grants: [] }),
  },
  {
    name: 'the caller\u2019s grants only, newest first, unused and not revoked',
    setup: async (s) => {
      s.v.first = await create(s);
      s.t.advance(5);
      s.v.second = await create(s, s.me.session_jwt, { service: 'memory' });
      await create(s, (await signedIn(s.t)).session_jwt);
    },
    send: (s) => ({ headers: s.auth }),
    status: 200,
    body: (s) => {
      const row = (id: string, at: number, service: string) => ({
        grant_id: id,
        master_omni_account: s.me.omni_account,
        daemon_address: '0x2e9BA854C64533e12f72cD42E74d2aB00b998F56',
        service,
        scope_path: 'bots/x/credentials/s3.enc',
        granted_at: at,
        expires_at: T0 + 3600,
        max_uses: 3,
        used_count: 0,
        revoked_at: null,
        audit_proof: expect.any(String),
      });
      return {
        owner: s.me.omni_account,
        grants: [row(s.v.second as string, T0 + 5, 'memory'), row(s.v.first as string, T0, 's3')],
      };
    },
  },
  { name: '401 without a bearer', send: () => ({}), ...noBearer },
]);

const revokeMessage = (id: string) =>
  `grant_id ${JSON.stringify(id)} not found, not owned by this master, or already revoked`;

table('POST /v1/grant/revoke', [
  {
    name: 'revokes, and the list shows when',
    setup: async (s) => {
      s.v.id = await create(s);
      s.t.advance(7);
    },
    send: (s) => ({ headers: s.auth, json: { grant_id: s.v.id } }),
    status: 200,
    body: (s) => ({ grant_id: s.v.id, revoked_at: T0 + 7 }),
    check: async (s) => {
      const list = await s.t.call('GET', '/v1/grant/list', { headers: s.auth });
      expect(list.body.grants[0].revoked_at).toBe(T0 + 7);
    },
  },
  {
    name: '400 for a repeat revoke',
    setup: async (s) => {
      s.v.id = await create(s);
      await s.t.call('POST', '/v1/grant/revoke', { headers: s.auth, json: { grant_id: s.v.id } });
    },
    send: (s) => ({ headers: s.auth, json: { grant_id: s.v.id } }),
    status: 400,
    body: (s) => ({ error: 'bad_request', message: `bad request: ${revokeMessage(s.v.id as string)}` }),
  },
  {
    name: '400, the same answer, for another master\u2019s grant',
    setup: async (s) => {
      s.v.id = await create(s, (await signedIn(s.t)).session_jwt);
    },
    send: (s) => ({ headers: s.auth, json: { grant_id: s.v.id } }),
    status: 400,
    body: (s) => ({ error: 'bad_request', message: `bad request: ${revokeMessage(s.v.id as string)}` }),
  },
  {
    name: '400 for an unknown id, quoted as given',
    send: (s) => ({ headers: s.auth, json: { grant_id: 'grn-"x"' } }),
    ...bad(revokeMessage('grn-"x"')),
  },
  {
    name: '400 for a blank id',
    send: (s) => ({ headers: s.auth, json: { grant_id: '  ' } }),
    ...bad('grant_id required'),
  },
  { name: '401 without a bearer', send: () => ({ json: { grant_id: 'grn-x' } }), ...noBearer },
]);
