// An unreadable file (EACCES injected into node:fs: tests run as root, where chmod 000 still reads).
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('node:fs', async (original) => {
  const fs = await original<typeof import('node:fs')>();
  const readFileSync = ((file: Parameters<typeof fs.readFileSync>[0], ...rest: unknown[]) => {
    if (String(file).endsWith(`${path.sep}locked.md`)) {
      throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES' });
    }
    return (fs.readFileSync as (...a: unknown[]) => unknown)(file, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, readFileSync, default: { ...fs, readFileSync } };
});

// Workers share loaded modules between test files: the checker is loaded afresh so that it reads through
// the mock, and the real module is back for the files that run after this one.
vi.resetModules();
const { check } = await import('../../scripts/drift/index.ts');
const { cleanTemp, tempProject } = await import('./helpers.ts');

afterAll(() => {
  cleanTemp();
  vi.doUnmock('node:fs');
  vi.resetModules();
});

describe('unreadable file', () => {
  it('is skipped with a notice while the other files are checked', async () => {
    const root = tempProject({ 'docs/locked.md': 'Call mint_v2.\n', 'docs/open.md': 'Call mint_v2.\n' });
    const r = await check({ root });
    expect(r.notices).toEqual([
      { file: 'docs/locked.md', message: 'skipped: cannot read (permission denied)' },
    ]);
    expect(r.findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      'docs/open.md:1 retired-reference',
    ]);
  });
});
