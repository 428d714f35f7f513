// Markdown pages of the synthetic tree: headings (duplicates and `{#custom-id}` included), prose with
// cross-page anchor links, fences and tables, and the planted retired mentions, broken anchors and decoys.
// drift-ignore-start the benchmark plants retired surfaces and decoys on purpose; the bench scores them
import { posix } from 'node:path';

export interface Snippet {
  kind: string;
  lines: string[];
  /** Index in `lines` of the line that carries `match`. */
  at: number;
  match: string;
}

export interface Section {
  heading: string;
  level: number;
  anchor: string;
}

export interface PageSpec {
  index: number;
  path: string;
  archived: boolean;
  title: string;
  sections: Section[];
  /** Every anchor VitePress produces for this page. */
  anchors: string[];
  /** True when the page has exactly two `Examples` headings (`examples`, `examples-1`). */
  hasDuplicate: boolean;
}

type Rand = () => number;

const WORDS = [
  'broker',
  'session',
  'issuer',
  'grant',
  'audit',
  'token',
  'wallet',
  'region',
  'policy',
  'trust',
  'bucket',
  'sandbox',
  'runbook',
  'signer',
  'claim',
  'scope',
  'actor',
  'keypair',
  'upload',
  'rotation',
  'health',
  'metrics',
  'storage',
  'network',
  'cache',
  'quota',
  'backup',
  'restore',
  'deploy',
  'tenant',
];
const LIVE_ENV = [
  'BROKER_OIDC_ISSUER',
  'BROKER_OIDC_JWT_TTL_SECONDS',
  'BROKER_AUDIT_DB_PATH',
  'AGENTKEYS_BROKER_URL',
];
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

