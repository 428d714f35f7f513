// dead-link: pages, files, anchors as VitePress produces them, snippet includes and #L line links.
import { ruleTester } from '../helpers.ts';

const target = '# Target\n\n## Deep dive\n\n## Deep dive\n\n## Old name {#new-name}\n\n<a id="manual"></a>\n';
const files = { 'docs/target.md': target, 'docs/sub/index.md': '# Sub\n', 'code/run.ts': 'a\nb\nc\n' };

// A generated page: its ids come from a component and the registry its data loader declares, as on the site.
// The checker reads the declaration (`siteLoader('env', …)`) and builds the ids with the registries' own
// view; it never runs a loader, so the one that declares nothing leaves its page unverified.
const generated = {
  '.vitepress/theme/components/Things.vue': [
    '<script setup lang="ts">',
    "import { data } from '../../data/things.data.ts';",
    "import Heading from './Heading.vue';",
    '</script>',
    '<template>',
    '  <Heading id="overview" text="Overview" />',
    '  <section v-for="g in data" :id="g.id" :key="g.id">',
    '    <p v-for="v in g.vars" :id="v.id" :key="v.id">{{ v.name }}</p>',
    '  </section>',
    '</template>',
  ].join('\n'),
  '.vitepress/theme/components/Heading.vue': '<template><h2 :id="id">{{ text }}</h2></template>\n',
  '.vitepress/theme/components/Computed.vue':
    '<template><p v-for="t in 3" :id="\'item-\' + t" /></template>\n',
  '.vitepress/theme/components/Custom.vue':
    '<script setup>\nimport { data } from \'../../data/custom.data.ts\';\n</script>\n<template><p v-for="t in data" :id="t.id" /></template>\n',
  '.vitepress/data/things.data.ts': [
    "import { defineLoader } from 'vitepress';",
    "import { siteLoader } from '../../scripts/registries/index.ts';",
    "export default defineLoader(siteLoader('env', './things.yaml'));",
  ].join('\n'),
  '.vitepress/data/things.yaml': [
    'groups:',
    '  - id: alpha',
    '    title: Alpha',
    '    vars:',
    '      - { name: BROKER_BETA, meaning: b, default: "1", range: any }',
  ].join('\n'),
  // Run, this loader would give the id `gamma`: the checker does not run it, so `#gamma` stays unverified.
  '.vitepress/data/custom.data.ts': "export default { load: () => [{ id: 'gamma' }] };\n",
  'docs/things.md': '# Things\n\n<Things />\n',
  'docs/computed.md': '# Computed\n\n<Computed />\n',
  'docs/custom.md': '# Custom\n\n<Custom />\n',
};

