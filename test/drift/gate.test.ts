// The CI gate: this repository checked with its own drift.yaml, and proof that a stale line turns it red.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, visit } from 'yaml';
import { run } from '../../scripts/drift/cli.ts';
import { check, type Finding } from '../../scripts/drift/index.ts';
import { REPO } from './helpers.ts';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A copy of what the checker reads: the config, the live data and every included file. */
function copyRepo(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'drift-gate-'));
  temps.push(dir);
  const skip = new Set(['node_modules', '.git', 'dist', 'cache', '.sandbox', 'artifacts']);
  cpSync(REPO, dir, {
    recursive: true,
    filter: (src) => !skip.has(path.basename(src)),
  });
  return dir;
}

describe('repository gate', () => {
  it('has no drift errors in this repository (warnings are listed, not failed)', async () => {
    const r = await check({ root: REPO });
    const list = (sev: string) =>
      r.findings
        .filter((f) => f.severity === sev)
        .map((f) => `${f.file}:${f.line}:${f.column} ${f.rule} ${f.message}`)
        .join('\n');
    const warnings = list('warning');
    if (warnings) console.warn(`drift warnings:\n${warnings}`);
    expect(list('error'), `drift errors (npm run drift shows them with suggestions):\n${list('error')}`).toBe(
      '',
    );
  });

  it('goes red when a stale /v1/mint-aws-creds line is planted in a copy', async () => {
    const root = copyRepo();
    const page = path.join(root, 'docs/planted.md');
    writeFileSync(page, '# Planted\n\nGet AWS keys with `POST /v1/mint-aws-creds`.\n');
    let out = '';
    const code = await run(
      ['--root', root, '--format', 'json'],
      (s) => {
        out += s;
      },
      () => {},
    );
    expect(code).toBe(1);
    const planted = JSON.parse(out).findings.filter((f: { file: string }) => f.file === 'docs/planted.md');
    expect(planted).toEqual([
      expect.objectContaining({ rule: 'retired-reference', severity: 'error', line: 3, column: 20 }),
    ]);
  });
});

// With AGENTKEYS_SRC pointing at the broker checkout (.ci/run sets it when ../shared/upstream has one), the
// gate above compares every route, variable, BOOT_FAIL anchor and readiness name of the broker with our
// registries; without it, the comparison is one notice.
const upstream = process.env.AGENTKEYS_SRC;
const REGISTRIES = [
  'docs/reference/broker.openapi.yaml',
  'docs/reference/env.yaml',
  'docs/operator-runbook-stage7.md',
];
const parityOf = (findings: Finding[]) => findings.filter((f) => f.rule === 'source-parity');
const show = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line} ${f.messageId} ${f.match}`);

describe('source parity of this repository', () => {
  it('without a checkout, prints one notice and reports nothing', async () => {
    const r = await check({ root: REPO, cwd: REPO, paths: REGISTRIES, env: {} });
    expect(show(parityOf(r.findings))).toEqual([]);
    expect(r.notices.filter((n) => n.message.startsWith('source parity not checked:'))).toHaveLength(1);
  });

  it.runIf(upstream)(
    'with AGENTKEYS_SRC, no fact of the broker is undocumented and none of ours is a phantom',
    async () => {
      const r = await check({ root: REPO });
      const parity = parityOf(r.findings);
      const counts: Record<string, number> = {};
      for (const f of parity) {
        const key = `${f.messageId} ${String(f.data.kind ?? '')}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      expect(r.notices.map((n) => n.message).filter((m) => m.startsWith('source parity'))).toEqual([]);
      expect(show(parity), `source parity findings by kind: ${JSON.stringify(counts)}`).toEqual([]);
    },
  );
});

/**
 * The "done when" on this repository: in a copy, planting a phantom route in the OpenAPI file,
 * deleting a variable from env.yaml or renaming a troubleshooting anchor each adds a parity error. The
 * broker source is the checkout when AGENTKEYS_SRC is set; otherwise a small one is written here that
 * holds one documented route, variable and anchor of each registry.
 */
