// The Markdown plants and decoys of the synthetic tree, one retired surface per snippet: every context the
// checker must cover, and every exemption it must honour.
// drift-ignore-start the benchmark plants retired surfaces and decoys on purpose; the bench scores them

export interface Snippet {
  kind: string;
  lines: string[];
  /** Index in `lines` of the line that carries `match`. */
  at: number;
  match: string;
}

const HANDLER = 'crates/agentkeys-broker-server/src/handlers/mint.rs';
const EP = '/v1/mint-aws-creds';

const one = (kind: string, line: string, match: string): Snippet => ({ kind, lines: [line], at: 0, match });

/** Retired surfaces presented as live, one per snippet, in every Markdown context the checker covers. */
export const MD_PLANTS: Snippet[] = [
  one('md-prose-endpoint', `The upload job calls POST ${EP} to get short-lived keys for each bucket.`, EP),
  one('md-inline-code', `Send the session bearer to \`POST ${EP}\` and keep the keys in memory.`, EP),
  {
    kind: 'md-fence-curl',
    lines: [
      '```bash',
      `curl -fsS -X POST "$AGENTKEYS_BROKER_URL${EP}" \\`,
      '  -H "Authorization: Bearer $AGENTKEYS_SESSION_JWT"',
      '```',
    ],
    at: 1,
    match: EP,
  },
  {
    kind: 'md-table-cell',
    lines: [
      '| method | path | purpose |',
      '| --- | --- | --- |',
      '| POST | `/v1/mint-oidc-jwt` | OIDC token for STS |',
      `| POST | \`${EP}\` | temporary AWS keys |`,
    ],
    at: 3,
    match: EP,
  },
  one('md-heading', `### Calling the mint route at ${EP}`, EP),
  {
    kind: 'md-ascii-diagram',
    lines: ['```text', `client ──► broker ──► POST ${EP} ──► AWS keys`, '```'],
    at: 1,
    match: EP,
  },
  one('md-url', `Point the job at https://broker.example.com${EP}?actor=ops for keys.`, EP),
  one(
    'md-link-target',
    `The grant check is in [mint.rs](https://github.com/litentry/agentKeys/blob/main/${HANDLER}#L125).`,
    'handlers/mint.rs',
  ),
  one('md-file-ref', `The grant check lives in \`${HANDLER}#L125\` today.`, 'handlers/mint.rs'),
  one(
    'md-env',
    'Set BROKER_REQUIRE_EXPLICIT_GRANT=true on the broker to enforce grants per request.',
    'BROKER_REQUIRE_EXPLICIT_GRANT',
  ),
  one(
    'md-header',
    'Clients send an Idempotency-Key header so the broker can dedupe repeated requests.',
    'Idempotency-Key',
  ),
  one('md-symbol', "The mint_v2 handler checks the caller's grant first.", 'mint_v2'),
  one('md-symbol-consume', 'Each request spends one grant use through try_consume.', 'try_consume'),
];

/** Mentions a correct checker must not report: retirement notes, containers, directives, longer paths. */
export const MD_DECOYS: Snippet[] = [
  one('md-retirement-sentence', `POST ${EP} was removed in PR #96 and the route now returns 404.`, EP),
  {
    kind: 'md-retired-container',
    lines: ['::: retired', `\`POST ${EP}\` handed temporary AWS keys to callers.`, ':::'],
    at: 1,
    match: EP,
  },
  one('md-longer-path', `The batch job calls POST ${EP}-v2 with the same bearer.`, `${EP}-v2`),
  {
    kind: 'md-directive',
    lines: [
      '<!-- drift-ignore-next-line quoted from the 2025 incident log -->',
      `> 09:14 the broker answered POST ${EP} in 80 ms`,
    ],
    at: 1,
    match: EP,
  },
  one('md-replaced-by', 'The Idempotency-Key header was replaced by client-side dedup.', 'Idempotency-Key'),
  one(
    'md-term-allowed',
    'The legacy agentkeys_user_wallet column stays for back-compat readers.',
    'agentkeys_user_wallet',
  ),
  one(
    'md-env-gone',
    'BROKER_REQUIRE_EXPLICIT_GRANT is gone and nothing reads it.',
    'BROKER_REQUIRE_EXPLICIT_GRANT',
  ),
];
/** Live paths of the synthetic tree's own OpenAPI document, with a concrete path parameter. */
export const grantsSentence = (id: number) =>
  `List grants with \`GET /v1/grants\` and revoke one with \`DELETE /v1/grants/g-${id}\`.`;
// drift-ignore-end

/** Where the planted findings and the decoys of one generated file are expected. */
export interface Placed {
  plants: {
    kind: string;
    rule: 'retired-reference' | 'dead-link';
    line: number;
    column: number;
    match: string;
  }[];
  decoys: { kind: string; line: number; match: string }[];
}

/** Appends a snippet and a blank line to `lines`, and records its match as a plant or a decoy. */
export function place(lines: string[], out: Placed, snippet: Snippet, plant: boolean): void {
  const line = lines.length + snippet.at + 1;
  if (plant) {
    const text = snippet.lines[snippet.at] ?? '';
    const column = text.indexOf(snippet.match) + 1;
    out.plants.push({ kind: snippet.kind, rule: 'retired-reference', line, column, match: snippet.match });
  } else {
    out.decoys.push({ kind: snippet.kind, line, match: snippet.match });
  }
  lines.push(...snippet.lines, '');
}

/** A seeded random source in [0, 1), as the generator makes it. */
export type Rand = () => number;

/** One item of a list, chosen by the seeded random source. */
export function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}
