// The config loader: the repository's own drift.yaml, env expansion, and errors naming file, line and key.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DriftUsageError, loadConfig, parseConfig } from '../../scripts/drift/index.ts';
import { REPO } from './helpers.ts';

const base = 'include: ["docs/**/*.md"]\n';

function errorOf(text: string): string {
  try {
    parseConfig(text, '/x/drift.yaml', {});
  } catch (error) {
    expect(error).toBeInstanceOf(DriftUsageError);
    return (error as Error).message;
  }
  throw new Error('expected a config error');
}

describe('config', () => {
  it("accepts the repository's drift.yaml", () => {
    const c = loadConfig(path.join(REPO, 'drift.yaml'), {});
    expect(c.retired.some((r) => r.kind === 'endpoint' && r.value === 'POST /v1/mint-aws-creds')).toBe(true);
    expect(c.terms.map((t) => t.deprecated)).toContain('agentkeys_user_wallet');
    expect(c.openapi).toBe(path.join(REPO, 'docs/reference/broker.openapi.yaml'));
    expect(c.sources[0]).toMatchObject({
      name: 'agentkeys',
      root: undefined,
      github: 'https://github.com/litentry/agentKeys',
    });
  });

  it('accepts the drift.yaml example of DESIGN.md, whose entries may name only their surface', () => {
    const example = [
      'include: ["docs/**/*.md", "runbooks/**/*.ts", "scripts/**/*.ts", "README.md"]',
      'exclude: ["**/node_modules/**"]',
      'historical: ["docs/archived/**"]',
      'sources:',
      '  agentkeys:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a YAML env reference, not a template
      '    root: ${AGENTKEYS_SRC}',
      '    manifest: docs/reference/agentkeys-source.json',
      '    github: https://github.com/litentry/agentKeys',
      '    parity:',
      '      - kind: route',
      '        files: ["src/**/*.rs"]',
      `        extract: '\\.route\\(\\s*"([^"]+)"'`,
      '        against: openapi-paths',
      '      - kind: env',
      '        files: ["src/**/*.rs"]',
      `        extract: '"(BROKER_[A-Z0-9_]+)"'`,
      '        against: env-names',
      '      - kind: boot-anchor',
      '        files: ["src/boot.rs", "src/config.rs"]',
      `        extract: 'see runbook §([a-z0-9-]+)|boot_fail\\([^;]*?"([a-z0-9-]+)",\\s*\\)'`,
      '        against: runbook-anchors:docs/operator-runbook-stage7.md',
      '    undocumented:',
      '      - { kind: route, value: /auth/oauth2/callback, reason: "browser redirect target, not an API call" }',
      'retired:',
      '  - endpoint: POST /v1/mint-aws-creds',
      '    replacement: POST /v1/mint-oidc-jwt + client-side sts:AssumeRoleWithWebIdentity',
      '    removed: PR #96',
      '  - file: crates/agentkeys-broker-server/src/handlers/mint.rs',
      '  - symbol: mint_v2',
      '  - env: BROKER_REQUIRE_EXPLICIT_GRANT',
      '  - header: Idempotency-Key',
      'terms:',
      '  - deprecated: agentkeys_user_wallet',
      '    prefer: agentkeys_actor_omni',
      '    allowNear: [legacy, back-compat]',
      '',
    ].join('\n');
    const c = parseConfig(example, '/p/drift.yaml', {});
    expect(c.retired.map((r) => r.kind)).toEqual(['endpoint', 'file', 'symbol', 'env', 'header']);
    expect(c.retired[1]).toMatchObject({ value: 'crates/agentkeys-broker-server/src/handlers/mint.rs' });
    expect(c.retired[1]?.description).toBeUndefined();
    const parity = c.sources[0]?.parity ?? [];
    expect(parity.map((p) => [p.kind, p.against.type, p.line])).toEqual([
      ['route', 'openapi-paths', 10],
      ['env', 'env-names', 14],
      ['boot-anchor', 'runbook-anchors', 18],
    ]);
    expect(parity[2]?.against).toMatchObject({
      file: '/p/docs/operator-runbook-stage7.md',
      section: undefined,
    });
    expect(parity[0]?.extract.exec('.route("/healthz", get(h))')?.[1]).toBe('/healthz');
    expect(c.sources[0]?.undocumented).toEqual([
      {
        kind: 'route',
        value: '/auth/oauth2/callback',
        reason: 'browser redirect target, not an API call',
        line: 23,
      },
    ]);
  });

  it('expands an env reference in a source root, relative to the config folder', () => {
    const c = parseConfig(`${base}sources:\n  a:\n    root: \${SRC}/x\n`, '/p/drift.yaml', { SRC: 'co' });
    expect(c.sources[0]?.root).toBe('/p/co/x');
  });

  it('keeps retirementWords (which replaces the vocabulary’s list) apart from terms that extend it', () => {
    expect(parseConfig(base, '/p/drift.yaml', {}).retirementWords).toBeUndefined();
    expect(parseConfig(`${base}retirementWords: [sunset]\n`, '/p/drift.yaml', {}).retirementWords).toEqual([
      'sunset',
    ]);
    const map = parseConfig(
      `${base}terms:\n  deprecated:\n    - { deprecated: old_name, prefer: new_name }\n  retirement: [went dark]\n  pending: [on the chopping block]\n`,
      '/p/drift.yaml',
      {},
    );
    expect(map.extraCues).toEqual({ retirement: ['went dark'], pending: ['on the chopping block'] });
    expect(map.terms).toEqual([{ deprecated: 'old_name', prefer: 'new_name', allowNear: [] }]);
    const list = parseConfig(`${base}terms:\n  - { deprecated: a_b, prefer: c_d }\n`, '/p/drift.yaml', {});
    expect(list.terms.map((t) => t.deprecated)).toEqual(['a_b']);
    expect(list.extraCues).toEqual({ retirement: [], pending: [] });
  });

  it.each([
    ['unknown top-level key', `${base}exlude: []\n`, /drift\.yaml:2: unknown key "exlude"/],
    [
      'unknown key in a retired entry',
      `${base}retired:\n  - symbol: a\n    description: d\n    replace: b\n`,
      /:5: unknown key "replace" in retired\.0/,
    ],
    [
      'unknown key in live',
      `${base}live:\n  openapi: a.yaml\n  envs: b.yaml\n`,
      /:4: unknown key "envs" in live/,
    ],
    [
      'two surfaces in one entry',
      `${base}retired:\n  - symbol: a\n    env: B\n    description: d\n`,
      /:3: "retired\.0": needs exactly one of/,
    ],
    ['include missing', 'exclude: []\n', /:1: "include"/],
    ['wrong type', `${base}historical: docs\n`, /:2: "historical"/],
    ['bad YAML', `${base}retired: [\n`, /drift\.yaml:\d+: invalid YAML/],
    ['duplicate key', `${base}include: []\n`, /invalid YAML/],
  ])('rejects %s', (_name, text, pattern) => {
    expect(errorOf(text)).toMatch(pattern);
  });

  it('names a missing config file', () => {
    expect(() => loadConfig('/nowhere/drift.yaml')).toThrow(/nowhere\/drift\.yaml: config file not found/);
  });
});
