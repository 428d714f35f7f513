// What axum's Json extractor answers before any handler runs, for every route that reads a JSON body: 415
// without a JSON content type, 413 past the body limit, 400 for malformed JSON, 422 for JSON of the wrong
// shape (serde's message, with the Rust type name and the field path). One table per route.
import { describe, expect, it } from 'vitest';
import { CAP_ROUTES } from '../../../scripts/sandbox/routes/cap.ts';
import { build } from '../helpers.ts';
import { type Row, table } from './harness.ts';

// The Rust type each handler reads its body into, and its first required field.
const ROUTES: [string, string, string | null][] = [
  ['/v1/auth/wallet/start', 'WalletStartRequest', 'address'],
  ['/v1/auth/wallet/verify', 'WalletVerifyRequest', 'request_id'],
  ['/v1/auth/email/request', 'EmailRequestBody', 'email'],
  ['/v1/auth/email/verify', 'EmailVerifyBody', 'token'],
  ['/v1/auth/oauth2/start', 'OAuth2StartBody', null],
  ['/v1/grant/create', 'GrantCreateBody', 'daemon_address'],
  ['/v1/grant/revoke', 'GrantRevokeBody', 'grant_id'],
  ['/v1/wallet/link', 'WalletLinkBody', 'identity_type'],
  ['/v1/wallet/recover/lookup', 'RecoverLookupBody', 'identity_type'],
  ...CAP_ROUTES.map((r): [string, string, string] => [r, 'CapRequest', 'operator_omni']),
];

const JSON_TYPE = { 'content-type': 'application/json' };
const PARSE = 'Failed to parse the request body as JSON: ';
const SHAPE = 'Failed to deserialize the JSON body into the target type: ';

for (const [path, type, first] of ROUTES) {
  const raw =
    (body: string, headers: Record<string, string> = JSON_TYPE) =>
    () => ({ headers, body });
  const rows: Row[] = [
    {
      name: '415 without a content type',
      send: raw('{}', {}),
      status: 415,
      body: () => 'Expected request with `Content-Type: application/json`',
    },
    {
      name: '415 for text/plain, even with JSON in it',
      send: raw('{}', { 'content-type': 'text/plain' }),
      status: 415,
      body: () => 'Expected request with `Content-Type: application/json`',
    },
    {
      name: '413 past BROKER_REQUEST_BODY_LIMIT_BYTES',
      env: { BROKER_REQUEST_BODY_LIMIT_BYTES: '64' },
      anonymous: true,
      send: raw(`{"x":"${'a'.repeat(100)}"}`),
      status: 413,
      body: () => 'Failed to buffer the request body: length limit exceeded',
    },
    {
      name: '400 for an empty body',
      send: raw(''),
      status: 400,
      body: () => `${PARSE}EOF while parsing a value at line 1 column 0`,
    },
    {
      name: '400 for a body cut short, naming the field',
      send: raw('{"x": '),
      status: 400,
      body: () => `${PARSE}x: EOF while parsing a value at line 1 column 6`,
    },
    {
      name: '400 for a key that is not a string',
      send: raw('{1:2}'),
      status: 400,
      body: () => `${PARSE}key must be a string at line 1 column 2`,
    },
    {
      name: '400 on the second line, counting lines',
      send: raw('{\n  "x": tru }'),
      status: 400,
      body: () => `${PARSE}x: expected ident at line 2 column 11`,
    },
    {
      name: '422 for null, naming the Rust type',
      send: raw('null'),
      status: 422,
      body: () => `${SHAPE}invalid type: null, expected struct ${type} at line 1 column 4`,
    },
    {
      name: '422 for a string',
      send: raw('"text"'),
      status: 422,
      body: () => `${SHAPE}invalid type: string "text", expected struct ${type} at line 1 column 6`,
    },
  ];
  if (first !== null) {
    rows.push({
      name: `422 for {}: the first missing field is ${first}`,
      send: raw('{"unknown": [1, {"a": null}]}'),
      status: 422,
      body: () => `${SHAPE}missing field \`${first}\` at line 1 column 29`,
    });
    rows.push({
      name: `422 for a number where ${first} is text`,
      send: raw(`{"${first}": 7}`),
      status: 422,
      body: () =>
        `${SHAPE}${first}: invalid type: integer \`7\`, expected a string at line 1 column ${first.length + 6}`,
    });
    rows.push({
      name: `422 for ${first} given twice`,
      send: raw(`{"${first}": "a", "${first}": "b"}`),
      status: 422,
      body: () => `${SHAPE}duplicate field \`${first}\` at line 1 column ${2 * first.length + 12}`,
    });
  }
  // JSON types ending in +json are JSON to axum too; what follows is the handler's own answer.
  rows.push({
    name: 'a +json content type is taken as JSON',
    send: raw('null', { 'content-type': 'application/vnd.agentkeys+json; charset=utf-8' }),
    status: 422,
  });
  table(
    `POST ${path}`,
    rows.map((r) => ({ ...r, signIn: true })),
  );
}

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
    '[[[[[[]]]]]]',
  ];

  it('never answer 5xx, and every 4xx is the Error body, the cap body or one of the framework texts', async () => {
    const t = build({}, { signIn: true });
    const { session_jwt } = await t.signIn();
    const routes = t.app.routes.filter((r) => r.method !== 'ALL');
    expect(routes.length).toBeGreaterThan(20);
    for (const { method, path } of routes) {
      for (const body of bodies) {
        for (const headers of [JSON_TYPE, { ...JSON_TYPE, authorization: `Bearer ${session_jwt}` }]) {
          const res = await t.app.request(path.replace(':request_id', 'x'), {
            method,
            headers,
            body: method === 'GET' ? undefined : body,
          });
          const where = `${method} ${path} ${JSON.stringify(body)}`;
          expect(res.status, where).toBeLessThan(500);
          if (res.status < 400) continue;
          const text = await res.text();
          if (text === '' && (res.status === 404 || res.status === 405)) continue;
          if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
            const keys = Object.keys(JSON.parse(text)).sort();
            expect(
              [
                ['error', 'message'],
                ['error', 'reason'],
              ],
              where,
            ).toContainEqual(keys);
          } else {
            expect(text, where).toMatch(
              /^(Failed to (parse the request body as JSON|deserialize the JSON body into the target type|deserialize query string): |Expected request with|POST required)/,
            );
          }
          expect(text, where).not.toMatch(/\n\s+at |node:internal|\.ts:\d+/);
        }
      }
    }
  });
});
