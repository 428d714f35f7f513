// Text scanner for code and data files (and code fences): each comment, with the comment lines that
// directly follow it, is one block read as prose, split into sentences across its lines; every other line
// stands alone, judged together with its own trailing comment. Plain text is read as paragraphs.
import { type RawDirective, readDirective } from './directives.ts';
import { type Block, type Doc, lineRange, type Unit } from './doc.ts';
import { commentRanges } from './extract.ts';
import { syntaxOf } from './languages.ts';

export function scanText(doc: Doc): RawDirective[] {
  const { text, lineStarts, language } = doc;
  const syntax = syntaxOf(language);
  const raw: RawDirective[] = [];
  const lines = text.includes('drift-ignore-') ? lineStarts.length : 0;
  for (let l = 0; l < lines; l++) {
    const [s, e] = lineRange(text, lineStarts, l);
    const d = readDirective(text.slice(s, e), l + 1, language === 'plain' ? null : syntax);
    if (d) raw.push(d);
  }
  const units: Unit[] = [];
  const blocks: Block[] = [];
  if (language === 'plain') scanParagraphs(text, 0, text.length, units, blocks);
  else scanCode(text, language, 0, text.length, units, blocks);
  units.sort((a, b) => a.start - b.start);
  doc.units = units;
  doc.blocks = blocks;
  return raw;
}

const never = () => false;

/** Plain text: paragraphs (runs of non-blank lines) split into sentences, each paragraph a block. */
function scanParagraphs(text: string, from: number, to: number, units: Unit[], blocks: Block[]): void {
  const para = /(?:[^\n]*\S[^\n]*(?:\n|$))+/g;
  para.lastIndex = from;
  for (let m = para.exec(text); m && m.index < to; m = para.exec(text)) {
    if (m[0] === '') break;
    const start = m.index;
    const end = Math.min(to, start + m[0].replace(/\s+$/, '').length);
    const index = blocks.length;
    blocks.push({ kind: 'paragraph', start, end, lead: [start, end] });
    units.push({ start, end, kind: 'prose', retiredBlock: false, block: index, lazy: true });
  }
}

/**
 * Code in [from, to): comment blocks and code lines. `parent` is the block the code stands in (a list item
 * holding a fence); `retired` says whether an offset is inside a `::: retired` container.
 */
export function scanCode(
  text: string,
  language: string,
  from: number,
  to: number,
  units: Unit[],
  blocks: Block[],
  parent?: number,
  retired: (offset: number) => boolean = never,
): void {
  const lineStartOf = (i: number) => text.lastIndexOf('\n', i - 1) + 1;
  const lineEndOf = (i: number) => {
    const e = text.indexOf('\n', i);
    return e === -1 || e > to ? to : e;
  };
  // Comments that run to the end of their line, grouped with the whole-line comments right below them.
  const groups: { start: number; end: number; trailing: boolean }[] = [];
  for (const [s, e] of commentRanges(text, language, from, to)) {
    const before = text.slice(Math.max(from, lineStartOf(s)), s);
    const after = text.slice(e, lineEndOf(e));
    // A comment with code after it on its line belongs to that line.
    if (after.trim() !== '') continue;
    const whole = before.trim() === '';
    const last = groups[groups.length - 1];
    const gap = last ? text.slice(last.end, s) : '';
    if (last && whole && /^[ \t\r]*\n[ \t]*$/.test(gap)) last.end = e;
    else groups.push({ start: s, end: e, trailing: !whole });
  }
  const blockAt = new Map<number, number>();
  for (const g of groups) {
    const index = blocks.length;
    const blank = /\n[ \t]*(?:(?:\/\/[/!]?|#|\*)[ \t]*)?(?=\n)/.exec(text.slice(g.start, g.end));
    blocks.push({
      kind: 'comment',
      start: g.start,
      end: g.end,
      parent,
      lead: [g.start, blank ? g.start + blank.index : g.end],
    });
    units.push({
      start: g.start,
      end: g.end,
      kind: 'comment',
      retiredBlock: retired(g.start),
      block: index,
      lazy: true,
    });
    blockAt.set(lineStartOf(g.start), index);
  }
  // Code lines: what is left of each line once its comment block is taken out.
  let g = 0;
  for (let s = from; s < to; ) {
    let e = lineEndOf(s);
    const next = e + 1;
    while (g < groups.length && (groups[g] as { end: number }).end <= s) g++;
    const group = groups[g];
    if (group && group.start < e && group.start >= s) e = group.start;
    else if (group && group.start < s) {
      // Inside a comment block that spans this line.
      s = next;
      continue;
    }
    if (e > s && text.charCodeAt(e - 1) === 13) e--;
    if (text.slice(s, e).trim() !== '') {
      const u: Unit = { start: s, end: e, kind: 'line', retiredBlock: retired(s) };
      if (parent !== undefined) u.block = parent;
      const own = group?.trailing && group.start >= s && group.start <= lineEndOf(s);
      if (own) u.with = blockAt.get(lineStartOf(group.start));
      units.push(u);
    }
    s = next;
  }
}
