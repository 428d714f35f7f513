// The dev-setup page's marked command blocks: what the executable-documentation test will run.
// Fast on purpose: the dev-setup test runs this file as its nested `npm test` (see dev-setup.test.ts).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractBlocks, firstLocalUrl, MarkerError } from './helpers/devsetup-blocks.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const page = readFileSync(join(repoRoot, 'docs/dev-setup.md'), 'utf8');

const fence = (marker: string, body = 'echo hi') => `${marker}\n\`\`\`sh\n${body}\n\`\`\`\n`;

describe('docs/dev-setup.md marked blocks', () => {
  const blocks = extractBlocks(page);

  it('marks the tutorial in order: install, sandbox, runbook, site, tests, checker', () => {
    expect(blocks.map((b) => b.step)).toEqual([
      'versions',
      'install',
      'sandbox',
      'runbook',
      'flags-npm-kept',
      'dry-run',
      'site',
      'tests',
      'plant',
      'drift-catches',
      'drift-clean',
    ]);
  });

  it('runs the documented commands, not variants of them', () => {
    const script = (step: string) => blocks.find((b) => b.step === step)?.script;
    expect(script('install')).toBe('npm run setup');
    expect(script('sandbox')).toBe('npm run sandbox');
    expect(script('runbook')).toBe('npm run runbook -- stage7');
    expect(script('flags-npm-kept')).toBe('npm run runbook stage7 --dry-run');
    expect(script('dry-run')).toBe('npm run runbook -- stage7 --dry-run');
    expect(script('site')).toBe('npm run docs:dev');
    expect(script('tests')).toBe('npm test');
    expect(script('drift-catches')).toBe('npm run drift -- docs/arch.md');
  });

  it('gives every serve a probe and every skip a reason', () => {
    for (const block of blocks) {
      if (block.expect === 'serves' || block.expect === 'renders') expect(block.probe).toMatch(/^\//);
      if (block.expect === 'skip') expect(block.reason?.length).toBeGreaterThan(10);
    }
  });

  it('promises the site renders in a browser, not only that it answers', () => {
    expect(blocks.find((b) => b.step === 'site')).toMatchObject({ expect: 'renders', probe: '/dev-setup' });
  });

  it('shows flags typed without -- refused (exit 2) and the same flags after -- working', () => {
    expect(blocks.find((b) => b.step === 'flags-npm-kept')).toMatchObject({ expect: 'exit-2' });
    expect(blocks.find((b) => b.step === 'dry-run')).toMatchObject({ expect: 'exit-0' });
  });

  it('promises the checker catches the planted reference, then passes once it is undone', () => {
    const catches = blocks.find((b) => b.step === 'drift-catches');
    expect(catches).toMatchObject({ expect: 'exit-1', shows: 'retired-reference' });
    expect(blocks.find((b) => b.step === 'drift-clean')?.expect).toBe('exit-0');
  });
});

describe('extractBlocks', () => {
  it('reads quoted and bare attributes and the line of the marker', () => {
    const [block] = extractBlocks(
      `intro\n${fence('<!-- devsetup step=a expect=exit-1 shows="two words" -->', 'x\ny')}`,
    );
    expect(block).toEqual({
      step: 'a',
      expect: 'exit-1',
      probe: undefined,
      shows: 'two words',
      reason: undefined,
      script: 'x\ny',
      line: 2,
    });
  });

  it.each([
    ['<!-- devsetup expect=exit-0 -->', /needs step/],
    ['<!-- devsetup step=a expect=maybe -->', /expect= must be one of/],
    ['<!-- devsetup step=a expect=serves -->', /needs probe/],
    ['<!-- devsetup step=a expect=renders -->', /needs probe/],
    ['<!-- devsetup step=a expect=skip -->', /needs reason/],
    ['<!-- devsetup step=a expect=exit-0 colour=red -->', /unknown marker attribute "colour"/],
    ['<!-- devsetup step=a expect=exit-0 stray -->', /cannot read "stray"/],
  ])('refuses %s', (marker, message) => {
    expect(() => extractBlocks(fence(marker))).toThrow(MarkerError);
    expect(() => extractBlocks(fence(marker))).toThrow(message);
  });

  it('refuses a marker that is not directly above a sh fence, or a step marked twice', () => {
    expect(() => extractBlocks('<!-- devsetup step=a expect=exit-0 -->\n\n```sh\nx\n```')).toThrow(
      /directly above/,
    );
    const twice =
      fence('<!-- devsetup step=a expect=exit-0 -->') + fence('<!-- devsetup step=a expect=exit-0 -->');
    expect(() => extractBlocks(twice)).toThrow(/marked twice/);
  });

  it('finds the first local URL a server prints', () => {
    expect(firstLocalUrl('  broker  http://127.0.0.1:40123  issuer http://127.0.0.1:40123')).toBe(
      'http://127.0.0.1:40123',
    );
    expect(firstLocalUrl('➜  Local:   http://localhost:5174/')).toBe('http://localhost:5174');
    expect(firstLocalUrl('no url yet')).toBeUndefined();
  });
});
