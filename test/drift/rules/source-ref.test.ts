// source-ref: paths, #L lines and ranges, path::symbol and GitHub blob URLs against a checkout or a manifest.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildManifest } from '../../../scripts/drift/index.ts';
import { ruleTester, SOURCE, tempProject } from '../helpers.ts';

const MAIN = 'crates/agentkeys-broker-server/src/main.rs';
const manifestDir = tempProject({}, false);
const manifest = path.join(manifestDir, 'source.json');
writeFileSync(manifest, JSON.stringify(buildManifest(SOURCE)));
const viaManifest = { sources: {}, env: { DRIFT_FIXTURE_SOURCE: '' } };

ruleTester('source-ref', {
  valid: [
    { name: 'line inside the file', code: `\`${MAIN}#L12\`\n` },
    { name: 'range inside the file', code: `\`${MAIN}#L8-L10\`\n` },
    { name: 'suffix path with symbol', code: '`src/main.rs::start` and `main.rs::Config` style refs.\n' },
    { name: 'path:line form', code: `${MAIN}:5 is the struct.\n` },
    {
      name: 'GitHub blob URL',
      code: 'https://github.com/litentry/agentKeys/blob/main/crates/agentkeys-provisioner/src/aws_creds.rs#L2\n',
    },
    {
      name: 'retired files are left to retired-reference',
      code: '`src/handlers/mint.rs#L125` was deleted.\n',
    },
    { name: 'local files are not source refs', code: '`docs/page.md#L1`\n' },
  ],
  invalid: [
    {
      name: 'line past the end',
      code: `See \`${MAIN}#L13\`.\n`,
      errors: [
        {
          messageId: 'lineOutOfRange',
          line: 1,
          column: 6,
          data: { line: 13, lines: 12, source: 'agentkeys' },
        },
      ],
    },
    {
      name: 'range past the end',
      code: `\`${MAIN}#L10-L20\`\n`,
      errors: [{ messageId: 'lineOutOfRange', line: 1, data: { line: 20 } }],
    },
    {
      name: 'missing symbol',
      code: `\`${MAIN}::serve\`\n`,
      errors: [{ messageId: 'missingSymbol', line: 1, data: { symbol: 'serve' } }],
    },
    {
      name: 'missing file under a known top-level folder',
      code: 'crates/agentkeys-broker-server/src/router.rs\n',
      errors: [{ messageId: 'missingFile', line: 1, column: 1 }],
    },
    {
      name: 'GitHub blob URL past the end',
      code: '[c](https://github.com/litentry/agentKeys/blob/main/crates/agentkeys-provisioner/src/aws_creds.rs#L9)\n',
      errors: [{ messageId: 'lineOutOfRange', line: 1, column: 5, data: { line: 9, lines: 2 } }],
    },
    {
      name: 'GitHub URL in another letter case',
      code: 'https://github.com/Litentry/agentkeys/blob/main/crates/agentkeys-provisioner/src/aws_creds.rs#L3\n',
      errors: [{ messageId: 'lineOutOfRange', line: 1, column: 1, data: { line: 3, lines: 2 } }],
    },
    {
      name: 'verified against a manifest made by drift index',
      code: `\`${MAIN}#L40\`\n`,
      options: viaManifest,
      files: {
        'drift.yaml': `include: ["docs/**/*.md"]\nsources:\n  agentkeys:\n    manifest: ${manifest}\n`,
      },
      errors: [{ messageId: 'lineOutOfRange', line: 1, data: { lines: 12 } }],
    },
    {
      name: 'no root and no manifest: unverified info',
      code: `\`${MAIN}#L40\`\n`,
      options: viaManifest,
      errors: [{ messageId: 'unverified', line: 1, severity: 'info' }],
    },
  ],
});
