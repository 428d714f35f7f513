// Adversarial redaction: a runbook that prints a registered secret every way a step can (leaky-runbook.ts),
// run as an operator would — piped (plain lines, JSON and JUnit reports) and in a terminal (listr2) — and
// no spelling of the secret survives in stdout, stderr, the reports or the screen.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killMarked, processMark } from '../helpers/processes.ts';
import { runInPty } from '../helpers/pty.ts';
import { childEnv, ROOT, type RunResult, removeTempDirs, runScript, tempDir } from './helpers.ts';

// Quote, backslash, slash and plus make the JSON, URL and base64 spellings differ from the secret itself;
// 28 bytes is not a multiple of 3, so base64 ends mid-group.
const SECRET = `leak"sec\\ret/${randomBytes(6).toString('hex')}+xy`;
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** What the fixture prints, spelled out here independently of the redactor. */
const SPELLINGS: Record<string, string> = {
  raw: SECRET,
  'JSON-escaped': JSON.stringify(SECRET).slice(1, -1),
  'XML-escaped': SECRET.replaceAll('"', '&quot;'),
  'URL-encoded': encodeURIComponent(SECRET),
  base64: b64(SECRET),
  base64url: Buffer.from(SECRET).toString('base64url'),
  'base64 after 2 bytes': b64(`u:${SECRET}`),
  'base64 after 3 bytes': b64(`us:${SECRET}`),
  // The second of two writes: only a masker that joins writes into lines sees it as part of the secret.
  'rest of a split write': SECRET.slice(7),
};

function expectNoSpelling(where: string, text: string): void {
  expect(text.length, `${where} is empty`).toBeGreaterThan(0);
  for (const [name, spelling] of Object.entries(SPELLINGS)) {
    expect(text.includes(spelling), `the ${name} secret in ${where}`).toBe(false);
  }
}

const marks: string[] = [];
let dir: string;
let json: RunResult;
let xml: RunResult;

beforeAll(async () => {
  dir = tempDir('runbook-redaction-');
  const env = childEnv({ CI: '1', AGENTKEYS_SANDBOX_DIR: dir, LEAKY_CANARY: SECRET });
  const script = 'test/runbooks/leaky-runbook.ts';
  [json, xml] = await Promise.all([
    runScript(script, ['--report', path.join(dir, 'run.json')], env),
    runScript(script, ['--report', path.join(dir, 'run.xml')], env),
  ]);
});

afterAll(() => {
  for (const mark of marks) killMarked(mark);
  removeTempDirs();
});

describe('a step that prints a registered secret every way it can', () => {
  it('fails at step 03 and shows each leak masked in stdout, in order, under its step', () => {
    expect(json.code, json.stdout + json.stderr).toBe(1);
    const lines = json.stdout.split('\n').filter((line) => line.startsWith('    02 │ '));
    const shown = lines.map((line) => line.slice('    02 │ '.length));
    for (const expected of [
      'twice: [redacted] and [redacted]',
      'split: [redacted] end',
      'bytes: [redacted]',
      'stdout twice: [redacted][redacted]',
      'json: {"token":"[redacted]"}',
      'url: https://example.test/cb?token=[redacted]&x=1',
      'Error: stack: [redacted]',
      'child out: [redacted]',
      'child err: [redacted]',
      'unfinished: [redacted]',
    ]) {
      expect(shown, json.stdout).toContain(expected);
    }
    for (const label of ['log base64', 'base64', 'base64url', 'basic']) {
      expect(shown.some((line) => line.startsWith(`${label}: `) && line.includes('[redacted]'))).toBe(true);
    }
    expect(json.stdout).toMatch(
      /^✔ 02 Leak it every way: passed in \d+ms — reason: \[redacted\] \[redacted\]/m,
    );
    expect(json.stderr).toMatch(/^✖ Step 03 \(Fail with it\) failed: error: \[redacted\] \[redacted\]/m);
  });

  it('leaves no spelling of it in stdout or stderr', () => {
    expectNoSpelling('stdout', json.stdout);
    expectNoSpelling('stderr', json.stderr);
    expectNoSpelling('stdout (second run)', xml.stdout);
    expectNoSpelling('stderr (second run)', xml.stderr);
  });

  it('leaves none in the JSON report, whose reason and error fields carried it', () => {
    const text = readFileSync(path.join(dir, 'run.json'), 'utf8');
    expectNoSpelling('the JSON report', text);
    const steps = JSON.parse(text).steps as Array<{
      id: string;
      reason: string | null;
      error: string | null;
    }>;
    expect(steps.find((s) => s.id === '02')?.reason).toMatch(/^reason: \[redacted\] \[redacted\]/);
    expect(steps.find((s) => s.id === '03')?.error).toMatch(/^error: \[redacted\] \[redacted\]/);
  });

  it('leaves none in the JUnit report', () => {
    const text = readFileSync(path.join(dir, 'run.xml'), 'utf8');
    expectNoSpelling('the JUnit report', text);
    expect(text).toContain('<failure message="error: [redacted] [redacted]');
  });

  it('leaves none on a terminal, where listr2 draws the step output', async () => {
    const { mark, env: markEnv } = processMark();
    marks.push(mark);
    const env = childEnv({ ...markEnv, AGENTKEYS_SANDBOX_DIR: dir, LEAKY_CANARY: SECRET });
    delete env.CI;
    const run = runInPty(`${path.join(ROOT, 'node_modules/.bin/tsx')} test/runbooks/leaky-runbook.ts`, {
      cwd: ROOT,
      env,
    });
    const { code, screen } = await run.exited;
    const text = screen.join('\n');
    expect(code, text).toBe(1);
    expect(text).toContain('twice: [redacted] and [redacted]');
    expect(text).toContain('child err: [redacted]');
    // Lines written to stderr while listr2 hides the cursor keep their first word.
    expect(text).toMatch(/› json: \{"token":"\[redacted\]"\}/);
    expect(text).toMatch(/› base64: \[redacted\]/);
    expectNoSpelling('the terminal output', run.raw());
  });
});
