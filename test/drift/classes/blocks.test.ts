// Issue class: a retirement cue on another physical line of the same sentence or block. Sentences run
// across line breaks (hard-wrapped prose, wrapped comments); a label at the head of a block ("**Retired.**",
// "Removed in PR #96:", a container title) speaks for the whole block; one comment block is a run of `//`,
// `///`, `//!` or `#` lines, or one block comment. A block does not excuse a sentence that only sits next to
// a note.
import { ruleTester } from '../helpers.ts';

const gone = (line: number, column: number, surface: string) => ({
  messageId: 'retiredNoReplacement',
  line,
  column,
  data: { surface },
});
const retired = (line: number, column: number, surface: string) => ({
  messageId: 'retired',
  line,
  column,
  data: { surface },
});

ruleTester('retired-reference', {
  valid: [
    {
      name: 'hard-wrapped prose',
      code: 'The handler `mint_v2` served the route and\nwas deleted in PR #96.\n',
    },
    {
      name: 'a blockquote callout labelled on its first line',
      code: '> **Retired.** These gates lived in the old handler:\n> `mint_v2` checked grants. `BROKER_REQUIRE_EXPLICIT_GRANT` gated them.\n',
    },
    {
      name: 'a list labelled by its parent item',
      code: '- **Removed in PR #96:**\n  - `mint_v2`\n  - the `Idempotency-Key` header\n',
    },
    {
      name: 'a container titled as retired',
      code: '::: warning Retired in PR #96\nClients called `POST /v1/mint-aws-creds`.\n:::\n',
    },
    { name: 'a GitHub alert titled as retired', code: '> [!WARNING] Retired\n> `mint_v2` minted keys.\n' },
    {
      name: 'Rust /// doc comment wrapped over lines',
      file: 'code/a.rs',
      code: '/// Dedup store. Originally consumed by\n/// `mint_v2`; after PR #96 the only consumer is gone.\npub struct Store;\n',
    },
    {
      name: 'Rust //! module doc labelled Retired',
      file: 'code/a.rs',
      code: '//! Retired.\n//!\n//! This module held mint_v2 and its grant checks.\npub fn f() {}\n',
    },
    {
      name: 'TypeScript block comment over lines',
      file: 'code/a.ts',
      code: '/**\n * Deprecated: the broker no longer\n * serves /v1/mint-aws-creds.\n */\nexport const a = 1;\n',
    },
    {
      name: 'TypeScript trailing comment continued on the next line',
      file: 'code/a.ts',
      code: 'const calls = 0; // mint_v2 was\n                 // removed in PR #96\nexport { calls };\n',
    },
    {
      name: 'shell comment run',
      file: 'code/a.sh',
      code: '# The mint_v2 call below was\n# dropped with the route in PR #96.\ncurl "$URL/healthz"\n',
    },
    {
      name: 'YAML comment run',
      file: 'code/a.yaml',
      code: 'a: 1\n# BROKER_REQUIRE_EXPLICIT_GRANT was\n# removed in PR #96; keep this line out.\nb: 2\n',
    },
    {
      name: 'a code line read with its own comment',
      file: 'code/a.rs',
      code: 'let url = "/v1/mint-aws-creds"; // returns 404 since PR #96\n',
    },
  ],
  invalid: [
    {
      name: 'a wrapped live sentence after a note',
      code: 'The old route was removed. Clients call\n/v1/mint-aws-creds daily.\n',
      errors: [retired(2, 1, 'POST /v1/mint-aws-creds')],
    },
    {
      name: 'a blockquote whose first sentence is not a label',
      code: '> The old route was removed.\n> Clients still call `mint_v2`.\n',
      errors: [gone(2, 23, 'mint_v2')],
    },
    {
      name: 'Rust /// doc comment with no cue',
      file: 'code/a.rs',
      code: '/// Calls mint_v2\n/// for each grant.\npub fn f() {}\n',
      errors: [gone(1, 11, 'mint_v2')],
    },
    {
      name: 'TypeScript block comment: a note, then a live sentence',
      file: 'code/a.ts',
      code: '/* The old route was removed.\n   Clients still call mint_v2 here. */\nexport {};\n',
      errors: [gone(2, 23, 'mint_v2')],
    },
    {
      name: 'shell: a blank comment line ends the sentence',
      file: 'code/a.sh',
      code: '# mint_v2 handles retries\n#\n# and was removed in PR #96\ntrue\n',
      errors: [gone(1, 3, 'mint_v2')],
    },
    {
      name: 'YAML: two comment blocks, the cue in the other',
      file: 'code/a.yaml',
      code: '# BROKER_REQUIRE_EXPLICIT_GRANT gates grants.\nkey: 1\n# It was removed in PR #96.\n',
      errors: [gone(1, 3, 'BROKER_REQUIRE_EXPLICIT_GRANT')],
    },
    {
      name: 'a list item does not label its siblings',
      code: '- **Removed in PR #96:** the dedup window.\n- `mint_v2` mints keys.\n',
      errors: [gone(2, 4, 'mint_v2')],
    },
  ],
});
