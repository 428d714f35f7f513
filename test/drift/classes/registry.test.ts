// Issue classes: the checker's own registry, and a YAML trap in it. The registry the run was given
// (drift.yaml, or --config) is never checked as a page, whatever the globs say: every entry would report
// itself. Other files that hold the same words are checked as usual. A value that YAML cuts short at a
// ` #` comment which reads like a reference (`removed: PR #96` is "PR") is a notice naming the line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProject, cleanTemp, PROJECT, tempProject } from '../helpers.ts';

afterAll(cleanTemp);

const registry = readFileSync(path.join(PROJECT, 'drift.yaml'), 'utf8');
const withYaml = registry.replace(
  'include: ["docs/**/*.md", "code/**/*"]',
  'include: ["docs/**/*.md", "code/**/*", "**/*.yaml", "*.yaml"]',
);
const files = (result: Awaited<ReturnType<typeof checkProject>>) => [
  ...new Set(result.findings.filter((f) => f.rule === 'retired-reference').map((f) => f.file)),
];

describe('the registry is never checked as a page', () => {
  it.each([
    ['included by **/*.yaml', { 'drift.yaml': withYaml }, {}],
    [
      'included by name',
      { 'drift.yaml': registry.replace('"code/**/*"]', '"code/**/*", "drift.yaml"]') },
      {},
    ],
    [
      'given with --config and included',
      { 'other.yaml': withYaml, 'drift.yaml': 'include: [x]\n' },
      { config: 'other.yaml' },
    ],
    ['narrowed to it on the command line', { 'drift.yaml': withYaml }, { paths: ['drift.yaml'] }],
    [
      'with the registry in a subfolder of the root',
      { 'conf/drift.yaml': withYaml.replace(/live\//g, '../live/') },
      { config: 'conf/drift.yaml' },
    ],
  ])('%s', async (_name, written, options) => {
    const root = tempProject(written);
    const r = await checkProject(root, { cwd: root, ...options });
    expect(files(r).filter((f) => f.endsWith('drift.yaml') || f.endsWith('other.yaml'))).toEqual([]);
    if ((options as { paths?: string[] }).paths)
      expect(r.notices.map((n) => `${n.file}: ${n.message}`)).toContain(
        'drift.yaml: not checked: the registry the run reads is never checked as a page',
      );
  });

  it.each([
    [
      'a copy of the registry',
      { 'drift.yaml': withYaml, 'docs/registry-copy.yaml': registry },
      {},
      'docs/registry-copy.yaml',
    ],
    [
      'drift.yaml when the run reads another registry',
      { 'other.yaml': withYaml, 'drift.yaml': registry },
      { config: 'other.yaml' },
      'drift.yaml',
    ],
    [
      'another YAML file naming a retired surface',
      { 'drift.yaml': withYaml, 'code/deploy.yaml': 'env:\n  BROKER_REQUIRE_EXPLICIT_GRANT: "true"\n' },
      {},
      'code/deploy.yaml',
    ],
    [
      'a drift.yaml of another folder',
      { 'drift.yaml': withYaml, 'code/sub/drift.yaml': registry },
      {},
      'code/sub/drift.yaml',
    ],
    [
      'a page quoting an entry',
      { 'drift.yaml': withYaml, 'docs/notes.md': '- symbol: mint_v2\n' },
      {},
      'docs/notes.md',
    ],
  ])('still checks %s', async (_name, written, options, file) => {
    const root = tempProject(written);
    const r = await checkProject(root, { cwd: root, ...options });
    expect(files(r)).toContain(file);
  });
});

describe('a value YAML cuts short at a comment', () => {
  const notices = async (text: string, file = 'drift.yaml') => {
    const root = tempProject({ [file]: text });
    const r = await checkProject(root);
    return r.notices.filter((n) => n.line !== undefined).map((n) => `${n.file}:${n.line} ${n.message}`);
  };
  /** The registry with one more retired entry, first in the list. */
  const entry = (removed: string, key = 'removed') =>
    registry.replace(
      'retired:\n',
      `retired:\n  - symbol: old_thing\n    description: Gone.\n    replacement: none\n    ${key}: ${removed}\n`,
    );
  const line = registry.split('\n').indexOf('retired:') + 5;

  it.each([
    [
      'removed: PR #96',
      entry('PR #96'),
      `"PR" ends where a comment starts, so "#96" is dropped; quote it: "PR #96"`,
    ],
    [
      'spaces before the comment',
      entry('PR    #96'),
      `"PR" ends where a comment starts, so "#96" is dropped; quote it: "PR #96"`,
    ],
    ['a reference with more after it', entry('PR #96 (closes #72)'), `quote it: "PR #96 (closes #72)"`],
    [
      'a description cut at an issue number',
      registry.replace('retired:\n', 'retired:\n  - env: OLD_X\n    description: see issue #7\n'),
      `quote it: "see issue #7"`,
    ],
  ])('%s: a notice on the line, suggesting quotes', async (_name, text, message) => {
    const found = await notices(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^drift\.yaml:\d+ the value /);
    expect(found[0]).toContain(message);
    if (_name !== 'a description cut at an issue number')
      expect(found[0]).toMatch(new RegExp(`^drift\\.yaml:${line} `));
  });

  it('in the env reference too', async () => {
    const env = readFileSync(path.join(PROJECT, 'live/env.yaml'), 'utf8');
    const found = await notices(
      `${env}# trailing\nextra:\n  - name: X_Y\n    note: fixed in #12\n`,
      'live/env.yaml',
    );
    expect(found).toEqual([
      expect.stringMatching(/^live\/env\.yaml:\d+ the value "fixed in" ends where a comment starts/),
    ]);
  });

  it.each([
    ['double quotes', entry('"PR #96"')],
    ['single quotes', entry("'PR #96'")],
    ['no blank before #', entry('PR#96')],
    ['a comment that is not a reference', entry('PR 96  # merged in May')],
    ['a comment on its own line', entry('"PR 96"\n    # see #96')],
    ['a block scalar', entry('>-\n      PR #96')],
  ])('%s: no notice', async (_name, text) => {
    expect(await notices(text)).toEqual([]);
  });
});
