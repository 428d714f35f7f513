// Code files of the synthetic tree (TypeScript, Rust, YAML, shell) with ordinary comments, planted retired
// mentions in comments and strings, and decoys written in each language's own comment syntax.
// drift-ignore-start the benchmark plants retired surfaces and decoys on purpose; the bench scores them
import { type Placed, pick, place, type Rand, type Snippet } from './snippets.ts';

export type CodeKind = 'ts' | 'rs' | 'yaml' | 'sh';

const EP = '/v1/mint-aws-creds';
const HANDLER = 'crates/agentkeys-broker-server/src/handlers/mint.rs';
const one = (kind: string, line: string, match: string): Snippet => ({ kind, lines: [line], at: 0, match });
const ignored = (kind: string, directive: string, line: string, match: string): Snippet => ({
  kind,
  lines: [directive, line],
  at: 1,
  match,
});

export const CODE_PLANTS: Record<CodeKind, Snippet[]> = {
  ts: [
    one('ts-comment', `// Fetch keys from POST ${EP} before each upload.`, EP),
    one('ts-string', `const MINT_PATH = '${EP}';`, EP),
    one('ts-jsdoc', `/** Retries the call to POST ${EP} when the broker is busy. */`, EP),
  ],
  rs: [
    one('rs-doc-comment', '/// Delegates to mint_v2 for the grant check.', 'mint_v2'),
    one('rs-file-comment', `// See ${HANDLER}#L125 for the flow.`, 'handlers/mint.rs'),
    one('rs-call', 'pub fn spend(g: &mut Grants) -> bool { g.try_consume(1) }', 'try_consume'),
  ],
  yaml: [
    one('yaml-comment', `# mint route: POST ${EP}`, EP),
    one('yaml-value', `mint_path: ${EP}`, EP),
    one('yaml-env', 'BROKER_REQUIRE_EXPLICIT_GRANT: "true"', 'BROKER_REQUIRE_EXPLICIT_GRANT'),
  ],
  sh: [
    one('sh-curl', `curl -fsS -X POST "$AGENTKEYS_BROKER_URL${EP}"`, EP),
    one('sh-env', 'export BROKER_REQUIRE_EXPLICIT_GRANT=true', 'BROKER_REQUIRE_EXPLICIT_GRANT'),
    one(
      'sh-header',
      'curl -fsS -H "Idempotency-Key: $REQ_ID" "$AGENTKEYS_BROKER_URL/healthz"',
      'Idempotency-Key',
    ),
  ],
};

export const CODE_DECOYS: Record<CodeKind, Snippet[]> = {
  ts: [
    one('ts-retirement-comment', `// POST ${EP} was removed in PR #96; this client mints OIDC tokens.`, EP),
    one('ts-longer-path', `const NEXT_PATH = '${EP}-v2';`, `${EP}-v2`),
    ignored(
      'ts-directive',
      '// drift-ignore-next-line fixture for the migration test',
      `const OLD_PATH = '${EP}';`,
      EP,
    ),
  ],
  rs: [
    one('rs-retirement-comment', '// mint_v2 was deleted with the mint route in PR #96.', 'mint_v2'),
    ignored(
      'rs-directive',
      '// drift-ignore-next-line kept to read old audit rows',
      `const OLD_ROUTE: &str = "${EP}";`,
      EP,
    ),
  ],
  yaml: [
    one('yaml-retirement-comment', `# ${EP} is retired; the job mints OIDC tokens instead.`, EP),
    one('yaml-longer-path', `next_path: ${EP}-v2`, `${EP}-v2`),
  ],
  sh: [
    one('sh-retirement-comment', '# Idempotency-Key is no longer sent by this script.', 'Idempotency-Key'),
    ignored(
      'sh-directive',
      '# drift-ignore-next-line shows the old call for the migration guide',
      `echo "old: POST ${EP}"`,
      EP,
    ),
  ],
};

const WORDS = [
  'upload',
  'grant',
  'audit',
  'token',
  'region',
  'bucket',
  'session',
  'policy',
  'quota',
  'cache',
];

function block(kind: CodeKind, i: number, k: number, rand: Rand): string[] {
  const w = pick(rand, WORDS);
  const w2 = pick(rand, WORDS);
  switch (kind) {
    case 'ts':
      return [
        `/** Builds the ${w} request for the ${w2} step. */`,
        `export function ${w}${k}_${i}(base: string, ttl = ${300 + k}): { url: string; ttl: number } {`,
        `  // The broker URL comes from AGENTKEYS_BROKER_URL; ${w2} calls share it.`,
        `  return { url: \`\${base}/v1/mint-oidc-jwt?${w}=${k}\`, ttl };`,
        '}',
      ];
    case 'rs':
      return [
        `/// Checks the ${w} limit before the ${w2} step.`,
        `pub fn ${w}_${k}_${i}(limit: u32, used: u32) -> bool {`,
        `    // A ${w2} over its limit waits for the next window.`,
        '    used < limit',
        '}',
      ];
    case 'yaml':
      return [
        `# ${w} settings for the ${w2} job`,
        `${w}_${k}:`,
        `  ttl_seconds: ${300 + k}`,
        `  region: eu-west-${1 + (k % 3)}`,
      ];
    case 'sh':
      return [
        `# Check the ${w} endpoint before the ${w2} step.`,
        `check_${w}_${k}() {`,
        `  curl -fsS "$AGENTKEYS_BROKER_URL/readyz" >/dev/null || return 1`,
        '}',
      ];
  }
}

function header(kind: CodeKind, i: number): string[] {
  switch (kind) {
    case 'ts':
      return [`// Module ${i}: helpers the upload job shares.`, ''];
    case 'rs':
      return [`//! Crate module ${i}: limits and checks.`, ''];
    case 'yaml':
      return [`# Deploy settings ${i}.`, `name: job-${i}`];
    case 'sh':
      return ['#!/usr/bin/env bash', `# Ops script ${i}.`, 'set -euo pipefail', ''];
  }
}

interface CodeOut extends Placed {
  text: string;
}

export function codeFile(
  kind: CodeKind,
  i: number,
  rand: Rand,
  extras: { plant?: Snippet; decoy?: Snippet },
): CodeOut {
  const lines = header(kind, i);
  const out: CodeOut = { text: '', plants: [], decoys: [] };
  const blocks = 4 + Math.floor(rand() * 5);
  const plantAt = Math.floor(rand() * blocks);
  const decoyAt = Math.floor(rand() * blocks);
  for (let k = 0; k < blocks; k++) {
    lines.push(...block(kind, i, k, rand), '');
    for (const [snippet, plant] of [
      [extras.plant, true],
      [extras.decoy, false],
    ] as const) {
      if (snippet && k === (plant ? plantAt : decoyAt)) place(lines, out, snippet, plant);
    }
  }
  out.text = `${lines.join('\n')}\n`;
  return out;
}
// drift-ignore-end
