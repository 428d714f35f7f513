// Issue class: links that work where the file is read. Markdown inside the VitePress source folder is read
// as VitePress renders it; every other Markdown file as GitHub does: a link to an existing folder works
// (GitHub shows the tree), an extension-less link reaches `<name>.md` (links between wiki pages), `/` is the
// repository root, and heading ids are github-slugger's. `markdown:` entries in drift.yaml override by glob.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT, ruleTester } from '../helpers.ts';

const registry = readFileSync(path.join(PROJECT, 'drift.yaml'), 'utf8').replace(
  'include: ["docs/**/*.md", "code/**/*"]',
  'include: ["docs/**/*.md", "code/**/*", "wiki/**/*.md", "*.md"]',
);
const tree = {
  'drift.yaml': registry,
  'crates/x/src/lib.rs': 'pub fn x() {}\n',
  'crates/x/README.md': '# x\n',
  'wiki/Token-Lifetimes.md':
    '# Token lifetimes\n\n### 3.2 Token lifetimes (issue #7)\n\n## Examples\n\n## Examples\n\n## Custom {#custom-id}\n\n<a name="manual"></a>\n',
  'wiki/Home.md': '# Home\n',
};
const overridden = (flavor: string, files: string) => ({
  ...tree,
  'drift.yaml': `${registry}markdown:\n  - files: ["${files}"]\n    flavor: ${flavor}\n`,
});

ruleTester('dead-link', {
  valid: [
    {
      name: 'a folder that exists',
      file: 'wiki/Page.md',
      code: '[x](../crates/x/) [y](../crates/x)\n',
      files: tree,
    },
    {
      name: 'GitHub’s id for a numbered heading',
      file: 'wiki/Page.md',
      code: '[x](Token-Lifetimes.md#32-token-lifetimes-issue-7)\n',
      files: tree,
    },
    {
      name: 'an extension-less wiki link',
      file: 'wiki/Page.md',
      code: '[x](Token-Lifetimes) [h](./Home)\n',
      files: tree,
    },
    {
      name: 'duplicate headings, and a custom id as GitHub shows it',
      file: 'wiki/Page.md',
      code: '[x](Token-Lifetimes#examples-1) [y](Token-Lifetimes#custom-custom-id) [z](Token-Lifetimes#manual)\n',
      files: tree,
    },
    {
      name: 'root-absolute from the repository root',
      file: 'wiki/Page.md',
      code: '[x](/crates/x/README.md)\n',
      files: tree,
    },
    {
      name: 'a README outside the site links a site page by GitHub’s id (which keeps the {#id} text)',
      file: 'README.md',
      code: '[x](docs/guide.md#set-up-keys-v2-keys)\n',
      files: { ...tree, 'docs/guide.md': '# Guide\n\n## Set up keys (v2) {#keys}\n' },
    },
    {
      name: 'a markdown override reads a site page the GitHub way',
      file: 'docs/notes.md',
      code: '[x](../crates/x)\n',
      files: overridden('github', 'docs/notes.md'),
    },
  ],
  invalid: [
    {
      name: 'a folder that does not exist',
      file: 'wiki/Page.md',
      code: '[x](../crates/nope/)\n',
      files: tree,
      errors: [{ messageId: 'missingFile', line: 1, data: { resolved: 'crates/nope' } }],
    },
    {
      name: 'VitePress’s id where GitHub renders another',
      file: 'wiki/Page.md',
      code: '[x](Token-Lifetimes.md#3-2-token-lifetimes-issue-7)\n',
      files: tree,
      errors: [{ messageId: 'missingAnchor', line: 1, suggestion: '#32-token-lifetimes-issue-7' }],
    },
    {
      name: 'a custom {#id}, which GitHub does not know',
      file: 'wiki/Page.md',
      code: '[x](Token-Lifetimes#custom-id)\n',
      files: tree,
      errors: [{ messageId: 'missingAnchor', line: 1, data: { flavor: 'GitHub' } }],
    },
    {
      name: 'a VitePress clean .html link',
      file: 'wiki/Page.md',
      code: '[x](Home.html)\n',
      files: tree,
      errors: [{ messageId: 'missingFile', line: 1 }],
    },
    {
      name: 'an extension-less link to a missing wiki page',
      file: 'wiki/Page.md',
      code: '[x](Missing-Page)\n',
      files: tree,
      errors: [{ messageId: 'missingFile', line: 1 }],
    },
    {
      name: 'a README link by VitePress’s custom id',
      file: 'README.md',
      code: '[x](docs/guide.md#keys)\n',
      files: { ...tree, 'docs/guide.md': '# Guide\n\n## Set up keys (v2) {#keys}\n' },
      errors: [{ messageId: 'missingAnchor', line: 1, data: { flavor: 'GitHub' } }],
    },
    {
      name: 'a markdown override reads a wiki page the VitePress way',
      file: 'wiki/Page.md',
      code: '[x](Token-Lifetimes#32-token-lifetimes-issue-7)\n',
      files: overridden('vitepress', 'wiki/**'),
      errors: [{ messageId: 'missingAnchor', line: 1, data: { flavor: 'VitePress' } }],
    },
  ],
});
