// unknown-env: BROKER_* / AGENTKEYS_* names checked against the env reference and the retired list.
import { ruleTester } from '../helpers.ts';

ruleTester('unknown-env', {
  valid: [
    { name: 'known broker variable', code: 'Set BROKER_OIDC_ISSUER.\n' },
    { name: 'known client variable', code: '`$AGENTKEYS_BROKER_URL/v1/mint-oidc-jwt`\n' },
    { name: 'retired variable is the other rule', code: 'BROKER_REQUIRE_EXPLICIT_GRANT=true\n' },
    { name: 'placeholder in angle brackets', code: 'https://&lt;BROKER_HOST&gt; and `<BROKER_HOST>`\n' },
    { name: 'prefix pattern only', code: 'Every BROKER_* variable.\n' },
    { name: 'lower-case metric name', code: 'agentkeys_broker_mints_total\n' },
  ],
  invalid: [
    {
      name: 'unknown variable',
      code: 'Set BROKER_GRANT_MODE=strict.\n',
      errors: [
        {
          messageId: 'unknown',
          line: 1,
          column: 5,
          data: { name: 'BROKER_GRANT_MODE' },
          severity: 'warning',
        },
      ],
    },
    {
      name: 'in a shell script',
      file: 'code/a.sh',
      code: 'echo "$AGENTKEYS_TOKEN"\n',
      errors: [{ messageId: 'unknown', line: 1, column: 8, data: { name: 'AGENTKEYS_TOKEN' } }],
    },
  ],
});
