// The scanned form of one file: text, line index, sentence-sized units, anchors, links and directives.

export type UnitKind = 'prose' | 'heading' | 'table' | 'code' | 'html' | 'comment' | 'line' | 'frontmatter';

/** A stretch of text judged on its own: one sentence, one table row, or one code line. */
export interface Unit {
  start: number;
  end: number;
  kind: UnitKind;
  /** Inside a `::: retired` container. */
  retiredBlock: boolean;
  /** Index in `Doc.blocks` of the innermost block that holds the unit. */
  block?: number;
  /** A code line's own trailing comment (a block index): the line is judged together with it. */
  with?: number;
  /** A whole block, split into its sentences only when a rule asks about an offset inside it. */
  lazy?: boolean;
  sentences?: Unit[];
}

export type BlockKind = 'paragraph' | 'item' | 'quote' | 'container' | 'row' | 'comment';

/** How a block's label was found: an emphasised lead, a short lead before a colon or dash, a short first sentence. */
export type LabelForm = 'mark' | 'colon' | 'sentence';

/**
 * A run of text a reader takes as one piece: a paragraph, a list item, a blockquote, a `:::` container, a
 * table row, a comment. Blocks nest; a label at the head of a block ("**Retired.**") speaks for all of it.
 */
export interface Block {
  kind: BlockKind;
  start: number;
  end: number;
  parent?: number;
  /** A container's title line (`::: warning Retired`, `> [!WARNING] Retired`): it labels the whole block. */
  title?: [number, number];
  /** The block's first paragraph: where its label (`**Retired.**`, `Removed in PR #96:`) and done marks are. */
  lead?: [number, number];
}

export type DirectiveKind = 'next-line' | 'line' | 'start' | 'end';

/** An ignore directive as read from its comment. */
export interface RawDirective {
  kind: DirectiveKind;
  line: number;
  column: number;
  reason: string;
  until?: string;
  /** The until= value is not a valid YYYY-MM-DD date. */
  badUntil?: boolean;
}

/** A directive once paired and dated: what it suppresses and whether anything used it. */
export interface Directive extends RawDirective {
  expired: boolean;
  /** Inclusive line range the directive suppresses; undefined when it suppresses nothing (unclosed start, end). */
  from?: number;
  to?: number;
  closed?: boolean;
  used: boolean;
}

export interface AnchorAt {
  id: string;
  offset: number;
  /** 1–6 for a heading's id; undefined for other elements. */
  level?: number;
}

export interface LinkRef {
  /** The link target as written. */
  href: string;
  offset: number;
  /** `<<< path` snippet include rather than a link. */
  snippet?: boolean;
}

export interface Doc {
  /** Path relative to the root, with forward slashes. */
  path: string;
  abs: string;
  text: string;
  language: string;
  lineStarts: number[];
  units: Unit[];
  blocks: Block[];
  historical: boolean;
  directives: Directive[];
  links: LinkRef[];
  /** How links in this file are read: GitHub's rendering, or VitePress's (Markdown only). */
  flavor?: 'github' | 'vitepress';
  /** Anchors a Markdown page produces on the VitePress site (heading ids, custom ids, HTML ids). */
  anchors?: Set<string>;
  /** Each heading's inline Markdown, in page order: what GitHub's ids are made from. */
  headings?: string[];
  /** `id` and `name` attributes of the page's HTML. */
  htmlIds?: string[];
  /** Anchors the same page has on GitHub, once worked out (see githubAnchorsOf). */
  githubAnchors?: Set<string>;
  /** The same anchors in page order, with the offset of the line that produces each; headings carry their level. */
  anchorList?: AnchorAt[];
  /** Vue components the page renders: their ids come from the components, not the Markdown. */
  components?: string[];
  /** Offset ranges no rule reports in (fences marked `drift-example`). */
  skip: [number, number][];
  /** Restored from the cache: the findings of the single-file rules, which are not run on it again. */
  cached?: CachedFinding[];
}

/** A finding of a single-file rule as the cache keeps it: by offset. */
export interface CachedFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  offset: number;
  match: string;
  message: string;
  suggestion: string | null;
  messageId: string;
  data: Record<string, string | number>;
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

/** 1-based line and column of an offset. */
export function positionOf(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
}

/** Offset range [start, end) of a 0-based line, without its line break. */
export function lineRange(text: string, lineStarts: number[], line0: number): [number, number] {
  const start = lineStarts[line0] ?? text.length;
  let end = (lineStarts[line0 + 1] ?? text.length + 1) - 1;
  if (end > text.length) end = text.length;
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  return [start, end];
}

export function unitAt(doc: Doc, offset: number): Unit | undefined {
  const u = findUnit(doc.units, offset);
  if (!u?.lazy) return u;
  if (!u.sentences) {
    u.sentences = [];
    splitSentences(doc.text, u.start, u.end, u.kind, () => u.retiredBlock, u.sentences, u.block);
  }
  return findUnit(u.sentences, offset);
}

