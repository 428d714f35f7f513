// The "expected output" the runbook page shows under each step matches what the runner prints today:
// the whole Stage 7 runbook runs once on a fresh sandbox and each shown line must appear in that step's
// output, with ports, ids, addresses, times and durations normalised.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runbook } from '../../runbooks/stage7/index.ts';
import { needs } from '../helpers/needs.ts';
import { repoRoot } from './helpers/built-pages.ts';

// The steps this machine's sandbox cannot run, and why. Under CI moto must be there (needs() fails the file
// otherwise), so the list is empty and every step's shown output is compared.
const moto = needs('moto');
const EXPECTED_SKIPS: Record<string, string> = moto.ok
  ? {}
  : {
      '04': 'creates the IAM role and bucket policy on moto',
      '08': 'assumes the role through moto STS',
      '09': 'reads and writes S3 objects on moto',
      '12': 'deletes what step 4 created on moto',
    };

const page = readFileSync(join(repoRoot, 'docs/operator-runbook-stage7.md'), 'utf8');

const work = mkdtempSync(join(tmpdir(), 'pages-output-'));

/** Replaces what differs between two runs with stable placeholders. */
function normalise(line: string): string {
  return line
    .split(join(work, 'sandbox'))
    .join('.sandbox')
    .replace(/\([^()\s]*test-wallet\.json\)/g, '(WALLET_FILE)')
    .replace(/https?:\/\/(127\.0\.0\.1|localhost):\d+/g, 'LOCAL_URL')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME')
    .replace(/\bsiwe-[0-9a-f]{32}\b/g, 'siwe-ID')
    .replace(/\bgrn-[A-Za-z0-9_-]{16}(?![\w-])/g, 'grn-ID')
    .replace(/\b(ASIA|AKIA)[0-9A-Z]{16}\b/g, 'ACCESS_KEY_ID')
    .replace(/0x[0-9a-fA-F]+/g, 'ADDR')
    .replace(/\b[0-9a-f]{64}\b/g, 'OMNI')
    .replace(/ in [\d.]+m?s\b/g, ' in T')
    .replace(/\d+/g, 'N')
    .trimEnd();
}

/** The lines of the ```text block that follows "Expected output" inside each step section. */
function shownOutput(): Map<string, string[]> {
  const shown = new Map<string, string[]>();
  const sections = page.split(/^## /m);
  for (const step of runbook.steps) {
    const section = sections.find((s) => s.includes(`{#${step.doc}}`));
    const block = section && /Expected output[^\n]*\n+```text\n([\s\S]*?)\n```/.exec(section);
    if (block?.[1]) shown.set(step.id, block[1].split('\n'));
  }
  return shown;
}

describe('expected output on the operator runbook page', () => {
  const actual = new Map<string, string[]>();
  let exitCode: number | null = null;
  let output = '';

  beforeAll(async () => {
    const cli = join(repoRoot, 'runbooks/lib/cli.ts');
    const tsx = join(repoRoot, 'node_modules/.bin/tsx');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AGENTKEYS_SANDBOX_DIR: join(work, 'sandbox'),
      NO_COLOR: '1',
      CI: '1',
    };
    for (const key of [
      'AGENTKEYS_BROKER_URL',
      'AGENTKEYS_SESSION_JWT',
      'AGENTKEYS_WALLET_PRIVATE_KEY',
      'AWS_ENDPOINT_URL',
    ]) {
      delete env[key];
    }
    const child = spawn(tsx, [cli, 'stage7'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    exitCode = await new Promise((resolve) => child.on('close', resolve));
    for (const line of output.split('\n')) {
      const id = /^(?:\s{4}(\d\d|b\d) │|\S (\d\d|b\d) )/.exec(line);
      const step = id?.[1] ?? id?.[2];
      if (step) actual.set(step, [...(actual.get(step) ?? []), normalise(line)]);
    }
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('normalises what changes between runs and nothing else', () => {
    expect(
      normalise(
        '    05 │ SIWE request siwe-3f0c1d2e4b5a69788796a5b4c3d2e1f0 for 0xe6EBaF644F223c03956Ea01f7873601e7464E578',
      ),
    ).toBe('    N │ SIWE request siwe-ID for ADDR');
    expect(normalise('    10 │ created grn-Zk9_-a1b2C3d4E5f for daemon 0x2e9B')).toBe(
      '    N │ created grn-ID for daemon ADDR',
    );
    expect(normalise('✔ 02 Check broker health: passed in 13ms')).toBe(
      '✔ N Check broker health: passed in T',
    );
    expect(normalise('    02 │ GET /readyz → 200 degraded')).toBe('    N │ GET /readyz → N degraded');
  });

  it('shows output for every step', () => {
    expect([...shownOutput().keys()]).toEqual(runbook.steps.map((s) => s.id));
  });

  if (!moto.ok) {
    it.skip.each(Object.entries(EXPECTED_SKIPS))(
      `step %s (%s): shown output not compared: ${moto.reason}`,
      () => {},
    );
  }

  it('comes from a runbook that passes on the sandbox', () => {
    expect(exitCode, output).toBe(0);
  });

  it('skips exactly the steps expected to be skipped on this machine, each for the missing emulator', () => {
    const skipped = [...actual.entries()].filter(([, lines]) => lines.some((l) => / N .*: skipped/.test(l)));
    expect(skipped.map(([id]) => id)).toEqual(Object.keys(EXPECTED_SKIPS));
    for (const [, lines] of skipped) expect(lines.join('\n')).toMatch(/: skipped in T — .*moto/);
  });

  const compared = runbook.steps.map((s) => s.id).filter((id) => !(id in EXPECTED_SKIPS));
  it.each(compared)('step %s: every shown line is one the runner prints', (id) => {
    const lines = actual.get(id) ?? [];
    const missing = (shownOutput().get(id) ?? []).map(normalise).filter((line) => !lines.includes(line));
    expect(missing, `runner printed:\n${lines.join('\n')}`).toEqual([]);
  });
});
