// Issue class: cue words the checker did not know. The vocabulary file (scripts/drift/vocabulary.yaml)
// holds them as data; drift.yaml extends it (terms.retirement, terms.pending) or replaces the retirement
// list (retirementWords). Words that only look like cues stay findings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cueMatcher, vocabulary } from '../../../scripts/drift/vocabulary.ts';
import { PROJECT, REPO, ruleTester } from '../helpers.ts';

const gone = (line: number, column: number, surface: string) => ({
  messageId: 'retiredNoReplacement',
  line,
  column,
  data: { surface },
});
const fixtureConfig = readFileSync(path.join(PROJECT, 'drift.yaml'), 'utf8');
/** The fixture registry with `terms` as a map that extends the vocabulary. */
const extended = fixtureConfig.replace(
  /^terms:\n[\s\S]*$/m,
  'terms:\n  retirement: [went dark]\n  pending: [on the chopping block]\n',
);
const replaced = `${fixtureConfig}retirementWords: [sunsetted]\n`;

ruleTester('retired-reference', {
  valid: [
    { name: 'now-deleted', code: 'The now-deleted `mint_v2` checked grants.\n' },
    { name: 'disappeared with', code: '`mint_v2` disappeared with the route.\n' },
    { name: 'is gone', code: 'The caller of `mint_v2` is gone.\n' },
    { name: 'were dropped with the route', code: '`mint_v2` and its tests were dropped with the route.\n' },
    { name: '✅ Done in PR #96', code: '- ✅ Done in PR #96: `mint_v2` and its tests.\n' },
    { name: 'no longer consulted', code: 'The window behind `Idempotency-Key` is no longer consulted.\n' },
    {
      name: 'a word across a comment line break',
      file: 'code/a.rs',
      code: '// mint_v2 is no\n// longer called.\n',
    },
    {
      name: 'a retirement phrase drift.yaml adds',
      code: '`mint_v2` went dark last spring.\n',
      files: { 'drift.yaml': extended },
    },
    {
      name: 'a replaced list still knows its own words',
      code: '`mint_v2` was sunsetted.\n',
      files: { 'drift.yaml': replaced },
    },
  ],
  invalid: [
    {
      name: 'undeleted is not deleted',
      code: '`mint_v2` is undeleted in the fork.\n',
      errors: [gone(1, 2, 'mint_v2')],
    },
    {
      name: 'removable is not removed',
      code: '`mint_v2` handles removable grants.\n',
      errors: [gone(1, 2, 'mint_v2')],
    },
    {
      name: 'is used to is present tense',
      code: '`mint_v2` is used to mint keys.\n',
      errors: [gone(1, 2, 'mint_v2')],
    },
    {
      name: 'non-deprecated',
      code: 'Call the non-deprecated `mint_v2`.\n',
      errors: [gone(1, 26, 'mint_v2')],
    },
    {
      name: 'retirementWords replaces the retirement list',
      code: '`mint_v2` was removed.\n',
      files: { 'drift.yaml': replaced },
      errors: [gone(1, 2, 'mint_v2')],
    },
    {
      name: 'a pending phrase drift.yaml adds',
      code: '`mint_v2` is on the chopping block.\n',
      files: { 'drift.yaml': extended },
      errors: [{ messageId: 'pendingRemoval', line: 1, column: 2 }],
    },
  ],
});

describe('the vocabulary file', () => {
  const v = vocabulary();
  const m = cueMatcher(v);

  it('holds each phrase once, in one list', () => {
    const all = [...v.retirement, ...v.pending].map((p) => p.toLowerCase());
    expect(all.length).toBe(new Set(all).size);
  });

  it('reads every retirement phrase as past and every pending phrase as pending', () => {
    for (const p of v.retirement) expect(m.cue(`The route ${p} here.`), p).toBe('past');
    for (const p of v.pending) expect(m.cue(`The route ${p} here.`), p).toBe('pending');
  });

  it.each([
    ['will be removed', 'pending'],
    ['was slated for removal', 'pending'],
    ['is not yet removed', 'pending'],
    ['was slated for removal and was removed in PR #96', 'past'],
    ['Retire it. ✅ Done in PR #96', 'past'],
    ['was\n// removed', 'past'],
    ['stays', null],
  ] as const)('"%s" reads as %s', (text, cue) => {
    expect(m.cue(text)).toBe(cue);
  });

  it('finds done marks anywhere, in any case', () => {
    expect(m.done('- [X] Retire it')).toBe(true);
    expect(m.done('Retire it ✅')).toBe(true);
    expect(m.done('- [ ] Retire it')).toBe(false);
  });
});

describe('the reference page', () => {
  it('lists every phrase of the vocabulary file, and no other', () => {
    const page = readFileSync(path.join(REPO, 'docs/reference/drift-rules.md'), 'utf8');
    const section = /^## Retirement vocabulary \{#vocabulary\}$([\s\S]*?)^## /m.exec(page)?.[1] ?? '';
    const listed = (name: string) =>
      [
        ...(new RegExp(`^- \`${name}\` —[\\s\\S]*?(?=^- |^$)`, 'm').exec(section)?.[0] ?? '').matchAll(
          /`([^`]+)`/g,
        ),
      ]
        .map((m) => m[1] as string)
        .slice(1);
    const v = vocabulary();
    expect(listed('retirement')).toEqual(v.retirement);
    expect(listed('pending')).toEqual(v.pending);
    expect(listed('done')).toEqual(v.done);
  });
});