ruleTester('dead-link', {
  valid: [
    { name: 'same-page heading', code: '# Page\n\n## Set up keys\n\n[x](#set-up-keys)\n' },
    { name: 'clean URL', code: '[x](./target)\n', files },
    { name: 'md extension with anchor', code: '[x](target.md#deep-dive)\n', files },
    { name: 'html extension', code: '[x](./target.html#deep-dive)\n', files },
    { name: 'site-absolute', code: '[x](/target#deep-dive)\n', files },
    { name: 'duplicate heading suffix', code: '[x](./target#deep-dive-1)\n', files },
    { name: 'custom id', code: '[x](./target#new-name)\n', files },
    { name: 'html id', code: '[x](./target#manual)\n', files },
    { name: 'folder index', code: '[x](./sub/)\n', files },
    { name: 'non-page file with line', code: '[x](../code/run.ts#L3)\n', files },
    { name: 'snippet include', code: '<<< ../code/run.ts\n', files },
    { name: 'external links are not checked', code: '[x](https://example.com/nope#x) [m](mailto:a@b.c)\n' },
    { name: 'unicode heading', code: '# Ünïcode & Stuff\n\n[x](#unicode-stuff)\n' },
    {
      name: 'id from the registry a data loader declares',
      code: '[x](./things#broker-beta)\n',
      files: generated,
    },
    { name: 'group id from the same registry', code: '[x](./things#alpha)\n', files: generated },
    { name: 'static id inside a component', code: '[x](/things#overview)\n', files: generated },
    {
      name: 'vue-bound href is an expression',
      code: '<a :href="withBase(`/nowhere`)">x</a>\n',
    },
  ],
  invalid: [
    {
      name: 'missing same-page anchor, with a suggestion',
      code: '# Page\n\n## Set up keys\n\n[x](#set-up-key)\n',
      errors: [
        {
          messageId: 'missingAnchor',
          line: 5,
          column: 5,
          data: { anchor: 'set-up-key', page: 'docs/page.md' },
          suggestion: '#set-up-keys',
        },
      ],
    },
    {
      name: 'missing page',
      code: 'Text [x](./missing) end.\n',
      errors: [{ messageId: 'missingPage', line: 1, column: 10, data: { target: './missing' } }],
    },
    {
      name: 'misspelt page, with the nearest page as the suggestion',
      code: '[x](./targte)\n',
      files,
      errors: [
        {
          messageId: 'missingPage',
          line: 1,
          data: { resolved: 'docs/targte.md' },
          suggestion: 'target.md in the same folder',
        },
      ],
    },
    {
      // Two swapped pairs are two edits (four for plain Levenshtein, past the hint's limit of two).
      name: 'page with letters swapped, with the page as the suggestion',
      code: '[x](./tagrte)\n',
      files,
      errors: [
        {
          messageId: 'missingPage',
          line: 1,
          data: { resolved: 'docs/tagrte.md' },
          suggestion: 'target.md in the same folder',
        },
      ],
    },
    {
      name: 'missing file',
      code: '[x](../code/none.ts)\n',
      files,
      errors: [{ messageId: 'missingFile', line: 1, column: 5, data: { resolved: 'code/none.ts' } }],
    },
    {
      name: 'heading text instead of custom id',
      code: '[x](./target#old-name)\n',
      files,
      errors: [{ messageId: 'missingAnchor', line: 1, data: { anchor: 'old-name', page: 'docs/target.md' } }],
    },
    {
      name: 'duplicate suffix past the last duplicate',
      code: '[x](/target#deep-dive-2)\n',
      files,
      errors: [{ messageId: 'missingAnchor', line: 1, data: { anchor: 'deep-dive-2' } }],
    },
    {
      name: 'line past the end of a file',
      code: '\n[x](../code/run.ts#L4)\n',
      files,
      errors: [{ messageId: 'lineOutOfRange', line: 2, column: 5, data: { line: 4, lines: 3 } }],
    },
    {
      name: 'missing snippet',
      code: '# P\n\n<<< ../code/gone.ts\n',
      files,
      errors: [{ messageId: 'missingSnippet', line: 3, column: 4 }],
    },
    {
      name: 'raw HTML link',
      code: '<p><a href="./nowhere.md">x</a></p>\n',
      errors: [{ messageId: 'missingPage', line: 1 }],
    },
    {
      name: 'link in a table cell',
      code: '| a | b |\n|---|---|\n| x | [l](./nope) |\n',
      errors: [{ messageId: 'missingPage', line: 3, column: 11 }],
    },
    {
      name: 'reference-style link, reported at its definition',
      code: 'Use [r][ref].\n\n[ref]: ./nope\n',
      errors: [{ messageId: 'missingPage', line: 3, column: 8 }],
    },
    {
      name: 'still checked in historical pages',
      file: 'docs/archived/old.md',
      code: '[x](./gone)\n',
      errors: [{ messageId: 'missingPage', line: 1 }],
    },
    {
      name: 'id a component and its data loader do not render',
      code: '[x](./things#gamma)\n',
      files: generated,
      errors: [{ messageId: 'missingAnchor', line: 1, data: { anchor: 'gamma', page: 'docs/things.md' } }],
    },
    {
      name: 'a loader that declares no registry is not run: unverified',
      code: '[x](./custom#gamma)\n',
      files: generated,
      errors: [{ messageId: 'anchorUnverified', line: 1, severity: 'info' }],
    },
    {
      name: 'computed ids cannot be known: unverified',
      code: '[x](./computed#item-4)\n',
      files: generated,
      errors: [{ messageId: 'anchorUnverified', line: 1, severity: 'info' }],
    },
    {
      name: 'anchor on a component page is unverified, not an error',
      code: '[x](./api#post-v1-x)\n',
      files: { 'docs/api.md': '# API\n\n<ApiReference />\n' },
      errors: [{ messageId: 'anchorUnverified', line: 1, severity: 'info' }],
    },
  ],
});
