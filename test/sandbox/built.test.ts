// The sandbox's bin runs the plain-JavaScript build of `npm run build` while every source it was made from is
// unchanged, and the TypeScript sources otherwise; both answer alike.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { changedSource } from '../../bin/built.mjs';
import { REPO_ROOT } from '../../scripts/sandbox/start.ts';

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-built-'));
  temps.push(dir);
  return dir;
}

async function run(bin: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: REPO_ROOT });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (error) {
    const r = error as { code: number; stdout: string; stderr: string };
    return { code: r.code, out: r.stdout + r.stderr };
  }
}

describe('which code the sandbox runs', () => {
  it('the build this run made is current', () => {
    expect(changedSource()).toBeUndefined();
  });

  it('a source changed or removed after the build, or no record of the build, makes it out of date', () => {
    const root = temp();
    mkdirSync(join(root, 'src'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'src/a.ts'), '');
    writeFileSync(join(root, 'src/b.ts'), '');
    const builtAt = Date.now();
    const past = new Date(builtAt - 60_000);
    utimesSync(join(root, 'src/a.ts'), past, past);
    utimesSync(join(root, 'src/b.ts'), past, past);
    const record = (inputs: string[]) =>
      writeFileSync(join(root, 'dist/sources.json'), JSON.stringify({ builtAt, inputs }));

    record(['src/a.ts', 'src/b.ts']);
    expect(changedSource(join(root, 'dist'), root)).toBeUndefined();
    const later = new Date(builtAt + 1_000);
    utimesSync(join(root, 'src/b.ts'), later, later);
    expect(changedSource(join(root, 'dist'), root)).toBe('src/b.ts');
    record(['src/a.ts', 'src/gone.ts']);
    expect(changedSource(join(root, 'dist'), root)).toBe('src/gone.ts');
    rmSync(join(root, 'dist/sources.json'));
    expect(changedSource(join(root, 'dist'), root)).toBe('dist/sandbox/sources.json');
  });

  // A copy of the bin beside a build whose entry point only says it ran; the sources are the repository's.
  function checkout(builtAt: number): string {
    const root = temp();
    mkdirSync(join(root, 'bin'));
    for (const file of ['agentkeys-sandbox.mjs', 'built.mjs'])
      copyFileSync(join(REPO_ROOT, 'bin', file), join(root, 'bin', file));
    for (const link of ['scripts', 'node_modules'])
      symlinkSync(join(REPO_ROOT, link), join(root, link), 'dir');
    mkdirSync(join(root, 'dist/sandbox'), { recursive: true });
    writeFileSync(
      join(root, 'dist/sandbox/binary-args.mjs'),
      "process.stdout.write('the build ran\\n');\nexport const isBinaryInvocation = () => process.exit(0);\n",
    );
    writeFileSync(
      join(root, 'dist/sandbox/sources.json'),
      JSON.stringify({ builtAt, inputs: ['scripts/sandbox/cli.ts'] }),
    );
    return join(root, 'bin/agentkeys-sandbox.mjs');
  }

  it('runs the build while it is current', async () => {
    expect(await run(checkout(Date.now() + 60_000), ['--help'])).toEqual({
      code: 0,
      out: 'the build ran\n',
    });
  });

  it('runs the sources once one of them is newer than the build', async () => {
    const r = await run(checkout(0), ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: npm run sandbox/);
  });
});

describe('the built sandbox answers like its sources', () => {
  const tsx = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
  it.each([
    ['--help', ['--help']],
    ['a usage error', ['--broker-port', 'eighty']],
    ["the broker binary's help", ['serve', '--help']],
  ])('%s', async (_, args) => {
    const [built, sources] = await Promise.all([
      run(join(REPO_ROOT, 'bin/agentkeys-sandbox.mjs'), args),
      run(tsx, ['scripts/sandbox/cli.ts', ...args]),
    ]);
    expect(built).toEqual(sources);
    expect(built.out.length).toBeGreaterThan(20);
  });

  it('keygen from the build writes the key file the sources write', async () => {
    const dir = temp();
    const built = await run(join(REPO_ROOT, 'bin/agentkeys-sandbox.mjs'), [
      'keygen',
      '--purpose',
      'oidc',
      '--out',
      join(dir, 'oidc.json'),
    ]);
    expect(built.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'oidc.json'), 'utf8')).purpose).toBe('oidc');
  });
});
