// directive: reasons, pairing, expiry and unused directives, in each file's own comment syntax.
import { ruleTester } from '../helpers.ts';

const stale = 'Call mint_v2.';

ruleTester('directive', {
  valid: [
    {
      name: 'next-line with a reason',
      code: `<!-- drift-ignore-next-line quoting the changelog -->\n${stale}\n`,
    },
    { name: 'same line', code: `${stale} <!-- drift-ignore-line quoted from the old README -->\n` },
    {
      name: 'start and end',
      code: `<!-- drift-ignore-start the old README, verbatim -->\n${stale}\n${stale}\n<!-- drift-ignore-end -->\n`,
    },
    {
      name: 'future expiry',
      code: `<!-- drift-ignore-next-line rename pending until=2999-01-01 -->\n${stale}\n`,
    },
    {
      name: 'TypeScript',
      file: 'code/a.ts',
      code: '// drift-ignore-next-line replaying the old call\nmint_v2();\n',
    },
    {
      name: 'Rust doc comment',
      file: 'code/a.rs',
      code: '/// drift-ignore-next-line compat shim\nfn mint_v2() {}\n',
    },
    { name: 'Python', file: 'code/a.py', code: '# drift-ignore-next-line migration test\nmint_v2()\n' },
    { name: 'YAML', file: 'code/a.yaml', code: 'a: mint_v2 # drift-ignore-line old chart value\n' },
    { name: 'TOML', file: 'code/a.toml', code: '# drift-ignore-next-line old value\na = "mint_v2"\n' },
    {
      name: 'Go block comment',
      file: 'code/a.go',
      code: '/* drift-ignore-next-line old symbol */\nvar mint_v2 = 1\n',
    },
    {
      name: 'Vue template comment',
      file: 'code/a.vue',
      code: '<!-- drift-ignore-next-line old label -->\n<p>mint_v2</p>\n',
    },
    { name: 'plain text', file: 'code/a.txt', code: 'mint_v2 drift-ignore-line quoting a log line\n' },
    {
      name: 'a marker inside a string is not a directive',
      file: 'code/b.ts',
      code: "const s = '// drift-ignore-line x';\n",
    },
    {
      name: 'an archived page is not edited for a redundant directive',
      file: 'docs/archived/a.md',
      code: '<!-- drift-ignore-next-line quoted from the log -->\nCall mint_v2.\n',
    },
    {
      name: "another language's syntax is no directive",
      file: 'code/c.py',
      code: '// drift-ignore-next-line x\n',
    },
    {
      name: 'a fence holds directives in its language',
      code: '```ts\n// drift-ignore-next-line demo\nmint_v2();\n```\n',
    },
  ],
  invalid: [
    {
      name: 'missing reason',
      code: `<!-- drift-ignore-next-line -->\n${stale}\n`,
      errors: [
        { messageId: 'missingReason', line: 1, column: 6, data: { kind: 'next-line' }, severity: 'error' },
      ],
    },
    {
      name: 'only an expiry is not a reason',
      code: `<!-- drift-ignore-next-line until=2999-01-01 -->\n${stale}\n`,
      errors: [{ messageId: 'missingReason', line: 1 }],
    },
    {
      name: 'unused',
      code: '<!-- drift-ignore-next-line nothing here -->\nAll fine.\n',
      errors: [{ messageId: 'unused', line: 1, severity: 'warning' }],
    },
    {
      name: 'unclosed start',
      code: `<!-- drift-ignore-start forever -->\n${stale}\n`,
      errors: [{ messageId: 'unclosedStart', line: 1, severity: 'error' }],
    },
    {
      name: 'end without start',
      code: 'Text.\n<!-- drift-ignore-end -->\n',
      errors: [{ messageId: 'unmatchedEnd', line: 2 }],
    },
    {
      name: 'expired',
      code: `<!-- drift-ignore-next-line rename pending until=2026-01-01 -->\n${stale}\n`,
      errors: [{ messageId: 'expired', line: 1, data: { until: '2026-01-01' }, severity: 'warning' }],
    },
    {
      name: 'bad date',
      code: `<!-- drift-ignore-next-line rename until=soon -->\n${stale}\n`,
      errors: [{ messageId: 'badUntil', line: 1, data: { until: 'soon' } }],
    },
    {
      name: 'unused in TypeScript',
      file: 'code/a.ts',
      code: 'export {}; // drift-ignore-line no reason to be here\n',
      errors: [{ messageId: 'unused', line: 1, column: 15 }],
    },
  ],
});
