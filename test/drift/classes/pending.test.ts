// Issue class: future-tense removal of a surface drift.yaml already retired. "Retire X", "X will be
// removed", "- [ ] Delete X" say X still exists: stale, with its own message. A done to-do ([x], ✅) or a
// past-tense phrase makes it a note; historical files stay exempt; a surface that is not retired is not
// this rule's business.
import { ruleTester } from '../helpers.ts';

const pending = (line: number, column: number, surface: string) => ({
  messageId: 'pendingRemoval',
  line,
  column,
  data: { surface },
});

ruleTester('retired-reference', {
  valid: [
    { name: 'a checked to-do', code: '- [x] Retire `/v1/mint-aws-creds`.\n' },
    { name: 'a to-do marked done', code: '- ✅ Retire `mint_v2` and its tests.\n' },
    { name: 'done in the same item', code: '- **Retire `/v1/mint-aws-creds`.** ✅ Done in PR #96.\n' },
    {
      name: 'past tense wins over future in one sentence',
      code: '`mint_v2` was slated for removal and was removed in PR #96.\n',
    },
    { name: 'a plan in a historical file', file: 'docs/archived/plan.md', code: '- [ ] Retire `mint_v2`.\n' },
    { name: 'retiring a surface that is still live', code: '- **Retire `/v1/mint-oidc-jwt`.** Next year.\n' },
    {
      name: 'a checked parent item covers its sub-items',
      code: '- [x] Retire the mint route\n  - delete `mint_v2`\n  - drop `Idempotency-Key`\n',
    },
  ],
  invalid: [
    {
      name: 'a to-do bullet to retire a retired route',
      code: '- **Retire `/v1/mint-aws-creds`.** Handler and tests, pending.\n',
      errors: [pending(1, 13, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'will be removed',
      code: '`mint_v2` will be removed in the next release.\n',
      errors: [pending(1, 2, 'mint_v2')],
    },
    {
      name: 'slated for removal',
      code: 'The `Idempotency-Key` header is slated for removal.\n',
      errors: [pending(1, 6, 'Idempotency-Key')],
    },
    { name: 'an open task', code: '- [ ] Delete `mint_v2`.\n', errors: [pending(1, 15, 'mint_v2')] },
    {
      name: 'a TODO in a Rust comment',
      file: 'code/a.rs',
      code: '// TODO: remove mint_v2 once clients move.\nfn main() {}\n',
      errors: [pending(1, 17, 'mint_v2')],
    },
    {
      name: 'a pending label covers the rest of its blockquote',
      code: '> **Retire `mint_v2`.**\n> Its tests call BROKER_REQUIRE_EXPLICIT_GRANT.\n',
      errors: [pending(1, 13, 'mint_v2'), pending(2, 18, 'BROKER_REQUIRE_EXPLICIT_GRANT')],
    },
  ],
});