describe('planted drift in a copy of the registries fails the parity check', () => {
  let root: string;
  let source: string;
  let documented: { env: string; anchor: string };

  const copyRegistries = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'drift-gate-parity-'));
    temps.push(dir);
    cpSync(path.join(REPO, 'drift.yaml'), path.join(dir, 'drift.yaml'));
    // A site folder, as here: the runbook's `{#id}` headings are the anchors VitePress renders.
    mkdirSync(path.join(dir, '.vitepress'));
    for (const f of REGISTRIES) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      cpSync(path.join(REPO, f), path.join(dir, f));
    }
    return dir;
  };
  const parity = async (dir: string, src: string) =>
    parityOf(
      (await check({ root: dir, cwd: dir, paths: REGISTRIES, sources: { agentkeys: src }, env: {} }))
        .findings,
    );
  const phantoms = (fs: Finding[], kind: string) =>
    fs.filter((f) => f.messageId === 'phantom' && f.data.kind === kind).map((f) => f.match);

  beforeAll(async () => {
    root = copyRegistries();
    // Against a source with no facts, every registry entry a kind looks at is a phantom: that is the registry.
    const empty = mkdtempSync(path.join(tmpdir(), 'drift-gate-empty-'));
    temps.push(empty);
    mkdirSync(path.join(empty, 'src'));
    const all = await parity(root, empty);
    if (upstream) source = upstream;
    else {
      source = mkdtempSync(path.join(tmpdir(), 'drift-gate-broker-'));
      temps.push(source);
      const [route, env, anchor] = ['route', 'env', 'boot-anchor'].map((k) => phantoms(all, k)[0] as string);
      mkdirSync(path.join(source, 'src'));
      writeFileSync(
        path.join(source, 'src/lib.rs'),
        `pub fn router() -> Router {\n    Router::new().route("${route}", get(handler))\n}\n`,
      );
      writeFileSync(path.join(source, 'src/env.rs'), `pub const ${env}: &str = "${env}";\n`);
      writeFileSync(
        path.join(source, 'src/boot.rs'),
        `fn start(value: &str) -> Result<(), String> {\n    Err(boot_fail(\n        env::${env},\n        value,\n        "refused",\n        "${anchor}",\n    ))\n}\n`,
      );
    }
    const base = await parity(root, source);
    const pick = (kind: string) => {
      const left = phantoms(base, kind);
      const found = phantoms(all, kind).find((v) => !left.includes(v));
      expect(found, `a ${kind} both documented and in the source`).toBeDefined();
      return found as string;
    };
    documented = { env: pick('env'), anchor: pick('boot-anchor') };
  });

  const edited = (file: string, edit: (text: string) => string): string => {
    const dir = copyRegistries();
    const before = readFileSync(path.join(dir, file), 'utf8');
    const after = edit(before);
    expect(after).not.toBe(before);
    writeFileSync(path.join(dir, file), after);
    return dir;
  };

  it('a phantom route planted in the OpenAPI file', async () => {
    const planted = '/v1/planted-by-the-gate-test';
    const dir = edited('docs/reference/broker.openapi.yaml', (t) => {
      const doc = parseDocument(t);
      doc.setIn(['paths', planted], { get: { responses: { 200: { description: planted } } } });
      return doc.toString();
    });
    const found = await parity(dir, source);
    expect(show(found.filter((f) => f.match === planted))).toEqual([
      expect.stringMatching(/^docs\/reference\/broker\.openapi\.yaml:\d+ phantom /),
    ]);
  });

  it('a variable deleted from env.yaml', async () => {
    const name = documented.env;
    expect(show((await parity(root, source)).filter((f) => f.match === name))).toEqual([]);
    const dir = edited('docs/reference/env.yaml', (t) => {
      const doc = parseDocument(t);
      visit(doc, { Map: (_key, node) => (node.get('name') === name ? visit.REMOVE : undefined) });
      return doc.toString();
    });
    expect(show((await parity(dir, source)).filter((f) => f.match === name))).toEqual([
      `docs/reference/env.yaml:1 undocumented ${name}`,
    ]);
  });

  it('a troubleshooting anchor renamed', async () => {
    const id = documented.anchor;
    const dir = edited('docs/operator-runbook-stage7.md', (t) => t.replace(`{#${id}}`, `{#${id}-renamed}`));
    const found = await parity(dir, source);
    expect(
      show(found.filter((f) => f.match === id || f.match === `${id}-renamed`)).map((s) =>
        s.replace(/:\d+ /, ' '),
      ),
    ).toEqual([
      `docs/operator-runbook-stage7.md undocumented ${id}`,
      `docs/operator-runbook-stage7.md phantom ${id}-renamed`,
    ]);
  });
});
