// Shared helpers of the checker tests: temporary projects, a RuleTester over it.each, inline expectations.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../scripts/drift/cli.ts';
import { type CheckOptions, type CheckResult, check } from '../../scripts/drift/index.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(import.meta.dirname, 'fixtures');
export const PROJECT = path.join(FIXTURES, 'project');
export const SOURCE = path.join(PROJECT, 'source');

const made: string[] = [];

/** A temporary copy of the fixture project's registry and live data, plus the given files. */
export function tempProject(files: Record<string, string | Buffer> = {}, withConfig = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-test-'));
  made.push(dir);
  if (withConfig) {
    cpSync(path.join(PROJECT, 'drift.yaml'), path.join(dir, 'drift.yaml'));
    cpSync(path.join(PROJECT, 'live'), path.join(dir, 'live'), { recursive: true });
    mkdirSync(path.join(dir, 'docs'), { recursive: true });
  }
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

export function cleanTemp(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** `npm run drift -- …args` in this process, from `cwd`, with stdout and stderr captured. */
export async function runCli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  process.chdir(cwd);
  try {
    const code = await run(
      args,
      (s) => {
        stdout += s;
      },
      (s) => {
        stderr += s;
      },
    );
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

export function checkProject(root: string, options: CheckOptions = {}): Promise<CheckResult> {
  return check({ root, today: '2026-06-01', sources: { agentkeys: SOURCE }, ...options });
}

export interface ExpectedFinding {
  messageId: string;
  line: number;
  column?: number;
  data?: Record<string, string | number>;
  severity?: 'error' | 'warning' | 'info';
  suggestion?: string | null;
}

export interface RuleCase {
  name: string;
  code: string;
  /** File name inside the project; defaults to docs/page.md. */
  file?: string;
  /** Extra files the case needs (link targets). */
  files?: Record<string, string>;
  options?: CheckOptions;
}

/** ESLint's RuleTester, reduced: valid cases report nothing for the rule, invalid ones exactly `errors`. */
export function ruleTester(
  ruleId: string,
  cases: { valid: RuleCase[]; invalid: (RuleCase & { errors: ExpectedFinding[] })[] },
): void {
  afterAll(cleanTemp);
  const run = async (c: RuleCase) => {
    const file = c.file ?? 'docs/page.md';
    const root = tempProject({ ...c.files, [file]: c.code });
    const result = await checkProject(root, c.options);
    return result.findings.filter((f) => f.rule === ruleId && f.file === file);
  };
  describe(ruleId, () => {
    describe('valid', () => {
      it.each(cases.valid.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        expect((await run(c)).map((f) => `${f.line}:${f.column} ${f.messageId} ${f.message}`)).toEqual([]);
      });
    });
    describe('invalid', () => {
      it.each(cases.invalid.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const found = await run(c);
        expect(found.length, found.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n')).toBe(
          c.errors.length,
        );
        c.errors.forEach((e, i) => {
          const f = found[i];
          expect(f?.messageId).toBe(e.messageId);
          expect(f?.line).toBe(e.line);
          if (e.column !== undefined) expect(f?.column).toBe(e.column);
          if (e.data) expect(f?.data).toMatchObject(e.data);
          if (e.severity) expect(f?.severity).toBe(e.severity);
          if (e.suggestion !== undefined) expect(f?.suggestion).toBe(e.suggestion);
        });
      });
    });
  });
}

const MARKER = /\bexpect:\s*([a-z][\w-]*(?:\s*,\s*[a-z][\w-]*)*)\s*(?:-->|\*\/|"|')?\s*$/;

/** `file:line rule` for every inline `expect: rule[, rule]` marker in a fixture file. */
export function expectedFromMarkers(rel: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = MARKER.exec(line.replace(/\r$/, ''));
    if (m) for (const id of (m[1] as string).split(',')) out.push(`${rel}:${i + 1} ${id.trim()}`);
  });
  return out;
}
