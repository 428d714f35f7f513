// source-parity: facts of a small Rust broker (fixtures/parity/broker) against the registries that describe it.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mask } from '../../../scripts/drift/extract.ts';
import { type CheckOptions, check, type Finding } from '../../../scripts/drift/index.ts';
import { routeKey } from '../../../scripts/drift/rules/source-parity.ts';
import { FIXTURES, runCli } from '../helpers.ts';

const FIXTURE = path.join(FIXTURES, 'parity');
const WITH_SOURCE = { PARITY_SRC: 'broker' };

const copies: string[] = [];
afterAll(() => {
  for (const c of copies.splice(0)) rmSync(c, { recursive: true, force: true });
});

/** A temporary copy of the fixture project, with `edits` applied to its files (text → text). */
function copy(edits: Record<string, (text: string) => string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-parity-'));
  copies.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [rel, edit] of Object.entries(edits)) {
    const file = path.join(dir, rel);
    const before = readFileSync(file, 'utf8');
    const after = edit(before);
    // An edit that changes nothing would make its test pass for the wrong reason.
    expect(after, `edit of ${rel}`).not.toBe(before);
    writeFileSync(file, after);
  }
  return dir;
}

/** Every check passes its environment explicitly: the CI variable of the machine must not leak in. */
async function parity(root: string, env: NodeJS.ProcessEnv = WITH_SOURCE, options: CheckOptions = {}) {
  const r = await check({ root, cwd: root, env, today: '2026-06-01', ...options });
  return { ...r, parity: r.findings.filter((f) => f.rule === 'source-parity') };
}

const brief = (fs: Finding[]) => fs.map((f) => `${f.file}:${f.line}:${f.column} ${f.messageId} ${f.match}`);

const colOf = (root: string, rel: string, needle: string) => {
  const line = readFileSync(path.join(root, rel), 'utf8')
    .split('\n')
    .find((l) => l.includes(needle));
  return (line?.indexOf(needle) ?? -1) + 1;
};

const lineOf = (root: string, rel: string, needle: string) =>
  readFileSync(path.join(root, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle)) + 1;

