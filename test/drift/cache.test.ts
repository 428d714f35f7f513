// --cache: a second run over an unchanged tree answers from the cache, and after any edit the cached run
// reports exactly what a cold run reports. Checked on a copy of the fixture project (pages, code, links,
// directives, a source tree), edit by edit.
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFile, cacheKey, readCache } from '../../scripts/drift/cache.ts';
import type { CheckResult } from '../../scripts/drift/index.ts';
import { checkProject, PROJECT, runCli } from './helpers.ts';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function copy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-cache-'));
  temps.push(dir);
  cpSync(PROJECT, dir, { recursive: true });
  return dir;
}

const shape = (r: CheckResult) => ({
  findings: r.findings,
  notices: r.notices,
  files: r.summary.files,
});

describe('the results cache', () => {
  const root = copy();
  const cache = path.join(root, 'cache/results.json');
  const cached = () => checkProject(root, { cache: true, cacheLocation: cache, cwd: root });
  const cold = () => checkProject(root, { cwd: root });
  const edit = (rel: string, change: (t: string) => string) => {
    const file = path.join(root, rel);
    const before = readFileSync(file, 'utf8');
    const after = change(before);
    expect(after).not.toBe(before);
    writeFileSync(file, after);
  };

  it('a second run over the unchanged tree gives the cold result and leaves the cache as it was', async () => {
    const first = await cached();
    expect(existsSync(cache)).toBe(true);
    const written = statSync(cache).mtimeMs;
    const second = await cached();
    expect(shape(second)).toEqual(shape(first));
    expect(shape(second)).toEqual(shape(await cold()));
    expect(statSync(cache).mtimeMs).toBe(written);
    expect(second.findings.length).toBeGreaterThan(10);
  });

  it.each([
    ['a page gains a stale line', 'docs/notes.md', (t: string) => `${t}\nCall mint_v2 here.\n`],
    [
      'a heading other pages link to is renamed',
      'docs/target.md',
      (t: string) => t.replace(/^## (.+)$/m, '## Renamed $1'),
    ],
    ['a retirement note loses its cue', 'docs/notes.md', (t: string) => t.replace('is gone', 'is here')],
    ['a code comment changes', 'code/lib.rs', (t: string) => `// mint_v2 calls\n${t}`],
    [
      'a directive is removed',
      'docs/directives.md',
      (t: string) => t.replace(/<!-- drift-ignore-next-line[^>]*-->\n/, ''),
    ],
    [
      'drift.yaml retires one more surface',
      'drift.yaml',
      (t: string) => t.replace('retired:\n', 'retired:\n  - symbol: grant_id\n    removed: "PR #1"\n'),
    ],
    [
      'the OpenAPI contract loses a path',
      'live/openapi.yaml',
      (t: string) => t.replace(/^ {2}\/v1\/grant\/list:[\s\S]*?(?=^ {2}\/|(?![\s\S]))/m, ''),
    ],
  ])('after an edit (%s), the cached run reports what a cold run reports', async (_name, rel, change) => {
    await cached();
    edit(rel, change);
    const warm = await cached();
    expect(shape(warm)).toEqual(shape(await cold()));
  });

  it('after a page is deleted, links to it are dead in the cached run too', async () => {
    await cached();
    rmSync(path.join(root, 'docs/sub/index.md'));
    expect(shape(await cached())).toEqual(shape(await cold()));
  });

  it('a damaged cache file is rebuilt, not trusted', async () => {
    writeFileSync(cache, '{"key": "x", "files": {"docs/notes.md": ');
    expect(shape(await cached())).toEqual(shape(await cold()));
    expect(() => JSON.parse(readFileSync(cache, 'utf8'))).not.toThrow();
  });

  it('expiry of directives follows the day of the run, not of the cache', async () => {
    await cached();
    const later = { cache: true, cacheLocation: cache, cwd: root, today: '2099-01-01' };
    expect(shape(await checkProject(root, later))).toEqual(
      shape(await checkProject(root, { cwd: root, today: '2099-01-01' })),
    );
  });
});

describe('files older than the cache are taken as unchanged by their size, time and inode', () => {
  const root = copy();
  const cache = path.join(root, 'results.json');
  const run = () => checkProject(root, { cache: true, cacheLocation: cache, cwd: root });
  const past = new Date(Date.now() - 3_600_000);
  const age = (rel: string) => utimesSync(path.join(root, rel), past, past);
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(path.join(root, f)).isFile(),
  );

  it('an edit that keeps the size or the time is seen all the same', async () => {
    for (const f of files) age(f);
    await run();
    expect(shape(await run())).toEqual(shape(await checkProject(root, { cwd: root })));
    // Same size, new time.
    const notes = path.join(root, 'docs/notes.md');
    writeFileSync(notes, readFileSync(notes, 'utf8').replace('is gone', 'is here'));
    expect(shape(await run())).toEqual(shape(await checkProject(root, { cwd: root })));
    // Old time, new size.
    const lib = path.join(root, 'code/lib.rs');
    writeFileSync(lib, `// mint_v2 calls\n${readFileSync(lib, 'utf8')}`);
    age('code/lib.rs');
    expect(shape(await run())).toEqual(shape(await checkProject(root, { cwd: root })));
  });
});

describe('where the cache lives', () => {
  it('by default under the root’s node_modules/.cache', async () => {
    const root = copy();
    const r = await runCli(['--cache', '--format', 'json'], root);
    expect(r.code).toBe(1);
    expect(existsSync(path.join(root, 'node_modules/.cache/agentkeys-drift/drift-cache.json'))).toBe(true);
  });

  it('a cache file among the checked files is never checked itself', async () => {
    const root = copy();
    const args = ['--cache-location', 'code/results.json', '--format', 'json'];
    const first = JSON.parse((await runCli(args, root)).stdout);
    expect(existsSync(path.join(root, 'code/results.json'))).toBe(true);
    const second = JSON.parse((await runCli(args, root)).stdout);
    expect(second.summary.files).toBe(first.summary.files);
    expect(second.findings.some((f: { file: string }) => f.file === 'code/results.json')).toBe(false);
  });

  it('--cache-location takes a file, or a folder to hold drift-cache.json', () => {
    expect(cacheFile(undefined, '/r', '/w')).toBe('/r/node_modules/.cache/agentkeys-drift/drift-cache.json');
    expect(cacheFile('c.json', '/r', '/w')).toBe('/w/c.json');
    expect(cacheFile('tmp/', '/r', '/w')).toBe('/w/tmp/drift-cache.json');
    expect(cacheFile(tmpdir(), '/r', '/w')).toBe(path.join(tmpdir(), 'drift-cache.json'));
  });

  it('--cache-location asks for the cache by itself', async () => {
    const root = copy();
    await runCli(['--cache-location', 'here.json', '--format', 'json'], root);
    expect(existsSync(path.join(root, 'here.json'))).toBe(true);
  });

  it('entries are kept under a key of the checker, the config and the registries', () => {
    expect(cacheKey(['a', 'b'])).toBe(cacheKey(['a', 'b']));
    expect(cacheKey(['a', 'b'])).not.toBe(cacheKey(['a', 'c']));
    expect(cacheKey(['a', undefined])).not.toBe(cacheKey(['a', '']));
    expect(readCache('/nonexistent/cache.json', 'k').entries.size).toBe(0);
  });
});
