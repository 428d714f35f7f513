// Fixture files with their expected findings marked inline (`expect: rule-id` at the end of a line).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../scripts/drift/index.ts';
import { checkProject, expectedFromMarkers, PROJECT } from './helpers.ts';

const files = readdirSync(PROJECT, { recursive: true, encoding: 'utf8' })
  .map((f) => f.split(path.sep).join('/'))
  .filter((f) => /^(docs|code)\//.test(f) && !f.includes('/skip/') && /\.\w+$/.test(f))
  .sort();

let result: CheckResult;
beforeAll(async () => {
  result = await checkProject(PROJECT);
});

describe('fixture project', () => {
  it.each(files)('%s reports exactly the marked findings', (file) => {
    const expected = expectedFromMarkers(file, readFileSync(path.join(PROJECT, file), 'utf8')).sort();
    const actual = result.findings
      .filter((f) => f.file === file && f.severity !== 'info')
      .map((f) => `${f.file}:${f.line} ${f.rule}`)
      .sort();
    expect(
      actual,
      result.findings
        .filter((f) => f.file === file)
        .map((f) => `${f.line}:${f.column} ${f.rule} ${f.message}`)
        .join('\n'),
    ).toEqual(expected);
  });

  it('skips excluded folders and checks every included file', () => {
    expect(result.findings.some((f) => f.file.includes('/skip/'))).toBe(false);
    expect(result.summary.files).toBe(files.length);
  });

  it('narrowed to one page, resolves links against pages it did not check', async () => {
    const narrowed = await checkProject(PROJECT, { paths: ['docs/links.md'], cwd: PROJECT });
    const key = (f: { file: string; line: number; rule: string }) => `${f.file}:${f.line} ${f.rule}`;
    expect(narrowed.summary.files).toBe(1);
    expect(narrowed.findings.map(key)).toEqual(
      result.findings.filter((f) => f.file === 'docs/links.md').map(key),
    );
  });

  it('reports line and column of a CRLF file correctly', () => {
    const f = result.findings.find((x) => x.file === 'code/notes.txt');
    expect(f).toMatchObject({ line: 2, column: 19, match: '/v1/mint-aws-creds' });
  });
});
