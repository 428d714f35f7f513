// Bad input: binary, invalid UTF-8, a 50 MB file, unreadable entries, a symlink loop, empty and CRLF files.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readText } from '../../scripts/drift/files.ts';
import { check } from '../../scripts/drift/index.ts';
import { markdownRenderer } from '../../scripts/drift/markdown.ts';
import { cleanTemp, tempProject } from './helpers.ts';

afterAll(cleanTemp);

describe('bad input', () => {
  it('skips binary and invalid UTF-8 files with a notice, survives link loops, checks the rest', async () => {
    const root = tempProject({
      'docs/image.md': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x0d, 0x0a]),
      'docs/latin1.md': Buffer.from('caf\xe9 /v1/mint-aws-creds\n', 'latin1'),
      'docs/empty.md': '',
      'docs/crlf.md': '# Title\r\n\r\nFirst line.\r\nCall POST /v1/mint-aws-creds now.\r\n',
      'docs/bom.md': '\ufeffCall mint_v2.\n',
    });
    symlinkSync('loop-b.md', path.join(root, 'docs/loop-a.md'));
    symlinkSync('loop-a.md', path.join(root, 'docs/loop-b.md'));
    symlinkSync('missing-target.md', path.join(root, 'docs/dangling.md'));
    const loopDir = path.join(root, 'docs/loopdir');
    mkdirSync(loopDir);
    symlinkSync('..', path.join(loopDir, 'up'));
    const r = await check({ root });
    const notices = Object.fromEntries(r.notices.map((n) => [n.file, n.message]));
    expect(notices['docs/image.md']).toMatch(/binary/);
    expect(notices['docs/latin1.md']).toMatch(/not valid UTF-8/);
    // The folder loop is walked once: files reached again through it are named, not checked twice.
    expect(notices['docs/loopdir/up/crlf.md']).toMatch(
      /same file as docs\/crlf\.md, reached through a symbolic link/,
    );
    expect(r.findings.filter((f) => f.file.includes('loopdir'))).toEqual([]);
    const found = r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.rule}`);
    expect(found).toContain('docs/crlf.md:4:6 retired-reference');
    expect(found).toContain('docs/bom.md:1:6 retired-reference');
    expect(found.filter((f) => f.startsWith('docs/empty.md'))).toEqual([]);
  });

  it('scans a 50 MB file line by line and finds a mention near its end', async () => {
    const line = 'Operators read this sentence about the broker and its OIDC issuer configuration.\n';
    const body = line.repeat(Math.ceil((50 * 1024 * 1024) / line.length));
    const root = tempProject({ 'docs/huge.md': `${body}Call POST /v1/mint-aws-creds.\n` });
    const r = await check({ root });
    expect(r.notices.find((n) => n.file === 'docs/huge.md')?.message).toMatch(/larger than 5 MB/);
    const lines = body.split('\n').length;
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      `docs/huge.md:${lines} retired-reference`,
    ]);
  }, 60_000);

  it('an unreadable file is a notice (tests run as root: a read error is injected by naming a folder)', () => {
    const root = tempProject({});
    expect(readText(path.join(root, 'docs'))).toEqual({ notice: 'skipped: cannot read (is a folder)' });
    expect(readText(path.join(root, 'docs/none.md'))).toEqual({
      notice: expect.stringMatching(/cannot read \(missing/),
    });
    symlinkSync('self.md', path.join(root, 'docs/self.md'));
    expect(readText(path.join(root, 'docs/self.md'))).toEqual({
      notice: 'skipped: cannot read (symbolic link loop)',
    });
  });

  it('a page the Markdown renderer fails on is searched as plain text, with a notice', async () => {
    const root = tempProject({ 'docs/a.md': '# A\n\nCall mint_v2.\n' });
    const md = await markdownRenderer(path.join(root, 'docs'));
    const spy = vi.spyOn(md, 'parse').mockImplementationOnce(() => {
      throw new Error('injected parser failure');
    });
    try {
      const r = await check({ root });
      expect(r.notices).toEqual([
        {
          file: 'docs/a.md',
          message: expect.stringMatching(/parsed as plain text: .*injected parser failure/),
        },
      ]);
      expect(r.findings.map((f) => `${f.line}:${f.column} ${f.rule}`)).toEqual(['3:6 retired-reference']);
    } finally {
      spy.mockRestore();
    }
  });

  it('a narrowed path outside the includes gets a notice, not a crash', async () => {
    const root = tempProject({ 'other/a.md': 'mint_v2\n' });
    writeFileSync(path.join(root, 'docs/a.md'), '# ok\n');
    const r = await check({ root, paths: ['other/a.md'], cwd: root });
    expect(r.findings).toEqual([]);
    expect(r.notices[0]?.message).toMatch(/does not include this file/);
  });
});