describe('source-parity', () => {
  describe('extraction', () => {
    it('the fixture broker and its registries agree: nothing reported, no notice', async () => {
      const r = await parity(FIXTURE);
      expect(brief(r.findings)).toEqual([]);
      expect(r.notices).toEqual([]);
    });

    it('finds each fact of every kind: removing it from the registry reports it, with the source line', async () => {
      const root = copy({
        'docs/reference/openapi.yaml': (t) => t.replace(/ {2}\/v1\/admin:\n.*\n/, ''),
        'docs/reference/env.yaml': (t) => t.replace(/ {6}- name: BROKER_DATA_DIR\n.*\n/, ''),
        'docs/runbook.md': (t) => t.replace('<a id="key-file"></a>', '').replace('- `tier2/mail`', '- mail'),
      });
      const r = await parity(root);
      expect(r.parity.map((f) => [f.messageId, f.match, f.file, f.line, f.data.at])).toEqual([
        ['undocumented', 'BROKER_DATA_DIR', 'docs/reference/env.yaml', 1, 'src/env.rs:7'],
        ['undocumented', '/v1/admin', 'docs/reference/openapi.yaml', 3, 'src/lib.rs:47'],
        ['undocumented', 'key-file', 'docs/runbook.md', 13, 'src/boot.rs:21'],
        ['undocumented', 'tier2/mail', 'docs/runbook.md', 23, 'src/readiness.rs:4'],
      ]);
      expect(r.parity.every((f) => f.severity === 'error')).toBe(true);
      expect(r.parity[1]?.message).toContain('src/lib.rs:47');
    });

    it('skips comments, strings that hold comment marks, and #[cfg(test)] items of the source', async () => {
      // Each of these is written in the fixture source only inside a comment or a test item.
      const ghosts = [
        '/v1/in-module-doc',
        '/v1/in-block',
        '/v1/after-char',
        '/v1/commented-out',
        '/v1/after-lifetime',
        '/v1/test-only',
        '/v1/test-helper',
      ];
      const lib = readFileSync(path.join(FIXTURE, 'broker/src/lib.rs'), 'utf8');
      for (const g of ghosts) expect(lib).toContain(`"${g}"`);
      // Documented, they are phantoms: the checker did not take them for routes the broker serves.
      const root = copy({
        'docs/reference/openapi.yaml': (t) =>
          t + ghosts.map((g) => `  ${g}:\n    get: { responses: { "200": { description: x } } }\n`).join(''),
      });
      const r = await parity(root);
      expect(r.parity.map((f) => `${f.messageId} ${f.match}`)).toEqual(ghosts.map((g) => `phantom ${g}`));
    });

    it('blanks comments but keeps offsets, and ends a test module at its own closing brace', () => {
      const text = [
        'let s = "// not a comment"; // a comment',
        "let c = '\"'; /* a /* nested */ block */ let t = 1;",
        '#[cfg(test)]',
        'mod tests { fn f() { let b = "}"; } }',
        'fn after() {}',
      ].join('\n');
      const { code } = mask(text, 'rust');
      expect(code.length).toBe(text.length);
      expect(code.split('\n')).toEqual([
        `let s = "// not a comment"; ${' '.repeat(12)}`,
        `let c = '"'; ${' '.repeat(26)} let t = 1;`,
        ' '.repeat(12),
        ' '.repeat(37),
        'fn after() {}',
      ]);
    });

    it.each([
      ['python', 'x = "# not"  # gone', 'x = "# not"        '],
      ['yaml', "a: 'it''s # kept' # gone", "a: 'it''s # kept'       "],
      ['yaml', "b: don't # gone", "b: don't       "],
      ['markdown', 'a <!-- gone --> b', 'a               b'],
      ['typescript', 'const u = `http://x`; // gone', 'const u = `http://x`;        '],
    ])('blanks %s comments only', (language, text, expected) => {
      expect(mask(text, language).code).toBe(expected);
    });
  });

  describe('routes', () => {
    it.each([
      ['/v1/items/:item_id', '/v1/items/{}'],
      ['/v1/items/{item_id}', '/v1/items/{}'],
      ['/v1/items/{id}/x', '/v1/items/{}/x'],
      ['/files/*rest', '/files/{*}'],
      ['/files/{*rest}', '/files/{*}'],
      ['/v1/items/literal', '/v1/items/literal'],
      ['/v1/a:b', '/v1/a:b'],
    ])('%s compares as %s', (route, key) => {
      expect(routeKey(route)).toBe(key);
    });

    it('a route that differs only in its parameter names is documented; one of another shape is not', async () => {
      const root = copy({
        'docs/reference/openapi.yaml': (t) => t.replace('/v1/items/{id}:', '/v1/items/{id}/parts:'),
      });
      const r = await parity(root);
      expect(brief(r.parity)).toEqual([
        `docs/reference/openapi.yaml:3:1 undocumented /v1/items/:item_id`,
        `docs/reference/openapi.yaml:6:3 phantom /v1/items/{id}/parts`,
      ]);
    });
  });

  describe('env names', () => {
    it('looks for phantoms only among the names the scope gives the broker', async () => {
      const root = copy({
        'docs/reference/env.yaml': (t) =>
          `${t}      - name: FIXTURE_OTHER_TOOL\n        meaning: another tool\n      - name: BROKER_GHOST\n        meaning: never read\n`,
      });
      const r = await parity(root);
      expect(brief(r.parity)).toEqual(['docs/reference/env.yaml:14:15 phantom BROKER_GHOST']);
    });
  });

  describe('runbook anchors', () => {
    it('renaming a troubleshooting anchor reports the BOOT_FAIL anchor undocumented and the new one phantom', async () => {
      const root = copy({ 'docs/runbook.md': (t) => t.replace('{#port-invalid}', '{#bad-port}') });
      const r = await parity(root);
      expect(brief(r.parity)).toEqual([
        'docs/runbook.md:13:1 undocumented port-invalid',
        'docs/runbook.md:15:1 phantom bad-port',
      ]);
    });

    it('takes the ids VitePress gives headings, not a slug of its own', async () => {
      // Without {#…}, the renderer derives the id from the heading text: "Port invalid" → port-invalid.
      const root = copy({
        'docs/runbook.md': (t) => t.replace('#### The port is refused {#port-invalid}', '#### Port invalid'),
      });
      expect(brief((await parity(root)).parity)).toEqual([]);
    });

    it('an anchor the page gives outside the section counts as documented, but only the section holds phantoms', async () => {
      // issuer-dns is a heading above Troubleshooting; roll-back is below it: neither is a phantom.
      expect(readFileSync(path.join(FIXTURE, 'docs/runbook.md'), 'utf8')).toMatch(
        /\{#issuer-dns\}[\s\S]*\{#roll-back\}/,
      );
      const root = copy({
        'docs/runbook.md': (t) =>
          t.replace(
            '### Readiness checks',
            '#### A failure the broker never prints {#ghost}\n\n### Readiness checks',
          ),
      });
      expect(brief((await parity(root)).parity)).toEqual(['docs/runbook.md:23:1 phantom ghost']);
    });

    it('a section id the page does not have is an error in drift.yaml', async () => {
      const root = copy({ 'drift.yaml': (t) => t.replace('#boot-failures', '#boot-problems') });
      const r = await parity(root);
      const missing = r.parity.filter((f) => f.messageId === 'missingSection');
      expect(brief(missing)).toEqual([
        `drift.yaml:${lineOf(root, 'drift.yaml', '#boot-problems')}:${colOf(root, 'drift.yaml', 'boot-problems')} missingSection runbook-anchors:docs/runbook.md#boot-problems`,
      ]);
      // Without the section, nothing is a phantom; facts still count as documented anywhere on the page.
      expect(r.parity.filter((f) => f.messageId !== 'missingSection')).toEqual([]);
    });
  });

  describe('a file and an extractor as the registry', () => {
    it('compares with what the extractor finds in the named section', async () => {
      const root = copy({
        'docs/runbook.md': (t) => t.replace('- `store/sqlite`', '- `store/postgres`'),
      });
      expect(brief((await parity(root)).parity)).toEqual([
        'docs/runbook.md:23:1 undocumented store/sqlite',
        'docs/runbook.md:25:4 phantom store/postgres',
      ]);
    });
  });

  describe('the undocumented allow-list', () => {
    it('an entry with a reason lets its fact stay out of the registry', async () => {
      const root = copy({
        'drift.yaml': (t) => t.replace(/ {4}undocumented:\n.*\n/, ''),
      });
      expect(brief((await parity(root)).parity)).toEqual([
        'docs/reference/openapi.yaml:3:1 undocumented /internal/debug',
      ]);
    });

    it('an entry without a reason is a configuration error naming the file, line and key (exit 2)', async () => {
      const root = copy({
        'drift.yaml': (t) => t.replace(`, reason: "served to the operator's own tools only"`, ''),
      });
      const r = await runCli(['--root', root], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^drift: .*drift\.yaml:27: "sources\.broker\.undocumented\.0\.reason": is missing/,
      );
      expect(r.stdout).toBe('');
    });

    it('an entry that matches nothing, or names a documented fact, is a warning on its line', async () => {
      const root = copy({
        'drift.yaml': (t) =>
          `${t}      - { kind: route, value: /v1/removed-long-ago, reason: "kept for old clients" }\n      - { kind: env, value: BROKER_PORT, reason: "internal" }\n`,
      });
      const r = await parity(root);
      expect(r.parity.map((f) => `${f.line} ${f.severity} ${f.messageId} ${f.match}`)).toEqual([
        '28 warning staleAllowed /v1/removed-long-ago',
        '29 warning staleAllowed BROKER_PORT',
      ]);
      expect(r.parity[0]?.message).toMatch(/matches no route fact/);
      expect(r.parity[1]?.message).toMatch(/is documented in docs\/reference\/env\.yaml/);
      expect(r.summary.errors).toBe(0);
    });
  });

  describe('without a checkout', () => {
    it('prints exactly one notice and exits 0 when the root variable is not set', async () => {
      const root = copy();
      const r = await parity(root, {});
      expect(r.findings).toEqual([]);
      expect(r.notices).toEqual([
        {
          file: 'drift.yaml',
          message: expect.stringMatching(/^source parity not checked: PARITY_SRC is not set/),
        },
      ]);
    });

    it('treats a root that does not exist as no checkout: one notice, exit 0', async () => {
      const root = copy();
      const r = await parity(root, { PARITY_SRC: 'no-such-folder' });
      expect(r.findings).toEqual([]);
      expect(r.notices.map((n) => n.message)).toEqual([
        expect.stringMatching(
          /^source parity not checked: root .*no-such-folder of source "broker" does not exist/,
        ),
      ]);
    });

    it('with CI=true a configured root that does not exist is an error on the root line (exit 1)', async () => {
      const root = copy();
      const r = await parity(root, { PARITY_SRC: 'no-such-folder', CI: 'true' });
      expect(brief(r.findings)).toEqual([`drift.yaml:8:5 missingRoot \${PARITY_SRC}`]);
      expect(r.findings[0]?.message).toMatch(/set PARITY_SRC to a checkout/);
      expect(r.notices).toEqual([]);
    });

    it('with CI=true and the variable unset, it is still one notice: a clone without the checkout passes', async () => {
      const root = copy();
      const r = await parity(root, { CI: 'true' });
      expect(r.findings).toEqual([]);
      expect(r.notices).toHaveLength(1);
    });

    it('--source NAME=DIR naming a missing folder is a usage error (exit 2)', async () => {
      const root = copy();
      const r = await runCli(['--root', root, '--source', 'broker=./nowhere'], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/source "broker": root .*nowhere is not a folder/);
    });
  });

  describe('configuration', () => {
    it.each([
      [
        'an invalid extractor',
        (t: string) => t.replace(`'"(BROKER_[A-Z0-9_]+)"'`, `'"(BROKER_[A-Z'`),
        /:16: "sources\.broker\.parity\.1\.extract": not a valid regular expression/,
      ],
      [
        'an extractor without a capture group',
        (t: string) => t.replace(`'"(BROKER_[A-Z0-9_]+)"'`, `'"BROKER_[A-Z]+"'`),
        /:16: .*needs a capture group/,
      ],
      [
        'an unknown registry',
        (t: string) => t.replace('against: openapi-paths', 'against: swagger'),
        /:13: "sources\.broker\.parity\.0\.against": use openapi-paths/,
      ],
      [
        'two registries for one kind',
        (t: string) =>
          t.replace(
            '\n    undocumented:',
            `\n      - kind: route\n        files: ["src/x.rs"]\n        extract: '"(/[a-z]+)"'\n        against: env-names\n    undocumented:`,
          ),
        /:29: .*kind "route" is already compared with openapi-paths/,
      ],
      [
        'an allow-list kind no parity entry has',
        (t: string) => t.replace('{ kind: route, value: /internal', '{ kind: routes, value: /internal'),
        /:27: .*no parity entry of source "broker" has kind "routes"/,
      ],
      [
        'a section in a file that is not a page',
        (t: string) => t.replace('docs/runbook.md#readiness', 'docs/reference/env.yaml#broker'),
        /a #section can only be named in a Markdown page/,
      ],
    ])('rejects %s (exit 2)', async (_name, edit, pattern) => {
      const root = copy({ 'drift.yaml': edit });
      const r = await runCli(['--root', root], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
    });

    it('openapi-paths without live.openapi is a usage error once there is a checkout to compare', async () => {
      const root = copy({ 'drift.yaml': (t) => t.replace('  openapi: docs/reference/openapi.yaml\n', '') });
      const r = await runCli(['--root', root, '--source', 'broker=broker'], root);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /drift\.yaml:12: "openapi-paths" compares with live\.openapi, which drift\.yaml does not name/,
      );
    });

    it('an extractor that finds nothing in its files is an error on its entry', async () => {
      const root = copy({
        'drift.yaml': (t) => t.replace(`'check\\(\\s*"([a-z0-9_/]+)"'`, `'probe\\(\\s*"([a-z0-9_/]+)"'`),
      });
      const r = await parity(root);
      expect(
        r.parity.filter((f) => f.messageId === 'emptyExtractor').map((f) => `${f.file}:${f.line}`),
      ).toEqual(['drift.yaml:22']);
    });
  });

  describe('narrowed to some files', () => {
    it('compares only the kinds whose registry is among the checked files', async () => {
      const root = copy({
        'docs/reference/openapi.yaml': (t) => t.replace(/ {2}\/v1\/admin:\n.*\n/, ''),
        'docs/reference/env.yaml': (t) => t.replace(/ {6}- name: BROKER_DATA_DIR\n.*\n/, ''),
      });
      const r = await parity(root, WITH_SOURCE, { paths: ['docs/reference/env.yaml'] });
      expect(r.parity.map((f) => f.match)).toEqual(['BROKER_DATA_DIR']);
    });
  });

  // The "done when", on the fixture: each of these changes turns the check red (exit 1).
  describe('each drift of a registry fails the check', () => {
    it.each([
      [
        'a phantom route planted in the OpenAPI file',
        'docs/reference/openapi.yaml',
        (t: string) => `${t}  /v1/planted:\n    get: { responses: { "200": { description: x } } }\n`,
        'phantom /v1/planted',
      ],
      [
        'an env var deleted from env.yaml',
        'docs/reference/env.yaml',
        (t: string) => t.replace(/ {6}- name: BROKER_PORT\n.*\n/, ''),
        'undocumented BROKER_PORT',
      ],
      [
        'a troubleshooting anchor renamed',
        'docs/runbook.md',
        (t: string) => t.replace('{#data-dir-missing}', '{#data-folder-missing}'),
        'undocumented data-dir-missing',
      ],
    ])('%s', async (_name, file, edit, expected) => {
      // --source is resolved from the working folder, which runCli makes the project's own.
      const args = ['--source', 'broker=broker', '--format', 'json'];
      const before = await runCli(['--root', FIXTURE, ...args], FIXTURE);
      const root = copy({ [file]: edit });
      const after = await runCli(['--root', root, ...args], root);
      const ids = (out: string) =>
        JSON.parse(out).findings.map((f: Finding) => `${f.messageId} ${f.match}`) as string[];
      expect(before.code).toBe(0);
      expect(ids(before.stdout)).toEqual([]);
      expect(after.code).toBe(1);
      expect(ids(after.stdout)).toContain(expected);
    });
  });
});
