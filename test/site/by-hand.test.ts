// The by-hand blocks of the operator runbook and the demo page run, in page order, in one shell each (as an
// operator types them in one terminal), against a sandbox with moto: the run stops at the first non-zero
// exit, every output the page shows must be what the block printed, and no secret reaches a process's
// arguments (the secret canary of the by-hand run: /proc/*/cmdline is read throughout).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, startTestSandbox, type TestSandbox, watchArgv } from '../runbooks/helpers.ts';
import { repoRoot } from './helpers/built-pages.ts';
import { ByHandError, extractByHand, normaliseOutput } from './helpers/by-hand.ts';

const PAGES = ['docs/operator-runbook-stage7.md', 'docs/stage7-demo-and-verification.md'];
/** Shell variables the page's blocks keep secrets in; printed to fd 3 at the end, for the canary only. */
const SECRET_VARIABLES = ['SESSION_JWT', 'OIDC_JWT', 'SIGNATURE', 'AWS_SECRET', 'AWS_TOKEN'];
const MARK = '@@by-hand';

interface PageRun {
  code: number | null;
  /** Output per block id, in order. */
  outputs: Map<string, string>;
  all: string;
  /** Variable name and value of each secret the page's commands held. */
  secrets: Array<[string, string]>;
  argv: Set<string>;
}

function scriptFor(page: string): string {
  const { blocks } = extractByHand(readFileSync(join(repoRoot, page), 'utf8'));
  const parts = ['set -eo pipefail', `__at() { printf '\\n${MARK} %s\\n' "$1"; }`];
  for (const block of blocks) parts.push(`__at ${block.id}`, block.script);
  parts.push(`__at end`);
  // For the canary only: the values the page's commands held secret, on a descriptor of their own.
  parts.push(...SECRET_VARIABLES.map((name) => `printf '${name}=%s\\n' "\${${name}:-}" >&3`));
  return `${parts.join('\n')}\n`;
}

async function runPage(page: string, sandbox: TestSandbox): Promise<PageRun> {
  const child = spawn('bash', ['-c', scriptFor(page)], {
    cwd: repoRoot,
    env: childEnv({ AGENTKEYS_SANDBOX_DIR: sandbox.dir, NO_COLOR: '1' }),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let all = '';
  let fd3 = '';
  child.stdout?.on('data', (d) => (all += d));
  child.stderr?.on('data', (d) => (all += d));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d) => (fd3 += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const { result: code, argv } = await watchArgv(exited);
  // A broker a block left running in the background goes with the group.
  try {
    process.kill(-(child.pid as number), 'SIGTERM');
  } catch {
    // Already gone.
  }
  const outputs = new Map<string, string>();
  const parts = all.split(new RegExp(`^${MARK} `, 'm'));
  for (const part of parts.slice(1)) {
    const [id, ...rest] = part.split('\n');
    outputs.set(id as string, rest.join('\n'));
  }
  const secrets = fd3
    .split('\n')
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string])
    .filter(([, value]) => value.length > 20);
  return { code, outputs, all, secrets, argv };
}

let sandbox: TestSandbox;
const runs = new Map<string, PageRun>();

beforeAll(async () => {
  sandbox = await startTestSandbox();
  for (const page of PAGES) runs.set(page, await runPage(page, sandbox));
}, 900_000);

afterAll(async () => {
  await sandbox?.stop();
});

describe.each(PAGES)('by-hand blocks of %s', (page) => {
  const markdown = readFileSync(join(repoRoot, page), 'utf8');
  const { blocks } = extractByHand(markdown);

  it('marks every shell block, and has by-hand blocks to run', () => {
    expect(blocks.length).toBeGreaterThan(page.includes('runbook') ? 20 : 2);
  });

  it('every tab that does not run here is valid shell', async () => {
    for (const block of blocks) {
      for (const other of block.others) {
        const check = spawn('bash', ['-n'], { stdio: ['pipe', 'ignore', 'pipe'] });
        let err = '';
        check.stderr.on('data', (d) => (err += d));
        check.stdin.end(other.script);
        const code = await new Promise((r) => check.on('close', r));
        expect(code, `${block.id} [${other.label}]: ${err}`).toBe(0);
      }
    }
  });

  it('runs every block in order on the sandbox, each exiting 0', () => {
    const run = runs.get(page) as PageRun;
    const done = [...run.outputs.keys()];
    const failed = done.at(-1) === 'end' ? undefined : done.at(-1);
    expect(failed, `block "${failed}" exited non-zero:\n${run.all.slice(-3000)}`).toBeUndefined();
    expect(run.code, run.all.slice(-3000)).toBe(0);
    expect(done).toEqual([...blocks.map((b) => b.id), 'end']);
  });

  it('shows, under a block, only lines that block printed', () => {
    const run = runs.get(page) as PageRun;
    const replacements: Array<[string, string]> = [[sandbox.dir, '.sandbox']];
    for (const block of blocks.filter((b) => b.output)) {
      const printed = (run.outputs.get(block.id) ?? '')
        .split('\n')
        .map((l) => normaliseOutput(l, replacements));
      const missing = (block.output as string[])
        .map((l) => normaliseOutput(l, replacements))
        .filter((l) => l.trim() !== '' && !printed.includes(l));
      expect(missing, `${block.id} printed:\n${printed.join('\n')}`).toEqual([]);
    }
  });

  it('keeps every secret out of process arguments and out of what it prints', () => {
    const run = runs.get(page) as PageRun;
    const argv = [...run.argv].join('\n');
    const wallet = JSON.parse(readFileSync(join(sandbox.dir, 'test-wallet.json'), 'utf8')).private_key;
    for (const [name, secret] of [...run.secrets, ['the test wallet key', wallet] as [string, string]]) {
      expect(argv.includes(secret), `$${name} in a process argument list`).toBe(false);
      expect(run.all.includes(secret), `$${name} in the output`).toBe(false);
    }
    if (page.includes('runbook')) expect(run.secrets.length).toBeGreaterThanOrEqual(4);
  });
});

describe('extractByHand', () => {
  it('refuses an unmarked shell block, a group without a sandbox tab and a skip without a reason', () => {
    expect(() => extractByHand('```sh\nls\n```\n')).toThrow(ByHandError);
    expect(() =>
      extractByHand('<!-- by-hand id=a -->\n::: code-group\n```sh [your broker]\nls\n```\n:::\n'),
    ).toThrow(/no \[sandbox\] tab/);
    expect(() => extractByHand('<!-- by-hand skip -->\n```sh\nls\n```\n')).toThrow(/reason/);
  });

  it('takes the sandbox tab to run and the other tabs to check, with the output shown after it', () => {
    const page = [
      '<!-- by-hand id=a -->',
      '::: code-group',
      '```sh [sandbox]',
      'echo one',
      '```',
      '```sh [your broker]',
      'echo two',
      '```',
      ':::',
      '<!-- by-hand output -->',
      '```text',
      'one',
      '```',
    ].join('\n');
    expect(extractByHand(page).blocks).toEqual([
      {
        id: 'a',
        line: 1,
        script: 'echo one',
        others: [{ label: 'your broker', script: 'echo two' }],
        output: ['one'],
      },
    ]);
  });
});
