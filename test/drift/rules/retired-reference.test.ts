// retired-reference: table-driven cases over every surface kind and exemption.
import { ruleTester } from '../helpers.ts';

const retired = (line: number, column: number, surface: string) => ({
  messageId: 'retired',
  line,
  column,
  data: { surface },
});
const gone = (line: number, column: number, surface: string) => ({
  messageId: 'retiredNoReplacement',
  line,
  column,
  data: { surface },
});

ruleTester('retired-reference', {
  valid: [
    { name: 'live endpoint', code: 'Call `POST /v1/mint-oidc-jwt`.\n' },
    { name: 'longer path is not a match', code: 'The `/v1/mint-aws-creds-v2` route.\n' },
    { name: 'path segment continues', code: 'See /v1/mint-aws-creds/extra and /v1/mint-aws-creds.json.\n' },
    { name: 'other method than the retired one', code: 'GET /v1/mint-aws-creds answers 405.\n' },
    { name: 'retirement note: removed', code: 'POST /v1/mint-aws-creds was removed in PR #96.\n' },
    { name: 'retirement note: returns 404', code: 'The old /v1/mint-aws-creds returns 404 now.\n' },
    { name: 'retirement note: replaced by', code: '`/v1/mint-aws-creds`, replaced by the OIDC flow.\n' },
    { name: 'retirement note spans lines', code: 'The handler `mint_v2`\nwas deleted with the route.\n' },
    { name: 'table row with a note', code: '| a | b |\n|---|---|\n| `mint_v2` | retired |\n' },
    { name: 'retired container', code: '::: retired\nPOST /v1/mint-aws-creds minted keys.\n:::\n' },
    { name: 'historical file', file: 'docs/archived/x.md', code: 'POST /v1/mint-aws-creds minted keys.\n' },
    { name: 'symbol as part of a longer name', code: 'The test `mint_v2_flow` and `remint_v2`.\n' },
    { name: 'the stem of a file that is not a test', code: 'A local `mint` module in another crate.\n' },
    { name: 'file under another folder', code: 'See `other/mint.rs` and `handlers/mint.rsx`.\n' },
    { name: 'env var as part of a longer name', code: 'BROKER_REQUIRE_EXPLICIT_GRANTS is different.\n' },
    { name: 'header inside a longer header', code: 'X-Idempotency-Key-Hash is another header.\n' },
    {
      name: 'directive suppresses',
      code: '<!-- drift-ignore-next-line quoting the changelog -->\nPOST /v1/mint-aws-creds minted keys.\n',
    },
    { name: 'code comment note', file: 'code/a.ts', code: '// mint_v2 is gone since PR #96.\nexport {};\n' },
  ],
  invalid: [
    {
      name: 'prose with method',
      code: 'Use POST /v1/mint-aws-creds for keys.\n',
      errors: [retired(1, 5, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'path only',
      code: 'Use /v1/mint-aws-creds.\n',
      errors: [retired(1, 5, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'inside a URL with a query',
      code: 'Open https://host.example/v1/mint-aws-creds?x=1 now.\n',
      errors: [retired(1, 26, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'templated retired path with a concrete value',
      code: 'Poll GET /v1/legacy/42/status.\n',
      errors: [retired(1, 6, 'GET /v1/legacy/{id}/status')],
    },
    {
      name: 'templated retired path with :param',
      code: 'Poll /v1/legacy/:id/status.\n',
      errors: [retired(1, 6, 'GET /v1/legacy/{id}/status')],
    },
    {
      name: 'heading',
      code: '# Title\n\n## Calling /v1/mint-aws-creds\n',
      errors: [retired(3, 12, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'curl in a fence, one line at a time',
      code: 'The route was removed.\n\n```bash\n# old way\ncurl -X POST $URL/v1/mint-aws-creds\n```\n',
      errors: [retired(5, 18, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'live sentence next to a retirement note',
      code: 'The old route was removed. Clients call /v1/mint-aws-creds.\n',
      errors: [retired(1, 41, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'file by full path and suffix, with #L and ::symbol',
      code: '`crates/agentkeys-broker-server/src/handlers/mint.rs#L125`, `src/handlers/mint.rs::run`, `handlers/mint.rs`.\n',
      errors: [
        gone(1, 2, 'crates/agentkeys-broker-server/src/handlers/mint.rs'),
        gone(1, 62, 'crates/agentkeys-broker-server/src/handlers/mint.rs'),
        gone(1, 91, 'crates/agentkeys-broker-server/src/handlers/mint.rs'),
      ],
    },
    {
      name: 'link target',
      code: '[handler](../crates/agentkeys-broker-server/src/handlers/mint.rs#L125)\n',
      errors: [gone(1, 14, 'crates/agentkeys-broker-server/src/handlers/mint.rs')],
    },
    { name: 'symbol', code: 'Call `mint_v2()`.\n', errors: [gone(1, 7, 'mint_v2')] },
    {
      name: 'env var with a note from the registry',
      code: 'export BROKER_REQUIRE_EXPLICIT_GRANT=true\n',
      errors: [
        {
          ...gone(1, 8, 'BROKER_REQUIRE_EXPLICIT_GRANT'),
          data: { note: '; nothing consumes grants at mint time' },
        },
      ],
    },
    {
      name: 'header, any case',
      code: 'Send idempotency-key: 1 and IDEMPOTENCY-KEY.\n',
      errors: [retired(1, 6, 'Idempotency-Key'), retired(1, 29, 'Idempotency-Key')],
    },
    { name: 'term', code: 'Assume agentkeys-agent.\n', errors: [retired(1, 8, 'agentkeys-agent')] },
    {
      name: 'TypeScript comment',
      file: 'code/a.ts',
      code: 'export const a = 1;\n// Calls mint_v2 on the broker.\n',
      errors: [gone(2, 10, 'mint_v2')],
    },
    {
      name: 'Rust doc comment',
      file: 'code/a.rs',
      code: '/// Forwards to /v1/mint-aws-creds.\npub fn f() {}\n',
      errors: [retired(1, 17, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'YAML comment',
      file: 'code/a.yaml',
      code: 'a: 1 # set BROKER_REQUIRE_EXPLICIT_GRANT\n',
      errors: [gone(1, 12, 'BROKER_REQUIRE_EXPLICIT_GRANT')],
    },
    {
      name: 'expired directive no longer suppresses',
      code: '<!-- drift-ignore-next-line until the rename until=2026-01-01 -->\nCall mint_v2.\n',
      errors: [gone(2, 6, 'mint_v2')],
    },
  ],
});
