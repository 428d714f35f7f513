// The scanned form of one file: text, line index, sentence-sized units, anchors, links and directives.

export type UnitKind = 'prose' | 'heading' | 'table' | 'code' | 'html' | 'comment' | 'line' | 'frontmatter';

/** A stretch of text judged on its own: one sentence, one table row, or one code line. */
export interface Unit {
  start: number;
  end: number;
  kind: UnitKind;
  /** Inside a `::: retired` container. */
  retiredBlock: boolean;
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
  historical: boolean;
  directives: Directive[];
  links: LinkRef[];
  /** Anchors a Markdown page produces (heading ids, custom ids, HTML ids). */
  anchors?: Set<string>;
  /** The same anchors in page order, with the offset of the line that produces each; headings carry their level. */
  anchorList?: AnchorAt[];
  /** Vue components the page renders: their ids come from the components, not the Markdown. */
  components?: string[];
  /** Offset ranges no rule reports in (fences marked `drift-example`). */
  skip: [number, number][];
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
  const units = doc.units;
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

const ABBREVIATIONS = /(?:^|[\s(])(?:e\.g|i\.e|etc|vs|cf|approx|no|fig)$/i;

/** Splits [start, end) into sentences; a sentence ends at . ! or ? followed by whitespace. */
export function splitSentences(
  text: string,
  start: number,
  end: number,
  kind: UnitKind,
  retiredBlock: (offset: number) => boolean,
  out: Unit[],
): void {
  let s = start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // . ! ?
    if (c !== 46 && c !== 33 && c !== 63) continue;
    const next = i + 1 < end ? text.charCodeAt(i + 1) : 32;
    if (next !== 32 && next !== 10 && next !== 13 && next !== 9) continue;
    if (c === 46 && ABBREVIATIONS.test(text.slice(Math.max(s, i - 8), i))) continue;
    out.push({ start: s, end: i + 1, kind, retiredBlock: retiredBlock(s) });
    s = i + 1;
  }
  if (s < end && text.slice(s, end).trim() !== '')
    out.push({ start: s, end, kind, retiredBlock: retiredBlock(s) });
}

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
