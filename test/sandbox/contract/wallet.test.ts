// POST /v1/wallet/link, GET /v1/wallet/links, POST /v1/wallet/recover/lookup (handlers/wallet/*.rs,
// storage/identity_links.rs): identities stored as given, first master wins, lookup without a bearer.
import { expect } from 'vitest';
import { type Row, type Scene, signedIn, T0, table } from './harness.ts';

const email = { identity_type: 'email', identity_value: 'Alice@Example.org' };
const link = (s: Scene, identity = email, jwt = s.me.session_jwt) =>
  s.t.call('POST', '/v1/wallet/link', { headers: { authorization: `Bearer ${jwt}` }, json: identity });
const bad = (message: string): Pick<Row, 'status' | 'body'> => ({
  status: 400,
  body: () => ({ error: 'bad_request', message: `bad request: ${message}` }),
});
const noBearer: Pick<Row, 'status' | 'body'> = {
  status: 401,
  body: () => ({ error: 'unauthorized', message: 'unauthorized: missing or malformed Authorization header' }),
};
const FOUND = 'Have the master OmniAccount sign POST /v1/grant/create for your new daemon address.';
const NOT_FOUND =
  'Identity not linked to any master. Re-authenticate with the master via /v1/auth/* and call /v1/wallet/link first.';

table('POST /v1/wallet/link', [
  {
    name: 'links the identity exactly as given',
    send: (s) => ({ headers: s.auth, json: email }),
    status: 200,
    body: (s) => ({ linked: true, omni_account: s.me.omni_account, ...email, linked_at: T0 }),
  },
  {
    name: 'linking again answers with the new time but keeps the first row',
    setup: async (s) => {
      await link(s);
      s.t.advance(5);
    },
    send: (s) => ({ headers: s.auth, json: email }),
    status: 200,
    body: (s) => ({ linked: true, omni_account: s.me.omni_account, ...email, linked_at: T0 + 5 }),
    check: async (s) => {
      const list = await s.t.call('GET', '/v1/wallet/links', { headers: s.auth });
      expect(list.body.links).toEqual([{ omni_account: s.me.omni_account, ...email, linked_at: T0 }]);
    },
  },
  {
    name: 'any type is taken, and so is the master\u2019s own wallet',
    send: (s) => ({ headers: s.auth, json: { identity_type: 'fax', identity_value: s.me.address } }),
    status: 200,
  },
  {
    name: '401 when another master linked it first, naming that master',
    setup: async (s) => {
      const first = await signedIn(s.t);
      s.v.first = first.omni_account;
      await link(s, email, first.session_jwt);
    },
    send: (s) => ({ headers: s.auth, json: email }),
    status: 401,
    body: (s) => ({
      error: 'unauthorized',
      message: `unauthorized: identity already linked to a different master (${s.v.first})`,
    }),
  },
  {
    name: '400 for a blank type',
    send: (s) => ({ headers: s.auth, json: { identity_type: ' ', identity_value: 'x' } }),
    ...bad('identity_type + identity_value must be non-empty'),
  },
  { name: '401 without a bearer', send: () => ({ json: email }), ...noBearer },
]);

table('GET /v1/wallet/links', [
  {
    name: 'none: the master\u2019s own sign-in identity is not a link',
    send: (s) => ({ headers: s.auth }),
    status: 200,
    body: (s) => ({ owner: s.me.omni_account, links: [] }),
  },
  {
    name: 'the caller\u2019s links, newest first',
    setup: async (s) => {
      await link(s);
      s.t.advance(3);
      await link(s, { identity_type: 'oauth2_google', identity_value: '1098765' });
      await link(
        s,
        { identity_type: 'email', identity_value: 'bob@example.org' },
        (await signedIn(s.t)).session_jwt,
      );
    },
    send: (s) => ({ headers: s.auth }),
    status: 200,
    body: (s) => ({
      owner: s.me.omni_account,
      links: [
        {
          omni_account: s.me.omni_account,
          identity_type: 'oauth2_google',
          identity_value: '1098765',
          linked_at: T0 + 3,
        },
        { omni_account: s.me.omni_account, ...email, linked_at: T0 },
      ],
    }),
  },
  { name: '401 without a bearer', send: () => ({}), ...noBearer },
]);

table('POST /v1/wallet/recover/lookup', [
  {
    name: 'a linked identity names its master; no bearer needed',
    setup: async (s) => {
      await link(s);
    },
    send: () => ({ json: email }),
    status: 200,
    body: (s) => ({ linked: true, omni_account: s.me.omni_account, next_step: FOUND }),
  },
  {
    name: 'the match is exact: another case is not linked',
    setup: async (s) => {
      await link(s);
    },
    send: () => ({ json: { ...email, identity_value: 'alice@example.org' } }),
    status: 200,
    body: () => ({ linked: false, next_step: NOT_FOUND }),
  },
  {
    name: 'a master\u2019s own wallet is not found unless it was linked',
    send: (s) => ({ json: { identity_type: 'evm', identity_value: s.me.address } }),
    status: 200,
    body: () => ({ linked: false, next_step: NOT_FOUND }),
  },
  {
    name: '400 for a blank value',
    send: () => ({ json: { identity_type: 'email', identity_value: '' } }),
    ...bad('identity_type + identity_value must be non-empty'),
  },
]);
