// Text scanner for code and data files: one unit per code line, comment runs split into sentences.
import { type RawDirective, readDirective } from './directives.ts';
import { type Doc, escapeRegExp, lineRange, splitSentences, type Unit } from './doc.ts';
import { syntaxOf } from './languages.ts';

export function scanText(doc: Doc): RawDirective[] {
  const { text, lineStarts, language } = doc;
  const syntax = syntaxOf(language);
  const plain = language === 'plain';
  const markers = [...syntax.line, ...syntax.block.map((b) => b[0])];
  const commentStart =
    markers.length > 0
      ? new RegExp(
          `^\\s*(?:${[...markers, '\\*'].map((m) => (m === '\\*' ? m : escapeRegExp(m))).join('|')})`,
        )
      : null;
  const units: Unit[] = [];
  const raw: RawDirective[] = [];
  const noRetired = () => false;
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart !== -1) splitSentences(text, runStart, runEnd, 'comment', noRetired, units);
    runStart = -1;
  };
  const count = lineStarts.length;
  for (let l = 0; l < count; l++) {
    const [s, e] = lineRange(text, lineStarts, l);
    if (s === e) {
      flush();
      continue;
    }
    const line = text.slice(s, e);
    const d = readDirective(line, l + 1, plain ? null : syntax);
    if (d) raw.push(d);
    // Consecutive whole-line comments read as prose: a retirement note may span several lines.
    if (commentStart?.test(line)) {
      if (runStart === -1) runStart = s;
      runEnd = e;
    } else {
      flush();
      units.push({ start: s, end: e, kind: 'line', retiredBlock: false });
    }
  }
  flush();
  units.sort((a, b) => a.start - b.start);
  doc.units = units;
  return raw;
}