function findUnit(units: Unit[], offset: number): Unit | undefined {
  let lo = 0;
  let hi = units.length - 1;
  let found: Unit | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const u = units[mid] as Unit;
    if (u.start <= offset) {
      found = u;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found && offset < Math.max(found.end, found.start + 1) ? found : undefined;
}

export function inSkip(doc: Doc, offset: number): boolean {
  for (const [s, e] of doc.skip) if (offset >= s && offset < e) return true;
  return false;
}

/** Words after which a period does not end a sentence. */
const ABBREVIATIONS =
  /(?:^|[^\w.])(?:e\.g|i\.e|etc|vs|cf|approx|no|fig|incl|resp|mr|mrs|ms|dr|inc|ltd|vol|et al)$/i;

/** Comment and blockquote markers that may open a line of a block: `//`, `///`, `//!`, `/*`, ` * `, `#`, `<!--`, `>`. */
const MARKERS = String.raw`(?:(?:\/\/[/!]?|\/\*+!?|\*+(?!\/)|#+!?|<!--|>)[ \t]*)*`;

/** What opens a line before its text: indentation, markers, and a list marker (`-`, `+`, `1.`, `1)`) with a task box. */
export const LINE_MARKERS = new RegExp(
  String.raw`^[ \t]*${MARKERS}(?:(?:[-+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)?`,
);
const ITEM_START = /(?:[-+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?$/;
const NUMBER_MARKER = new RegExp(String.raw`^[ \t]*${MARKERS}\d{1,9}\.$`);

/** Characters that may close a sentence after its final mark: quotes, brackets, emphasis. */
const CLOSERS = new Set([...`"')]}*_’”»`]);

/**
 * Splits [start, end) into sentences, across line breaks. A sentence ends at `.`, `!` or `?` (followed by
 * closing quotes, brackets or emphasis) before a blank or the end; not inside a `code span`, not after a
 * known abbreviation, and not at the number of a list marker. A line that is blank once its markers are
 * removed, or that starts a list item, also starts a new sentence.
 */
export function splitSentences(
  text: string,
  start: number,
  end: number,
  kind: UnitKind,
  retiredBlock: (offset: number) => boolean,
  out: Unit[],
  block?: number,
): void {
  let s = start;
  const push = (to: number) => {
    if (to > s && /\S/.test(text.slice(s, to))) {
      const u: Unit = { start: s, end: to, kind, retiredBlock: retiredBlock(s) };
      if (block !== undefined) u.block = block;
      out.push(u);
    }
    s = to;
  };
  let tick = 0;
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 96) {
      // A run of backticks opens a code span that a run of the same length closes.
      let n = 1;
      while (i + n < end && text.charCodeAt(i + n) === 96) n++;
      if (tick === 0) {
        const close = text.indexOf('`'.repeat(n), i + n);
        if (close !== -1 && close < end) tick = n;
      } else if (n === tick) tick = 0;
      i += n;
      continue;
    }
    if (c === 10) {
      const lineEnd = text.indexOf('\n', i + 1);
      const line = text.slice(i + 1, lineEnd === -1 || lineEnd > end ? end : lineEnd);
      const marker = LINE_MARKERS.exec(line)?.[0] ?? '';
      if (line.slice(marker.length).trim() === '' || ITEM_START.test(marker)) {
        tick = 0;
        push(i + 1);
      }
      i++;
      continue;
    }
    if (tick !== 0 || (c !== 46 && c !== 33 && c !== 63)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < end && CLOSERS.has(text[j] as string)) j++;
    const next = j < end ? text.charCodeAt(j) : 32;
    if (next !== 32 && next !== 10 && next !== 13 && next !== 9) {
      i++;
      continue;
    }
    if (c === 46) {
      const lineStart = text.lastIndexOf('\n', i - 1) + 1;
      if (
        ABBREVIATIONS.test(text.slice(Math.max(s, i - 10), i)) ||
        NUMBER_MARKER.test(text.slice(Math.max(lineStart, s), i + 1))
      ) {
        i++;
        continue;
      }
    }
    push(j);
    i = j;
  }
  push(end);
}

const WORD = /[\p{L}\p{N}][\p{L}\p{N}_'’-]*/gu;

/** Words in `s`, counted up to 7: a label has at most six. */
function words(s: string): number {
  WORD.lastIndex = 0;
  let n = 0;
  while (n < 7 && WORD.exec(s)) n++;
  return n;
}

/**
 * The lead that labels a block, if it has one: an emphasised span that opens it (`**Retired.**`), a lead
 * of at most six words before a colon or a dash (`Removed in PR #96: …`), or a first sentence of at most
 * six words (`Deprecated.`).
 */
export function findLabel(
  text: string,
  start: number,
  end: number,
): { start: number; end: number; form: LabelForm } | undefined {
  const head = text.slice(start, Math.min(end, start + 400));
  let k = LINE_MARKERS.exec(head)?.[0].length ?? 0;
  // Done marks and other symbols ahead of the first word.
  while (k < head.length && /[^\p{L}\p{N}*_`[]/u.test(head[k] as string)) k++;
  const from = start + k;
  const emphasis = /^(\*\*|__|\*|_)(?=\S)([\s\S]*?\S)\1(?![\w*])/.exec(head.slice(k));
  if (emphasis) {
    const inner = from + (emphasis[1] as string).length;
    return { start: inner, end: inner + (emphasis[2] as string).length, form: 'mark' };
  }
  // The first sentence, without crossing a blank line.
  const rest = head.slice(k);
  const stop = /[.!?](?=[\s"')\]*_]|$)|\n[ \t]*(?:(?:\/\/[/!]?|#|\*|>)[ \t]*)*(?=\n)/.exec(rest);
  const first = stop ? rest.slice(0, stop.index + (stop[0].startsWith('\n') ? 0 : 1)) : rest;
  const colon = /:(?=\s|$)|\s[—–-]{1,2}\s/.exec(first);
  if (colon && words(first.slice(0, colon.index)) <= 6 && words(first.slice(0, colon.index)) > 0)
    return { start: from, end: from + colon.index, form: 'colon' };
  if (stop && words(first) > 0 && words(first) <= 6)
    return { start: from, end: from + first.length, form: 'sentence' };
  return undefined;
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
