// unknown-endpoint: /v1/… paths checked against the OpenAPI contract and the retired list.
import { ruleTester } from '../helpers.ts';

ruleTester('unknown-endpoint', {
  valid: [
    { name: 'live path', code: 'Call /v1/mint-oidc-jwt.\n' },
    { name: 'live path with a concrete parameter', code: 'GET /v1/auth/email/status/abc123\n' },
    { name: 'live path with its template', code: 'GET /v1/auth/email/status/{request_id}\n' },
    { name: 'retired path is the other rule', code: 'POST /v1/mint-aws-creds\n' },
    { name: 'inside a URL', code: 'https://broker.example.com/v1/grant/list?owner=x\n' },
    { name: 'sentence states the removal', code: '/v1/grants was removed long ago.\n' },
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
  ],
});
