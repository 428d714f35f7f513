// Markdown pages of the synthetic tree: headings (duplicates and `{#custom-id}` included), prose with
// cross-page anchor links, fences and tables, and the planted retired mentions, broken anchors and decoys.
import { posix } from 'node:path';
import { grantsSentence, MD_PLANTS, type Placed, pick, place, type Rand, type Snippet } from './snippets.ts';

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

const WORDS =
  'broker session issuer grant audit token wallet region policy trust bucket sandbox runbook signer claim scope actor keypair upload rotation health metrics storage network cache quota backup restore deploy tenant'.split(
    ' ',
  );
const LIVE_ENV = [
  'BROKER_OIDC_ISSUER',
  'BROKER_OIDC_JWT_TTL_SECONDS',
  'BROKER_AUDIT_DB_PATH',
  'AGENTKEYS_BROKER_URL',
];

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
      return grantsSentence(Math.floor(rand() * 900));
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

interface PageOut extends Placed {
  text: string;
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
  const put = (snippet: Snippet, plant: boolean) => place(lines, out, snippet, plant);

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
