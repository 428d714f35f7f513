// unknown-endpoint: /v1/… paths checked against the OpenAPI contract and the retired list.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the cases are TypeScript source text, `${…}` included.
import { ruleTester } from '../helpers.ts';

ruleTester('unknown-endpoint', {
  valid: [
    { name: 'live path', code: 'Call /v1/mint-oidc-jwt.\n' },
    { name: 'live path with a concrete parameter', code: 'GET /v1/auth/email/status/abc123\n' },
    { name: 'live path with its template', code: 'GET /v1/auth/email/status/{request_id}\n' },
    { name: 'retired path is the other rule', code: 'POST /v1/mint-aws-creds\n' },
    { name: 'inside a URL', code: 'https://broker.example.com/v1/grant/list?owner=x\n' },
    { name: 'sentence states the removal', code: '/v1/grants was removed long ago.\n' },
    { name: 'a prefix of live paths, as a wildcard', code: 'The `/v1/grant/*` routes need a bearer.\n' },
    { name: 'a wildcard over a templated path', code: 'See /v1/auth/email/status/* for polling.\n' },
    { name: 'a wildcard standing for a deeper rest', code: 'Every `/v1/auth/**` route signs in.\n' },
    { name: 'a wildcard segment in the middle', code: 'Both /v1/*/list and /v1/*/revoke exist.\n' },
    {
      name: 'a TypeScript template segment for a {param}',
      file: 'code/a.ts',
      code: 'export const poll = (id: string) => `${base}/v1/auth/email/status/${id}`;\n',
    },
    {
      name: 'a template expression inside a segment',
      file: 'code/a.ts',
      code: 'export const mint = (kind: string) => `/v1/mint-${kind}-jwt`;\n',
    },
  ],
  invalid: [
    {
      name: 'unknown path',
      code: 'Call /v1/grants/export now.\n',
      errors: [
        {
          messageId: 'unknown',
          line: 1,
          column: 6,
          data: { path: '/v1/grants/export' },
          severity: 'warning',
        },
      ],
    },
    {
      name: 'longer than a live path',
      code: 'Call `/v1/mint-oidc-jwt/refresh`.\n',
      errors: [{ messageId: 'unknown', line: 1, column: 7, data: { path: '/v1/mint-oidc-jwt/refresh' } }],
    },
    {
      name: 'in code',
      file: 'code/a.ts',
      code: "export const p = '/v1/wallets';\n",
      errors: [{ messageId: 'unknown', line: 1, column: 19 }],
    },
    {
      name: 'a wildcard no live path continues',
      code: 'The `/v1/wallets/*` routes.\n',
      errors: [{ messageId: 'unknownPrefix', line: 1, column: 6, data: { path: '/v1/wallets/*' } }],
    },
    {
      name: 'a wildcard after a whole live path (nothing lies under it)',
      code: 'Under /v1/grant/list/* nothing.\n',
      errors: [{ messageId: 'unknownPrefix', line: 1, column: 7, data: { path: '/v1/grant/list/*' } }],
    },
    {
      name: 'a middle wildcard whose last segment no route has',
      code: 'Call /v1/*/export.\n',
      errors: [{ messageId: 'unknownPrefix', line: 1, column: 6, data: { path: '/v1/*/export' } }],
    },
    {
      name: 'a template path with a segment the contract lacks',
      file: 'code/a.ts',
      code: 'export const u = (id: string) => `/v1/grants/${id}/export`;\n',
      errors: [{ messageId: 'unknown', line: 1, column: 35, data: { path: '/v1/grants/${id}/export' } }],
    },
    {
      name: 'a template path one segment longer than the live one',
      file: 'code/a.ts',
      code: 'export const u = (id: string) => `/v1/auth/email/status/${id}/extra`;\n',
      errors: [{ messageId: 'unknown', line: 1, column: 35 }],
    },
    {
      name: 'a documented {param} where the contract has only concrete paths',
      code: 'GET /v1/grant/{grant_id}\n',
      errors: [{ messageId: 'unknown', line: 1, column: 5, data: { path: '/v1/grant/{grant_id}' } }],
    },
    {
      name: 'a template segment after a path without parameters',
      file: 'code/a.ts',
      code: 'export const u = (id: string) => `/v1/mint-oidc-jwt/${id}`;\n',
      errors: [{ messageId: 'unknown', line: 1, column: 35, data: { path: '/v1/mint-oidc-jwt/${id}' } }],
    },
  ],
});
