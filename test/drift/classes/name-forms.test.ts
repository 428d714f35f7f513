// Issue class: retired files named by bare name or test stem, not only by path. The fixture registry
// retires crates/…/src/handlers/mint.rs, the test file crates/…/tests/grant_flow.rs, the symbol mint_v2
// (alias MintV2Handler) and crates/…/src/state.rs with `match: exact`.
import { ruleTester } from '../helpers.ts';

const gone = (line: number, column: number, surface: string) => ({
  messageId: 'retiredNoReplacement',
  line,
  column,
  data: { surface },
});
const MINT = 'crates/agentkeys-broker-server/src/handlers/mint.rs';
const FLOW = 'crates/agentkeys-broker-server/tests/grant_flow.rs';

ruleTester('retired-reference', {
  valid: [
    {
      name: 'the name under another folder is another file',
      code: 'See `other/mint.rs` and `a/b/mint.rs`.\n',
    },
    { name: 'a longer file name', code: 'The `remint.rs` and `mint.rsx` files, and `mint.rs.bak`.\n' },
    { name: 'a longer identifier than the stem', code: 'The grant_flow_v2 suite and my_grant_flow.\n' },
    { name: 'match: exact keeps a common name out', code: 'Every crate has a `state.rs`.\n' },
    { name: 'a bare name in a retirement note', code: 'The old mint.rs was deleted in PR #96.\n' },
    {
      name: 'a stem in a Rust comment that says it was removed',
      file: 'code/a.rs',
      code: '// grant_flow was removed with the route.\nfn main() {}\n',
    },
    { name: 'a source-code stem of a non-test file does not count', code: 'The mint handler is new.\n' },
  ],
  invalid: [
    {
      name: 'bare file name in prose',
      code: 'This mirrors what mint.rs did.\n',
      errors: [gone(1, 19, MINT)],
    },
    {
      name: 'bare name with a line suffix',
      code: 'The check is at `mint.rs#L125`.\n',
      errors: [gone(1, 18, MINT)],
    },
    {
      name: 'test file by its stem',
      code: 'The grant_flow suite checks this.\n',
      errors: [gone(1, 5, FLOW)],
    },
    {
      name: 'test file by its file name',
      code: 'As grant_flow.rs asserts, grants run out.\n',
      errors: [gone(1, 4, FLOW)],
    },
    {
      name: 'test stem in a command inside a fence',
      code: '```bash\ncargo test --test grant_flow\n```\n',
      errors: [gone(2, 19, FLOW)],
    },
    {
      name: 'bare name in a Rust comment',
      file: 'code/a.rs',
      code: '// Ported from mint.rs.\nfn main() {}\n',
      errors: [gone(1, 16, MINT)],
    },
    { name: 'an alias of a symbol', code: 'Call `MintV2Handler::new()`.\n', errors: [gone(1, 7, 'mint_v2')] },
    {
      name: 'match: exact still matches the path',
      code: 'State lives in `src/state.rs`.\n',
      errors: [gone(1, 17, 'crates/agentkeys-broker-server/src/state.rs')],
    },
  ],
});