function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function cap(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Slug of the generated heading texts: lower-case words joined by `-`, exactly as VitePress makes it. */
function slug(text: string): string {
  return text.toLowerCase().replace(/\s+/g, '-');
}

export function planHeadings(index: number, path: string, archived: boolean, rand: Rand): PageSpec {
  const title = `${cap(pick(rand, WORDS))} ${pick(rand, WORDS)} page ${index}`;
  const sections: Section[] = [];
  const count = 3 + Math.floor(rand() * 4);
  const customAt = rand() < 0.4 ? Math.floor(rand() * count) : -1;
  for (let k = 0; k < count; k++) {
    const text = `${cap(pick(rand, WORDS))} ${pick(rand, WORDS)} ${k + 1}`;
    if (k === customAt) {
      const id = `cid-${index}-${k}`;
      sections.push({ heading: `## ${text} {#${id}}`, level: 2, anchor: id });
    } else {
      sections.push({ heading: `## ${text}`, level: 2, anchor: slug(text) });
    }
  }
  const hasDuplicate = rand() < 0.5;
  const anchors = [slug(title), ...sections.map((s) => s.anchor)];
  if (hasDuplicate) anchors.push('examples', 'examples-1');
  return { index, path, archived, title, sections, anchors, hasDuplicate };
}

function filler(rand: Rand): string {
  const w = pick(rand, WORDS);
  const w2 = pick(rand, WORDS);
  switch (Math.floor(rand() * 6)) {
    case 0:
      return `The ${w} step reads ${pick(rand, LIVE_ENV)} before it contacts the broker.`;
    case 1:
      return `Operators check the ${w} ${w2} once per deploy and keep the output with the run.`;
    case 2:
      return 'Call `POST /v1/mint-oidc-jwt` with the session bearer to get a token for STS.';
    case 3:
      return `List grants with \`GET /v1/grants\` and revoke one with \`DELETE /v1/grants/g-${Math.floor(rand() * 900)}\`.`;
    case 4:
      return `The ${w} value follows the broker default and can be raised per ${w2}.`;
    default:
      return `Each ${w} entry names its ${w2} so the audit trail stays readable.`;
  }
}

function link(spec: PageSpec, specs: PageSpec[], rand: Rand): string {
  const target = rand() < 0.15 ? spec : pick(rand, specs);
  const anchor = pick(rand, target.anchors);
  const href = target === spec ? `#${anchor}` : `${relLink(spec.path, target.path)}#${anchor}`;
  return `Read [${target.title}](${href}) for the ${pick(rand, WORDS)} details.`;
}

interface Extras {
  retired?: Snippet;
  decoy?: Snippet;
  /** Sequence number of the broken anchor to plant on this page. */
  broken?: number;
}

interface PageOut {
  text: string;
  plants: {
    kind: string;
    rule: 'retired-reference' | 'dead-link';
    line: number;
    column: number;
    match: string;
  }[];
  decoys: { kind: string; line: number; match: string }[];
}

function brokenLink(
  n: number,
  spec: PageSpec,
  specs: PageSpec[],
  rand: Rand,
): { kind: string; line: string; match: string } {
  const others = specs.filter((s) => s !== spec);
  const target = others.length > 0 ? pick(rand, others) : spec;
  const rel = target === spec ? '' : relLink(spec.path, target.path);
  switch (n % 4) {
    case 0:
      return {
        kind: 'anchor-missing',
        line: `Details are in [the notes](${rel}#missing-step-${n}).`,
        match: `${rel}#missing-step-${n}`,
      };
    case 1:
      return {
        kind: 'anchor-same-page',
        line: `Jump back to [the summary](#missing-summary-${n}).`,
        match: `#missing-summary-${n}`,
      };
    case 2: {
      // One past the last duplicate suffix: `examples-1` exists, `examples-2` does not.
      const dup = others.find((s) => s.hasDuplicate) ?? target;
      const href = dup === spec ? '#examples-2' : `${relLink(spec.path, dup.path)}#examples-2`;
      return { kind: 'anchor-duplicate-overflow', line: `See [the third example](${href}).`, match: href };
    }
    default:
      return {
        kind: 'anchor-custom-id-typo',
        line: `See [the pinned section](${rel}#cid-${target.index}-99).`,
        match: `${rel}#cid-${target.index}-99`,
      };
  }
}

export function page(spec: PageSpec, specs: PageSpec[], rand: Rand, extras: Extras): PageOut {
  const lines: string[] = [];
  const out: PageOut = { text: '', plants: [], decoys: [] };
  const put = (snippet: Snippet, plant: boolean) => {
    const base = lines.length;
    lines.push(...snippet.lines, '');
    const text = snippet.lines[snippet.at] ?? '';
    const line = base + snippet.at + 1;
    if (plant) {
      out.plants.push({
        kind: snippet.kind,
        rule: 'retired-reference',
        line,
        column: text.indexOf(snippet.match) + 1,
        match: snippet.match,
      });
    } else {
      out.decoys.push({ kind: snippet.kind, line, match: snippet.match });
    }
  };

  if (spec.archived) lines.push('> Archived page: kept for the record.', '');
  lines.push(`# ${spec.title}`, '', `${filler(rand)} ${filler(rand)}`, '');
  const slots = spec.sections.length;
  const retiredAt = Math.floor(rand() * slots);
  const decoyAt = Math.floor(rand() * slots);
  const brokenAt = Math.floor(rand() * slots);
  spec.sections.forEach((section, k) => {
    lines.push(section.heading, '', `${filler(rand)} ${link(spec, specs, rand)} ${filler(rand)}`, '');
    if (rand() < 0.5) lines.push(link(spec, specs, rand), '');
    if (rand() < 0.3) {
      lines.push(
        '```bash',
        'curl -fsS "$AGENTKEYS_BROKER_URL/healthz"',
        `export BROKER_OIDC_JWT_TTL_SECONDS=${300 + k}`,
        '```',
        '',
      );
    }
    if (rand() < 0.2) {
      lines.push(
        '| setting | value |',
        '| --- | --- |',
        `| ${pick(rand, LIVE_ENV)} | ${pick(rand, WORDS)} |`,
        '',
      );
    }
    if (spec.hasDuplicate && k < 2) lines.push('### Examples', '', filler(rand), '');
    if (extras.retired && k === retiredAt) put(extras.retired, true);
    if (extras.decoy && k === decoyAt) put(extras.decoy, false);
    if (spec.archived && k === 0) {
      // Historical pages may describe retired surfaces as they were.
      put({ ...(MD_PLANTS[spec.index % MD_PLANTS.length] as Snippet), kind: 'md-historical' }, false);
    }
    if (extras.broken !== undefined && k === brokenAt) {
      const broken = brokenLink(extras.broken, spec, specs, rand);
      const line = lines.length + 1;
      lines.push(broken.line, '');
      out.plants.push({
        kind: broken.kind,
        rule: 'dead-link',
        line,
        column: broken.line.indexOf(broken.match) + 1,
        match: broken.match,
      });
    }
  });
  out.text = `${lines.join('\n')}\n`;
  return out;
}

/** Relative link from one page to another, as an author writes it (`../s001/p00123.md`). */
export function relLink(from: string, to: string): string {
  const rel = posix.relative(posix.dirname(from), to);
  return rel.startsWith('.') ? rel : `./${rel}`;
}
// drift-ignore-end
