// The CLI: every flag, exit code and output format; SARIF validated against the SARIF 2.1.0 schema.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanTemp, FIXTURES, PROJECT, REPO, runCli, SOURCE, tempProject } from './helpers.ts';

afterAll(cleanTemp);

const cli = (args: string[], cwd = PROJECT) => runCli(args, cwd);

const clean = () => tempProject({ 'docs/a.md': '# A\n\nCall `POST /v1/mint-oidc-jwt`.\n' });
const dirty = () =>
  tempProject({
    'docs/a.md': '# A\n\nCall POST /v1/mint-aws-creds.\n',
    'docs/b.md': '# B\n\nSet BROKER_X_Y.\n',
  });

describe('exit codes', () => {
  it('0 when there are no errors', async () => {
    const r = await cli(['--root', clean()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 files checked .*0 errors, 0 warnings/);
  });

  it('0 with warnings only', async () => {
    const r = await cli(['--root', tempProject({ 'docs/a.md': 'Set BROKER_X_Y.\n' })]);
    expect(r.code).toBe(0);
  });

  it('1 when there are errors', async () => {
    const r = await cli(['--root', dirty()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('docs/a.md');
    expect(r.stdout).toMatch(/3:6 +error +endpoint `POST \/v1\/mint-aws-creds` was retired/);
  });

  it.each([
    ['an unknown flag', ['--nope']],
    ['a bad format', ['--format', 'xml']],
    ['a bad --source', ['--source', 'agentkeys']],
    ['an unknown source name', ['--source', 'other=.']],
    ['a missing path', ['docs/none.md']],
    ['a missing config', ['--config', 'none.yaml']],
    ['a missing root', ['--root', 'no/such/dir']],
    ['index without a folder', ['index']],
    ['mentions without a surface', ['mentions']],
  ])('2 for %s, with one line and no stack trace', async (_name, args) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^drift: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('2 for a config with an unknown key, naming file and line', async () => {
    const root = tempProject({ 'drift.yaml': 'include: ["**/*.md"]\nretierd: []\n' });
    const r = await cli(['--root', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${path.join(root, 'drift.yaml')}:2: unknown key "retierd"`);
  });

  it('2 when live.openapi names a missing file', async () => {
    const root = tempProject({ 'drift.yaml': 'include: ["**/*.md"]\nlive:\n  openapi: none.yaml\n' });
    const r = await cli(['--root', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/none\.yaml: the OpenAPI contract named in drift\.yaml \(live\) does not exist/);
  });

  it('prints usage with --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage:/);
  });
});

describe('flags', () => {
  it('--root makes files relative to the root and finds its drift.yaml', async () => {
    const r = await cli(['--root', dirty(), '--format', 'json'], REPO);
    const files = JSON.parse(r.stdout).findings.map((f: { file: string }) => f.file);
    expect(files).toEqual(['docs/a.md', 'docs/b.md']);
  });

  it('--config reads another config; its globs are relative to its own folder', async () => {
    const root = dirty();
    const other = tempProject({ 'cfg/drift.yaml': 'include: ["../docs/b.md"]\n' }, false);
    const r = await cli(['--root', root, '--config', path.join(other, 'cfg/drift.yaml'), '--format', 'json']);
    expect(JSON.parse(r.stdout).summary.files).toBe(0);
    const r2 = await cli(['--root', root, '--config', path.join(root, 'drift.yaml'), '--format', 'json']);
    expect(JSON.parse(r2.stdout).summary.files).toBe(2);
  });

  it('positional paths narrow the check', async () => {
    const root = dirty();
    const r = await cli(['docs/b.md', '--root', root, '--format', 'json'], root);
    const out = JSON.parse(r.stdout);
    expect(out.summary.files).toBe(1);
    expect(r.code).toBe(0);
  });

  it('--source NAME=DIR verifies source references against that checkout', async () => {
    const root = tempProject({ 'docs/a.md': '`crates/agentkeys-broker-server/src/main.rs#L99`\n' });
    const without = JSON.parse((await cli(['--root', root, '--format', 'json'])).stdout);
    expect(without.findings.map((f: { severity: string }) => f.severity)).toEqual(['info']);
    const r = await cli(['--root', root, '--format', 'json', '--source', `agentkeys=${SOURCE}`]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings[0]).toMatchObject({
      rule: 'source-ref',
      messageId: 'lineOutOfRange',
    });
  });
});

describe('formats', () => {
  it('json: exactly one document with the agreed fields', async () => {
    const r = await cli(['--root', dirty(), '--format', 'json']);
    const out = JSON.parse(r.stdout);
    expect(out.version).toBe(1);
    expect(Object.keys(out.findings[0]).slice(0, 8)).toEqual([
      'rule',
      'severity',
      'file',
      'line',
      'column',
      'match',
      'message',
      'suggestion',
    ]);
    expect(out.findings[0]).toMatchObject({
      rule: 'retired-reference',
      file: 'docs/a.md',
      line: 3,
      column: 6,
    });
    expect(out.summary).toMatchObject({ files: 2, findings: 2, errors: 1, warnings: 1 });
    expect(typeof out.summary.durationMs).toBe('number');
  });

  it('sarif: valid SARIF 2.1.0 with rules and locations', async () => {
    const r = await cli(['--root', dirty(), '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    const schema = JSON.parse(readFileSync(path.join(FIXTURES, 'sarif-2.1.0.schema.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    expect(validate(log), JSON.stringify(validate.errors, null, 1)).toBe(true);
    const result = log.runs[0].results[0];
    expect(result).toMatchObject({ ruleId: 'retired-reference', level: 'error' });
    expect(result.locations[0].physicalLocation).toMatchObject({
      artifactLocation: { uri: 'docs/a.md' },
      region: { startLine: 3, startColumn: 6 },
    });
    expect(log.runs[0].tool.driver.rules[result.ruleIndex].id).toBe('retired-reference');
  });

  it('github: one workflow annotation per finding', async () => {
    const r = await cli(['--root', dirty(), '--format', 'github']);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^::error file=docs\/a\.md,line=3,col=6,title=drift retired-reference::endpoint `POST/,
    );
    expect(lines[1]).toMatch(/^::warning file=docs\/b\.md,line=3,col=5,/);
  });
});

describe('subcommands', () => {
  it('index DIR prints a manifest of paths, line counts and symbols', async () => {
    const r = await cli(['index', SOURCE]);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.files['crates/agentkeys-broker-server/src/main.rs']).toEqual({
      lines: 12,
      symbols: ['Config', 'shutdown', 'start'],
    });
  });

  it('mentions lists every mention with its exemption', async () => {
    const r = await cli(['mentions', 'POST /v1/mint-aws-creds', '--format', 'json']);
    const out = JSON.parse(r.stdout);
    const where = out.mentions.map(
      (m: { file: string; exemption: string | null }) => `${m.file} ${m.exemption}`,
    );
    expect(where).toContain('docs/stale.md null');
    expect(where).toContain('docs/notes.md retirement-note');
    expect(where).toContain('docs/archived/old.md historical');
    expect(where).toContain('docs/notes.md retired-container');
  });

  it('mentions --kind overrides the guess; a registered surface keeps its registry kind', async () => {
    const r = await cli(['mentions', 'mint_v2', '--kind', 'term', '--format', 'json']);
    expect(JSON.parse(r.stdout).surface).toMatchObject({ kind: 'symbol' });
    const t = await cli(['mentions', 'Agent Role', '--kind', 'term', '--format', 'json']);
    const out = JSON.parse(t.stdout);
    expect(out.surface).toMatchObject({ kind: 'term', value: 'Agent Role' });
    expect(out.mentions.map((m: { file: string; line: number }) => `${m.file}:${m.line}`)).toContain(
      'docs/stale.md:34',
    );
    expect((await cli(['mentions', 'x', '--kind', 'thing'])).code).toBe(2);
  });

  it('mentions guesses the kind of an unregistered surface', async () => {
    const r = await cli(['mentions', 'BROKER_OIDC_ISSUER']);
    expect(r.stdout).toMatch(/mentions of env `BROKER_OIDC_ISSUER`/);
  });
});

describe('npm run drift', () => {
  it('prints only JSON with --format json and exits with the checker code', async () => {
    const root = dirty();
    const r = await promisify(execFile)('npm', ['run', 'drift', '--', '--root', root, '--format', 'json'], {
      cwd: REPO,
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect((r as { code?: number }).code).toBe(1);
    expect(JSON.parse(r.stdout).summary.errors).toBe(1);
  });
});
